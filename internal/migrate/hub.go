package migrate

import (
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/engine"
)

// State is what a node is doing with one slot, as far as migration goes.
type State uint32

// The states of a slot. A source goes Exporting, Paused, Moved (cleaning up), then Idle; a
// target Importing, Prepared, Committed (or back to Idle when the session fails).
const (
	// Idle: no migration touches the slot here.
	Idle State = iota
	// Exporting: the slot's keys are being copied to a target; this node serves the slot
	// as its owner, reads and writes alike, and answers no ASK for it.
	Exporting
	// Paused: the copy is finishing and the ownership changing hands: commands on the
	// slot must be refused with TRYAGAIN, checked under the key's shard lock (Hub.Paused).
	Paused
	// Moved: the slot now belongs to the target (the cluster map says so); this node
	// deletes its copy and answers MOVED.
	Moved
	// Importing: keys of the slot are arriving from its owner; this node does not serve
	// it yet (not even to ASKING clients).
	Importing
	// Prepared: every key has arrived; the source is changing the cluster map.
	Prepared
	// Committed: the map gives the slot to this node, which serves it even if its own view
	// of the map has not caught up yet: until it has (TargetOptions.Owns, or View seeing it),
	// for at most TargetOptions.ResolveTimeout when Owns is set.
	Committed
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case Idle:
		return "idle"
	case Exporting:
		return "exporting"
	case Paused:
		return "paused"
	case Moved:
		return "moved"
	case Importing:
		return "importing"
	case Prepared:
		return "prepared"
	case Committed:
		return "committed"
	}
	return "unknown"
}

// Hub is one node's registry of its slots in migration and its tap on the engine's change
// stream: Hub.OnChange must receive every change of the node's engine (see Fanout). One Hub
// serves the node's Source and Target, so a slot is never exported, imported and cleaned up
// at once. The zero Hub is ready to use; it is safe for concurrent use.
type Hub struct {
	states [engine.NumSlots]atomic.Uint32 // State per slot; changed by claim, setState, release
	track  [engine.NumSlots]atomic.Pointer[tracker]
	// tracked counts the slots with a tracker in track, so that OnChange costs a load of
	// one shared word, not of the slot's own, while no slot is tracked: raised before a
	// tracker is stored and lowered after it is taken out.
	tracked atomic.Int32
	busy    atomic.Int32 // slots not Idle nor Committed

	mu       sync.Mutex                 // guards changes of flushers
	flushers atomic.Pointer[[]*tracker] // every installed tracker, for OpFlush
}

// tracker collects the keys of one exporting slot written since the copy last read them.
type tracker struct {
	slot uint16
	// mu guards the fields below. It is a leaf lock, taken by OnChange under the key's
	// shard lock, and by the source under the same shard lock (DB.ViewSlot): so a key
	// leaves dirty exactly when the source reads its current value.
	mu      sync.Mutex
	dirty   map[string]struct{}
	flushed bool // the engine was flushed since the source last looked
	// sealed is set by the source's last read of the dirty keys after the pause; late counts
	// the commands' writes after it, which that read missed: none when the command layer
	// checks Hub.Paused under the key's lock.
	sealed bool
	late   int
}

// OnChange is the engine's change sink for migration: it records which keys of exporting
// slots changed. It runs under the key's shard lock, as engine.Options.OnChange does, costs
// one atomic load while no slot is tracked (two for a slot not in migration otherwise), and
// never calls into the DB.
func (h *Hub) OnChange(c *engine.Change) {
	if c.Op == engine.OpFlush {
		if fl := h.flushers.Load(); fl != nil {
			for _, tr := range *fl {
				tr.mu.Lock()
				clear(tr.dirty)
				tr.flushed = true
				if tr.sealed {
					tr.late++
				}
				tr.mu.Unlock()
			}
		}
		return
	}
	if h.tracked.Load() == 0 {
		return
	}
	tr := h.track[c.Slot&(engine.NumSlots-1)].Load()
	if tr == nil {
		return
	}
	tr.mu.Lock()
	tr.dirty[string(c.Key)] = struct{}{}
	if tr.sealed && c.Reason == engine.ReasonUser {
		tr.late++
	}
	tr.mu.Unlock()
}

// Fanout returns a change sink that calls each non-nil sink in turn, for engine.Options.OnChange:
// typically Fanout(hub.OnChange, keyspaceNotifications).
func Fanout(sinks ...func(*engine.Change)) func(*engine.Change) {
	var fs []func(*engine.Change)
	for _, f := range sinks {
		if f != nil {
			fs = append(fs, f)
		}
	}
	return func(c *engine.Change) {
		for _, f := range fs {
			f(c)
		}
	}
}

// State returns slot's state. One atomic load; it never blocks.
func (h *Hub) State(slot uint16) State { return State(h.states[slot&(engine.NumSlots-1)].Load()) }

// Paused reports whether commands on slot must be refused with TRYAGAIN. The command layer
// must ask it while it holds the command's keys (after engine.DB.Begin, before running the
// handler): the source reads the slot's last writes under the same locks after pausing it, so
// a command checked that way can never write behind its back. One atomic load.
func (h *Hub) Paused(slot uint16) bool { return h.State(slot) == Paused }

// Busy reports whether any slot is in migration here (neither Idle nor Committed).
func (h *Hub) Busy() bool { return h.busy.Load() != 0 }

func counts(s State) bool { return s != Idle && s != Committed }

// claim moves every slot from Idle or Committed to s, or none of them, and reports whether
// it did.
func (h *Hub) claim(slots []uint16, s State) bool {
	for i, sl := range slots {
		v := &h.states[sl]
		old := v.Load()
		if (State(old) != Idle && State(old) != Committed) || !v.CompareAndSwap(old, uint32(s)) {
			for _, back := range slots[:i] {
				h.states[back].Store(uint32(Idle))
				h.busy.Add(-1)
			}
			return false
		}
		h.busy.Add(1)
	}
	return true
}

// setState sets the state of claimed slots.
func (h *Hub) setState(slots []uint16, s State) {
	for _, sl := range slots {
		old := State(h.states[sl].Swap(uint32(s)))
		switch {
		case counts(old) && !counts(s):
			h.busy.Add(-1)
		case !counts(old) && counts(s):
			h.busy.Add(1)
		}
	}
}

// release makes claimed slots Idle.
func (h *Hub) release(slots []uint16) { h.setState(slots, Idle) }

// install starts tracking the changes of slots and returns their trackers.
func (h *Hub) install(slots []uint16) []*tracker {
	trs := make([]*tracker, len(slots))
	h.mu.Lock()
	defer h.mu.Unlock()
	var fl []*tracker
	if p := h.flushers.Load(); p != nil {
		fl = append(fl, *p...)
	}
	for i, sl := range slots {
		trs[i] = &tracker{slot: sl, dirty: make(map[string]struct{})}
		h.tracked.Add(1)
		if old := h.track[sl].Swap(trs[i]); old != nil {
			h.tracked.Add(-1)
		}
		fl = append(fl, trs[i])
	}
	h.flushers.Store(&fl)
	return trs
}

// uninstall stops tracking slots.
func (h *Hub) uninstall(slots []uint16) {
	h.mu.Lock()
	defer h.mu.Unlock()
	gone := make(map[*tracker]bool, len(slots))
	for _, sl := range slots {
		if tr := h.track[sl].Swap(nil); tr != nil {
			gone[tr] = true
			h.tracked.Add(-1)
		}
	}
	var fl []*tracker
	if p := h.flushers.Load(); p != nil {
		for _, tr := range *p {
			if !gone[tr] {
				fl = append(fl, tr)
			}
		}
	}
	h.flushers.Store(&fl)
}
