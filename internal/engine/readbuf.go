package engine

import (
	"math/rand/v2"
	"sync/atomic"
)

// readBufLen is the number of hits a shard's read buffer holds (a power of two), as each
// stripe of Caffeine's and otter's read buffers.
const readBufLen = 16

// readMaxShift bounds the read buffer's sampling: under reads alone, the policy sees at least
// one hit in 1<<readMaxShift (one in 32). TinyLFU's sketch needs only a sample; the fewer
// hits offered, the less often a hot shard's buffer lines move between cores.
const readMaxShift = 5

// readBuf is a shard's lossy buffer of read hits, after Caffeine's BoundedBuffer: DB.GetString
// records a hit in it with atomics alone, and whoever next holds the shard's lock gives the
// hits to the eviction policy (drainLocked), or, under reads alone, the reader that fills it.
// TinyLFU's sketch needs only a sample of the hits, and a write the reads of other cores
// keep seeing would move the buffer's cache lines from core to core at every read of a hot
// shard: so the reads offer a random sample of their hits, one in 1<<shift, and count each
// sampled hit 1<<shift times (shard.readShift). The shift adapts: a drain by a reader, which finds the buffer
// full under reads alone, raises it (up to readMaxShift); a drain by the shard's next holder
// finding it not full lowers it, so that when writes come every few reads every hit is kept,
// as before sampling. A hit is also dropped (but counted) when the buffer is full or another
// reader won the same place. It is safe for many writers (offer) and one reader (drain, under
// the shard's lock).
type readBuf struct {
	// tail counts the places writers have claimed, head those the drain has emptied; both
	// only grow. A place holds a hit (cell(frag, ref) of a hashSlots shard's one table), or 0
	// while its writer has claimed it but not yet stored the hit, or since it was drained.
	tail, head atomic.Uint64
	// hits counts the hits, each sampled one 1<<shift times.
	hits atomic.Int64
	// now is the latest time (unix ms) a hit was offered at: the drain's time for the LRU
	// clock. Written only when it advances (the caller's clock is coarse).
	now    atomic.Int64
	places [readBufLen]atomic.Uint64
}

// sampleHit reports whether a hit is to be offered to the read buffer, and the number of hits
// it stands for. Most hits, under reads alone, read the rate and a per-thread random number
// and write nothing.
func (sh *shard) sampleHit() (weight int64, ok bool) {
	s := sh.readShift.Load()
	if s != 0 && rand.Uint32()&(1<<s-1) != 0 {
		return 0, false
	}
	return 1 << s, true
}

// offer records the hit h (non-zero), which stands for weight hits, at now, or drops it when
// the buffer is full or another writer claimed the same place. It reports whether the caller
// should drain the buffer: it filled it, or found it full. It never blocks.
func (b *readBuf) offer(h uint64, weight, now int64) (drain bool) {
	b.hits.Add(weight)
	if b.now.Load() < now {
		b.now.Store(now)
	}
	tail, head := b.tail.Load(), b.head.Load()
	if tail-head >= readBufLen {
		return true
	}
	if !b.tail.CompareAndSwap(tail, tail+1) {
		return false
	}
	b.places[tail%readBufLen].Store(h)
	return tail+1-head == readBufLen
}

// pending reports whether the buffer may hold hits to drain.
func (b *readBuf) pending() bool { return b.head.Load() != b.tail.Load() }

// count returns the number of hits offered so far, kept or dropped, each sampled one standing
// for the hits it was sampled from.
func (b *readBuf) count() int64 { return b.hits.Load() }

// drainLocked gives each buffered hit to the policy and empties the buffer, and adapts the
// sampling rate: reader is set for a reader's drain of a full buffer, which raises it. It
// stops at a place claimed but not yet stored (its writer is between the claim and the
// store), which the next drain takes. The caller holds the shard's lock.
func (sh *shard) drainLocked(reader bool) {
	b := &sh.reads
	head, tail := b.head.Load(), b.tail.Load()
	switch s := sh.readShift.Load(); {
	case reader && s < readMaxShift:
		sh.readShift.Store(s + 1)
	case !reader && s > 0 && tail-head < readBufLen:
		sh.readShift.Store(s - 1)
	}
	if head == tail {
		return
	}
	now := max(b.now.Load(), sh.now)
	db := sh.db
	t := &sh.tabs[0]
	for ; head != tail; head++ {
		h := b.places[head%readBufLen].Swap(0)
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
