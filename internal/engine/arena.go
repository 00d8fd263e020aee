package engine

import (
	"sync"
	"unsafe"
)

// A shard's arena is log-structured: records are appended to the head segment and never move
// while they live, except when compaction copies the live records of a segment whose dead
// share has passed compactDiv to the head and frees the segment. A record too big for a shared
// segment gets a segment of its own. Segments come from mapMemory, outside the Go heap. The
// records of keys that expire within minutes go instead to short segments grouped by expiry
// time, freed whole once their keys have expired (expirygroup.go).
//
// Shared segments are segLen bytes long, a power of two from minSegSize to segSize chosen from
// maxmemory (segLenFor), so that a small node's shards do not each hold a 256 KiB head.
//
// What the arena holds is counted (DB.footprint): live records in used memory, dead records
// in dead, and in slack the bytes of segments that are resident but hold no record: a
// segment's pages beyond its records up to the highest page written (a fresh mapping's
// untouched pages are not resident), all of a segment reused from the pool, and the pool's
// segments. CheckMemory keeps used memory within maxmemory, and the footprint but the head
// segments' slack within maxmemory and room, so that dead and slack bytes are bounded too; the
// heads' slack is bounded by their number and length.
//
// A ref names a record: the segment's index in shard.segs shifted left by offBits, or'ed with
// the record's offset in 8-byte units. Index 0 is never a segment, so no ref is 0.
const (
	segShift   = 18 // 256 KiB segments
	segSize    = 1 << segShift
	unitShift  = 3
	offBits    = segShift - unitShift
	offMask    = 1<<offBits - 1
	maxSegs    = 1 << (32 - offBits)
	hugeRecord = segSize / 4 // records above this get a segment of their own at segLen segSize
	pageSize   = 4096
	// minSegSize is the shortest shared segment (segLenFor), 16 KiB: records up to that size
	// still share segments, and one of their own wastes at most a quarter of it in rounding
	// to pages.
	minSegSize = 16 << 10
	// compactDiv: a segment other than the head is compacted once at least 1/compactDiv of
	// its bytes are dead, so dead bytes stay under that share of the arena.
	compactDiv = 4
)

// segPool keeps a few freed shared segments mapped, for any shard to reuse: mapping and
// unmapping a segment costs two system calls and a page fault per page touched again. Records
// are written whole before they are read, so reused memory needs no clearing. Its mutex is a
// leaf lock, taken under shard locks.
type segPool struct {
	mu  sync.Mutex
	mem [][]byte
}

// segPoolMax is the most segments of segSize the pool keeps (2 MiB). Under a maxmemory, the
// pool keeps at most a 32nd of it: the pool's pages are resident (and counted in slack), and a
// small node should not hold a quarter of its size in spare segments.
const segPoolMax = 8

// segPoolLimit returns the most segments of n bytes the pool may keep now.
func (db *DB) segPoolLimit(n int) int {
	b := int64(segPoolMax * segSize)
	if m := db.maxMemory.Load(); m > 0 {
		b = min(m/32, b)
	}
	return int(b / int64(n))
}

// segLenFor returns the length of the shared segments for a maxmemory of m bytes (0: none)
// over shards shards: the longest power of two from minSegSize to segSize at which the
// shards' head segments take at most a 64th of m together.
func segLenFor(m int64, shards int) int {
	n := segSize
	if m > 0 {
		for n > minSegSize && int64(n)*int64(shards)*64 > m {
			n /= 2
		}
	}
	return n
}

// room returns the bytes beyond maxmemory that CheckMemory allows the arenas' dead and slack
// bytes outside the head segments: a full segment pool (a 32nd of maxmemory, at most 2 MiB)
// and a 32nd of maxmemory, at least 1 MiB and at most 4 MiB, for dead records and the ends of
// segments that records did not fill.
func room(limit int64) int64 {
	return min(limit/32, segPoolMax*segSize) + min(max(limit/32, 1<<20), 4<<20)
}

// headsExempt is the most bytes of the shards' head segments' slack that CheckMemory does not
// count against maxmemory: 4 MiB, what 256 heads of minSegSize hold. Heads are longer above a
// maxmemory of 256 MiB (segLenFor: 64 KiB each at 1 GiB, 16 MiB in all); the slack beyond
// this is counted, so that evicting records makes room for it and the arenas hold at most
// maxmemory plus an allowance that does not grow with it (a few more keys evicted: at most
// a 64th of maxmemory, 1.2% at 1 GiB).
const headsExempt = 4 << 20

// exemptSlack returns the head slack CheckMemory does not count against maxmemory, since no
// eviction frees it: the heads' slack (DB.headSlack), at most headsExempt for the shards'
// heads and groupAllowance for the expiry groups' heads and spares.
func (db *DB) exemptSlack() int64 {
	return min(db.headSlack.Load(), db.headsAllowance()+db.groupAllowance())
}

// headsAllowance is the most of the shards' head segments' slack left out of the bound: what
// all their heads can hold, at most headsExempt.
func (db *DB) headsAllowance() int64 {
	return min(int64(len(db.shards))*db.segLen.Load(), headsExempt)
}

// allowance returns the most arena bytes beyond maxmemory that CheckMemory allows: room, and
// the head segments' resident bytes without records it does not count (exemptSlack), the
// expiry groups' heads and spares included (groupAllowance). With 256 shards the heads' part
// is at most 4 MiB whatever maxmemory is. It holds while maxmemory has not been raised (heads
// of a larger maxmemory stay until they roll).
func (db *DB) allowance(limit int64) int64 {
	return db.headsAllowance() + db.groupAllowance() + room(limit)
}

// syncHeadLocked brings the head segment's slack, as counted in the DB's headSlack, up to date.
func (sh *shard) syncHeadLocked() {
	var hs int64
	if sh.head != 0 {
		s := &sh.segs[sh.head]
		hs = int64(s.res - s.used)
	}
	if hs != sh.headSlack {
		sh.acct.headSlack += hs - sh.headSlack
		sh.headSlack = hs
	}
}

// hugeAt returns the size above which a record gets a segment of its own when shared
// segments are n bytes long: a quarter of n, and at least minSegSize (at most n).
func hugeAt(n int) int { return max(n/4, minSegSize) }

// get returns a pooled segment of n bytes, or nil; segments of another length (from before a
// change of maxmemory) are unmapped on the way and taken out of slack.
func (p *segPool) get(db *DB, n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := len(p.mem); k > 0; k = len(p.mem) {
		m := p.mem[k-1]
		p.mem[k-1] = nil
		p.mem = p.mem[:k-1]
		if len(m) == n {
			return m
		}
		db.slack.Add(-int64(len(m)))
		db.unmapLater(m)
	}
	return nil
}

// put keeps m, a shared segment's memory, unless it is not n bytes long or the pool holds
// limit segments, and reports whether it did. The caller counts a kept segment in slack.
func (p *segPool) put(m []byte, n, limit int) bool {
	if len(m) != n {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.mem) >= limit {
		return false
	}
	p.mem = append(p.mem, m)
	return true
}

// segment is one block of arena memory. Its fields are in two cache lines (the struct is 128
// bytes, and a slice of them is 64-byte aligned): mem and the fields fixed while the segment
// lives, which every read of one of its records loads (shard.at), then the counters each append
// and release writes, so that a reader on one core does not miss on the line a writer on
// another has just written (false sharing on the head segment).
type segment struct {
	mem    []byte
	group  uint8
	shift  uint8 // an expiry group's bucket is 1<<shift ms long
	carved bool  // an expiry group's segment, out of a slab (expirygroup.go)
	_      [64 - 24 - 3]byte

	used int // bytes appended (the records live in mem[:used])
	dead int // bytes of dead records in mem[:used]
	res  int // bytes of mem counted resident: used rounded up to pages, or all of a reused mem
	// expEnd is the latest expiry time (unix ms) of the records of an expiry group's segment,
	// or 0 for any other; group is 1 + the slot of sh.groups whose head it is, or 0.
	expEnd int64
	scanAt int64 // when active expiry next reads an expiry group's segment (scanGroupsLocked)
	// exp is an expiry group's table of its records' expiry times: an entry (groupEntry)
	// for each record appended and not yet found expired, in the order of their offsets.
	exp []uint32
}

// at returns the header of the record at ref.
func (sh *shard) at(ref uint32) *hdr {
	s := &sh.segs[ref>>offBits]
	return (*hdr)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s.mem)), int(ref&offMask)<<unitShift))
}

// segIndexLocked returns the index of an unused entry of sh.segs.
func (sh *shard) segIndexLocked() uint32 {
	var i uint32
	if k := len(sh.freeSegs); k > 0 {
		i = sh.freeSegs[k-1]
		sh.freeSegs = sh.freeSegs[:k-1]
	} else {
		if len(sh.segs) == 0 {
			sh.segs = append(sh.segs, segment{}) // index 0: never a segment
		}
		if len(sh.segs) >= maxSegs {
			panic("engine: a shard's arena is full (" + "more than 32 GiB" + ")")
		}
		sh.segs = append(sh.segs, segment{})
		i = uint32(len(sh.segs) - 1)
	}
	return i
}

// newSegLocked maps a segment of n bytes and returns its index. With pooled, a shared segment
// may come from the pool.
func (sh *shard) newSegLocked(n int, pooled bool) uint32 {
	i := sh.segIndexLocked()
	// A pooled segment is resident and already in slack; a fresh one is not resident yet. The
	// pool keeps shared segments only: a huge record's length would empty it.
	var m []byte
	if pooled && n == int(sh.db.segLen.Load()) {
		m = sh.db.segs.get(sh.db, n)
	}
	if m != nil {
		sh.segs[i] = segment{mem: m, res: n}
	} else {
		sh.segs[i] = segment{mem: mapMemory(n)}
	}
	sh.publishSegLocked(i)
	return i
}

// appendLocked takes size bytes at the end of segment i's records and counts the pages this
// makes resident in slack.
func (sh *shard) appendLocked(i uint32, size int) {
	s := &sh.segs[i]
	s.used += size
	grow := 0
	if s.used > s.res {
		r := min((s.used+pageSize-1)&^(pageSize-1), len(s.mem))
		grow, s.res = r-s.res, r
	}
	sh.acct.slack += int64(grow - size)
}

// allocLocked reserves size bytes (a multiple of 8) for a record and returns its ref. The
// bytes count in used memory while the record lives, then as dead bytes until their segment
// is freed or rewound.
func (sh *shard) allocLocked(db *DB, size int) uint32 {
	sh.acct.used += int64(size)
	n := int(db.segLen.Load())
	if size > hugeAt(n) {
		i := sh.newSegLocked((size+pageSize-1)&^(pageSize-1), true)
		sh.appendLocked(i, size)
		return i << offBits
	}
	if sh.head == 0 || sh.segs[sh.head].used+size > len(sh.segs[sh.head].mem) {
		// The old head may be compacted from now on, but not here: callers hold refs
		// that compaction would move. unlock checks it.
		sh.rolled = sh.head
		sh.dirty = true
		sh.head = sh.newSegLocked(n, true)
	}
	off := sh.segs[sh.head].used
	sh.appendLocked(sh.head, size)
	sh.syncHeadLocked()
	return sh.head<<offBits | uint32(off>>unitShift)
}

// releaseLocked marks the record at ref dead. Its bytes are reclaimed when its segment is
// freed: at once when the whole segment is dead, else by compaction. ref must already be
// unlinked from the index, the TTL list and the object table, or replaced there by a copy.
// Compaction moves records: refs other than the caller's new ones are stale afterwards.
func (sh *shard) releaseLocked(db *DB, ref uint32) {
	h := sh.at(ref)
	size := h.size()
	h.kind &= flagTTL // dead, and still as long
	i := ref >> offBits
	s := &sh.segs[i]
	s.dead += size
	sh.acct.used -= int64(size)
	sh.acct.dead += int64(size)
	if s.dead == s.used {
		sh.dropSegLocked(db, i)
		sh.dirty = true // the head is rewound at unlock
		return
	}
	sh.maybeCompactLocked(db, i)
}

// maybeCompactLocked compacts segment i if it is not a head, enough of it is dead and it is
// not an expiry group's left to active expiry (groupWaits). It does nothing while a
// compaction runs (allocating may roll the head), so they never nest.
func (sh *shard) maybeCompactLocked(db *DB, i uint32) {
	if s := &sh.segs[i]; i != sh.head && s.group == 0 && !sh.compacting && s.dead*compactDiv >= s.used && !sh.groupWaits(s) {
		sh.compacting = true
		sh.compactLocked(db, i)
		sh.compacting = false
	}
}

// compactLocked copies the live records of segment i to the heads (each to its expiry
// group's, see allocAtLocked), repointing the index and
// the TTL set at the copies, and frees the segment. Records already expired at sh.now are
// deleted (OpDel, ReasonExpired) instead of copied. The live records are moved in batches
// (moveBatchLocked).
func (sh *shard) compactLocked(db *DB, i uint32) {
	s := sh.segs[i] // a copy: allocating may grow sh.segs
	base := unsafe.Pointer(unsafe.SliceData(s.mem))
	var b moveBatch
	for off := 0; off < s.used; {
		h := (*hdr)(unsafe.Add(base, off))
		size := h.size()
		if h.live() && sh.now != 0 && expired(h, sh.now) {
			// Expired: deleted here rather than copied and deleted by expiry later. Its
			// bytes go with the segment.
			db.expireInPlaceLocked(sh, i<<offBits|uint32(off>>unitShift))
		} else if h.live() {
			b.refs[b.n] = i<<offBits | uint32(off>>unitShift)
			b.n++
			if b.n == len(b.refs) {
				sh.moveBatchLocked(db, &b)
			}
		}
		off += size
	}
	sh.moveBatchLocked(db, &b)
	sh.dropSegLocked(db, i)
}

// moveBatchSize is the most records compaction moves in one batch.
const moveBatchSize = 32

// moveBatch holds live records compaction is about to move (see moveBatchLocked).
type moveBatch struct {
	refs  [moveBatchSize]uint32
	nrefs [moveBatchSize]uint32
	n     int
	cells [moveBatchSize]*uint64 // the records' index cells' probe starts
	ttl   [2 * moveBatchSize]*uint32
	sink  uint64 // what was read ahead, kept so that the reads are not optimised away
}

// moveBatchLocked copies the batch's records to the head (their space is taken first, then
// each is copied and repointed in turn), repoints the index, the TTL set and the eviction
// lists at the copies, and empties the batch. Repointing a record touches its index cell and
// its old and new TTL set cells, each a cache miss on a large keyspace (the copying itself
// is sequential): it reads them all first, in loops of loads alone, whose misses overlap,
// so that repointing finds them in the cache.
func (sh *shard) moveBatchLocked(db *DB, b *moveBatch) {
	n := b.n
	b.n = 0
	ttl := &sh.ttl
	nt := 0
	for k, ref := range b.refs[:n] {
		h := sh.at(ref)
		key := h.key()
		slot, frag := db.place(key)
		t := &sh.tabs[db.localSlot(slot)]
		b.cells[k] = &t.cells[int(frag)&(len(t.cells)-1)]
		if h.expireAt() != 0 && ttl.n > 0 && !sh.grouped(ref) {
			b.ttl[nt] = &ttl.cells[ttl.home(ref)]
			nt++
		}
	}
	for k, ref := range b.refs[:n] {
		h := sh.at(ref)
		b.nrefs[k] = sh.allocAtLocked(db, h.size(), h.expireAt())
		if h.expireAt() != 0 && ttl.n > 0 && !sh.grouped(b.nrefs[k]) {
			b.ttl[nt] = &ttl.cells[ttl.home(b.nrefs[k])]
			nt++
		}
	}
	b.sink += readAhead(b.cells[:n], b.ttl[:nt])
	// A record is copied just before it is repointed: repointing its neighbour in an
	// eviction list changes its links.
	for k, ref := range b.refs[:n] {
		h := sh.at(ref)
		size := h.size()
		copy(unsafe.Slice((*byte)(unsafe.Pointer(sh.at(b.nrefs[k]))), size), unsafe.Slice((*byte)(unsafe.Pointer(h)), size))
		sh.relinkLocked(db, ref, b.nrefs[k])
	}
	clear(b.cells[:n])
	clear(b.ttl[:nt])
}

// readAhead reads the cells at cells and at ttl, and returns a sum of them to keep. It is a
// loop of loads alone, so that the processor issues them all before the first arrives.
func readAhead(cells []*uint64, ttl []*uint32) uint64 {
	var sum uint64
	for _, p := range cells {
		sum += *p
	}
	for _, p := range ttl {
		sum += uint64(*p)
	}
	return sum
}

// dropSegLocked frees segment i, whose records are all dead or copied. The head segment is
// kept, and rewound by unlock; an expiry group's head is freed, and the group gets a new one. Memory is unmapped, and the head rewound, only when the shard
// is unlocked, because entries handed out by the current Txn may still point into it.
func (sh *shard) dropSegLocked(db *DB, i uint32) {
	if i == sh.head {
		return
	}
	s := &sh.segs[i]
	if s.group != 0 {
		sh.sealGroupLocked(&sh.groups[s.group-1])
	}
	// The live bytes left were copied (and counted again) by compaction.
	sh.acct.used -= int64(s.used - s.dead)
	sh.acct.dead -= int64(s.dead)
	sh.acct.slack -= int64(s.res - s.used)
	if s.carved {
		sh.groupPending = append(sh.groupPending, s.mem)
	} else {
		sh.pending = append(sh.pending, s.mem)
	}
	if s.exp != nil && len(sh.expFree) < groupSlots+groupSpareMax {
		sh.expFree = append(sh.expFree, s.exp[:0])
	}
	sh.dirty = true
	carved := s.carved
	*s = segment{}
	if !carved {
		sh.publishSegLocked(i)
	}
	sh.freeSegs = append(sh.freeSegs, i)
}

// unlock rewinds the head segment if all its records are dead, releases the memory freed
// while the shard was held, publishes the bytes in the eviction lists, then releases its lock.
func (sh *shard) unlock() {
	if sh.dirty {
		sh.tidyLocked()
	}
	if b := sh.pol.Bytes(); b != sh.polSeen {
		sh.polSeen = b
		sh.polBytes.Store(b)
	}
	sh.release()
}

// tidyLocked does what unlock defers: compacting the previous head, rewinding an all-dead
// head, unmapping freed segments.
func (sh *shard) tidyLocked() {
	sh.dirty = false
	if sh.rolled != 0 {
		// The head may have rolled more than once while the shard was held (compaction
		// fills short segments fast): every segment but the head is checked.
		sh.rolled = 0
		for i := uint32(1); i < uint32(len(sh.segs)); i++ {
			if s := &sh.segs[i]; i == sh.head || s.mem == nil {
				continue
			} else if s.dead == s.used {
				sh.dropSegLocked(sh.db, i)
			} else {
				sh.maybeCompactLocked(sh.db, i)
			}
		}
	}
	if sh.head != 0 {
		if h := &sh.segs[sh.head]; h.used > 0 && h.dead == h.used {
			sh.acct.dead -= int64(h.used)
			sh.acct.slack += int64(h.used) // its pages stay resident
			h.used, h.dead = 0, 0
			sh.syncHeadLocked()
		}
	}
	if len(sh.pending) > 0 {
		n := int(sh.db.segLen.Load())
		for j, m := range sh.pending {
			if sh.db.segs.put(m, n, sh.db.segPoolLimit(n)) {
				sh.acct.slack += int64(len(m))
			} else {
				sh.db.unmapLater(m) // optimistic readers may still be in it
			}
			sh.pending[j] = nil
		}
		sh.pending = sh.pending[:0]
	}
	for j, m := range sh.groupPending {
		sh.spareLocked(m)
		sh.groupPending[j] = nil
	}
	sh.groupPending = sh.groupPending[:0]
}

// reclaimLocked compacts the segment with the most dead bytes, the head included, and
// returns the bytes it gave back. It must not run inside a Txn (it moves records).
func (sh *shard) reclaimLocked(db *DB) int64 {
	best, most := uint32(0), 0
	for i := 1; i < len(sh.segs); i++ {
		if d := sh.segs[i].dead; d > most {
			best, most = uint32(i), d
		}
	}
	if best == 0 {
		return 0
	}
	if best == sh.head {
		sh.head = 0 // compaction appends to a new head
		sh.syncHeadLocked()
	}
	if g := sh.segs[best].group; g != 0 {
		sh.sealGroupLocked(&sh.groups[g-1])
	}
	sh.compacting = true
	sh.compactLocked(db, best)
	sh.compacting = false
	return int64(most)
}

// resetArenaLocked frees every segment (FLUSHALL); the caller zeroes used memory.
func (sh *shard) resetArenaLocked() {
	for i := range sh.segs {
		if s := &sh.segs[i]; s.mem != nil {
			sh.acct.slack -= int64(s.res - s.used)
			if s.carved {
				sh.groupPending = append(sh.groupPending, s.mem)
			} else {
				sh.pending = append(sh.pending, s.mem)
			}
			sh.dirty = true
		}
	}
	for _, m := range sh.spare {
		sh.unspareLocked(m)
	}
	sh.spare = nil
	sh.releaseExtraLocked()
	sh.segs, sh.freeSegs, sh.head, sh.rolled = nil, nil, 0, 0
	sh.publishLocked(nil)
	sh.syncHeadLocked()
	sh.groups = [groupSlots]groupHead{}
	sh.scans, sh.expFree = nil, nil
	sh.acct.headSlack -= sh.groupSlack
	sh.groupSlack = 0
	sh.dead.Store(0)
}
