package engine

import "unsafe"

// Expiry groups place the records of keys that expire soon in segments by expiry time, so
// that a segment's keys expire together and the segment is freed whole once active expiry has
// deleted them, without compaction copying the live records of mixed TTLs out of it. Active
// expiry finds the grouped keys by reading, in order, the segments of buckets that have begun
// (scanGroupsLocked), rather than by sweeping the TTL set.
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
// and free it. After that, what it still holds (keys given a later TTL) is compacted as any
// segment is, each record copied to the group of its own expiry time.
//
// A group's segments are short, a 32nd of the shared segments' length (groupSegLen), so that
// the shard's up to groupSlots group heads together hold about a shared segment's slack. They
// are carved out of mappings of segSize (slabs) and never unmapped: a group segment freed goes
// to the shard's spares, resident, for the next group head, which costs neither a system call
// nor page faults (a page fault costs tens of microseconds on a busy VM); beyond
// groupSpareMax spares, its pages are given back to the OS (releaseMemory) and it waits,
// mapped but not resident, in the shard's cold list. The group heads' slack and the spares
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
	// groupSpareMax is the most freed group segments a shard keeps resident for reuse.
	groupSpareMax = 32
	// groupScansPerBucket is how many times active expiry reads the records of a group's
	// segment while its bucket lasts (scanGroupsLocked), every 512 ms at level 0 and every
	// 8 s at level 1: a key waits about half that after it expires, a 16th of its bucket,
	// and each record is read about 9 times.
	groupScansPerBucket = 8
)

// groupHead is the head segment of one expiry bucket.
type groupHead struct {
	seg    uint32 // 0: none
	bucket int64  // the expiry time shifted right by the level's bucket shift
}

// groupSegLen returns the length of the expiry groups' segments when shared segments are n
// bytes long: a 32nd of n, at least a page.
func groupSegLen(n int) int { return max(n/32, pageSize) }

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
		// in use: short segments would run out of them (2^17 segments of 8 KiB are 1 GiB)
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
		g.seg, g.bucket = i, b
	}
	db.used.Add(int64(size))
	s := &sh.segs[g.seg]
	before := s.res - s.used
	off := s.used
	sh.appendLocked(g.seg, size)
	if d := int64(s.res - s.used - before); d != 0 {
		sh.groupSlack += d
		db.headSlack.Add(d)
	}
	return g.seg<<offBits | uint32(off>>unitShift)
}

// newGroupSegLocked returns the index of a new group segment of n bytes: a spare, a cold
// segment or a piece of the slab, in that order.
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
			return i
		}
		sh.unspareLocked(m) // of another length, from before a change of maxmemory
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
		sh.db.slack.Add(-int64(len(m)))
		sh.db.headSlack.Add(-int64(len(m)))
		sh.groupSlack -= int64(len(m))
	}
	sh.spare, sh.cold, sh.slab = nil, nil, nil
	for _, m := range sh.slabs {
		unmapMemory(m)
	}
	sh.slabs = nil
}

// unspareLocked takes m, a spare, out of the counts and gives its pages back to the OS.
func (sh *shard) unspareLocked(m []byte) {
	releaseMemory(m)
	sh.db.slack.Add(-int64(len(m)))
	sh.db.headSlack.Add(-int64(len(m)))
	sh.groupSlack -= int64(len(m))
	sh.cold = append(sh.cold, m)
}

// spareLocked keeps m, the memory of a group segment freed while the shard was held, as a
// spare, or gives its pages back to the OS when the shard has groupSpareMax spares.
func (sh *shard) spareLocked(m []byte) {
	if len(sh.spare) >= groupSpareMax || len(m) != groupSegLen(int(sh.db.segLen.Load())) {
		releaseMemory(m)
		sh.cold = append(sh.cold, m)
		return
	}
	sh.spare = append(sh.spare, m)
	sh.db.slack.Add(int64(len(m)))
	sh.db.headSlack.Add(int64(len(m)))
	sh.groupSlack += int64(len(m))
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
	sh.db.headSlack.Add(-d)
	s.group = 0
	g.seg = 0
}

// groupWaits reports whether segment s is an expiry group's that compaction leaves to active
// expiry at sh.now: its keys expire within groupReach0 ms, or expired under groupGrace ago.
func (sh *shard) groupWaits(s *segment) bool {
	return s.expEnd != 0 && sh.now != 0 && sh.now >= s.expEnd-groupReach0 && sh.now <= s.expEnd+groupGrace
}

// placedForLocked reports whether the record at ref may stay where it is when its expiry time
// becomes at: it is not in an expiry group's segment, or that segment's bucket ends at or
// after at (a record expiring later would keep the segment from being freed whole).
func (sh *shard) placedForLocked(ref uint32, at int64) bool {
	s := &sh.segs[ref>>offBits]
	return s.expEnd == 0 || (at != 0 && at <= s.expEnd)
}

// scanGroupsLocked deletes the expired records (OpDel, ReasonExpired) of sh's expiry groups'
// segments whose buckets have begun, reading each such segment's records in order
// groupScansPerBucket times while the bucket lasts, and then until the segment is freed, and returns the keys
// removed and the live records read (visits), and whether budget visits stopped it: a segment
// left unfinished is read again at the next cycle. Reading a segment in order costs about a cache line a
// record, ahead of need; the expired records are deleted in batches (expireBatchLocked), so
// that the misses of their index cells, TTL set cells and eviction-list neighbours overlap.
// Once a segment's records have all expired, the last deletion frees it whole.
//
// This finds the grouped keys; the sweep of the TTL set (sweepLocked) finds the others, and
// finding few grouped keys expired, slows to its slowest pace.
func (db *DB) scanGroupsLocked(sh *shard, now int64, budget int) (removed, visited int, capped bool) {
	var b expireBatch
	for i := uint32(1); i < uint32(len(sh.segs)) && !capped; i++ {
		s := &sh.segs[i]
		if s.expEnd == 0 || now < s.scanAt {
			continue
		}
		s.scanAt = now + 1<<s.shift/groupScansPerBucket
		mem, used := s.mem, s.used
		base := unsafe.Pointer(unsafe.SliceData(mem))
		for off := 0; off < used; {
			h := (*hdr)(unsafe.Add(base, off))
			if h.live() {
				if visited == budget {
					capped = true
					if s := &sh.segs[i]; unsafe.SliceData(s.mem) == unsafe.SliceData(mem) {
						s.scanAt = now
					}
					break
				}
				visited++
				if expired(h, now) {
					b.refs[b.n], b.pos[b.n] = i<<offBits|uint32(off>>unitShift), -1
					b.n++
					if b.n == len(b.refs) {
						removed += db.expireBatchLocked(sh, &b, now)
						if unsafe.SliceData(sh.segs[i].mem) != unsafe.SliceData(mem) {
							break // freed, or compacted: what is left has gone
						}
					}
				}
			}
			off += h.size()
		}
		removed += db.expireBatchLocked(sh, &b, now)
	}
	return removed, visited, capped
}
