package engine

import "sync/atomic"

// readBufLen is the number of hits a shard's read buffer holds (a power of two), as each
// stripe of Caffeine's and otter's read buffers.
const readBufLen = 16

// readBuf is a shard's lossy buffer of read hits, after Caffeine's BoundedBuffer: DB.GetString
// records a hit in it with atomics alone, and whoever next holds the shard's lock gives the
// hits to the eviction policy (drainLocked), or, under reads alone, a reader after
// readDrainDrops dropped hits. A hit is dropped when the buffer is full or another reader won
// the same place: TinyLFU's sketch needs only a sample of the hits. It is safe for many
// writers (offer) and one reader (drain, under the shard's lock).
type readBuf struct {
	// tail counts the places writers have claimed, head those the drain has emptied; both
	// only grow. A place holds a hit (cell(frag, ref) of a hashSlots shard's one table), or 0
	// while its writer has claimed it but not yet stored the hit, or since it was drained.
	tail, head atomic.Uint64
	// dropped counts the hits offer did not keep, so that tail + dropped counts every hit.
	dropped atomic.Int64
	// now is the latest time (unix ms) a hit was offered at: the drain's time for the LRU
	// clock. Written only when it advances (the caller's clock is coarse).
	now  atomic.Int64
	hits [readBufLen]atomic.Uint64
}

// readDrainDrops is how many hits a full buffer drops before the reader that drops the last
// of them drains it (if the shard's lock is free): under reads alone, the policy then sees
// readBufLen hits of every readBufLen+readDrainDrops, a uniform sample, instead of them all.
// Writes to the shard drain it sooner, and then no hit is dropped.
const readDrainDrops = 7 * readBufLen

// offer records the hit h (non-zero) at now, or drops it when the buffer is full or another
// writer claimed the same place. It reports whether the caller should drain the buffer. It
// never blocks.
func (b *readBuf) offer(h uint64, now int64) (drain bool) {
	if b.now.Load() < now {
		b.now.Store(now)
	}
	tail := b.tail.Load()
	if tail-b.head.Load() >= readBufLen || !b.tail.CompareAndSwap(tail, tail+1) {
		return b.dropped.Add(1)%readDrainDrops == 0
	}
	b.hits[tail%readBufLen].Store(h)
	return false
}

// pending reports whether the buffer may hold hits to drain.
func (b *readBuf) pending() bool { return b.head.Load() != b.tail.Load() }

// count returns the number of hits offered so far, kept or dropped.
func (b *readBuf) count() int64 { return int64(b.tail.Load()) + b.dropped.Load() }

// drainLocked gives each buffered hit to the policy and empties the buffer. It stops at a
// place claimed but not yet stored (its writer is between the claim and the store), which the
// next drain takes. The caller holds the shard's lock.
func (sh *shard) drainLocked() {
	b := &sh.reads
	head, tail := b.head.Load(), b.tail.Load()
	if head == tail {
		return
	}
	now := max(b.now.Load(), sh.now)
	db := sh.db
	t := &sh.tabs[0]
	for ; head != tail; head++ {
		h := b.hits[head%readBufLen].Swap(0)
		if h == 0 {
			break
		}
		// The record may have gone, moved or been replaced since the hit: it is credited
		// only if the index still has its cell.
		frag, ref := cellFrag(h), cellRef(h)
		if !t.has(frag, ref) {
			continue
		}
		db.hitLocked(loc{sh: sh, frag: frag, ref: ref}, now)
	}
	b.head.Store(head)
}
