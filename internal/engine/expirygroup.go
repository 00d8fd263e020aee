package engine

// Expiry groups place the records of keys that expire soon in segments by expiry time, so
// that a segment's keys expire together and the segment is freed whole once active expiry has
// deleted them, without compaction copying the live records of mixed TTLs out of it.
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
// Group heads are fresh mappings, never pooled segments: a fresh mapping is resident only up
// to the page its records reach, so each group head holds less than a page of slack, and the
// shard's up to groupSlots heads less than groupSlots pages. That slack is counted, as the
// main head's is, in DB.headSlack, which CheckMemory does not count against maxmemory (see
// allowance). Under a maxmemory too small for that to be a 32nd of it, records are not
// grouped (groupsOn).
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
)

// groupHead is the head segment of one expiry bucket.
type groupHead struct {
	seg    uint32 // 0: none
	bucket int64  // the expiry time shifted right by the level's bucket shift
}

// groupsOn reports whether records are placed in expiry groups: without a maxmemory, or with
// one at least 32 times the group heads' most slack.
func (db *DB) groupsOn() bool {
	m := db.maxMemory.Load()
	return m <= 0 || int64(len(db.shards))*groupSlots*pageSize*32 <= m
}

// groupAllowance returns the most slack the group heads hold, counted in headSlack.
func (db *DB) groupAllowance() int64 {
	if !db.groupsOn() {
		return 0
	}
	return int64(len(db.shards)) * groupSlots * pageSize
}

// allocAtLocked reserves size bytes (a multiple of 8) for a record that will expire at at
// (unix ms, 0 = never) and returns its ref: in the head of the record's expiry group when it
// has one (see the top of this file), else as allocLocked.
func (sh *shard) allocAtLocked(db *DB, size int, at int64) uint32 {
	d := at - sh.now
	if at == 0 || sh.now == 0 || d <= 0 || d >= groupReach {
		return sh.allocLocked(db, size)
	}
	n := int(db.segLen.Load())
	if size > hugeAt(n) || !db.groupsOn() {
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
		i := sh.newSegLocked(n, false)
		s := &sh.segs[i]
		s.expEnd = (b+1)<<shift - 1
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
