package engine

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/evict"
)

// shard is one lock's worth of the keyspace: the slots s with s&(N-1) == its index. Its
// records live in its arena (arena.go), found through one index table per slot (index.go);
// collections not in a compact encoding live in its object table. Its methods named ...Locked
// expect mu held, and the shard must be released with unlock; none of them starts a goroutine
// or reads the clock.
type shard struct {
	// The first cache line holds the lock and what the optimistic read loads (ver, rv,
	// readShift), and nothing a holder of the lock writes but the lock itself: a write to
	// it under the lock would take the line from every core reading the shard. The
	// holder's own fields start on the next line.

	// mu guards every field below: it is the shard's lock, but in a DB that readsOptimistic,
	// whose lock is ver's odd step (lockNoDrain; mu then queues its waiters). Take and release
	// the lock through lock, lockNoDrain or tryLock, and unlock. The atomic counters are
	// written under the lock and may also be read without it (Len, Stats, and picking a
	// non-empty shard to sample).
	mu sync.Mutex
	// ver is the shard's version, for DB.GetString's optimistic read (optread.go): in a DB
	// that readsOptimistic its low 32 bits count the times the lock was taken and released,
	// and the lock is taken by making them odd (in other DBs they stay 0);
	// its high 32 bits count the changes made while the DB has no OnChange sink (see
	// DB.Offset), added at each release. Written under mu, read without it.
	ver atomic.Uint64
	// rv publishes the index and the arena's shared segments to the optimistic read
	// (optread.go), on ver's cache line; written under mu, read without it.
	rv atomic.Pointer[readView]
	// readShift is the log2 of the rate at which GetString samples its hits for the read
	// buffer (readbuf.go): read by every read and by lock, on the line they load anyway, and
	// written only by a drain that changes it.
	readShift atomic.Uint32
	// bufReads: GetString gives its hits to reads, the read buffer (Options.OptimisticReads),
	// which lock drains.
	bufReads bool
	// step is what taking and releasing mu add to ver: 1 in a DB that readsOptimistic, else
	// 0.
	step uint64
	db   *DB
	_    [16]byte // the end of the first line (TestShardLayout)

	// The holder's line: what a write changes, but ver.

	// changed counts the changes of the current holder of mu, for ver.
	changed uint64
	now     int64 // the time the holder works at (see lock)
	acct    acct  // changes to the DB's byte counts, added at release (acct.go)
	dirty   bool  // unlock has work: rolled, pending or an all-dead head
	// tallying: the holder tallies its changes to the counts in tally (an expiry cycle).
	tallying bool
	// changes counts the changes made (see DB.Offset): counted in changed and added at
	// release; read without mu.
	changes atomic.Int64

	// Then what a locked read touches, on as few cache lines as can be.

	// tabs holds, per local slot index (slot / number of shards), the index of that slot's
	// keys, so a slot is counted and iterated without touching the others; with hashSlots
	// one table, for the one slot the shard's keys are placed in (DB.slotTable).
	tabs []table
	// The arena: segments (index 0 unused), the indices of unused ones, the segment records
	// are appended to, and memory to unmap at unlock. See arena.go.
	segs []segment
	// Keyspace hits and misses; written under mu (misses also by the optimistic read) and
	// read without it (Stats).
	hits, misses atomic.Int64

	// tally holds the current holder's changes to count, expires and expired while
	// tallying, added to them at release.
	tally tally
	// segViews is the segments' part of the last read view published (rv).
	segViews []segView
	// reads holds DB.GetString's hits until the next holder of mu gives them to the
	// eviction policy; it is written without mu (readbuf.go), on cache lines of its own.
	_     [64]byte
	reads readBuf
	_     [64]byte

	freeSegs   []uint32
	head       uint32
	rolled     uint32 // the previous head, to check for compaction at unlock
	pending    [][]byte
	compacting bool
	headSlack  int64 // the head's slack as counted in DB.headSlack (syncHeadLocked)
	// groups are the head segments of the expiry groups (expirygroup.go); groupSlack is
	// their slack and the spares' bytes as counted in DB.headSlack. Group segments are cut
	// from slab; freed, they wait in groupPending until unlock, then in spare (resident) or
	// cold (pages given back).
	groups       [groupSlots]groupHead
	groupSlack   int64
	slab         []byte
	slabs        [][]byte // every slab mapped, to unmap at Close
	spare, cold  [][]byte
	extra        [][]byte // freed group segments beyond the spares, resident (spareLocked)
	groupPending [][]byte
	// scans is the schedule of active expiry's reads of the group segments' tables
	// (scanGroupsLocked), a binary heap by time; expFree keeps the tables of freed group
	// segments for new ones.
	scans   []groupScan
	expFree [][]uint32

	// live lists the local indices of the non-empty tables, for uniform sampling;
	// livePos[i] is 1 + the position of i in live, or 0 when tabs[i] is empty.
	live    []uint16
	livePos []int32

	// objs holds the collections in their full structure, objSize the bytes each is
	// accounted for; freeObjs lists unused indices.
	objs     []Object
	objSize  []int64
	freeObjs []uint32

	// ttl holds the refs of the records that have a TTL outside expiry groups' segments (the
	// groups' tables hold the others), for active expiry and volatile-* eviction.
	ttl refSet
	// rng drives sampling within the shard.
	rng *rand.Rand

	// The eviction lists (TinyLFU): every live record is in one of pol's lists, whatever the
	// policy, but the records of expiry groups while the shard is lazy (syncLazyLocked);
	// sentinels are the lists' heads, polCap the capacity pol was last given.
	pol       evict.Core[recNodes]
	sentinels [evict.NumLists]evict.Link
	polCap    int64
	// moves counts TinyLFU's moves to the front of each list, and a list's epoch is its count
	// shifted right by epochShift (see stampLocked).
	moves      [evict.NumLists]uint64
	epochShift [evict.NumLists]uint8
	// seen holds the DB's maxmemory, record share, window share and policy as pol last
	// applied them.
	seen struct {
		maxMemory      int64
		recShare, frac uint64
		policy         *policyBox
	}
	// sketchBytes is the memory of pol's sketch counted in used memory.
	sketchBytes int64
	// lazy: the shard does not link new records of its expiry groups into pol's lists;
	// unlinked: some live records are in no list (syncLazyLocked).
	lazy, unlinked bool
	polSeen        int64        // pol.Bytes() when polBytes was last stored
	polBytes       atomic.Int64 // pol.Bytes(), stored at unlock, read without mu to pick a shard to evict from

	count   atomic.Int64 // number of keys
	expires atomic.Int64 // keys with a TTL: in ttl, or in the expiry groups' tables
	dead    atomic.Int64 // dead bytes in the arena

	// Keyspace statistics, written under mu and read without it (Stats).
	expired, evicted atomic.Int64

	change Change // scratch for publishing without allocating
	entry  Entry  // scratch for DB.SetString's change

	// Keeps neighbouring shards' locks off this cache line, and the shard's size a multiple
	// of 64 bytes, so that each shard's fields fall on the same cache lines (TestShardLayout).
	_ [64]byte
}

func (sh *shard) init(db *DB, localSlots int, seed uint64) {
	sh.db = db
	if db.readsOptimistic() {
		sh.step = 1
	}
	sh.bufReads = db.bufReads
	sh.tabs = make([]table, localSlots)
	sh.livePos = make([]int32, localSlots)
	sh.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sh.initPolLocked()
}

// lock takes the shard's lock at time now (unix ms; 0 when the caller has none), which
// compaction uses to drop expired records instead of copying them, and gives the hits in the
// read buffer to the eviction policy; release it with unlock.
func (sh *shard) lock(now int64) {
	sh.lockNoDrain(now)
	// Only an OptimisticReads DB's GetString uses the read buffer.
	if sh.bufReads && (sh.readShift.Load() != 0 || sh.reads.pending()) {
		sh.drainLocked(false)
	}
}

// lockNoDrain takes the shard's lock at time now as lock does, leaving the read buffer as it
// is.
func (sh *shard) lockNoDrain(now int64) {
	if sh.step == 0 {
		sh.mu.Lock()
	} else if v := sh.ver.Load(); v&1 != 0 || !sh.ver.CompareAndSwap(v, v+1) {
		sh.acquireSlow()
	}
	sh.now = now
}

// acquireSlow waits for the version of a shard read optimistically to be even, and makes it
// odd: the shard's lock, when lockNoDrain found it held. Its waiters queue on mu, so that one
// at a time polls the version.
func (sh *shard) acquireSlow() {
	sh.mu.Lock()
	for i := 0; ; i++ {
		if v := sh.ver.Load(); v&1 == 0 && sh.ver.CompareAndSwap(v, v+1) {
			break
		}
		if i >= 16 {
			runtime.Gosched()
		}
	}
	sh.mu.Unlock()
}

// tryLock takes the shard's lock at time now, without draining the read buffer, if it is
// free, and reports whether it did.
func (sh *shard) tryLock(now int64) bool {
	if sh.step == 0 {
		if !sh.mu.TryLock() {
			return false
		}
	} else if v := sh.ver.Load(); v&1 != 0 || !sh.ver.CompareAndSwap(v, v+1) {
		return false
	}
	sh.now = now
	return true
}

// release adds the holder's changes to the counts and releases the shard's lock; unlock calls
// it last. In a shard read optimistically, the version becomes even again, counting the
// holder's changes.
func (sh *shard) release() {
	if sh.acct != (acct{}) {
		sh.flushAcctLocked(false)
	}
	if sh.changed != 0 {
		sh.changes.Add(int64(sh.changed))
		sh.changed = 0 // before the lock is released
	}
	if sh.tally != (tally{}) {
		sh.flushTallyLocked()
	}
	if sh.step == 0 {
		sh.mu.Unlock()
		return
	}
	sh.ver.Add(sh.step)
}

// tally is what the holder of a shard's lock has added to the shard's counts of keys, of keys
// with a TTL and of keys expired, which others read without the lock: one atomic addition to
// each at release, rather than one a key. Only an expiry cycle tallies (shard.tallying): it
// deletes thousands of keys under one lock, and runs no command that could read the counts
// while it holds the lock (a command inside EXEC, which holds every shard, must find its own
// writes counted by DBSIZE).
type tally struct {
	keys, expires, expired int64
}

// addKeys adds d to the shard's count of keys.
func (sh *shard) addKeys(d int64) {
	if sh.tallying {
		sh.tally.keys += d
		return
	}
	sh.count.Add(d)
}

// addExpires adds d to the shard's count of keys with a TTL.
func (sh *shard) addExpires(d int64) {
	if sh.tallying {
		sh.tally.expires += d
		return
	}
	sh.expires.Add(d)
}

// addExpired adds one to the shard's count of keys expired.
func (sh *shard) addExpired() {
	if sh.tallying {
		sh.tally.expired++
		return
	}
	sh.expired.Add(1)
}

// flushTallyLocked adds sh.tally to the shard's counts and empties it.
func (sh *shard) flushTallyLocked() {
	t := sh.tally
	sh.tally = tally{}
	if t.keys != 0 {
		sh.count.Add(t.keys)
	}
	if t.expires != 0 {
		sh.expires.Add(t.expires)
	}
	if t.expired != 0 {
		sh.expired.Add(t.expired)
	}
}

// insertLocked adds a cell for ref, the record of a key absent from local slot li.
func (sh *shard) insertLocked(li int, frag, ref uint32) {
	t := &sh.tabs[li]
	if t.n == 0 {
		sh.live = append(sh.live, uint16(li))
		sh.livePos[li] = int32(len(sh.live))
	}
	if d := t.insert(frag, ref, sh.step != 0); d != 0 {
		sh.db.addHeap(int64(d))
		sh.publishLocked(sh.segViews)
	}
	sh.addKeys(1)
}

// unlinkLocked removes the record ref, at position pos of local slot li's table, from the
// index, the TTL list and the object table; the caller then releases it.
func (sh *shard) unlinkLocked(li, pos int, ref uint32) {
	t := &sh.tabs[li]
	if d := t.remove(pos, sh.step != 0); d != 0 {
		sh.db.addHeap(int64(d))
		sh.publishLocked(sh.segViews)
	}
	sh.addKeys(-1)
	if t.n == 0 {
		p := sh.livePos[li] - 1
		last := sh.live[len(sh.live)-1]
		sh.live[p] = last
		sh.livePos[last] = p + 1
		sh.live = sh.live[:len(sh.live)-1]
		sh.livePos[li] = 0
	}
	h := sh.at(ref)
	if h.queue() >= 0 {
		sh.pol.Remove(ref)
	}
	if sh.pol.Len() == 0 && sh.sketchBytes != 0 {
		// The last key: its sketch goes too, so that a shard without keys holds no memory.
		sh.db.addHeap(-sh.sketchBytes)
		sh.initPolLocked()
	}
	sh.setTTLLocked(ref, h, 0)
	if h.kind&flagTable != 0 {
		sh.dropObjLocked(h.valLen)
	}
}

// relinkLocked points the index cell, the TTL list entry and the eviction list neighbours of
// the record copied from old to its copy at nref.
func (sh *shard) relinkLocked(db *DB, old, nref uint32) {
	h := sh.at(nref)
	slot, frag := db.place(h.key())
	t := &sh.tabs[db.localSlot(slot)]
	t.setCell(t.findRef(frag, old), cell(frag, nref), sh.step != 0)
	if h.queue() >= 0 {
		sh.pol.Moved(old, nref)
	} else if !sh.grouped(nref) {
		sh.linkLocked(nref) // out of the groups, not linked yet (see syncLazyLocked)
	}
	sh.movedTTLLocked(old, nref, h.expireAt())
}

// movedTTLLocked keeps the TTL set in step with a record moved from old to nref, whose expiry
// time is at: a grouped record is not in the set (its segment's table holds its time).
func (sh *shard) movedTTLLocked(old, nref uint32, at int64) {
	if at == 0 {
		return
	}
	if !sh.grouped(old) {
		sh.ttl.remove(old)
	}
	if !sh.grouped(nref) {
		sh.ttl.add(nref, at)
	}
}

// setTTLLocked sets the expiry time (0 = none) of the record ref, whose header is h, keeping
// the TTL set, or for a record in an expiry group's segment (grouped) the segment's table, in
// step. A record without an expiry area takes only 0 (see addTTLAreaLocked), and a grouped
// one only 0 (it is being deleted) or a time within its bucket (see placedForLocked).
func (sh *shard) setTTLLocked(ref uint32, h *hdr, at int64) {
	old := h.expireAt()
	if sh.grouped(ref) {
		switch {
		case at != 0 && old == 0:
			sh.addExpires(1)
		case at == 0 && old != 0:
			sh.addExpires(-1)
		}
		if at != 0 && at != old {
			sh.setGroupExpiryLocked(ref, at)
		}
		h.setExpireAt(at)
		return
	}
	switch {
	case at != 0 && old == 0:
		sh.ttl.add(ref, at)
		sh.addExpires(1)
	case at == 0 && old != 0:
		sh.ttl.remove(ref)
		sh.addExpires(-1)
	case at != 0 && at < old:
		// The set's hint must not be later than the expiry time (a later one is put right
		// by the sweep).
		sh.ttl.setExpiry(ref, at)
	}
	h.setExpireAt(at)
}

// putObjLocked stores obj in the object table and returns its index.
func (sh *shard) putObjLocked(obj Object) uint32 {
	if k := len(sh.freeObjs); k > 0 {
		i := sh.freeObjs[k-1]
		sh.freeObjs = sh.freeObjs[:k-1]
		sh.objs[i] = obj
		return i
	}
	sh.objs = append(sh.objs, obj)
	sh.objSize = append(sh.objSize, 0)
	return uint32(len(sh.objs) - 1)
}

// accountObjLocked brings the accounted size of object i up to date.
func (sh *shard) accountObjLocked(i uint32) {
	n := sh.objs[i].MemoryUsage()
	if d := n - sh.objSize[i]; d != 0 {
		sh.db.addHeap(d)
		sh.objSize[i] = n
	}
}

// dropObjLocked removes object i from the table and from used memory.
func (sh *shard) dropObjLocked(i uint32) {
	sh.db.addHeap(-sh.objSize[i])
	sh.objs[i], sh.objSize[i] = nil, 0
	sh.freeObjs = append(sh.freeObjs, i)
}

// resetLocked drops every key of the shard; the caller zeroes used memory.
func (sh *shard) resetLocked() {
	clear(sh.tabs)
	clear(sh.livePos)
	sh.live = sh.live[:0]
	sh.resetArenaLocked() // publishes the empty table
	sh.objs, sh.objSize, sh.freeObjs = nil, nil, nil
	sh.ttl = refSet{}
	sh.initPolLocked()
	sh.setUnlinked(false)
	sh.count.Store(0)
	sh.expires.Store(0)
}

// randomLocked returns the ref of a random record of the shard (of a key with a TTL when
// volatile), or 0 when there is none. It picks a uniformly random non-empty slot, then a
// random cell of its table, taking the first record at or after it. A volatile pick draws
// from the TTL set or, in proportion to the keys with a TTL that are grouped, from the expiry
// groups' tables (randomGroupedLocked).
func (sh *shard) randomLocked(volatile bool) uint32 {
	if volatile {
		n := int(sh.expires.Load() + sh.tally.expires)
		if n > sh.ttl.n && sh.rng.IntN(n) >= sh.ttl.n {
			if ref := sh.randomGroupedLocked(); ref != 0 {
				return ref
			}
		}
		if sh.ttl.n == 0 {
			return 0
		}
		return sh.ttl.random(sh.rng.IntN(len(sh.ttl.cells)))
	}
	if len(sh.live) == 0 {
		return 0
	}
	t := &sh.tabs[sh.live[sh.rng.IntN(len(sh.live))]]
	mask := len(t.cells) - 1
	for i := sh.rng.IntN(len(t.cells)); ; i = (i + 1) & mask {
		if c := t.cells[i]; c != 0 {
			return cellRef(c)
		}
	}
}

// expired reports whether h's TTL has passed at now. As in Redis, a key expires after its
// expiry time, not at it.
func expired(h *hdr, now int64) bool {
	at := h.expireAt()
	return at != 0 && now > at
}
