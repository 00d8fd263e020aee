package engine

import (
	"math"

	"github.com/larderdb/larder/internal/evict"
)

// TinyLFU is the name of Larder's own maxmemory-policy, its default: W-TinyLFU over every key
// (internal/evict). Each shard keeps its keys in the three lists of an evict.Core, linked through
// their records (8 bytes of each record header), and a count-min sketch of recent request
// frequencies (about 8 bytes per key, allocated once the shard is half full). A new key enters a
// small LRU window; a key leaving the window is admitted to the main space (a segmented LRU) only
// if it was requested more often recently than the keys whose bytes it would take. Eviction
// takes its victims from the shard holding the most bytes of a few sampled ones.
const TinyLFU = "allkeys-tinylfu"

// tinyLFUPolicy is the Policy value of TinyLFU. The lists and the sketch are the shards'; Access
// only keeps the LRU clock that OBJECT IDLETIME reports, and DB.access moves the key.
type tinyLFUPolicy struct{}

func (tinyLFUPolicy) Name() string             { return TinyLFU }
func (tinyLFUPolicy) Volatile() bool           { return false }
func (tinyLFUPolicy) Access(h *hdr, now int64) { touchLRU(h, now) }
func (tinyLFUPolicy) Rank(*hdr, int64) uint64  { return 0 }

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

// initPolLocked empties the shard's eviction lists.
func (sh *shard) initPolLocked() {
	sh.polCap = sh.db.shardCapacity()
	sh.pol.Init(recNodes{sh}, sh.polCap, evict.InitialWindow)
}

// shardCapacity returns the capacity each shard's evict.Core is given: its share of maxmemory,
// or, without a limit, one so large that the sketch never starts.
func (db *DB) shardCapacity() int64 {
	if m := db.maxMemory.Load(); m > 0 {
		return max(m/int64(len(db.shards)), 1)
	}
	return math.MaxInt64 / 4
}

// polAddLocked links the new record ref into the eviction lists, whatever the policy, so that
// a switch to TinyLFU finds every key in them.
func (sh *shard) polAddLocked(ref uint32) {
	if c := sh.db.shardCapacity(); c != sh.polCap {
		sh.polCap = c
		sh.pol.SetCapacity(c)
	}
	sh.pol.Add(ref)
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
	if sh.pol.Len() == 0 {
		return false
	}
	if c := db.shardCapacity(); c != sh.polCap {
		sh.polCap = c
		sh.pol.SetCapacity(c)
	}
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
