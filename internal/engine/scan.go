package engine

// KeyInfo is a key returned by Scan, with its kind.
type KeyInfo struct {
	// Key is a copy of the key.
	Key []byte
	// Kind is the kind of its value.
	Kind Kind
}

// SlotKeys returns up to max keys of slot (copies), locking only the slot's shard and reading
// only the slot's entry list (CLUSTER GETKEYSINSLOT).
func (db *DB) SlotKeys(slot uint16, max int) [][]byte {
	if slot >= NumSlots || max <= 0 {
		return nil
	}
	sh := &db.shards[db.shardOf(slot)]
	sh.lock(0)
	defer sh.unlock()
	t := db.slotTable(sh, slot)
	keys := make([][]byte, 0, min(max, t.n))
	for _, c := range t.cells {
		if len(keys) == max {
			break
		}
		if c != 0 {
			keys = append(keys, append([]byte(nil), sh.at(cellRef(c)).key()...))
		}
	}
	return keys
}

// Scan iterates the keyspace slot by slot, appending to out. cursor is the slot to start at
// (0 = the beginning). It appends whole slots until it has appended at least count live keys
// (count <= 0 means 10) or the keyspace ends, and returns the next cursor, 0 when done. Keys
// present for the whole scan are returned at least once; expired keys are skipped.
func (db *DB) Scan(now int64, cursor uint64, count int, out []KeyInfo) ([]KeyInfo, uint64) {
	if count <= 0 {
		count = 10
	}
	n := 0
	slot := cursor
	for ; slot < NumSlots && n < count; slot++ {
		if db.slotLen[slot].Load() == 0 {
			continue // a key present throughout the scan makes this non-zero
		}
		sh := &db.shards[db.shardOf(uint16(slot))]
		sh.lock(now)
		var k int
		out, k = db.appendSlotLocked(sh, uint16(slot), now, out)
		n += k
		sh.unlock()
	}
	if slot >= NumSlots {
		return out, 0
	}
	return out, slot
}

// RandomKey returns a copy of a random live key (RANDOMKEY) without scanning the keyspace,
// or false when there is none. Expired keys it meets are deleted (OpDel, ReasonExpired).
func (db *DB) RandomKey(now int64) ([]byte, bool) {
	for range 100 {
		i := db.pickShard(false)
		if i < 0 {
			return nil, false
		}
		sh := &db.shards[i]
		sh.lock(now)
		ref := sh.randomLocked(false)
		if ref != 0 && expired(sh.at(ref), now) {
			db.deleteRefLocked(sh, ref, ReasonExpired)
			ref = 0
		}
		var k []byte
		if ref != 0 {
			k = append([]byte(nil), sh.at(ref).key()...)
		}
		sh.unlock()
		if ref != 0 {
			return k, true
		}
	}
	return nil, false
}

// appendSlotLocked appends the live keys of slot, whose shard sh is held, to out, and returns
// out and how many it appended.
func (db *DB) appendSlotLocked(sh *shard, slot uint16, now int64, out []KeyInfo) ([]KeyInfo, int) {
	n := 0
	for _, c := range db.slotTable(sh, slot).cells {
		if c == 0 {
			continue
		}
		if h := sh.at(cellRef(c)); !expired(h, now) {
			out = append(out, KeyInfo{Key: append([]byte(nil), h.key()...), Kind: h.Kind()})
			n++
		}
	}
	return out, n
}
