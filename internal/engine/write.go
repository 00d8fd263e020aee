package engine

import "unsafe"

// localSlot returns the index of slot inside its shard.
func (db *DB) localSlot(slot uint16) int { return int(slot) >> db.shift }

// slotTable returns the index table of slot in sh, slot's shard, for a slot that may hold no
// key: with hashSlots a shard keeps one table, for the slot place gives its keys, and the
// other slots share db.none, which stays empty. The caller holds sh and must not insert
// into the table returned. A key's own slot (from place) always has a table in its shard:
// sh.tabs[db.localSlot(slot)].
func (db *DB) slotTable(sh *shard, slot uint16) *table {
	if li := db.localSlot(slot); li < len(sh.tabs) {
		return &sh.tabs[li]
	}
	return &db.none
}

// shardOf returns the index of slot's shard.
func (db *DB) shardOf(slot uint16) uint32 { return uint32(slot) & db.mask }

// createLocked adds a record for key, absent at l, with a value area of valCap bytes and no
// value yet, with an expiry area when expireAt (the TTL the caller will set, 0 = none) is not
// 0, links it into the eviction lists and points l at it. The caller sets the kind, the value
// and the TTL.
func (db *DB) createLocked(l *loc, key []byte, valCap int, expireAt int64) {
	sh := l.sh
	ttl := expireAt != 0
	ref := sh.allocAtLocked(db, recSize(len(key), valCap, ttl), expireAt)
	h := sh.at(ref)
	*h = hdr{valCap: uint32(valCap), kind: uint8(KindString), lfu: lfuInitVal}
	if ttl {
		h.kind |= flagTTL
		h.setExpireAt(0)
	}
	h.setKey(key)
	sh.insertLocked(db.localSlot(l.slot), l.frag, ref)
	db.slotLen[l.slot].Add(1)
	sh.polAddLocked(ref)
	l.ref = ref
}

// setStringLocked creates or replaces key, located at l, with a copy of val and the TTL
// expireAt (0 = none) at time now, and reports whether it created the key; the caller
// publishes OpSet.
func (db *DB) setStringLocked(l *loc, key, val []byte, expireAt, now int64) (created bool) {
	created = l.ref == 0
	if created {
		db.createLocked(l, key, len(val), expireAt)
		h := l.sh.at(l.ref)
		copy(h.value()[:len(val)], val)
		h.valLen = uint32(len(val))
	} else {
		db.access(*l, now)
		db.putStringLocked(l, val, true)
	}
	db.finishSetLocked(l, expireAt, now, created)
	return created
}

// finishSetLocked sets the TTL of the record just written at l and shows the write to the
// eviction policy's clock and tuner.
func (db *DB) finishSetLocked(l *loc, expireAt, now int64, created bool) {
	if created {
		touchLRU(l.sh.at(l.ref), now)
	}
	db.placeForLocked(l, expireAt)
	h := l.sh.at(l.ref)
	l.sh.setTTLLocked(l.ref, h, expireAt)
	if db.policy.Load().tiny {
		db.tuneLocked(l.frag, h.size(), true)
	}
}

// growCap returns the value area for a string grown to n bytes by an in-place change
// (APPEND, SETRANGE, SETBIT): doubled up to 1 MiB, then 1 MiB more, as Redis's sds.
func growCap(n int) int {
	if n < 1<<20 {
		return 2 * n
	}
	return n + 1<<20
}

// relocateLocked copies the record at l, header and key, to a new record with a value area of
// valCap bytes and no value, repoints the index, the TTL list and the eviction list at it, and
// returns the old ref, which the caller releases once it has written the value (it may be read
// from the old record).
func (db *DB) relocateLocked(l *loc, valCap int) (old uint32) {
	return db.moveLocked(l, valCap, false, l.sh.at(l.ref).expireAt())
}

// moveLocked copies the record at l to a new record with a value area of valCap bytes, and an
// expiry area if it has one or addTTL, repoints the index, the TTL list and the eviction list
// at it, points l at it and returns the old ref. With addTTL it copies the value area too (valCap
// must be the record's); without, the new value area holds nothing yet. The copy is placed for
// expiry time at (allocAtLocked), which the caller then gives it.
func (db *DB) moveLocked(l *loc, valCap int, addTTL bool, at int64) (old uint32) {
	sh := l.sh
	old = l.ref
	oh := sh.at(old)
	ref := sh.allocAtLocked(db, recSize(oh.keyLength(), valCap, addTTL || oh.kind&flagTTL != 0), at)
	h := sh.at(ref)
	*h = *oh
	if addTTL {
		h.kind |= flagTTL
	}
	h.setExpireAt(oh.expireAt())
	h.valCap = uint32(valCap)
	h.setKey(oh.key())
	if addTTL {
		copy(unsafe.Slice(h.valuePtr(), valCap), unsafe.Slice(oh.valuePtr(), valCap))
	} else {
		h.valLen = 0
	}
	t := &sh.tabs[db.localSlot(l.slot)]
	t.setCell(t.findRef(l.frag, old), cell(l.frag, ref), sh.step != 0)
	sh.movedTTLLocked(old, ref, h.expireAt())
	if h.queue() >= 0 {
		sh.pol.Moved(old, ref)
		sh.pol.Resized(ref, int64(h.size()-oh.size()))
	} else if !sh.grouped(ref) {
		sh.linkLocked(ref) // out of the groups, not linked yet (see syncLazyLocked)
	}
	l.ref = ref
	return old
}

// placeForLocked makes the record at l ready to take the expiry time at: a record without an
// expiry area is moved to a copy that has one (for at != 0), and a record in an expiry group's
// segment whose bucket at is not in (placedForLocked) to where at places it.
func (db *DB) placeForLocked(l *loc, at int64) {
	if h := l.sh.at(l.ref); at != 0 && h.kind&flagTTL == 0 {
		db.addTTLAreaLocked(l, at)
	} else if !l.sh.placedForLocked(l.ref, at) {
		old := db.moveLocked(l, int(h.valCap), true, at)
		l.sh.releaseLocked(db, old)
	}
}

// addTTLAreaLocked moves the record at l, which has no expiry area, to a copy that has one,
// placed for expiry time at.
func (db *DB) addTTLAreaLocked(l *loc, at int64) {
	old := db.moveLocked(l, int(l.sh.at(l.ref).valCap), true, at)
	l.sh.releaseLocked(db, old)
}

// putStringLocked makes str the value of the existing record at l, in place when the value
// area fits it. set asks for a tight area, as SET stores values (in place only if at most about
// twice the size); otherwise the area grows greedily, for repeated appends.
func (db *DB) putStringLocked(l *loc, str []byte, set bool) {
	sh := l.sh
	h := sh.at(l.ref)
	if h.kind&flagTable != 0 {
		sh.dropObjLocked(h.valLen)
		h.valLen = 0
	}
	n, c := len(str), int(h.valCap)
	if c >= n && (!set || c <= 2*n+64) {
		copy(h.value()[:n], str)
		h.valLen = uint32(n)
		h.setKind(uint8(KindString))
		return
	}
	newCap := n
	if !set {
		newCap = growCap(n)
	}
	old := db.relocateLocked(l, newCap)
	h = sh.at(l.ref)
	copy(h.value()[:n], str)
	h.valLen = uint32(n)
	h.setKind(uint8(KindString))
	sh.releaseLocked(db, old)
}

// compactLen returns the bytes obj takes in a record's value area: its compact encoding's
// length when the DB keeps it so, else 0.
func (db *DB) compactLen(obj Object) int {
	if c, ok := obj.(Compact); ok && db.thaw != nil {
		return max(c.CompactLen(), 0)
	}
	return 0
}

// putObjectLocked makes obj the value of the existing record at l: its compact encoding in the
// value area when it has one in use (and the DB can thaw it), else obj in the object table.
func (db *DB) putObjectLocked(l *loc, obj Object) {
	if c, ok := obj.(Compact); ok && db.thaw != nil {
		if n := c.CompactLen(); n >= 0 {
			db.putCompactLocked(l, obj.Kind(), c, n)
			return
		}
	}
	sh := l.sh
	h := sh.at(l.ref)
	kind := uint8(obj.Kind()) | flagTable
	if h.kind&flagTable != 0 {
		i := h.valLen
		sh.objs[i] = obj
		h.setKind(kind)
		sh.accountObjLocked(i)
		return
	}
	if h.valCap > 0 { // a string's area: give it back
		old := db.relocateLocked(l, 0)
		sh.releaseLocked(db, old)
		h = sh.at(l.ref)
	}
	i := sh.putObjLocked(obj)
	h.setKind(kind)
	h.valLen = i
	sh.accountObjLocked(i)
}

// putCompactLocked makes c's compact encoding, n bytes, the value of the existing record at
// l, in place when the value area fits it. The area keeps a quarter of spare room, as small
// collections grow by a few bytes at a time.
func (db *DB) putCompactLocked(l *loc, kind Kind, c Compact, n int) {
	sh := l.sh
	h := sh.at(l.ref)
	if h.kind&flagTable != 0 {
		sh.dropObjLocked(h.valLen)
		h.valLen = 0
	}
	if cp := int(h.valCap); cp >= n && cp <= 2*n+64 {
		c.WriteCompact(h.value()[:n])
		h.valLen = uint32(n)
		h.setKind(uint8(kind) | flagFrozen)
		return
	}
	old := db.relocateLocked(l, n+n/4)
	h = sh.at(l.ref)
	c.WriteCompact(h.value()[:n])
	h.valLen = uint32(n)
	h.setKind(uint8(kind) | flagFrozen)
	sh.releaseLocked(db, old)
}

// deleteLocked removes the record ref, whose key has hash fragment frag and slot slot, and
// publishes OpDel with why.
func (db *DB) deleteLocked(sh *shard, ref, frag uint32, slot uint16, why Reason) {
	h := sh.at(ref)
	li := db.localSlot(slot)
	sh.unlinkLocked(li, sh.tabs[li].findRef(frag, ref), ref)
	db.slotLen[slot].Add(-1)
	switch why {
	case ReasonExpired:
		sh.addExpired()
	case ReasonEvicted:
		sh.evicted.Add(1)
	}
	if why != ReasonEvicted {
		db.tuneRemoveLocked(frag)
	}
	// The key aliases the arena, which stays mapped until the shard is unlocked.
	db.publishLocked(sh, OpDel, why, slot, h.key(), nil)
	sh.releaseLocked(db, ref)
}

// expireInPlaceLocked deletes the expired record ref of a segment being compacted: unlinked
// and published as expired, but not released, since the whole segment is freed.
func (db *DB) expireInPlaceLocked(sh *shard, ref uint32) {
	h := sh.at(ref)
	key := h.key()
	slot, frag := db.place(key)
	li := db.localSlot(slot)
	sh.unlinkLocked(li, sh.tabs[li].findRef(frag, ref), ref)
	db.slotLen[slot].Add(-1)
	sh.addExpired()
	db.tuneRemoveLocked(frag)
	db.publishLocked(sh, OpDel, ReasonExpired, slot, key, nil)
	h.kind &= flagTTL // dead, and still as long
}

// deleteRefLocked deletes the record ref, found by sampling (active expiry, eviction).
func (db *DB) deleteRefLocked(sh *shard, ref uint32, why Reason) {
	slot, frag := db.place(sh.at(ref).key())
	db.deleteLocked(sh, ref, frag, slot, why)
}
