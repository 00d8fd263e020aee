package engine

// The operations of larder.Cache: one key each, under its shard's lock alone, without a Txn.
// They do what a Txn's Get and SetString do for one key, and skip what a Txn keeps for
// commands: the held-shard list, the one-key cache and the entries handed out.

// GetString appends key's value to dst when key holds a string, and reports whether it does.
// Like Txn.Get it counts a keyspace hit or miss and records the access for the eviction
// policy; with Options.OptimisticReads the access goes through the shard's lossy read buffer
// (readbuf.go), which the policy sees at the shard's next lock, and which may drop it or,
// under reads alone, sample it (the hit count is then an estimate), and on amd64 it first
// reads without the shard's lock (getOptimistic), and takes the lock only when that read
// cannot tell: a writer held the shard meanwhile, or the key has a TTL. now
// (unix ms) is the time of the policy's clock, which may lag a little (a coarse clock: the LRU
// clock counts seconds); only a key with a TTL needs the exact time, and for it GetString
// calls exact, deleting the key if it has expired (OpDel, ReasonExpired).
func (db *DB) GetString(dst, key []byte, now int64, exact func() int64) ([]byte, bool) {
	slot, frag := db.place(key)
	sh := &db.shards[db.shardOf(slot)]
	if db.bufReads {
		// First without the lock (optread.go).
		if db.readsOptimistic() {
			if out, ref, ok := db.getOptimistic(sh, dst, key, frag); ok {
				if ref == 0 {
					sh.misses.Add(1)
					return dst, false
				}
				sh.offerHit(frag, ref, now)
				return out, true
			}
		}
		// Not lock, which would drain the read buffer: readers leave it to fill, so that
		// the policy takes its hits in batches (below), or to the shard's next writer.
		sh.lockNoDrain(now)
	} else {
		sh.lock(now)
	}
	_, ref := sh.tabs[db.localSlot(slot)].find(sh, frag, key)
	if ref != 0 {
		if h := sh.at(ref); h.expireAt() != 0 {
			now = max(now, exact())
			sh.now = now
			if expired(h, now) {
				db.deleteLocked(sh, ref, frag, slot, ReasonExpired)
				ref = 0
			}
		}
	}
	if ref == 0 {
		sh.misses.Add(1)
		sh.unlock()
		return dst, false
	}
	h := sh.at(ref)
	ok := h.Kind() == KindString
	if ok {
		dst = append(dst, h.value()...)
	}
	if !db.bufReads {
		sh.hits.Add(1)
		db.hitLocked(loc{sh: sh, slot: slot, frag: frag, ref: ref}, now)
		sh.unlock()
		return dst, ok
	}
	sh.unlock()
	sh.offerHit(frag, ref, now)
	return dst, ok
}

// offerHit gives a sample of GetString's hits, here on the record ref whose key has hash
// fragment frag, to the shard's read buffer, which counts them, and to the policy at the
// shard's next lock; under reads alone, the reader that fills the buffer drains it if the
// lock is free.
func (sh *shard) offerHit(frag, ref uint32, now int64) {
	if w, sampled := sh.sampleHit(); sampled && sh.reads.offer(cell(frag, ref), w, now) && sh.tryLock(now) {
		sh.drainLocked(true)
		sh.unlock()
	}
}

// SetString creates or replaces key, whatever its kind, with a copy of val and the TTL
// expireAt (unix ms, 0 = none) at time now, and publishes OpSet, as Txn.SetString does. now
// may lag a little, as GetString's; expireAt is the caller's to compute from the exact time.
func (db *DB) SetString(key, val []byte, expireAt, now int64) {
	slot, frag := db.place(key)
	sh := &db.shards[db.shardOf(slot)]
	sh.lock(now)
	l := loc{sh: sh, slot: slot, frag: frag}
	_, l.ref = sh.tabs[db.localSlot(slot)].find(sh, frag, key)
	created := db.setStringLocked(&l, key, val, expireAt, now)
	var e *Entry
	if db.onChange != nil {
		e = &sh.entry
		db.fill(e, sh, l.ref)
	}
	sh.change.Created = created
	db.publishLocked(sh, OpSet, ReasonUser, slot, key, e)
	if e != nil {
		*e = Entry{}
	}
	sh.unlock()
}
