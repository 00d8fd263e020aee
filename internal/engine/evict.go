package engine

// evictPoolSize is the number of candidates kept across eviction rounds, as Redis's EVPOOL_SIZE.
const evictPoolSize = 16

// candidate is a key sampled for eviction, with its rank when sampled.
type candidate struct {
	rank uint64
	key  string // a copy of the key
	slot uint16
	ref  uint32 // to tell the sampled record from a later key of the same name
}

// evictPool keeps the best candidates seen, sorted by ascending rank. Guarded by DB.evictMu.
type evictPool struct {
	c []candidate
}

func (p *evictPool) reset() { clear(p.c); p.c = p.c[:0] }

// add offers a candidate; the pool keeps the evictPoolSize highest ranks.
func (p *evictPool) add(c candidate) {
	for i := range p.c {
		if p.c[i].ref == c.ref && p.c[i].key == c.key {
			p.c = append(p.c[:i], p.c[i+1:]...)
			break
		}
	}
	if len(p.c) == evictPoolSize {
		if c.rank <= p.c[0].rank {
			return
		}
		p.c = append(p.c[:0], p.c[1:]...)
	}
	i := len(p.c)
	for i > 0 && p.c[i-1].rank > c.rank {
		i--
	}
	p.c = append(p.c, candidate{})
	copy(p.c[i+1:], p.c[i:])
	p.c[i] = c
}

// pop removes and returns the best candidate.
func (p *evictPool) pop() (candidate, bool) {
	if len(p.c) == 0 {
		return candidate{}, false
	}
	c := p.c[len(p.c)-1]
	p.c[len(p.c)-1] = candidate{}
	p.c = p.c[:len(p.c)-1]
	return c, true
}

// CheckMemory is called before a write that may grow memory. When used memory exceeds
// MaxMemory, or the keyspace's footprint (used memory and the arenas' dead and slack bytes:
// see footprint) but the head segments' slack (4 MiB of it at most: exemptSlack) exceeds
// MaxMemory and room (the segment pool, and a 32nd of MaxMemory from 1 to 4 MiB), it evicts
// keys per the policy (OpDel, ReasonEvicted) until neither does, and returns ErrOOM if used
// memory still exceeds MaxMemory and it cannot evict: the policy is noeviction, or no key is
// a candidate. Dead bytes (records deleted or evicted but not yet compacted away) are given
// back first, by compacting the segments with the most dead bytes, and are also kept under
// an eighth of MaxMemory. So the keyspace holds at most MaxMemory plus the allowance (room and
// the heads), whatever its fragmentation. The dead and slack bytes are counted in batches
// (acct.go): the footprint is checked as if each shard's were behind by a whole batch
// (acctLag, at most an eighth of room). The caller must not hold a Txn. Below the limits it
// costs a few atomic loads.
func (db *DB) CheckMemory(now int64) error {
	limit := db.maxMemory.Load()
	if limit == 0 {
		return nil
	}
	if used, dead := db.used.Load(), db.dead.Load(); used <= limit && dead <= limit/8 &&
		used+dead+db.slack.Load()-db.exemptSlack()+db.acctLag() <= limit+room(limit) {
		return nil
	}
	db.evictMu.Lock()
	defer db.evictMu.Unlock()
	db.linkAllShards(now)
	box := db.policy.Load()
	if box != db.poolPolicy {
		// The policy changed since the pool was filled: its ranks are stale.
		db.pool.reset()
		db.poolPolicy = box
	}
	p := box.p
	if db.evictions++; db.evictions%64 == 0 && box.tiny {
		db.updateRecShare()
	}
	for {
		limit = db.maxMemory.Load()
		if limit == 0 {
			return nil
		}
		over := db.footprint() - db.exemptSlack() + db.acctLag() - limit - room(limit)
		if over > 0 && db.sparesToRelease() {
			db.releaseExtras(now)
			continue
		}
		if (over > 0 || db.dead.Load() > limit/8) && db.reclaimOne(now) > 0 {
			continue
		}
		used := db.used.Load()
		if used <= limit && over <= 0 {
			return nil
		}
		var ok bool
		if box.tiny {
			ok = db.evictTinyLFULocked(max(used-limit, over), now)
		} else {
			ok = p != nil && db.evictOneLocked(p, now)
		}
		if !ok {
			if used <= limit {
				// Only the footprint is over, by slack no eviction frees (the ends of
				// segments no key holds, the pool): writes may go on.
				return nil
			}
			return ErrOOM
		}
	}
}

// footprint returns the bytes the keyspace holds: used memory, and the arenas' dead and
// slack bytes (arena.go). CheckMemory keeps it within maxmemory and the allowance.
func (db *DB) footprint() int64 {
	return db.used.Load() + db.dead.Load() + db.slack.Load()
}

// reclaimOne compacts the worst segment of the shard with the most dead bytes and returns the
// bytes it gave back.
func (db *DB) reclaimOne(now int64) int64 {
	best, most := -1, int64(0)
	for i := range db.shards {
		if d := db.shards[i].dead.Load(); d > most {
			best, most = i, d
		}
	}
	if best < 0 {
		return 0
	}
	sh := &db.shards[best]
	sh.lock(now)
	n := sh.reclaimLocked(db)
	sh.flushAcctLocked(true) // for the caller's next look at the counts
	sh.unlock()
	return n
}

// evictOneLocked samples candidates into the pool and evicts the best one that still exists.
// It reports false when no key is a candidate. The caller holds evictMu.
func (db *DB) evictOneLocked(p Policy, now int64) bool {
	for range 3 {
		if !db.sampleLocked(p, now) && len(db.pool.c) == 0 {
			return false
		}
		for {
			c, ok := db.pool.pop()
			if !ok {
				break
			}
			sh := &db.shards[db.shardOf(c.slot)]
			sh.lock(now)
			key := bytesOf(c.key)
			frag := db.frag(key)
			_, ref := sh.tabs[db.localSlot(c.slot)].find(sh, frag, key)
			if ref != 0 && ref == c.ref && (!p.Volatile() || sh.at(ref).expireAt() != 0) {
				db.deleteLocked(sh, ref, frag, c.slot, ReasonEvicted)
				sh.unlock()
				return true
			}
			sh.unlock()
		}
	}
	return false
}

// sampleLocked adds Samples random candidates, each from a random non-empty slot of a random
// non-empty shard (from the TTL lists for a volatile policy), to the pool. It reports whether
// it found any. The caller holds evictMu.
func (db *DB) sampleLocked(p Policy, now int64) bool {
	n := int(db.samples.Load())
	found := false
	for range n {
		i := db.pickShard(p.Volatile())
		if i < 0 {
			return found
		}
		sh := &db.shards[i]
		sh.lock(now)
		if ref := sh.randomLocked(p.Volatile()); ref != 0 {
			h := sh.at(ref)
			db.pool.add(candidate{rank: p.Rank(h, now), key: string(h.key()), slot: db.slotOf(h.key()), ref: ref})
			found = true
		}
		sh.unlock()
	}
	return found
}

// pickShard returns the index of a random shard with keys (with TTL keys when volatile), or -1
// when there is none. The counts are read without locks, so the shard may be empty by the
// time the caller locks it.
func (db *DB) pickShard(volatile bool) int {
	has := func(i int) bool {
		if volatile {
			return db.shards[i].expires.Load() > 0
		}
		return db.shards[i].count.Load() > 0
	}
	n := len(db.shards)
	for range 8 {
		if i := db.randIntN(n); has(i) {
			return i
		}
	}
	start := db.randIntN(n)
	for j := range n {
		if i := (start + j) & int(db.mask); has(i) {
			return i
		}
	}
	return -1
}
