package engine

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/evict"
)

// TinyLFU is the name of Larder's own maxmemory-policy, its default: W-TinyLFU over every key
// (internal/evict). Each shard keeps its keys in the three lists of an evict.Core, linked through
// their records (8 bytes of each record header), and a count-min sketch of recent request
// frequencies (3 to 8 bytes per key, allocated once the shard is half full). A new key enters a
// small LRU window; a key leaving the window is admitted to the main space (a segmented LRU) only
// if it was requested more often recently than the keys whose bytes it would take. Eviction
// takes its victims from the shard holding the most bytes of a few sampled ones.
const TinyLFU = "allkeys-tinylfu"

// initialWindow is the window's share of each shard's capacity before the tuner moves it: ten
// times Caffeine's 1% (evict.InitialWindow, the simulator's), because a shard holds a 256th of
// the keys: under a few hundred megabytes a 1% window would hold no key at all, and W-TinyLFU
// without a window loses the recency that LRU keeps (replaying the traces through the engine,
// 0.1 gave 0 to 3 points more hits than 0.01 on every trace but one, cache2k-web07, 0.3 less).
const initialWindow = 0.1

// sketchShare divides the size of each shard's frequency sketch: half of the simulator's (and
// Caffeine's) word per key, so that a key costs 3 to 8 bytes of sketch (5 to 6 measured)
// instead of 6 to 16 (11 to 13). Replaying four traces through the engine, the hits were the
// same or up to 0.8 points higher, as the memory saved holds more keys.
const sketchShare = 2

// tinyLFUPolicy is the Policy value of TinyLFU. The lists and the sketch are the shards'; Access
// only keeps the LRU clock that OBJECT IDLETIME reports, and DB.access moves the key.
type tinyLFUPolicy struct{}

func (tinyLFUPolicy) Name() string             { return TinyLFU }
func (tinyLFUPolicy) Volatile() bool           { return false }
func (tinyLFUPolicy) Access(h *hdr, now int64) { touchLRU(h, now) }
func (tinyLFUPolicy) Rank(*hdr, int64) uint64  { return 0 }

// probation is the number of evict's probation list, whose hits always move (a promotion).
const probation = 1

// recNodes are the evict.Nodes of a shard: a node is a record, by ref, and the lists' sentinels
// are in the shard. Refs are never below evict.NumLists (segment 0 is never used).
type recNodes struct{ sh *shard }

var _ evict.Nodes = recNodes{}

func (n recNodes) Link(i uint32) *evict.Link {
	if i < uint32(evict.NumLists) {
		return &n.sh.sentinels[i]
	}
	return &n.sh.at(i).links
}

func (n recNodes) Queue(i uint32) uint8 {
	if i < uint32(evict.NumLists) {
		return uint8(i)
	}
	return uint8(n.sh.at(i).queue())
}

func (n recNodes) SetQueue(i uint32, q uint8) {
	h := n.sh.at(i)
	h.kind = h.kind&^queueMask | (q+1)<<queueShift
}

// Size charges a key the bytes of its record (a collection in the object table is charged its
// record alone).
func (n recNodes) Size(i uint32) uint32 { return uint32(n.sh.at(i).size()) }

func (n recNodes) Hash(i uint32) uint64   { return uint64(n.sh.db.frag(n.sh.at(i).key())) }
func (n recNodes) Victim(i uint32) uint64 { return uint64(i) }
func (n recNodes) Free(i uint32)          { n.sh.at(i).kind &^= queueMask }

// A hit on a key near the front of the window or the protected segment only counts in the
// sketch: moving it would gain little LRU order for the cost of touching two other records
// (two cache misses in a large keyspace). Near the front means stamped in the current epoch of
// its list: each record's lfu byte (Redis's LFU counter, unused by TinyLFU) holds the epoch of
// its list when TinyLFU last moved it there, and a list's epoch advances every quarter of its
// length of such moves (at least 4). A stale stamp (from another policy, or an epoch 256
// epochs back) at worst skips one move.

// stampLocked records that TinyLFU just moved the record h to the front of its list.
func (sh *shard) stampLocked(h *hdr) {
	q := h.queue()
	if q < 0 {
		return
	}
	sh.moves[q]++
	if sh.moves[q]&63 == 0 { // the epoch length follows the list's length
		sh.epochShift[q] = uint8(bits.Len(uint(max(sh.pol.ListLen(uint8(q))/4, 4))))
	}
	h.lfu = sh.epochLocked(q)
}

// epochLocked returns list q's current epoch.
func (sh *shard) epochLocked(q int) uint8 { return uint8(sh.moves[q] >> sh.epochShift[q]) }

// recentLocked reports whether the record h, in list q, was moved to its front this epoch.
func (sh *shard) recentLocked(h *hdr, q int) bool { return h.lfu == sh.epochLocked(q) }

// initPolLocked empties the shard's eviction lists.
func (sh *shard) initPolLocked() {
	sh.seen.maxMemory, sh.seen.recShare, sh.seen.frac = sh.db.maxMemory.Load(), sh.db.recShare.Load(), sh.db.tune.frac.Load()
	sh.seen.policy = sh.db.policy.Load()
	sh.polCap = sh.db.shardCapacity()
	sh.pol.SetSketchShare(sketchShare)
	sh.pol.Init(recNodes{sh}, sh.polCap, sh.db.windowFrac())
	sh.sketchBytes = 0
}

// accountSketchLocked counts the frequency sketch's memory, which grows with the keys once the
// shard is half full, in used memory.
func (sh *shard) accountSketchLocked() {
	if b := int64(sh.pol.SketchBytes()); b != sh.sketchBytes {
		sh.db.addHeap(b - sh.sketchBytes)
		sh.sketchBytes = b
	}
}

// syncPolLocked gives the shard's Core the current capacity and window share. It compares
// three atomic words with the ones it last applied, and does more only when one changed.
func (sh *shard) syncPolLocked() {
	db := sh.db
	m, share, frac, box := db.maxMemory.Load(), db.recShare.Load(), db.tune.frac.Load(), db.policy.Load()
	if m == sh.seen.maxMemory && share == sh.seen.recShare && frac == sh.seen.frac && box == sh.seen.policy {
		return
	}
	sh.seen.maxMemory, sh.seen.recShare, sh.seen.frac, sh.seen.policy = m, share, frac, box
	if c := db.shardCapacity(); c != sh.polCap {
		sh.polCap = c
		sh.pol.SetCapacity(c)
		sh.accountSketchLocked()
	}
	if f := math.Float64frombits(frac); f != sh.pol.Frac() {
		sh.pol.SetFrac(f)
	}
}

// windowFrac returns the window's share of the capacity that every shard's Core applies.
func (db *DB) windowFrac() float64 { return math.Float64frombits(db.tune.frac.Load()) }

// tuning is the DB's one evict.Tuner: two shadow caches that see a sample of the requests of
// all shards, and move the window share every shard's Core applies towards the better one.
type tuning struct {
	mu    sync.Mutex // guards t; a leaf lock, taken under a shard lock
	t     *evict.Tuner
	shift atomic.Uint32 // t.Shift(), read without mu to skip the requests outside the sample
	made  atomic.Bool   // t is not nil: read without mu to skip telling a tuner not made yet
	frac  atomic.Uint64 // float64 bits: the window share
	// keys is the DB's key count as the tuner last asked for it, counted again every 64th
	// time (it sums every shard's counter); guarded by mu.
	keys, asked int
}

// tuneTarget is the DB as its tuner's target.
type tuneTarget struct{ db *DB }

func (t tuneTarget) TuneKeys() int {
	tu := &t.db.tune
	if tu.asked%64 == 0 {
		tu.keys = t.db.Len()
	}
	tu.asked++
	return tu.keys
}
func (t tuneTarget) TuneCapacity() int64 { return t.db.maxMemory.Load() }
func (t tuneTarget) TuneFrac() float64   { return t.db.windowFrac() }
func (t tuneTarget) SetTuneFrac(frac float64) {
	t.db.tune.frac.Store(math.Float64bits(evict.ClampWindow(frac)))
}

// tuneLocked shows the tuner a hit (write false) or a write of the key whose fragment is frag
// and whose record has size bytes, if the key is in its sample. Only TinyLFU with a memory limit
// tunes. The caller holds the key's shard.
func (db *DB) tuneLocked(frag uint32, size int, write bool) {
	if !evict.Sampled(uint64(frag), uint8(db.tune.shift.Load())) || db.maxMemory.Load() == 0 {
		return
	}
	db.tune.mu.Lock()
	if db.tune.t == nil {
		db.tune.t = evict.NewTuner(tuneTarget{db})
		db.tune.made.Store(true)
	}
	db.tune.t.Request(uint64(frag), uint32(size), write)
	db.tune.shift.Store(uint32(db.tune.t.Shift()))
	db.tune.mu.Unlock()
}

// tuneRemoveLocked tells the tuner the key whose fragment is frag was deleted (not evicted).
func (db *DB) tuneRemoveLocked(frag uint32) {
	if !db.tune.made.Load() || !evict.Sampled(uint64(frag), uint8(db.tune.shift.Load())) {
		return
	}
	db.tune.mu.Lock()
	if db.tune.t != nil {
		db.tune.t.Remove(uint64(frag))
	}
	db.tune.mu.Unlock()
}

// tuneResize gives the tuner's shadows their share of a new maxmemory.
func (db *DB) tuneResize() {
	db.tune.mu.Lock()
	if db.tune.t != nil {
		db.tune.t.Resize()
	}
	db.tune.mu.Unlock()
}

// shardCapacity returns the capacity each shard's evict.Core is given: its share of maxmemory,
// or, without a limit, one so large that the sketch never starts.
func (db *DB) shardCapacity() int64 {
	if !db.policy.Load().tiny {
		// Other policies do not read the lists' order or the sketch: a Core that is never
		// half full keeps every key in its window and never starts its sketch.
		return math.MaxInt64 / 4
	}
	if m := db.maxMemory.Load(); m > 0 {
		share := math.Float64frombits(db.recShare.Load())
		return max(int64(float64(m)*share)/int64(len(db.shards)), 1)
	}
	return math.MaxInt64 / 4
}

// updateRecShare measures the share of used memory that records take (the rest is indexes,
// objects and sketches), so that a shard's capacity counts record bytes as its Core does. It
// reads every shard's polBytes; callers run it when maxmemory changes and now and then while
// evicting.
func (db *DB) updateRecShare() {
	var b int64
	for i := range db.shards {
		b += db.shards[i].polBytes.Load()
	}
	share := 1.0
	if u := db.used.Load(); u > 0 && b > 0 {
		share = math.Ceil(min(float64(b)/float64(u), 1)*64) / 64 // steps of 1/64: capacities change seldom
	}
	db.recShare.Store(math.Float64bits(share))
}

// polAddLocked links the new record ref into the eviction lists, whatever the policy, so that
// a switch to TinyLFU finds every key in them; but not a record of an expiry group while the
// shard links them lazily (see syncLazyLocked).
func (sh *shard) polAddLocked(ref uint32) {
	sh.syncPolLocked()
	sh.syncLazyLocked() // which may link ref with the other records of the groups
	switch {
	case sh.lazy && sh.grouped(ref):
		sh.setUnlinked(true)
	case sh.at(ref).queue() < 0:
		sh.linkLocked(ref)
	}
}

// linkLocked links the record ref, in no list, into the eviction lists.
func (sh *shard) linkLocked(ref uint32) {
	sh.pol.Add(ref)
	if sh.db.policy.Load().tiny { // other policies keep Redis's LFU counter in the byte
		sh.stampLocked(sh.at(ref))
	}
	sh.accountSketchLocked()
}

// The records of expiry groups are linked into the eviction lists lazily. While used memory
// is under half of maxmemory, or there is none, a shard does not link the new records of its
// expiry groups (it is lazy): no eviction is near, and they will most likely have expired
// before one is. That saves the writer the links, and active expiry the unlinking of each key
// it deletes, which writes its two neighbours in the list: two cache misses on a large
// keyspace (they were written at about the same time as the key, but expire at other times).
// Once used memory reaches half of maxmemory, the shard links them all, in the order of its
// groups' tables, at its next write or eviction, and CheckMemory has every shard do so before
// it evicts; it stops linking them only under a quarter of maxmemory. A record that leaves
// the groups (moved by compaction or a new TTL) is linked then.

// syncLazyLocked decides whether the shard is lazy, from used memory and maxmemory, and links
// the records left out of the lists when it stops being so.
func (sh *shard) syncLazyLocked() {
	db := sh.db
	m := db.maxMemory.Load()
	switch {
	case sh.lazy && m > 0 && db.used.Load()*2 >= m:
		sh.lazy = false
		sh.linkGroupedLocked()
	case !sh.lazy && (m == 0 || db.used.Load()*4 < m):
		sh.lazy = true
	}
}

// linkGroupedLocked links the live records of the shard's expiry groups that are in no list,
// if it has any.
func (sh *shard) linkGroupedLocked() {
	if !sh.unlinked {
		return
	}
	for _, e := range sh.scans {
		s := &sh.segs[e.seg]
		if s.expEnd == 0 || s.scanAt != e.at {
			continue
		}
		for _, x := range s.exp {
			ref := e.seg<<offBits | x>>16
			if h := sh.at(ref); h.live() && h.queue() < 0 {
				sh.linkLocked(ref)
			}
		}
	}
	sh.setUnlinked(false)
}

// setUnlinked records whether the shard has records in no eviction list, keeping
// DB.lazyShards in step.
func (sh *shard) setUnlinked(v bool) {
	if v == sh.unlinked {
		return
	}
	sh.unlinked = v
	if v {
		sh.db.lazyShards.Add(1)
	} else {
		sh.db.lazyShards.Add(-1)
	}
}

// linkAllShards has every shard that left records of its expiry groups out of the eviction
// lists link them, if used memory has reached half of maxmemory, and measures the records'
// share of used memory again (updateRecShare: the records linked count now). CheckMemory
// calls it before it evicts, so that TinyLFU sees every key.
func (db *DB) linkAllShards(now int64) {
	if m := db.maxMemory.Load(); db.lazyShards.Load() == 0 || m == 0 || db.used.Load()*2 < m {
		return
	}
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(now)
		if sh.unlinked {
			sh.syncLazyLocked()
		}
		sh.unlock()
	}
	db.updateRecShare()
}

// accessLocked records a hit on the record ref, whose hash fragment is frag, for TinyLFU.
func (sh *shard) accessLocked(ref, frag uint32) {
	sh.syncPolLocked()
	h := sh.at(ref)
	if q := h.queue(); q < 0 || (q != probation && sh.recentLocked(h, q)) {
		// Near the front of its list, or a record of an expiry group not linked yet.
		sh.pol.Count(uint64(frag))
		return
	}
	sh.pol.Access(ref, uint64(frag))
	sh.stampLocked(h)
}

// evictTinyLFULocked frees about over bytes (at least one key) from the shard with the most
// bytes of four sampled ones, and reports false when there is no key. The caller holds evictMu.
func (db *DB) evictTinyLFULocked(over, now int64) bool {
	best, most := -1, int64(0)
	for range 4 {
		i := db.randIntN(len(db.shards))
		if b := db.shards[i].polBytes.Load(); b > most {
			best, most = i, b
		}
	}
	if best < 0 {
		if best = db.pickShard(false); best < 0 {
			return false
		}
	}
	sh := &db.shards[best]
	sh.lock(now)
	defer sh.unlock()
	sh.syncLazyLocked()
	if sh.pol.Len() == 0 {
		return false
	}
	sh.syncPolLocked()
	// A large excess (a lower maxmemory) is taken a part at a time, from shard after shard.
	need := min(max(over, 1), sh.pol.Bytes()/16+1)
	db.victims = sh.pol.Evict(need, db.victims[:0])
	// Deleting a victim must not compact its segment now: that would move the other victims.
	sh.compacting = true
	for _, v := range db.victims {
		db.deleteRefLocked(sh, uint32(v), ReasonEvicted)
	}
	sh.compacting = false
	for _, v := range db.victims {
		if i := uint32(v) >> offBits; sh.segs[i].mem != nil {
			sh.maybeCompactLocked(db, i)
		}
	}
	return len(db.victims) > 0
}
