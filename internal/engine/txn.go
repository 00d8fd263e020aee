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
	// SetString), always through the same argument slice. ck is that slice, cslot its slot,
	// cfrag its hash fragment and cv the entry last handed out for it. Reset by Begin, End
	// and Flush, and whenever another key is located.
	ck    []byte
	cslot uint16
	cfrag uint32
	chash bool // cslot and cfrag are ck's
	cv    *Entry

	// places are the keys given to Begin, when more than one, with their slots and
	// fragments, so that neither is computed again when the command goes through its keys in
	// order (MSET, MGET, DEL...); pnext is where the next key is expected.
	places []keyPlace
	pnext  int

	// views are the entries handed out since Begin; nview of them are in use.
	views []*Entry
	nview int

	sink uint64 // written by prefetchLocked's loads, never read
}

// keyPlace is a key given to Begin and where it goes.
type keyPlace struct {
	key  []byte
	slot uint16
	frag uint32
}

// loc is where a key is: its shard, slot, hash fragment and record (ref 0: absent).
type loc struct {
	sh   *shard
	slot uint16
	frag uint32
	ref  uint32
}

// sameSlice reports whether a and b are the same slice of memory (not merely equal bytes).
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
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
		slot, frag := db.place(k)
		t.ck, t.cslot, t.cfrag, t.chash = k, slot, frag, true
		h = append(h, db.shardOf(slot))
		if len(keys) > 1 {
			t.places = append(t.places, keyPlace{k, slot, frag})
		}
	}
	if len(h) > 1 {
		slices.Sort(h)
		h = slices.Compact(h)
	}
	t.held = h
	for _, i := range h {
		db.shards[i].lock(now)
	}
	if len(keys) > 1 && prefetch {
		t.sink = db.prefetchLocked(t.places)
	}
}

// BeginAll locks every shard (FLUSHALL, MULTI/EXEC) and starts t at time now.
func (db *DB) BeginAll(t *Txn, now int64) {
	t.start(db, now)
	t.all = true
	for i := range db.shards {
		db.shards[i].lock(now)
	}
}

func (t *Txn) start(db *DB, now int64) {
	if t.db != nil {
		panic("engine: Begin on a Txn that has not ended")
	}
	t.db, t.now, t.all = db, now, false
	t.ck, t.cv, t.chash = nil, nil, false
}

// End releases the locks; the entries it handed out are no longer valid. Calling End on a
// Txn that holds nothing does nothing.
func (t *Txn) End() {
	db := t.db
	if db == nil {
		return
	}
	if t.all {
		for i := len(db.shards) - 1; i >= 0; i-- {
			db.shards[i].unlock()
		}
	} else {
		for i := len(t.held) - 1; i >= 0; i-- {
			db.shards[t.held[i]].unlock()
		}
	}
	for _, e := range t.views[:t.nview] {
		e.Str, e.Obj = nil, nil
	}
	if len(t.views) > 64 {
		t.views = t.views[:64] // a huge EXEC does not pin its entries forever
	}
	t.nview = 0
	t.db, t.all, t.held = nil, false, t.held[:0]
	t.ck, t.cv, t.chash = nil, nil, false
	clear(t.places) // the keys are the caller's: do not pin them
	if cap(t.places) > 1024 {
		t.places = nil
	}
	t.places, t.pnext = t.places[:0], 0
}

// Now returns the time the transaction runs at, in unix milliseconds.
func (t *Txn) Now() int64 { return t.now }

// locate returns where key is, which t must hold, without applying expiry.
func (t *Txn) locate(key []byte) loc {
	db := t.db
	if db == nil {
		panic("engine: Txn used outside Begin/End")
	}
	if !sameSlice(key, t.ck) || !t.chash {
		if p := t.pnext; p < len(t.places) && sameSlice(key, t.places[p].key) {
			t.cslot, t.cfrag, t.pnext = t.places[p].slot, t.places[p].frag, p+1
		} else {
			t.cslot, t.cfrag = db.place(key)
		}
		t.ck, t.chash, t.cv = key, true, nil
	}
	i := db.shardOf(t.cslot)
	if !t.all && !t.holds(i) {
		panic("engine: Txn does not hold the shard of key " + string(key))
	}
	l := loc{sh: &db.shards[i], slot: t.cslot, frag: t.cfrag}
	_, l.ref = l.sh.tabs[db.localSlot(l.slot)].find(l.sh, l.frag, key)
	return l
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

// find returns where key is with expiry applied: an expired key is deleted (OpDel,
// ReasonExpired) and reported absent.
func (t *Txn) find(key []byte) loc {
	l := t.locate(key)
	if l.ref != 0 && expired(l.sh.at(l.ref), t.now) {
		t.db.deleteLocked(l.sh, l.ref, l.frag, l.slot, ReasonExpired)
		l.ref = 0
	}
	return l
}

// view returns an entry showing key's record at l, reusing the one last handed out for key.
func (t *Txn) view(l loc) *Entry {
	e := t.cv
	if e == nil {
		if t.nview == len(t.views) {
			t.views = append(t.views, new(Entry))
		}
		e = t.views[t.nview]
		t.nview++
		t.cv = e
	}
	t.db.fill(e, l.sh, l.ref)
	return e
}

// fill makes e show the record ref of sh.
func (db *DB) fill(e *Entry, sh *shard, ref uint32) {
	h := sh.at(ref)
	e.kind, e.expireAt, e.atime, e.lfu, e.decay = h.Kind(), h.expireAt(), h.atime, h.lfu, db.decay
	e.size = int64(h.size())
	switch {
	case h.kind&flagTable != 0:
		e.Str, e.Obj = nil, sh.objs[h.valLen]
		e.size += sh.objSize[h.valLen]
	case h.kind&flagFrozen != 0:
		e.Str, e.Obj = nil, db.thaw(h.Kind(), h.value())
	default:
		e.Str, e.Obj = h.value(), nil
	}
}

// Get returns key's entry for a read, or nil. It counts a keyspace hit or miss and records the
// access for the eviction policy. An expired key is deleted (OpDel, ReasonExpired) and nil
// returned, as by Lookup and Peek.
func (t *Txn) Get(key []byte) *Entry {
	l := t.find(key)
	if l.ref == 0 {
		l.sh.misses.Add(1)
		return nil
	}
	l.sh.hits.Add(1)
	t.db.hitLocked(l, t.now)
	return t.view(l)
}

// Lookup returns key's entry for a write, or nil. It records the access for the eviction policy
// but counts no hit or miss.
func (t *Txn) Lookup(key []byte) *Entry {
	l := t.find(key)
	if l.ref == 0 {
		return nil
	}
	t.db.access(l, t.now)
	return t.view(l)
}

// Peek returns key's entry, or nil, without recording an access or counting statistics
// (TTL, TYPE, OBJECT).
func (t *Txn) Peek(key []byte) *Entry {
	l := t.find(key)
	if l.ref == 0 {
		return nil
	}
	return t.view(l)
}

// SetString creates or replaces key, whatever its kind, with a copy of val, in place when the
// record's value area fits it. expireAt is the new TTL in unix ms (0 = none). It publishes
// OpSet and returns the entry.
func (t *Txn) SetString(key, val []byte, expireAt int64) *Entry {
	l := t.locate(key)
	created := t.db.setStringLocked(&l, key, val, expireAt, t.now)
	return t.publishSet(l, key, created)
}

// SetObject creates or replaces key, whatever its kind, with obj, which must not be nil.
// expireAt is the new TTL in unix ms (0 = none). It publishes OpSet and returns the entry.
func (t *Txn) SetObject(key []byte, obj Object, expireAt int64) *Entry {
	if obj == nil {
		panic("engine: SetObject with a nil Object")
	}
	l := t.locate(key)
	created := l.ref == 0
	if created {
		t.db.createLocked(&l, key, t.db.compactLen(obj), expireAt) // a compact value fits exactly
	} else {
		t.db.access(l, t.now)
	}
	t.db.putObjectLocked(&l, obj)
	t.db.finishSetLocked(&l, expireAt, t.now, created)
	return t.publishSet(l, key, created)
}

// publishSet publishes OpSet for key's record at l and returns its entry.
func (t *Txn) publishSet(l loc, key []byte, created bool) *Entry {
	e := t.view(l)
	l.sh.change.Created = created
	t.db.publishLocked(l.sh, OpSet, ReasonUser, l.slot, key, e)
	return e
}

// current returns where key's record is, panicking unless there is one: changing a deleted
// entry would corrupt memory accounting and the TTL list.
func (t *Txn) current(key []byte, e *Entry) loc {
	l := t.locate(key)
	if e == nil || l.ref == 0 || e.kind != l.sh.at(l.ref).Kind() {
		panic("engine: entry is not the current entry of key " + string(key))
	}
	return l
}

// Changed stores the value of key's entry e after an in-place change of Str or Obj,
// re-accounts its memory and publishes OpSet.
func (t *Txn) Changed(key []byte, e *Entry) {
	l := t.current(key, e)
	if e.Obj != nil {
		t.db.putObjectLocked(&l, e.Obj)
	} else if h := l.sh.at(l.ref); unsafe.SliceData(e.Str) == h.valuePtr() && len(e.Str) <= int(h.valCap) {
		h.valLen = uint32(len(e.Str)) // written in place
	} else {
		t.db.putStringLocked(&l, e.Str, false)
	}
	t.db.fill(e, l.sh, l.ref)
	t.db.publishLocked(l.sh, OpSet, ReasonUser, l.slot, key, e)
}

// SetExpire sets (at > 0) or removes (at == 0) the TTL of key's existing entry e, and publishes
// OpExpire. It does not check at against the clock: when at <= now the caller deletes the key
// instead, as Redis does.
func (t *Txn) SetExpire(key []byte, e *Entry, at int64) {
	l := t.current(key, e)
	if at < 0 {
		at = 0
	}
	t.db.placeForLocked(&l, at)
	l.sh.setTTLLocked(l.ref, l.sh.at(l.ref), at)
	e.expireAt = at
	t.db.publishLocked(l.sh, OpExpire, ReasonUser, l.slot, key, e)
}

// Flush deletes every key and publishes one OpFlush. t must hold every shard (BeginAll).
func (t *Txn) Flush() {
	if t.db == nil || !t.all {
		panic("engine: Txn.Flush without BeginAll")
	}
	db := t.db
	t.ck, t.cv, t.chash = nil, nil, false
	for i := range db.shards {
		db.shards[i].resetLocked()
		db.shards[i].resetAcctLocked()
	}
	for i := range db.slotLen {
		db.slotLen[i].Store(0)
	}
	db.used.Store(0) // every change to used and dead happens under a shard lock: all are held
	db.heap.Store(0)
	db.dead.Store(0)
	db.publishLocked(&db.shards[0], OpFlush, ReasonUser, 0, nil, nil)
}

// Delete deletes key and publishes OpDel (ReasonUser). It reports whether a live key was
// deleted; an expired key is deleted with ReasonExpired and Delete returns false.
func (t *Txn) Delete(key []byte) bool {
	l := t.find(key)
	if l.ref == 0 {
		return false
	}
	t.db.deleteLocked(l.sh, l.ref, l.frag, l.slot, ReasonUser)
	return true
}
