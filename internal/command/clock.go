package command

import (
	"sync/atomic"
	"time"
)

// clock is the default time source of a Server: time.Now costs two clock reads (wall and
// monotonic), which on a virtual machine's clock are a large share of a GET. clock reads only
// the monotonic clock and adds it to a wall-clock base taken at most a second earlier, so a
// command's start time (and its duration, with time.Since) costs one read each, and a step of
// the wall clock shows within a second.
type clock struct {
	base atomic.Pointer[time.Time]
}

// rebase is how old the base may get before the next reading takes a new one.
const rebase = time.Second

// now returns the current time, with a monotonic reading.
func (c *clock) now() time.Time {
	if b := c.base.Load(); b != nil {
		if d := time.Since(*b); d >= 0 && d < rebase {
			return b.Add(d)
		}
	}
	t := time.Now()
	c.base.Store(&t)
	return t
}
