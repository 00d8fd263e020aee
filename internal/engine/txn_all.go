package engine

// This file holds what a Txn that holds every shard (BeginAll, as MULTI/EXEC does) needs in
// place of the DB methods that lock shards themselves and so must not be called while a Txn
// is held: Scan and RandomKey. It also holds Present, the raw existence check WATCH needs.

// mustHoldAll panics unless t holds every shard (a programmer error).
func (t *Txn) mustHoldAll(op string) {
	if t.db == nil || !t.all {
		panic("engine: Txn." + op + " without BeginAll")
	}
}

// Scan is DB.Scan for a Txn holding every shard (BeginAll), at the Txn's time: it appends
// whole slots from cursor until it has appended at least count live keys (count <= 0 means
// 10) and returns the next cursor, 0 when the keyspace ends. Cursors are the same as
// DB.Scan's, so an iteration may mix both.
func (t *Txn) Scan(cursor uint64, count int, out []KeyInfo) ([]KeyInfo, uint64) {
	t.mustHoldAll("Scan")
	db := t.db
	if count <= 0 {
		count = 10
	}
	n := 0
	slot := cursor
	for ; slot < NumSlots && n < count; slot++ {
		if db.slotLen[slot].Load() == 0 {
			continue
		}
		var k int
		out, k = db.appendSlotLocked(&db.shards[db.shardOf(uint16(slot))], uint16(slot), t.now, out)
		n += k
	}
	if slot >= NumSlots {
		return out, 0
	}
	return out, slot
}

// RandomKey is DB.RandomKey for a Txn holding every shard (BeginAll): it returns a copy of a
// random live key, or false when there is none. Expired keys it meets are deleted (OpDel,
// ReasonExpired).
func (t *Txn) RandomKey() ([]byte, bool) {
	t.mustHoldAll("RandomKey")
	db := t.db
	for range 100 {
		i := db.pickShard(false)
		if i < 0 {
			return nil, false
		}
		sh := &db.shards[i]
		ref := sh.randomLocked(false)
		if ref == 0 {
			continue
		}
		if expired(sh.at(ref), t.now) {
			db.deleteRefLocked(sh, ref, ReasonExpired)
			continue
		}
		return append([]byte(nil), sh.at(ref).key()...), true
	}
	return nil, false
}

// Present reports whether key is in the keyspace, live or expired but not yet reclaimed, and
// whether its TTL has passed, as Redis's keyIsExpired sees it. Unlike Get, Lookup and Peek it
// deletes nothing, records no access and counts nothing (WATCH and EXEC use it). t must hold
// key's shard.
func (t *Txn) Present(key []byte) (present, expiredNow bool) {
	l := t.locate(key)
	if l.ref == 0 {
		return false, false
	}
	return true, expired(l.sh.at(l.ref), t.now)
}
