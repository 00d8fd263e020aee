package engine

import (
	"runtime"
	"unsafe"
)

// This file holds what slot migration (internal/migrate) needs of the engine: a view of one
// slot under its shard's lock (SlotView), an iterator that visits a slot's keys in bounded
// batches while the slot keeps changing between them (SlotIter), and DeleteSlot, which empties
// a slot in batches. Restoring a key on the target is an ordinary Txn (SetString, SetObject,
// Delete), so the target's own change stream sees it.

// SlotView is one slot of a DB seen with its shard locked, handed to the function given to
// DB.ViewSlot. It reads only: nothing it does deletes a key, records an access or counts a
// hit. Entries it returns are valid until the next call on the view and never after the
// function returns. Not safe for concurrent use.
type SlotView struct {
	db   *DB
	sh   *shard
	slot uint16
	t    *table // the slot's index table (DB.slotTable)
	now  int64
	e    Entry
}

// ViewSlot locks slot's shard at time now (unix ms), calls fn with a view of the slot, and
// unlocks. Every change of the slot's keys happens, and is published to OnChange, either
// before fn or after it, never during. fn must not call into the DB.
func (db *DB) ViewSlot(slot uint16, now int64, fn func(v *SlotView)) {
	slot &= NumSlots - 1
	sh := &db.shards[db.shardOf(slot)]
	sh.lock(now)
	defer sh.unlock()
	v := SlotView{db: db, sh: sh, slot: slot, t: db.slotTable(sh, slot), now: now}
	fn(&v)
	v.e = Entry{}
}

// Slot returns the slot the view shows.
func (v *SlotView) Slot() uint16 { return v.slot }

// Offset returns the offset of the last change published: every change of the slot with an
// offset at most this one is reflected in what the view shows, every later one is not.
func (v *SlotView) Offset() uint64 { return v.db.Offset() }

// Len returns the number of keys in the slot, expired keys not yet reclaimed included.
func (v *SlotView) Len() int { return v.t.n }

// Lookup returns key's entry, or nil when key is absent, expired or not in the view's slot.
// Unlike Txn.Get it deletes nothing and records no access.
func (v *SlotView) Lookup(key []byte) *Entry {
	if v.db.slotOf(key) != v.slot {
		return nil
	}
	_, ref := v.t.find(v.sh, v.db.frag(key), key)
	if ref == 0 || expired(v.sh.at(ref), v.now) {
		return nil
	}
	v.db.fill(&v.e, v.sh, ref)
	return &v.e
}

// SlotIter visits every key of one slot across many DB.ViewSlot calls, each visiting a bounded
// number of keys, while the slot changes between them. A key present in the slot from the
// iterator's start to its end, and not written in that time, is visited at least once; a key
// created or written meanwhile may be visited or not (a caller that needs it learns of the
// write from the change stream). Keys may be visited more than once: every time the slot's
// table is resized, the iteration starts over.
//
// Why nothing is missed: the slot's index is a linear-probing table whose deletions shift
// later cells of a probe run backwards. A batch always ends on an empty cell p, and a key
// beyond p whose probe run does not contain p has its home beyond p too; deletions move a key
// only back towards its home, so it cannot cross p into the visited part. Insertions only fill
// empty cells (new keys) or resize (detected: the iteration restarts). The iteration starts and
// ends at a cell that was empty at the start, so the table's wrap-around is no exception.
//
// The zero SlotIter starts at the beginning. Not safe for concurrent use.
type SlotIter struct {
	cells    []uint64 // the table's cells when the iteration (re)started; pins the array
	start    int      // an empty cell of cells, where the iteration starts and ends
	pos      int      // the next cell to visit, counted from start (0..len(cells))
	restarts int
	done     bool
}

// Done reports whether the iteration has visited the whole slot.
func (it *SlotIter) Done() bool { return it.done }

// Restarts returns how many times the iteration started over after a resize of the table.
func (it *SlotIter) Restarts() int { return it.restarts }

// Next visits about max live keys of the slot from where it left off, calling fn with each key
// and its entry, and reports whether the iteration is complete. A batch ends on an empty cell
// (see SlotIter), so it may visit a few more keys than max; fn returning false asks it to end
// at the next empty cell too (to bound the bytes of a batch). Expired keys are skipped and
// left in place. key and e alias the arena: valid only until fn returns, read-only, and fn must
// not call the view.
func (v *SlotView) Next(it *SlotIter, max int, fn func(key []byte, e *Entry) bool) bool {
	if it.done {
		return true
	}
	t := v.t
	if !sameCells(t.cells, it.cells) {
		if it.cells != nil || it.pos != 0 {
			it.restarts++
		}
		if t.n == 0 {
			it.cells, it.done = nil, true
			return true
		}
		it.cells, it.pos, it.start = t.cells, 0, 0
		for t.cells[it.start] != 0 {
			it.start++ // a table is at most 3/4 full: there is an empty cell
		}
	}
	n, mask := len(it.cells), len(it.cells)-1
	visited, enough := 0, false
	for it.pos < n {
		i := (it.start + it.pos) & mask
		c := it.cells[i]
		if c == 0 {
			if enough || visited >= max {
				return false // ends on an empty cell
			}
			it.pos++
			continue
		}
		it.pos++
		h := v.sh.at(cellRef(c))
		if expired(h, v.now) {
			continue
		}
		visited++
		v.db.fill(&v.e, v.sh, cellRef(c))
		if !fn(h.key(), &v.e) {
			enough = true
		}
	}
	it.cells, it.done = nil, true
	return true
}

// sameCells reports whether a and b are the same array (a resize always allocates anew, and
// an iterator pins the array it saw, so an address is never reused while compared).
func sameCells(a, b []uint64) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// DeleteSlot deletes every key of slot at time now, publishing OpDel for each (ReasonExpired
// for a key whose TTL has passed, ReasonUser otherwise), and returns how many it deleted. It
// holds the slot's shard for at most batch keys at a time (batch <= 0: 512), yielding the
// processor in between, so emptying a large slot does not stall other clients. Keys added to
// the slot meanwhile are deleted too. It must not be called while holding a Txn.
func (db *DB) DeleteSlot(slot uint16, now int64, batch int) (deleted int) {
	if batch <= 0 {
		batch = 512
	}
	slot &= NumSlots - 1
	sh := &db.shards[db.shardOf(slot)]
	var cells []uint64 // the table the cursor i is a position in; pins its array
	i := 0
	for {
		sh.lock(now)
		t := db.slotTable(sh, slot)
		if !sameCells(t.cells, cells) {
			cells, i = t.cells, 0
		}
		// Deleting the cell at i shifts later cells of its run back into i, so i is
		// examined again; a run that wraps shifts cells from the front to the end, and
		// a shrink restarts at 0, so the cursor goes round until the slot is empty.
		for n := 0; t.n > 0 && n < batch; {
			if i >= len(t.cells) {
				i = 0
			}
			c := t.cells[i]
			if c == 0 {
				i++
				continue
			}
			ref := cellRef(c)
			why := ReasonUser
			if expired(sh.at(ref), now) {
				why = ReasonExpired
			}
			db.deleteLocked(sh, ref, cellFrag(c), slot, why)
			deleted++
			n++
			if !sameCells(t.cells, cells) {
				cells, i = t.cells, 0
			}
		}
		left := t.n
		sh.unlock()
		if left == 0 {
			return deleted
		}
		runtime.Gosched()
	}
}
