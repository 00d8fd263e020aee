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
	sh.mu.Lock()
	defer sh.mu.Unlock()
	l := sh.slots[db.localSlot(slot)]
	keys := make([][]byte, 0, min(max, len(l)))
	for _, e := range l {
		if len(keys) == max {
			break
		}
		keys = append(keys, []byte(e.key))
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
		sh.mu.Lock()
		for _, e := range sh.slots[db.localSlot(uint16(slot))] {
			if !expired(e, now) {
				out = append(out, KeyInfo{Key: []byte(e.key), Kind: e.kind})
				n++
			}
		}
		sh.mu.Unlock()
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
		sh.mu.Lock()
		e := sh.randomLocked(false)
		if e != nil && expired(e, now) {
			db.deleteLocked(sh, e, ReasonExpired)
			e = nil
		}
		var k []byte
		if e != nil {
			k = []byte(e.key)
		}
		sh.mu.Unlock()
		if e != nil {
			return k, true
		}
	}
	return nil, false
}
