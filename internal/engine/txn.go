package engine

import (
	"slices"
	"unsafe"
)

// Txn holds the shard locks for one command's keys. Every method touching a key requires the
// key's shard to be held and panics otherwise (a programmer error). A Txn is not safe for
// concurrent use and must not be copied once used; a client reuses one for all its commands,
// so that Begin does not allocate.
type Txn struct {
	db     *DB
	now    int64
	all    bool
	held   []uint32 // sorted distinct indices of the locked shards (unless all)
	inline [4]uint32

	// A one-key cache: commands look the same key up several times (Begin, Lookup,
	// SetString), always through the same argument slice. ck is that slice, cslot its slot
	// and ce its entry when found (still current while ce.slotIdx != 0). Reset by Begin,
	// End and Flush, and whenever another key is located.
	ck    []byte
	cslot uint16
	ce    *Entry
}

// sameSlice reports whether a and b are the same slice of memory (not merely equal bytes).
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// entryLocked returns key's entry, expired or not, using the one-key cache; locate(key) must
// have been called just before.
func (t *Txn) entryLocked(sh *shard, key []byte) *Entry {
	if e := t.ce; e != nil && e.slotIdx != 0 {
		return e
	}
	e := sh.getLocked(key)
	t.ce = e
	return e
}

// Begin locks the distinct shards of keys in ascending order, so that concurrent transactions
// cannot deadlock, and starts t at time now (unix ms). It does not allocate for one key, nor
// for many keys once t has grown. t must not be in use.
func (db *DB) Begin(t *Txn, now int64, keys ...[]byte) {
	t.start(db, now)
	if cap(t.held) == 0 {
		t.held = t.inline[:0]
	}
	h := t.held[:0]
	for _, k := range keys {
		slot := Slot(k)
		t.ck, t.cslot = k, slot
		h = append(h, db.shardOf(slot))
	}
	if len(h) > 1 {
		slices.Sort(h)
		h = slices.Compact(h)
	}
	t.held = h
	for _, i := range h {
		db.shards[i].mu.Lock()
	}
}

// BeginAll locks every shard (FLUSHALL, MULTI/EXEC) and starts t at time now.
func (db *DB) BeginAll(t *Txn, now int64) {
	t.start(db, now)
	t.all = true
	for i := range db.shards {
		db.shards[i].mu.Lock()
	}
}

func (t *Txn) start(db *DB, now int64) {
	if t.db != nil {
		panic("engine: Begin on a Txn that has not ended")
	}
	t.db, t.now, t.all = db, now, false
	t.ck, t.ce = nil, nil
}

// End releases the locks. Calling End on a Txn that holds nothing does nothing.
func (t *Txn) End() {
	db := t.db
	if db == nil {
		return
	}
	if t.all {
		for i := len(db.shards) - 1; i >= 0; i-- {
			db.shards[i].mu.Unlock()
		}
	} else {
		for i := len(t.held) - 1; i >= 0; i-- {
			db.shards[t.held[i]].mu.Unlock()
		}
	}
	t.db, t.all, t.held = nil, false, t.held[:0]
	t.ck, t.ce = nil, nil
}

// Now returns the time the transaction runs at, in unix milliseconds.
func (t *Txn) Now() int64 { return t.now }

// locate returns key's shard, which t must hold, and slot.
func (t *Txn) locate(key []byte) (*shard, uint16) {
	db := t.db
	if db == nil {
		panic("engine: Txn used outside Begin/End")
	}
	var slot uint16
	if sameSlice(key, t.ck) {
		slot = t.cslot
	} else {
		slot = Slot(key)
		t.ck, t.cslot, t.ce = key, slot, nil
	}
	i := db.shardOf(slot)
	if !t.all && !t.holds(i) {
		panic("engine: Txn does not hold the shard of key " + string(key))
	}
	return &db.shards[i], slot
}

func (t *Txn) holds(i uint32) bool {
	if len(t.held) > 8 {
		_, ok := slices.BinarySearch(t.held, i)
		return ok
	}
	for _, h := range t.held {
		if h == i {
			return true
		}
	}
	return false
}

// find returns the live entry of key, deleting it (OpDel, ReasonExpired) if it has expired.
func (t *Txn) find(key []byte) (*shard, uint16, *Entry) {
	sh, slot := t.locate(key)
	e := t.entryLocked(sh, key)
	if e != nil && expired(e, t.now) {
		t.db.deleteLocked(sh, e, ReasonExpired)
		e = nil
	}
	return sh, slot, e
}

// Get returns key's entry for a read, or nil. It counts a keyspace hit or miss and records the
// access for the eviction policy. An expired key is deleted (OpDel, ReasonExpired) and nil
// returned, as by Lookup and Peek.
func (t *Txn) Get(key []byte) *Entry {
	sh, _, e := t.find(key)
	if e == nil {
		sh.misses.Add(1)
		return nil
	}
	sh.hits.Add(1)
	t.db.access(e, t.now)
	return e
}

// Lookup returns key's entry for a write, or nil. It records the access for the eviction policy
// but counts no hit or miss.
func (t *Txn) Lookup(key []byte) *Entry {
	_, _, e := t.find(key)
	if e != nil {
		t.db.access(e, t.now)
	}
	return e
}

// Peek returns key's entry, or nil, without recording an access or counting statistics
// (TTL, TYPE, OBJECT).
func (t *Txn) Peek(key []byte) *Entry {
	_, _, e := t.find(key)
	return e
}

// SetString creates or replaces key, whatever its kind, with a copy of val, reusing the old
// buffer when it fits. expireAt is the new TTL in unix ms (0 = none). It publishes OpSet and
// returns the entry.
func (t *Txn) SetString(key, val []byte, expireAt int64) *Entry {
	sh, slot := t.locate(key)
	e := t.entryLocked(sh, key)
	created := e == nil
	if created {
		e = t.db.newEntryLocked(sh, slot, key, t.now)
		t.ce = e
		e.kind = KindString
		e.Str = append([]byte{}, val...)
	} else {
		t.db.access(e, t.now)
		if e.kind == KindString && cap(e.Str) >= len(val) && cap(e.Str) <= 2*len(val)+64 {
			e.Str = append(e.Str[:0], val...)
		} else {
			e.kind, e.Obj = KindString, nil
			e.Str = append([]byte{}, val...) // non-nil even when empty
		}
	}
	return t.finishSet(sh, key, e, expireAt, created)
}

// SetObject creates or replaces key, whatever its kind, with obj, which must not be nil.
// expireAt is the new TTL in unix ms (0 = none). It publishes OpSet and returns the entry.
func (t *Txn) SetObject(key []byte, obj Object, expireAt int64) *Entry {
	if obj == nil {
		panic("engine: SetObject with a nil Object")
	}
	sh, slot := t.locate(key)
	e := t.entryLocked(sh, key)
	created := e == nil
	if created {
		e = t.db.newEntryLocked(sh, slot, key, t.now)
		t.ce = e
	} else {
		t.db.access(e, t.now)
	}
	e.kind, e.Obj, e.Str = obj.Kind(), obj, nil
	return t.finishSet(sh, key, e, expireAt, created)
}

func (t *Txn) finishSet(sh *shard, key []byte, e *Entry, expireAt int64, created bool) *Entry {
	sh.setTTLLocked(e, expireAt)
	t.db.accountLocked(e)
	sh.change.Created = created
	t.db.publishLocked(sh, OpSet, ReasonUser, e.slot, key, e)
	return e
}

// mustBeCurrent panics unless e is key's entry in the keyspace: changing a deleted or foreign
// entry would corrupt memory accounting and the TTL list.
func (t *Txn) mustBeCurrent(sh *shard, slot uint16, key []byte, e *Entry) {
	// A live entry (in its slot list) whose key is key is key's entry: keys are unique.
	if e == nil || e.slotIdx == 0 || e.key != string(key) || e.slot != slot || sh != &t.db.shards[t.db.shardOf(slot)] {
		panic("engine: entry is not the current entry of key " + string(key))
	}
}

// Changed re-accounts the memory of key's entry e after an in-place change of Str or Obj and
// publishes OpSet.
func (t *Txn) Changed(key []byte, e *Entry) {
	sh, slot := t.locate(key)
	t.mustBeCurrent(sh, slot, key, e)
	t.db.accountLocked(e)
	t.db.publishLocked(sh, OpSet, ReasonUser, slot, key, e)
}

// SetExpire sets (at > 0) or removes (at == 0) the TTL of key's existing entry e, and publishes
// OpExpire. It does not check at against the clock: when at <= now the caller deletes the key
// instead, as Redis does.
func (t *Txn) SetExpire(key []byte, e *Entry, at int64) {
	sh, slot := t.locate(key)
	t.mustBeCurrent(sh, slot, key, e)
	if at < 0 {
		at = 0
	}
	sh.setTTLLocked(e, at)
	t.db.publishLocked(sh, OpExpire, ReasonUser, slot, key, e)
}

// Flush deletes every key and publishes one OpFlush. t must hold every shard (BeginAll).
func (t *Txn) Flush() {
	if t.db == nil || !t.all {
		panic("engine: Txn.Flush without BeginAll")
	}
	db := t.db
	t.ck, t.ce = nil, nil
	for i := range db.shards {
		db.shards[i].resetLocked()
	}
	for i := range db.slotLen {
		db.slotLen[i].Store(0)
	}
	db.used.Store(0) // every change to used happens under a shard lock: all are held
	db.publishLocked(&db.shards[0], OpFlush, ReasonUser, 0, nil, nil)
}

// Delete deletes key and publishes OpDel (ReasonUser). It reports whether a live key was
// deleted; an expired key is deleted with ReasonExpired and Delete returns false.
func (t *Txn) Delete(key []byte) bool {
	sh, _, e := t.find(key)
	if e == nil {
		return false
	}
	t.db.deleteLocked(sh, e, ReasonUser)
	return true
}
