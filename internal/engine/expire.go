package engine

import "math"

const (
	// expireKeysPerLoop is how many TTL keys a shard samples per round of active expiry.
	expireKeysPerLoop = 20
	// expireMaxRounds bounds the rounds per shard per cycle: at most 320 keys per shard.
	expireMaxRounds = 16
)

// ExpireCycle is one deterministic step of active expiry, run by the background goroutine
// every 1/Hz seconds and by tests. In each shard it samples 20 keys with a TTL, deletes the
// expired ones (OpDel, ReasonExpired) and repeats while more than 25% of the sample had
// expired, for at most 16 rounds; it never scans the whole keyspace. It returns the number of
// keys removed.
func (db *DB) ExpireCycle(now int64) int {
	db.expireMu.Lock()
	defer db.expireMu.Unlock()
	removed, sampled := 0, 0
	for i := range db.shards {
		sh := &db.shards[i]
		if sh.expires.Load() == 0 {
			continue
		}
		sh.lock()
		r, s := db.expireShardLocked(sh, now)
		sh.unlock()
		removed += r
		sampled += s
	}
	if sampled > 0 {
		old := math.Float64frombits(db.stalePerc.Load())
		cur := float64(removed) / float64(sampled)
		db.stalePerc.Store(math.Float64bits(cur*0.05 + old*0.95))
	}
	return removed
}

// expireShardLocked runs the rounds of one shard, returning keys removed and keys sampled.
func (db *DB) expireShardLocked(sh *shard, now int64) (removed, sampled int) {
	for range expireMaxRounds {
		n := sh.ttl.n
		if n == 0 {
			break
		}
		found := 0
		if n <= expireKeysPerLoop {
			// Check them all; collect first, as deleting reorders the set.
			var buf [expireKeysPerLoop]uint32
			refs := buf[:0]
			for _, ref := range sh.ttl.cells {
				if ref != 0 {
					refs = append(refs, ref)
				}
			}
			for _, ref := range refs {
				if sh.ttl.find(ref) >= 0 && expired(sh.at(ref), now) {
					db.deleteRefLocked(sh, ref, ReasonExpired)
					found++
				}
			}
		} else {
			n = expireKeysPerLoop
			for range n {
				if sh.ttl.n == 0 {
					break
				}
				if ref := sh.ttl.random(sh.rng.IntN(len(sh.ttl.cells))); expired(sh.at(ref), now) {
					db.deleteRefLocked(sh, ref, ReasonExpired)
					found++
				}
			}
		}
		removed += found
		sampled += n
		if found*4 <= n {
			break
		}
	}
	return removed, sampled
}
