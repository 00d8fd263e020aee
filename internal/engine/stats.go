package engine

import (
	"math"
	"time"
)

// Stats are the keyspace figures INFO reports.
type Stats struct {
	Keys             int64  // keys, including expired ones not yet reclaimed
	Expires          int64  // keys with a TTL
	UsedMemory       int64  // bytes accounted to keys, as of the shards' last releases
	ArenaDead        int64  // bytes of deleted records the arenas hold until compaction (counted in batches, acct.go: may lag)
	ArenaSlack       int64  // resident arena bytes without records: written pages' ends, pooled segments (in batches, as ArenaDead)
	MaxMemory        int64  // maxmemory; 0 = no limit
	ExpiredKeys      int64  // keys deleted by lazy or active expiry (expired_keys)
	EvictedKeys      int64  // keys evicted (evicted_keys)
	Hits             int64  // Txn.Get and DB.GetString that found a key (keyspace_hits; GetString's are sampled under reads alone, an estimate)
	Misses           int64  // Txn.Get that found none (keyspace_misses)
	ExpiredStalePerc int64  // running estimate of the percentage of TTL keys that have expired, 0-100
	Offset           uint64 // last change offset

	// ExpireCycleTime is the wall time spent in ExpireCycle, by the expiry loop and by
	// direct calls (expire_cycle_time_milliseconds). It includes any time the thread was
	// not running.
	ExpireCycleTime time.Duration
	// ExpireCycleCPU is the CPU time the expiry loop's thread spent in ExpireCycle
	// (expire_cycle_cpu_milliseconds); ExpireCycleCPUExact says whether the platform counts
	// it (Linux); elsewhere it is the loop's wall time.
	ExpireCycleCPU      time.Duration
	ExpireCycleCPUExact bool
	// ExpireCycleCapped counts the cycles its work budget stopped
	// (expired_time_cap_reached_count).
	ExpireCycleCapped int64
}

// Stats returns the current figures. It takes no lock, so it may be called while holding a
// Txn; the figures of different shards are read one after the other.
func (db *DB) Stats() Stats {
	s := Stats{
		UsedMemory: db.used.Load(),
		ArenaDead:  db.dead.Load(),
		ArenaSlack: db.slack.Load(),
		MaxMemory:  db.maxMemory.Load(),
		Offset:     db.Offset(),
	}
	s.ExpiredStalePerc = int64(math.Round(100 * math.Float64frombits(db.expire.stalePerc.Load())))
	s.ExpireCycleTime = time.Duration(db.expire.nanos.Load())
	s.ExpireCycleCPU, s.ExpireCycleCPUExact = time.Duration(db.expire.cpu.Load()), threadCPUExact
	s.ExpireCycleCapped = db.expire.capped.Load()
	for i := range db.shards {
		sh := &db.shards[i]
		s.Keys += sh.count.Load()
		s.Expires += sh.expires.Load()
		s.ExpiredKeys += sh.expired.Load()
		s.EvictedKeys += sh.evicted.Load()
		s.Hits += sh.hits.Load() + sh.reads.count()
		s.Misses += sh.misses.Load()
	}
	return s
}

// HeapUsed returns the part of used memory on the Go heap: the index tables, the eviction
// policy's frequency sketches and the objects of collections. The rest is records, in arenas
// outside the Go heap. It takes no lock.
func (db *DB) HeapUsed() int64 { return db.heap.Load() }

// addHeap counts d bytes on the Go heap in used memory. The caller holds a shard lock.
func (db *DB) addHeap(d int64) {
	db.used.Add(d)
	db.heap.Add(d)
}

// ResetStats zeroes the counters CONFIG RESETSTAT resets: expired and evicted keys, hits,
// misses, the stale percentage and active expiry's time and capped cycles. It takes no lock.
func (db *DB) ResetStats() {
	for i := range db.shards {
		sh := &db.shards[i]
		sh.expired.Store(0)
		sh.evicted.Store(0)
		sh.hits.Store(-sh.reads.count())
		sh.misses.Store(0)
	}
	db.expire.stalePerc.Store(0)
	db.expire.nanos.Store(0)
	db.expire.cpu.Store(0)
	db.expire.capped.Store(0)
}
