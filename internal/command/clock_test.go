package command

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var c clock
	prev := c.now()
	for range 1000 {
		got := c.now()
		if got.Before(prev) {
			t.Fatalf("clock went back: %v after %v", got, prev)
		}
		if d := time.Since(got); d < 0 || d > 50*time.Millisecond {
			t.Fatalf("clock is %v off the monotonic clock", d)
		}
		if d := time.Now().Sub(got); d < -time.Millisecond || d > rebase+50*time.Millisecond {
			t.Fatalf("clock is %v off the wall clock", d)
		}
		prev = got
	}
	// An old base is replaced on the next reading.
	old := time.Now().Add(-2 * rebase)
	c.base.Store(&old)
	if got := c.now(); time.Now().Sub(got) > 50*time.Millisecond || c.base.Load() == &old {
		t.Fatalf("stale base kept: now %v", got)
	}
}
