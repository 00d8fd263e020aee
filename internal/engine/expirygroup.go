package engine

import (
	"cmp"
	"slices"
	"unsafe"
)

// Expiry groups place the records of keys that expire soon in segments by expiry time, so
// that a segment's keys expire together and the segment is freed whole once active expiry has
// deleted them, without compaction copying the live records of mixed TTLs out of it.
//
// Each such segment keeps a table of its records' expiry times (segment.exp, 4 bytes a
// record: its offset, and its expiry time within the bucket), and its records are not in the
// TTL set. Active expiry finds the grouped keys by reading the tables of the segments whose
// buckets have begun, in the order of a per-shard schedule (scanGroupsLocked), and reads only
// the records whose time has passed; the volatile-* policies draw from the tables too
// (randomGroupedLocked). A grouped record's expiry time stays within its bucket: a SET or an
// EXPIRE giving it a time outside (later, earlier or none) moves it where the new time places
// it (placedForLocked), and one within updates the table. Far below maxmemory the grouped
// records are not linked into the eviction lists either (syncLazyLocked in tinylfu.go).
//
// A record whose expiry time is under 2^20 ms (17.5 minutes) ahead when it is written (or
// copied) goes to the head segment of its expiry bucket: at level 0, for times under 2^16 ms
// (65 s) ahead, buckets of 2^12 ms (4 s); at level 1, buckets of 2^16 ms. Each level has
// groupSlotsPerLevel head slots, one per bucket modulo that number: a level's reach spans 17
// buckets at most, so a slot's bucket has ended by the time another takes it. Other records
// (no TTL, a TTL further ahead, a huge record, or a caller without a clock) go to the shard's
// head segment, as before.
//
// A segment of a group remembers the end of its bucket (segment.expEnd). Compaction leaves it
// alone from 2^16 ms before that end until groupGrace after it: its keys are about to expire
// and free it. After that, what it still holds (if anything) is compacted as any segment is,
// each record copied to the group of its own expiry time.
//
// A group's segments are short, a 16th of the shared segments' length (groupSegLen), so that
// the shard's up to groupSlots group heads together hold about two shared segments' slack.
// Shorter ones would hold less, but cost active expiry more: it reads each segment's table
// groupScansPerBucket times, whatever the records in it (at a 32nd, 14% more CPU time a key
// expired than at a 16th, for 2% less memory a key, in BenchmarkExpireSteady at 10M keys). They
// are carved out of mappings of segSize (slabs) and never unmapped: a group segment freed goes
// to the shard's spares, resident, for the next group head, which costs neither a system call
// nor page faults (a page fault costs tens of microseconds on a busy VM); beyond
// groupSpareMax spares it is kept as an extra spare, counted in slack, and beyond
// groupExtraMax of those (or when CheckMemory needs the memory) its pages are given back to
// the OS (releaseMemory) and it waits, mapped but not resident, in the shard's cold list (see
// spareLocked). The group heads' slack and the spares
// are counted, as the main head's slack is, in DB.headSlack, which CheckMemory does not count
// against maxmemory (see allowance); under a maxmemory too small for them to be a 16th of it,
// records are not grouped (groupsOn).
const (
	groupLevels        = 2
	groupSlotsPerLevel = 17
	groupSlots         = groupLevels * groupSlotsPerLevel
	groupShift0        = 12 // level 0's buckets are 2^12 ms
	groupLevelShift    = 4  // each level's buckets and reach are 16 times the previous level's
	groupReach0        = 1 << (groupShift0 + groupLevelShift)
	groupReach         = groupReach0 << groupLevelShift // ms: expiry times further ahead are not grouped
	// groupGrace is how long after the end of its bucket a group's segment is left to active
	// expiry before compaction may copy what it still holds, in ms.
	groupGrace = 16_000
	// groupSpareMax is the most freed group segments a shard keeps resident for reuse, out of
	// the footprint CheckMemory bounds (as the heads' slack is).
	groupSpareMax = 32
	// groupExtraMax is the most freed group segments a shard keeps resident for reuse beyond
	// groupSpareMax, counted in slack as any bytes without records (see spareLocked).
	groupExtraMax = 96
	// groupScansPerBucket is how many times active expiry reads the table of expiry times of
	// a group's segment while its bucket lasts (scanGroupsLocked), every 512 ms at level 0
	// and every 8 s at level 1: a key waits about half that after it expires, a 16th of its
	// bucket. Each record's entry is read about 5 times on average, its record once.
	groupScansPerBucket = 4
)

// groupHead is the head segment of one expiry bucket.
type groupHead struct {
	seg    uint32 // 0: none
	bucket int64  // the expiry time shifted right by the level's bucket shift
}

// groupSegLen returns the length of the expiry groups' segments when shared segments are n
// bytes long: a 16th of n, at least a page.
func groupSegLen(n int) int { return max(n/16, pageSize) }

// groupsOn reports whether records are placed in expiry groups: without a maxmemory, or with
// one at least 16 times what the group heads and spares may hold (groupAllowance's most).
func (db *DB) groupsOn() bool {
	m := db.maxMemory.Load()
	return m <= 0 || 16*int64(len(db.shards))*(groupSlots+groupSpareMax)*int64(groupSegLen(int(db.segLen.Load()))) <= m
}

// groupAllowance returns the most bytes the group heads' slack and the spares hold, counted
// in headSlack.
func (db *DB) groupAllowance() int64 {
	if !db.groupsOn() {
		return 0
	}
	return int64(len(db.shards)) * (groupSlots + groupSpareMax) * int64(groupSegLen(int(db.segLen.Load())))
}

// allocAtLocked reserves size bytes (a multiple of 8) for a record that will expire at at
// (unix ms, 0 = never) and returns its ref: in the head of the record's expiry group when it
// has one (see the top of this file), else as allocLocked.
func (sh *shard) allocAtLocked(db *DB, size int, at int64) uint32 {
	d := at - sh.now
	if at == 0 || sh.now == 0 || d <= 0 || d >= groupReach {
		return sh.allocLocked(db, size)
	}
	n := groupSegLen(int(db.segLen.Load()))
	if size > n/4 || !db.groupsOn() || len(sh.segs)-len(sh.freeSegs) >= maxSegs/2 {
		// A huge record, a small maxmemory, or a shard with half the refs' segment numbers
		// in use: short segments would run out of them (2^17 segments of 16 KiB are 2 GiB)
		// while shared ones of 256 KiB hold 32 GiB.
		return sh.allocLocked(db, size)
	}
	shift, slot := groupShift0, 0
	if d >= groupReach0 {
		shift, slot = groupShift0+groupLevelShift, groupSlotsPerLevel
	}
	b := at >> shift
	slot += int(b % groupSlotsPerLevel)
	g := &sh.groups[slot]
	if g.seg == 0 || g.bucket != b || sh.segs[g.seg].used+size > len(sh.segs[g.seg].mem) {
		sh.sealGroupLocked(g)
		// As when the head rolls, unlock checks every segment for compaction: a group's
		// segment that outlived its bucket and the grace is compacted once one rolls.
		sh.rolled = 1
		sh.dirty = true
		i := sh.newGroupSegLocked(n)
		s := &sh.segs[i]
		s.expEnd = (b+1)<<shift - 1
		s.scanAt = b << shift
		s.shift = uint8(shift)
		s.group = uint8(slot + 1)
		if k := len(sh.expFree); k > 0 {
			s.exp = sh.expFree[k-1]
			sh.expFree[k-1] = nil
			sh.expFree = sh.expFree[:k-1]
		}
		sh.pushScanLocked(groupScan{at: s.scanAt, seg: i})
		g.seg, g.bucket = i, b
	}
	sh.acct.used += int64(size)
	s := &sh.segs[g.seg]
	before := s.res - s.used
	off := s.used
	sh.appendLocked(g.seg, size)
	if d := int64(s.res - s.used - before); d != 0 {
		sh.groupSlack += d
		sh.acct.headSlack += d
	}
	s.exp = append(s.exp, groupEntry(off, at, s.bucketStart()))
	return g.seg<<offBits | uint32(off>>unitShift)
}

// groupEntry returns the entry of an expiry group's table (segment.exp) for the record at
// offset off (bytes) of a segment whose bucket begins at start, expiring at at: the offset in
// 8-byte units in the high half, and at less start in the low half (clamped to the 2^16 ms of
// the longest bucket; a record of a group expires within its bucket, see placedForLocked).
func groupEntry(off int, at, start int64) uint32 {
	return uint32(off>>unitShift)<<16 | uint32(min(max(at-start, 0), 0xffff))
}

// bucketStart returns the earliest expiry time of the bucket of s, an expiry group's segment.
func (s *segment) bucketStart() int64 { return s.expEnd - int64(1)<<s.shift + 1 }

// grouped reports whether the record at ref is in an expiry group's segment. Such a record
// is not in the TTL set: its segment's table (segment.exp) holds its expiry time.
func (sh *shard) grouped(ref uint32) bool { return sh.segs[ref>>offBits].expEnd != 0 }

// setGroupExpiryLocked records at, within the bucket of the record's expiry group, as the
// expiry time of the record ref, in an expiry group's segment, in the segment's table: the
// record's entry is updated, or put back in its place by offset when a scan took it out.
func (sh *shard) setGroupExpiryLocked(ref uint32, at int64) {
	s := &sh.segs[ref>>offBits]
	off := ref & offMask
	e := groupEntry(int(off)<<unitShift, at, s.bucketStart())
	n := len(s.exp)
	if n > 0 && s.exp[n-1]>>16 == off { // the record just written, mostly
		s.exp[n-1] = e
		return
	}
	k, found := slices.BinarySearchFunc(s.exp, off, func(x, off uint32) int { return cmp.Compare(x>>16, off) })
	if found {
		s.exp[k] = e
		return
	}
	s.exp = slices.Insert(s.exp, k, e)
}

// randomGroupedLocked returns the ref of a random live record of the shard's expiry groups, or
// 0 when a few tries found none: it picks a random segment of the schedule of scans, then a
// random entry of its table (records of segments with fewer entries are a little likelier).
func (sh *shard) randomGroupedLocked() uint32 {
	for range 8 {
		if len(sh.scans) == 0 {
			return 0
		}
		e := sh.scans[sh.rng.IntN(len(sh.scans))]
		s := &sh.segs[e.seg]
		if s.expEnd == 0 || s.scanAt != e.at || len(s.exp) == 0 {
			continue
		}
		ref := e.seg<<offBits | s.exp[sh.rng.IntN(len(s.exp))]>>16
		if h := sh.at(ref); h.live() && h.expireAt() != 0 {
			return ref
		}
	}
	return 0
}

// groupScan is an expiry group's segment in a shard's schedule of scans (shard.scans): the
// segment seg is due to be read at at, if its scanAt still says so.
type groupScan struct {
	at  int64
	seg uint32
}

// pushScanLocked adds e to the shard's schedule of scans, a binary heap ordered by time.
func (sh *shard) pushScanLocked(e groupScan) {
	h := append(sh.scans, e)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	sh.scans = h
}

// popScanLocked removes the first scan of the shard's schedule.
func (sh *shard) popScanLocked() {
	h := sh.scans
	n := len(h) - 1
	h[0] = h[n]
	sh.scans = h[:n]
	sh.downScanLocked()
}

// downScanLocked restores the order of the shard's schedule after its first scan was put
// later.
func (sh *shard) downScanLocked() {
	h := sh.scans
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].at < h[c].at {
			c++
		}
		if h[i].at <= h[c].at {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// newGroupSegLocked returns the index of a new group segment of n bytes: a spare, an extra
// spare, a cold segment or a piece of the slab, in that order.
func (sh *shard) newGroupSegLocked(n int) uint32 {
	i := sh.segIndexLocked()
	s := &sh.segs[i]
	*s = segment{carved: true}
	for k := len(sh.spare); k > 0 && s.mem == nil; k = len(sh.spare) {
		m := sh.spare[k-1]
		sh.spare[k-1] = nil
		sh.spare = sh.spare[:k-1]
		if len(m) == n {
			s.mem, s.res = m, n // its bytes stay in slack and headSlack, now as the head's
			sh.db.spareBytes.Add(-int64(n))
			return i
		}
		sh.unspareLocked(m) // of another length, from before a change of maxmemory
	}
	for k := len(sh.extra); k > 0; k = len(sh.extra) {
		m := sh.extra[k-1]
		sh.extra[k-1] = nil
		sh.extra = sh.extra[:k-1]
		if len(m) != n { // of another length, from before a change of maxmemory
			sh.coolExtraLocked(m)
			continue
		}
		sh.db.extraBytes.Add(-int64(len(m)))
		s.mem, s.res = m, n // resident, in slack: its bytes are the head's slack now
		sh.acct.headSlack += int64(n)
		sh.groupSlack += int64(n)
		return i
	}
	for k := len(sh.cold); k > 0; k = len(sh.cold) {
		m := sh.cold[k-1]
		sh.cold[k-1] = nil
		sh.cold = sh.cold[:k-1]
		if len(m) == n {
			s.mem = m
			return i
		}
	}
	if len(sh.slab) < n {
		sh.slab = mapMemory(segSize)
		sh.slabs = append(sh.slabs, sh.slab)
	}
	s.mem = sh.slab[:n:n]
	sh.slab = sh.slab[n:]
	return i
}

// unmapSlabsLocked unmaps the shard's slabs, which must hold no segment any more (Close,
// after every shard was reset), and forgets the spares and cold segments cut from them.
func (sh *shard) unmapSlabsLocked() {
	for _, m := range sh.spare {
		sh.acct.slack -= int64(len(m))
		sh.acct.headSlack -= int64(len(m))
		sh.groupSlack -= int64(len(m))
		sh.db.spareBytes.Add(-int64(len(m)))
	}
	for _, m := range sh.extra {
		sh.acct.slack -= int64(len(m))
		sh.db.extraBytes.Add(-int64(len(m)))
	}
	sh.spare, sh.extra, sh.cold, sh.slab = nil, nil, nil, nil
	for _, m := range sh.slabs {
		unmapMemory(m)
	}
	sh.slabs = nil
}

// unspareLocked takes m, a spare, out of the counts and gives its pages back to the OS.
func (sh *shard) unspareLocked(m []byte) {
	releaseMemory(m)
	sh.acct.slack -= int64(len(m))
	sh.acct.headSlack -= int64(len(m))
	sh.groupSlack -= int64(len(m))
	sh.db.spareBytes.Add(-int64(len(m)))
	sh.cold = append(sh.cold, m)
}

// spareLocked keeps m, the memory of a group segment freed while the shard was held, as a
// spare; beyond groupSpareMax spares, as an extra spare, counted in slack (and so in the
// footprint CheckMemory bounds, which gives the extra spares back first: releaseExtras);
// beyond groupExtraMax of those, it gives its pages back to the OS.
//
// The segments of an expiry bucket are freed together, when the bucket's last keys expire,
// while new group heads are taken at the steady pace of the writes: a shard of a keyspace of
// 10M keys in 256 shards, with TTLs of 1 to 60 s, frees about 50 segments at the end of each
// 4-second bucket and takes them back over the next 4 seconds. Giving the pages of those
// beyond the spares back to the OS, then faulting them in again, cost active expiry a quarter
// of its time (a madvise call per segment) and the writers the page faults.
func (sh *shard) spareLocked(m []byte) {
	switch {
	case len(m) != groupSegLen(int(sh.db.segLen.Load())):
	case len(sh.spare) < groupSpareMax:
		sh.spare = append(sh.spare, m)
		sh.acct.slack += int64(len(m))
		sh.acct.headSlack += int64(len(m))
		sh.groupSlack += int64(len(m))
		sh.db.spareBytes.Add(int64(len(m)))
		return
	case len(sh.extra) < groupExtraMax:
		sh.extra = append(sh.extra, m)
		sh.acct.slack += int64(len(m))
		sh.db.extraBytes.Add(int64(len(m)))
		return
	}
	releaseMemory(m)
	sh.cold = append(sh.cold, m)
}

// releaseExtraLocked gives the pages of the shard's extra spares back to the OS.
func (sh *shard) releaseExtraLocked() {
	for k, m := range sh.extra {
		sh.coolExtraLocked(m)
		sh.extra[k] = nil
	}
	sh.extra = sh.extra[:0]
}

// coolExtraLocked gives the pages of m, an extra spare the caller has taken out of sh.extra,
// back to the OS, takes it out of the counts and keeps it mapped in the cold list.
func (sh *shard) coolExtraLocked(m []byte) {
	releaseMemory(m)
	sh.acct.slack -= int64(len(m))
	sh.db.extraBytes.Add(-int64(len(m)))
	sh.cold = append(sh.cold, m)
}

// sparesToRelease reports whether releaseExtras would give pages back: extra spares, or spares
// while records are not grouped (groupsOn), as after maxmemory was lowered: they then count
// in the footprint rather than in groupAllowance, and no group head would take them.
func (db *DB) sparesToRelease() bool {
	return db.extraBytes.Load() > 0 || (db.spareBytes.Load() > 0 && !db.groupsOn())
}

// releaseExtras gives the pages of every shard's extra spares back to the OS, and of its
// spares while records are not grouped (CheckMemory, when the footprint is over its bound).
func (db *DB) releaseExtras(now int64) {
	off := !db.groupsOn()
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(now)
		sh.releaseExtraLocked()
		if off {
			for k, m := range sh.spare {
				sh.unspareLocked(m)
				sh.spare[k] = nil
			}
			sh.spare = sh.spare[:0]
		}
		sh.flushAcctLocked(true) // for CheckMemory's next look at the counts
		sh.unlock()
	}
}

// sealGroupLocked ends g's head segment, if it has one: no record is added to it any more,
// and its slack counts as any segment's.
func (sh *shard) sealGroupLocked(g *groupHead) {
	if g.seg == 0 {
		return
	}
	s := &sh.segs[g.seg]
	d := int64(s.res - s.used)
	sh.groupSlack -= d
	sh.acct.headSlack -= d
	s.group = 0
	g.seg = 0
}

// groupWaits reports whether segment s is an expiry group's that compaction leaves to active
// expiry at sh.now: its keys expire within groupReach0 ms, or expired under groupGrace ago.
func (sh *shard) groupWaits(s *segment) bool {
	return s.expEnd != 0 && sh.now != 0 && sh.now >= s.expEnd-groupReach0 && sh.now <= s.expEnd+groupGrace
}

// placedForLocked reports whether the record at ref may stay where it is when its expiry time
// becomes at: it is not in an expiry group's segment, or at is within that segment's bucket.
// A record expiring later would keep the segment from being freed whole, and one expiring
// earlier would wait for the bucket to begin: such a record is moved where at places it.
func (sh *shard) placedForLocked(ref uint32, at int64) bool {
	s := &sh.segs[ref>>offBits]
	return s.expEnd == 0 || (at != 0 && at <= s.expEnd && at >= s.bucketStart())
}

// scanGroupsLocked deletes the expired records (OpDel, ReasonExpired) of sh's expiry groups'
// segments whose buckets have begun, reading each such segment's table of expiry times
// (segment.exp) groupScansPerBucket times while the bucket lasts, and then until the segment
// is freed, in the order of the shard's schedule of scans (shard.scans). It returns the keys
// removed and the table entries read (visits), and whether budget visits stopped it: a
// segment left unread is read at the next cycle.
//
// A scan reads the table alone, a few bytes a record, and takes out the entries whose time
// has passed; only their records are read, in batches (expireBatchLocked), so that the
// misses of their headers, index cells and eviction-list neighbours overlap. A record that
// was deleted meanwhile is passed over. Once a segment's records have all expired, the last
// deletion frees it whole.
//
// This finds the grouped keys, which are not in the TTL set; the sweep of the TTL set
// (sweepLocked) finds the others.
func (db *DB) scanGroupsLocked(sh *shard, now int64, budget int) (removed, visited int, capped bool) {
	var b expireBatch
	for len(sh.scans) > 0 && sh.scans[0].at <= now {
		e := sh.scans[0]
		s := &sh.segs[e.seg]
		if s.expEnd == 0 || s.scanAt != e.at {
			sh.popScanLocked() // freed, or the segment's scan was moved
			continue
		}
		if visited >= budget {
			capped = true
			break
		}
		// Take the due entries out of the table first: deleting their records may free
		// the segment, and its table with it. The budget may stop the scan part of the way:
		// the segment is then read again at the next cycle. An entry has expired when its
		// time is below lim; the loop has no branch on the entries, as which of them are
		// due is as good as random.
		lim := int32(min(max(now-s.bucketStart(), 0), 1<<16))
		n := len(s.exp)
		j := min(n, budget-visited)
		visited += j
		cand := slices.Grow(db.expire.cand[:0], j)[:j]
		exp := s.exp[:j]
		seg := e.seg << offBits
		c, k := 0, 0
		for _, x := range exp {
			due := int(uint32(int32(x&0xffff)-lim) >> 31) // 1 when due
			cand[c] = seg | x>>16
			exp[k] = x
			c += due
			k += 1 - due
		}
		cand = cand[:c]
		k += copy(s.exp[k:], s.exp[j:])
		s.exp = s.exp[:k]
		db.expire.cand = cand
		if j < n {
			capped = true
		} else {
			s.scanAt = now + 1<<s.shift/groupScansPerBucket
		}
		sh.scans[0].at = s.scanAt
		sh.downScanLocked()
		mem := unsafe.SliceData(s.mem)
		for _, ref := range cand {
			b.refs[b.n], b.pos[b.n] = ref, -1
			b.n++
			if b.n == len(b.refs) {
				removed += db.expireBatchLocked(sh, &b, now)
				if unsafe.SliceData(sh.segs[e.seg].mem) != mem {
					break // freed, or compacted: what is left has gone
				}
			}
		}
		removed += db.expireBatchLocked(sh, &b, now)
	}
	return removed, visited, capped
}
