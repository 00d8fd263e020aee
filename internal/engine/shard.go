package engine

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// shard is one lock's worth of the keyspace: the slots s with s&(N-1) == its index. Its methods
// named ...Locked expect mu held; none of them starts a goroutine or reads the clock.
type shard struct {
	// mu guards every field below. The atomic counters are written under mu and may also be
	// read without it (Len, Stats, and picking a non-empty shard to sample).
	mu sync.Mutex

	// keys holds every key of the shard: one map, so a lookup hashes once.
	keys map[string]*Entry
	// slots lists, per local slot index (slot / number of shards), that slot's entries, each
	// knowing its position (Entry.slotIdx), so a slot is counted and iterated without
	// touching the others. A list is dropped when its slot empties.
	slots [][]*Entry
	// live lists the local indices of the non-empty maps in slots, for uniform sampling;
	// livePos[i] is 1 + the position of i in live, or 0 when slots[i] is empty.
	live    []uint16
	livePos []int32
	// ttl lists the entries that have a TTL, each knowing its position (Entry.ttlIdx), for
	// active expiry and volatile-* eviction.
	ttl []*Entry
	// rng drives sampling within the shard.
	rng *rand.Rand

	count   atomic.Int64 // number of keys
	expires atomic.Int64 // len(ttl)

	// Keyspace statistics, written under mu and read without it (Stats).
	hits, misses, expired, evicted atomic.Int64

	change Change // scratch for publishing without allocating

	_ [64]byte // keeps neighbouring shards' locks off this cache line
}

func (sh *shard) init(localSlots int, seed uint64) {
	sh.keys = make(map[string]*Entry)
	sh.slots = make([][]*Entry, localSlots)
	sh.livePos = make([]int32, localSlots)
	sh.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// getLocked returns the entry of key, expired or not.
func (sh *shard) getLocked(key []byte) *Entry {
	return sh.keys[string(key)]
}

// insertLocked adds e, whose key and slot are set, to local slot li.
func (sh *shard) insertLocked(li int, e *Entry) {
	l := sh.slots[li]
	if len(l) == 0 {
		sh.live = append(sh.live, uint16(li))
		sh.livePos[li] = int32(len(sh.live))
	}
	sh.keys[e.key] = e
	sh.slots[li] = append(l, e)
	e.slotIdx = int32(len(l) + 1)
	sh.count.Add(1)
}

// removeLocked deletes e from local slot li and from the TTL list.
func (sh *shard) removeLocked(li int, e *Entry) {
	delete(sh.keys, e.key)
	l := sh.slots[li]
	i, last := int(e.slotIdx-1), len(l)-1
	l[i] = l[last]
	l[i].slotIdx = int32(i + 1)
	l[last] = nil
	l = l[:last]
	sh.slots[li] = l
	e.slotIdx = 0
	sh.count.Add(-1)
	if len(l) == 0 {
		sh.slots[li] = nil
		p := sh.livePos[li] - 1
		last := sh.live[len(sh.live)-1]
		sh.live[p] = last
		sh.livePos[last] = p + 1
		sh.live = sh.live[:len(sh.live)-1]
		sh.livePos[li] = 0
	}
	sh.setTTLLocked(e, 0)
}

// setTTLLocked sets e's expiry time (0 = none), keeping the TTL list in step.
func (sh *shard) setTTLLocked(e *Entry, at int64) {
	e.expireAt = at
	if at != 0 {
		if e.ttlIdx == 0 {
			sh.ttl = append(sh.ttl, e)
			e.ttlIdx = int32(len(sh.ttl))
			sh.expires.Add(1)
		}
		return
	}
	if e.ttlIdx == 0 {
		return
	}
	i, last := int(e.ttlIdx-1), len(sh.ttl)-1
	sh.ttl[i] = sh.ttl[last]
	sh.ttl[i].ttlIdx = int32(i + 1)
	sh.ttl[last] = nil
	sh.ttl = sh.ttl[:last]
	e.ttlIdx = 0
	sh.expires.Add(-1)
	if last == 0 && cap(sh.ttl) > 1024 {
		sh.ttl = nil
	}
}

// resetLocked drops every key of the shard, returning nothing: the caller fixes used memory.
func (sh *shard) resetLocked() {
	sh.keys = make(map[string]*Entry)
	clear(sh.slots)
	clear(sh.livePos)
	sh.live = sh.live[:0]
	sh.ttl = nil
	sh.count.Store(0)
	sh.expires.Store(0)
}

// randomLocked returns a random entry of the shard (from the TTL list when volatile), or nil
// when there is none. It picks a uniformly random non-empty slot, then a key of that slot.
func (sh *shard) randomLocked(volatile bool) *Entry {
	if volatile {
		if len(sh.ttl) == 0 {
			return nil
		}
		return sh.ttl[sh.rng.IntN(len(sh.ttl))]
	}
	if len(sh.live) == 0 {
		return nil
	}
	l := sh.slots[sh.live[sh.rng.IntN(len(sh.live))]]
	return l[sh.rng.IntN(len(l))]
}

// expired reports whether e's TTL has passed at now. As in Redis, a key expires after its
// expiry time, not at it.
func expired(e *Entry, now int64) bool {
	return e.expireAt != 0 && now > e.expireAt
}

// localSlot returns the index of slot inside its shard.
func (db *DB) localSlot(slot uint16) int { return int(slot) >> db.shift }

// shardOf returns the index of slot's shard.
func (db *DB) shardOf(slot uint16) uint32 { return uint32(slot) & db.mask }

// accountLocked brings e's accounted size, and the DB's used memory, up to date.
func (db *DB) accountLocked(e *Entry) {
	n := entrySize(len(e.key), e)
	if d := n - e.size; d != 0 {
		db.used.Add(d)
		e.size = n
	}
}

// deleteLocked removes e from sh and publishes OpDel with why.
func (db *DB) deleteLocked(sh *shard, e *Entry, why Reason) {
	sh.removeLocked(db.localSlot(e.slot), e)
	db.slotLen[e.slot].Add(-1)
	db.used.Add(-e.size)
	e.size = 0
	switch why {
	case ReasonExpired:
		sh.expired.Add(1)
	case ReasonEvicted:
		sh.evicted.Add(1)
	}
	db.publishLocked(sh, OpDel, why, e.slot, bytesOf(e.key), nil)
}

// newEntryLocked creates the entry of key in sh without a value, accounted once the caller
// sets the value.
func (db *DB) newEntryLocked(sh *shard, slot uint16, key []byte, now int64) *Entry {
	e := &Entry{key: string(key), slot: slot, lfu: lfuInitVal, decay: db.decay}
	touchLRU(e, now)
	sh.insertLocked(db.localSlot(slot), e)
	db.slotLen[slot].Add(1)
	return e
}
