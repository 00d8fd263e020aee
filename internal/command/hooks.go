package command

import "github.com/larderdb/larder/internal/engine"

// This file holds the seams between Dispatch and the features that change
// how a command runs: pub/sub mode, MULTI queueing and blocked clients. Each
// is a small method whose full implementation lives with its feature.

// pubsubAllows reports whether cmd may run in x's current mode; in RESP2 a
// subscribed client may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING,
// QUIT and RESET. When it returns false it has replied with the error.
func (s *Server) pubsubAllows(x *Ctx, cmd *Command) bool { return true }

// queueInMulti queues cmd when x is inside MULTI and reports whether it did
// (the reply is then QUEUED or an error).
func (s *Server) queueInMulti(x *Ctx, cmd *Command) bool { return false }

// serveBlocked serves the clients blocked on the keys x's command made ready
// (x.ready), in the order they blocked, then clears x.ready.
func (s *Server) serveBlocked(x *Ctx) { x.ready = x.ready[:0] }

// OnChange receives every change of the keyspace from the engine's change
// stream (engine.Options.OnChange), with the key's shard lock held: it
// breaks WATCHes, and publishes keyspace notifications for expiries and
// evictions. It must not call into the DB.
func (s *Server) OnChange(c *engine.Change) {}
