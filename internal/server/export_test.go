package server

import "time"

// SetLoopTick makes the event loops started from now on sleep at most d in
// epoll_wait, and returns what restores the tick before it. Call it before
// the node starts and restore it after the node has stopped.
func SetLoopTick(d time.Duration) (restore func()) {
	old := loopTick
	loopTick = d
	return func() { loopTick = old }
}
