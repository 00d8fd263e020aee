package engine

import (
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/larderdb/larder/internal/evict"
)

// Active expiry sweeps each shard's TTL set with a cursor, as Redis 6 and later scan the
// expires dictionary: a cycle goes on from where the previous one stopped. Sweeping rather
// than sampling at random visits every key once per round of the set, so an expired key waits
// for the cursor half a round on average, and the share of resident keys already expired is
// about half the share of visited keys found expired.
//
// The pace follows what the sweep finds. A shard's round should take period milliseconds, so
// a cycle visits the set's size × elapsed / period keys, elapsed being the time since the
// previous cycle. When a round ends, the share of its visits that found an expired key tells
// how fast keys expire, and the next period is set so that expireAcceptableStale percent
// would be found: the found share grows in proportion to the period. The period stays between
// expireMinPeriod and expireMaxPeriod. Between rounds, for keys starting to expire faster, a
// cycle that finds more than twice that share of candidates (keys that may have expired, see
// sweepLocked) in a chunk of expireKeysPerLoop keys goes on, as Redis does, and one that found
// more than twice that share expired in all halves the period. A budget of visits per cycle,
// growing with elapsed (expireVisitsPerMs), bounds the work.
//
// A visit costs little: the TTL set keeps a hint of each key's expiry second beside its ref,
// and only a key whose second has come is a candidate, whose record is read. Candidates are
// read and deleted in batches, so that the cache misses of a batch overlap.
const (
	// expireKeysPerLoop is the chunk of keys a cycle visits in a shard at least, and after
	// which it decides whether to go on.
	expireKeysPerLoop = 20
	// expireAcceptableStale is the percentage of visited keys found expired that the pace
	// aims at, leaving about half as many resident keys expired. Redis stops sampling once
	// 10% of a sample had expired, which leaves about 10% expired.
	expireAcceptableStale = 5
	// expireMinPeriod and expireMaxPeriod bound the time a round of a shard's TTL set takes,
	// in milliseconds. A faster round would leave many keys with the same last visit, and
	// the share of expired keys would swing; a slower one would leave a key expired for
	// longer.
	expireMinPeriod = 500
	expireMaxPeriod = 60_000
	// expireMinVisits is the least budget of a cycle in a shard, whatever the time since
	// the previous cycle.
	expireMinVisits = 16 * expireKeysPerLoop
	// expireVisitsPerMs is the budget of a cycle: keys visited, over all shards, per
	// millisecond since the previous cycle. A visit reads the TTL set alone, or the record
	// too for a candidate or in a full round (tens of nanoseconds with the misses of a batch
	// overlapping): the visits cost at most about a quarter of a core, the deletions they
	// lead to aside.
	expireVisitsPerMs = 8000
	// expireMaxElapsed caps the time since the previous cycle that the budget counts, in ms.
	expireMaxElapsed = 1000
	// expireFullRoundAfter is the length of a round, in ms, after which the next round reads
	// every record instead of trusting the TTL set's hints (see endRound): the first round
	// is full too. Two rounds shorter than this take under 2^15 s, the span of the hints.
	expireFullRoundAfter = 1 << 14 * 1000
)

// expireState is what active expiry keeps between cycles. The sweeps and last are guarded by
// DB.expireMu; the counters are atomic, read without it by Stats.
type expireState struct {
	sweeps []sweep  // per shard
	last   int64    // the largest now of the cycles so far
	cand   []uint32 // scratch for scanGroupsLocked: the refs a segment's scan found due

	stalePerc atomic.Uint64 // float64 bits: running estimate of the expired share of TTL keys
	nanos     atomic.Int64  // wall time spent in ExpireCycle
	cpu       atomic.Int64  // CPU time the expiry loop's thread spent in ExpireCycle, in ns
	capped    atomic.Int64  // cycles stopped by their budget (expired_time_cap_reached_count)
}

// sweep is the state of one shard's sweep.
type sweep struct {
	cursor  uint32 // the TTL set cell the sweep goes on from
	period  int32  // ms a round should take
	due     int64  // visits owed, in thousandths
	began   int64  // the now at which the round began
	took    int64  // ms the previous round took; 0 before the first ended
	visited int32  // keys visited in the round
	found   int32  // of them, expired
	full    bool   // the round reads every record, not trusting the set's hints
	cells   int    // the TTL set's size when the round began
}

// ExpireCycle is one deterministic step of active expiry, run by the background goroutine
// every 1/Hz seconds and by tests. In each shard it first reads the tables of the expiry
// groups' segments that are due (scanGroupsLocked), then goes on sweeping the TTL set (the
// keys with a TTL outside the groups) from where
// the previous cycle stopped, deleting the expired keys it visits (OpDel, ReasonExpired): at
// least 20 keys, then as many as the shard's pace asks for (see the top of this file) and
// while chunks of 20 have more than 10% candidates, until the sweep has gone round the whole
// set or the cycle's budget is spent: 8000 keys visited (by both) per millisecond since the
// previous cycle (at most a second's worth), shared among the shards, and never fewer than
// 320 per shard. It returns the number of keys removed.
//
// What a cycle does depends only on now, the previous cycles' now and the keyspace. It
// reads the monotonic clock for one statistic alone, the time it took
// (Stats.ExpireCycleTime).
func (db *DB) ExpireCycle(now int64) int {
	start := time.Now()
	db.expireMu.Lock()
	defer db.expireMu.Unlock()
	x := &db.expire
	// The pace runs on a clock that never goes back: a cycle earlier than the last does nothing.
	elapsed := int64(expireMaxElapsed)
	if x.sweeps == nil {
		x.sweeps = make([]sweep, len(db.shards))
		for i := range x.sweeps {
			x.sweeps[i] = sweep{period: expireMaxPeriod, began: now, full: true}
		}
	} else {
		if now < x.last {
			// The clock went back (or two clocks drive the cycles): a sweep at the earlier
			// time would pass over records without finding them expired, and the round
			// after a gap, which reads every record, would miss them until their hints
			// come round again. Wait for the clock to catch up.
			return 0
		}
		elapsed = min(now-x.last, expireMaxElapsed)
	}
	x.last = now
	budget := expireBudget(elapsed, len(db.shards))

	removed, visited, capped := 0, 0, false
	for i := range db.shards {
		sh := &db.shards[i]
		sw := &x.sweeps[i]
		if sh.expires.Load() == 0 {
			continue
		}
		sh.lock(now)
		sh.tallying = true // the counts are added to at release
		sw.due += int64(sh.ttl.n) * elapsed * 1000 / int64(sw.period)
		r, v, c := db.scanGroupsLocked(sh, now, budget)
		if !c {
			sr, sv, sc := db.sweepLocked(sh, sw, now, budget-v)
			r, v, c = r+sr, v+sv, sc
		} else {
			sw.due = min(sw.due, int64(budget)*1000) // carried over, as by a capped sweep
		}
		sh.tallying = false
		sh.unlock()
		removed += r
		visited += v
		capped = capped || c
	}
	if visited > 0 {
		old := math.Float64frombits(x.stalePerc.Load())
		cur := float64(removed) / float64(visited)
		x.stalePerc.Store(math.Float64bits(cur*0.05 + old*0.95))
	}
	if capped {
		x.capped.Add(1)
	}
	x.nanos.Add(int64(time.Since(start)))
	return removed
}

// expireBudget returns how many keys a cycle may visit in each of shards shards, elapsed
// milliseconds after the previous cycle.
func expireBudget(elapsed int64, shards int) int {
	elapsed = min(max(elapsed, 0), expireMaxElapsed)
	return max(int(elapsed)*expireVisitsPerMs/shards, expireMinVisits)
}

// sweepLocked goes on with sw, the sweep of sh's TTL set, deleting the keys expired at now
// (never earlier than the previous cycle's, see ExpireCycle). It visits at least expireKeysPerLoop keys,
// then while sw.due lasts or the last chunk had more than twice expireAcceptableStale
// percent of candidates, and at most budget keys or one round. It returns the keys removed
// and visited, and whether the budget stopped it with visits due.
//
// A visit reads the TTL set alone: a key is a candidate when the set's hint of its expiry
// second (see refSet.mayHaveExpired) does not rule out that it has expired, or in a full
// round. Candidates are dealt with in batches (expireBatchLocked), so that the cache misses
// of reading their records and their index cells overlap instead of following one another.
//
// Deleting a key may move other refs of the set backwards (linear probing closes the gap),
// and compaction moves records to new refs; a ref moved behind the cursor waits for the
// next round.
func (db *DB) sweepLocked(sh *shard, sw *sweep, now int64, budget int) (removed, visited int, capped bool) {
	var b expireBatch
	flush := func() {
		found := db.expireBatchLocked(sh, &b, now)
		removed += found
		sw.found += int32(found)
	}
	pos := int(sw.cursor)
	steps := 0 // cells passed
	chunkCand := 0
	for sh.ttl.n > 0 && steps < len(sh.ttl.cells) {
		if pos >= len(sh.ttl.cells) {
			flush() // the round's count is complete
			pos = 0
			db.endRound(sw, now, len(sh.ttl.cells))
			continue
		}
		ref := sh.ttl.cells[pos]
		pos++
		steps++
		if ref == 0 {
			continue
		}
		visited++
		sw.visited++
		sw.due -= 1000
		if sw.full || sh.ttl.mayHaveExpired(pos-1, now) {
			b.refs[b.n], b.pos[b.n] = ref, int32(pos-1)
			b.n++
			chunkCand++
			if b.n == len(b.refs) {
				flush()
			}
		}
		if visited%expireKeysPerLoop == 0 { // the end of a chunk: go on?
			burst := chunkCand*100 > 2*expireAcceptableStale*expireKeysPerLoop
			if sw.due <= 0 && !burst {
				break
			}
			if visited >= budget {
				capped = true
				break
			}
			chunkCand = 0
		}
	}
	flush()
	if visited >= expireKeysPerLoop && removed*100 > 2*expireAcceptableStale*visited {
		// Keys expire faster than the pace allows for: halve the period now rather than
		// at the end of the round.
		sw.period = max(sw.period/2, expireMinPeriod)
	}
	if capped {
		sw.due = min(sw.due, int64(budget)*1000) // carried over, up to a cycle's worth
	} else {
		sw.due = 0 // paid, or owed beyond a round: dropped; visits beyond the pace are not owed back
	}
	sw.cursor = uint32(pos)
	return removed, visited, capped
}

// expireBatchSize is the most candidates a sweep gathers before reading their records. On a
// large keyspace each of those reads is a cache and TLB miss; in a batch they overlap.
const expireBatchSize = 32

// expireBatch holds the candidates a sweep has gathered (see sweepLocked).
type expireBatch struct {
	refs  [expireBatchSize]uint32
	pos   [expireBatchSize]int32 // each ref's cell in the TTL set when gathered, or -1
	n     int
	at    [expireBatchSize]int64 // expiry times read from the records
	dels  [expireBatchSize]expiredRec
	cells [expireBatchSize]*uint64     // the expired records' index cells' probe starts
	links [3 * expireBatchSize]*uint32 // their TTL set cells' probe starts and their neighbours' links in the eviction lists
	sink  uint64                       // what was read ahead, kept so that the reads are not optimised away
}

// expiredRec is an expired record a batch is about to delete: its ref, its key's hash
// fragment and slot, and its segment's memory when it was found, to tell whether compaction
// has since moved it.
type expiredRec struct {
	ref  uint32
	frag uint32
	slot uint16
	seg  *byte
}

// expireBatchLocked deletes the records of the batch's candidates that have expired at now,
// empties the batch and returns how many it deleted. It goes over the batch three times: it
// reads the records' expiry times, then the expired ones' keys, index cells, TTL set cells
// and neighbours in the eviction lists (which unlinking them writes), and then deletes them;
// the reads of each pass do not depend on each other, so their cache misses overlap, and the
// deletions find what they read in the cache.
func (db *DB) expireBatchLocked(sh *shard, b *expireBatch, now int64) int {
	n := b.n
	b.n = 0
	for k, ref := range b.refs[:n] {
		if h := sh.at(ref); h.live() {
			b.at[k] = h.expireAt()
		} else {
			b.at[k] = -1 // deleted since its group's table listed it
		}
	}
	m, nl := 0, 0
	for k, ref := range b.refs[:n] {
		at := b.at[k]
		if at <= 0 {
			continue // no TTL, or deleted
		}
		if now <= at {
			// Not expired: a hint older than the expiry time, left by a TTL made longer,
			// is put right, and so is the entry of a grouped record.
			if p := int(b.pos[k]); p >= 0 && p < len(sh.ttl.cells) && sh.ttl.cells[p] == ref {
				sh.ttl.hints[p] = expiryHint(at)
			} else if p < 0 && sh.grouped(ref) {
				sh.setGroupExpiryLocked(ref, at)
			}
			continue
		}
		key := sh.at(ref).key()
		slot, frag := db.place(key)
		d := expiredRec{ref: ref, frag: frag, slot: slot, seg: unsafe.SliceData(sh.segs[ref>>offBits].mem)}
		t := &sh.tabs[db.localSlot(d.slot)]
		b.cells[m] = &t.cells[int(d.frag)&(len(t.cells)-1)]
		b.dels[m] = d
		m++
		if ttl := &sh.ttl; ttl.n > 0 && !sh.grouped(ref) {
			b.links[nl] = &ttl.cells[ttl.home(ref)]
			nl++
		}
		if h := sh.at(ref); h.queue() >= 0 {
			for _, nb := range [2]uint32{h.links.Prev, h.links.Next} {
				if nb >= uint32(evict.NumLists) {
					b.links[nl] = &sh.at(nb).links.Prev
					nl++
				}
			}
		}
	}
	b.sink += readAhead(b.cells[:m], b.links[:nl])
	clear(b.cells[:m])
	clear(b.links[:nl])
	found := 0
	for _, d := range b.dels[:m] {
		// Deleting a record may compact its segment, which moves the other live records
		// and deletes the expired ones: a record whose segment has gone is not ours to
		// delete any more.
		if unsafe.SliceData(sh.segs[d.ref>>offBits].mem) != d.seg || !sh.at(d.ref).live() {
			continue
		}
		db.deleteLocked(sh, d.ref, d.frag, d.slot, ReasonExpired)
		found++
	}
	return found
}

// endRound sets the period of sw's next round from the round that ended at now, when the
// TTL set had cells cells. A key the
// round found expired had expired since its previous visit, made on average half the previous
// round plus half this one ago; so the share found, over that time, is the share of keys
// expiring per millisecond, and the period that would find expireAcceptableStale percent
// follows.
func (db *DB) endRound(sw *sweep, now int64, cells int) {
	took := max(now-sw.began, 1)
	gap := took
	if sw.took > 0 {
		gap = (sw.took + took) / 2
	}
	p := int64(expireMaxPeriod)
	if sw.found > 0 {
		p = gap * int64(sw.visited) * expireAcceptableStale / (100 * int64(sw.found))
	}
	sw.period = int32(min(max(p, expireMinPeriod), expireMaxPeriod))
	sw.began, sw.took, sw.visited, sw.found = now, took, 0, 0
	// A key expired when the round before last began has been visited since, unless the
	// rounds took long: the hint of a key expired 2^15 s ago or more looks unexpired. A full
	// round in which the set was resized (its cells rehashed) may have missed keys, and the
	// next round is full too.
	sw.full = took >= expireFullRoundAfter || (sw.full && cells != sw.cells)
	sw.cells = cells
}
