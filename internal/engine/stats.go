package engine

import "math"

// Stats are the keyspace figures INFO reports.
type Stats struct {
	Keys             int64  // keys, including expired ones not yet reclaimed
	Expires          int64  // keys with a TTL
	UsedMemory       int64  // bytes accounted to keys
	MaxMemory        int64  // maxmemory; 0 = no limit
	ExpiredKeys      int64  // keys deleted by lazy or active expiry (expired_keys)
	EvictedKeys      int64  // keys evicted (evicted_keys)
	Hits             int64  // Txn.Get that found a key (keyspace_hits)
	Misses           int64  // Txn.Get that found none (keyspace_misses)
	ExpiredStalePerc int64  // running estimate of the percentage of TTL keys that have expired, 0-100
	Offset           uint64 // last change offset
}

// Stats returns the current figures. It locks each shard briefly in turn, so the caller must
// not hold a Txn.
func (db *DB) Stats() Stats {
	s := Stats{
		UsedMemory: db.used.Load(),
		MaxMemory:  db.maxMemory.Load(),
		Offset:     db.offset.Load(),
	}
	s.ExpiredStalePerc = int64(math.Round(100 * math.Float64frombits(db.stalePerc.Load())))
	for i := range db.shards {
		sh := &db.shards[i]
		sh.mu.Lock()
		s.Keys += sh.count.Load()
		s.Expires += sh.expires.Load()
		s.ExpiredKeys += sh.expired
		s.EvictedKeys += sh.evicted
		s.Hits += sh.hits
		s.Misses += sh.misses
		sh.mu.Unlock()
	}
	return s
}

// ResetStats zeroes the counters CONFIG RESETSTAT resets: expired and evicted keys, hits,
// misses and the stale percentage.
func (db *DB) ResetStats() {
	for i := range db.shards {
		sh := &db.shards[i]
		sh.mu.Lock()
		sh.expired, sh.evicted, sh.hits, sh.misses = 0, 0, 0, 0
		sh.mu.Unlock()
	}
	db.stalePerc.Store(0)
}
