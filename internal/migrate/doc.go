// Package migrate moves slots between nodes: the keys of a slot, every type with its TTL,
// stream from the engine of the node that owns it (Source) to the engine of the node it goes
// to (Target) over a gRPC stream on the cluster bus, while clients keep reading and writing
// it; a short pause, a flip of the cluster map, and the source drops its copy.
//
// # Wiring it into a node
//
//	hub := new(migrate.Hub)
//	db, _ := engine.Open(engine.Options{..., OnChange: migrate.Fanout(hub.OnChange, notify)})
//	src := migrate.NewSource(db, hub, migrate.SourceOptions{ID: id, Logger: log,
//		Flip: func(ctx context.Context, target string, slots []uint16) error {
//			return topo.SlotsMoved(ctx, ints(slots)...) // returns once this node's map shows it
//		}})
//	tgt := migrate.NewTarget(db, hub, migrate.TargetOptions{Logger: log, Limits: limitsFromConfig,
//		Accept: func(source string, slots []uint16) error { /* each slot migrates source -> me */ },
//		Owns:   func(slot uint16) bool { /* the map's primary of slot is me */ }})
//	migrate.Register(bus.Server(), tgt)                      // before bus.Serve
//	view := migrate.NewView(topologyView, hub)              // command.Options.Cluster
//
// and, for every migration in the map whose source is this node (topology.Map.Migrations):
//
//	conn, _ := bus.Conn(targetBusAddr)
//	err := src.Move(ctx, conn, targetID, slots)             // retry later on error
//
// Move moves the slots in sessions of SlotsPerFlip slots; each is paused and flipped on its
// own. src.Progress() is INFO's cluster section (slots moved of total, keys, bytes, rate,
// time left); Move logs a line at the start, at every 10% and at the end.
//
// The command layer must do two things:
//
//  1. Use View (or the same rules) as its cluster view. The control plane marks a slot
//     migrating for the whole move; under Redis's rules the source would then answer ASK for
//     keys it lacks and the target serve them to ASKING clients, so that two nodes take
//     writes for one slot while the copy runs. Here the source alone serves the slot until
//     the flip, and the target serves it from its commit on (see View).
//  2. Refuse a command on a paused slot, checked while it holds the command's keys: in
//     Dispatch, after engine.DB.Begin and before the handler, if hub.Paused(slot) then end
//     the Txn and answer "TRYAGAIN ...". (View also shows a paused slot as unserved, which
//     answers CLUSTERDOWN before any lock is taken; go-redis retries both.) Without the check
//     under the lock, a command that passed routing just before the pause can write behind
//     the final catch-up: the source notices such a write (Progress.LateWrites), sends it and
//     has the target prepare again, but one that lands while Flip runs is lost (logged as an
//     error). The check under the lock is what makes the pause exact.
//
// # How a session runs, and why nothing is lost or resurrected
//
// The stream carries records, each the whole state of one key as the source read it under the
// key's shard lock: "key = value with this absolute expiry", or "key is absent", or "slot
// flushed". The target applies them in stream order, so for every key it holds the source's
// last read of that key. Records are never changes to replay, so there is nothing to order or
// deduplicate by offset: a read is always of the current state, and reads reach the target in
// the order they were made (one stream, one reading goroutine). Batches carry the engine's
// change offset at their read, which the target checks never decreases.
//
//  1. Begin: the slots are claimed in the Hub (Exporting) and a tracker per slot is installed
//     on the change stream: every change of a tracked slot adds its key to the slot's dirty
//     set, under the key's shard lock. The target drops any key it holds in the slots.
//  2. Copy: each slot's keys are read in batches, each under one hold of the shard lock
//     (engine.SlotIter: a key present and unwritten throughout is visited at least once, however
//     the slot's table changes between batches).
//  3. Catch up: the dirty keys are read again and sent, under the shard lock, each leaving
//     the dirty set in the same critical section as its read; rounds repeat until fewer than
//     PauseBelow are left. The target is then asked to apply everything in flight (Prepare).
//  4. Pause: the slots become Paused (commands get TRYAGAIN), the last dirty keys are sent,
//     the target applies them and answers Prepared.
//  5. Flip: SourceOptions.Flip changes the map. Commit: the target serves the slots from now
//     on (Committed), even before its own map catches up. The source's slots become Moved
//     (MOVED), and it deletes its copy in batches; then Idle.
//
// Claim: when the target answers the last Prepared, it holds exactly the source's keys of the
// slots. Take any key k. If k was never written after the tracker was installed, the copy
// read its current state (the iterator's guarantee; a read in step 1's critical section or
// later sees every earlier write). Otherwise consider k's last write w before the pause. It
// added k to the dirty set under k's shard lock; either a later read of k (which removed k
// from the set in the same critical section) saw w, or k is still dirty and the final drain
// reads it after the pause, when no command can write k any more. Either way the last record
// of k the target applies is k's state after w, which is its state at the flip. A key deleted
// mid-move is such a w: its last record says "absent", and nothing older can follow it. A
// flush clears every tracker's dirty set and marks it; the next read of each slot sends
// "flushed" before anything it reads, so keys older than the flush go and newer ones stay.
// Expiry is absolute, so a key that expires on the source after its last read expires at the
// same moment on the target.
//
// # Failures
//
// A target that vanishes (the stream breaks, an answer takes longer than AckTimeout, a frame
// cannot leave for as long) or refuses (Accept, a slot busy, out of memory): Move returns an
// error wrapping ErrAborted, the slots go back to Idle, the source has served them all along
// and keeps them, the target drops what it received. A source that vanishes: the target drops
// the session's keys. A session that breaks between Prepared and Commit, or whose Flip failed
// (an error from Flip does not prove the map did not change: a Raft entry may commit after its
// caller gave up), is settled by the map: the target keeps the keys if TargetOptions.Owns gives
// it the slots within ResolveTimeout, else drops them; the source, after a failed Flip, serves
// the slots again and keeps its copy (unserved, MOVED, if the map did change).
//
// # Locking
//
// Hub.OnChange runs under the engine's shard locks, as every change sink does, and takes only
// a tracker's mutex, a leaf; the source takes that mutex under the same shard lock (through
// engine.DB.ViewSlot). Hub's slot states are atomics. Source and Target hold no lock across a
// network call.
package migrate
