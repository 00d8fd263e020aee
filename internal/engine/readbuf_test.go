package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReadBufFull checks that a read buffer keeps readBufLen hits, asking for a drain by the
// offer that fills it and by those that find it full, counts every hit by its weight, and that
// a drain stops at a place claimed but not yet stored.
func TestReadBufFull(t *testing.T) {
	var b readBuf
	for i := range readBufLen {
		if drain := b.offer(uint64(i+1), 1, t0); drain != (i == readBufLen-1) {
			t.Fatalf("offer %d of %d: drain = %v", i, readBufLen, drain)
		}
	}
	for i := range 5 {
		if !b.offer(99, 4, t0) {
			t.Fatalf("offer %d to a full buffer does not ask for a drain", i)
		}
	}
	if n := b.count(); n != readBufLen+5*4 {
		t.Fatalf("count = %d, want %d", n, readBufLen+5*4)
	}
	if b.tail.Load() != readBufLen {
		t.Fatalf("tail %d", b.tail.Load())
	}
	for i := range readBufLen {
		if h := b.places[i].Load(); h != uint64(i+1) {
			t.Fatalf("place %d holds %d", i, h)
		}
	}

	// A drain on a shard whose table has none of these cells empties the buffer, and stops at
	// a claimed place whose hit is not stored yet.
	db := openTest(t, Options{Shards: 1, HashSlots: true, OptimisticReads: true})
	sh := &db.shards[0]
	sh.lock(t0)
	sh.reads = readBuf{}
	sh.reads.offer(cell(1, 1<<offBits), 1, t0)
	sh.reads.tail.Add(1) // a writer that has claimed its place and not stored yet
	sh.drainLocked(false)
	if h := sh.reads.head.Load(); h != 1 {
		t.Fatalf("head = %d after the drain, want 1 (stopped at the claimed place)", h)
	}
	sh.reads.places[1].Store(cell(2, 1<<offBits))
	sh.drainLocked(false)
	if h := sh.reads.head.Load(); h != 2 || sh.reads.pending() {
		t.Fatalf("head = %d after the second drain, want 2", h)
	}
	sh.unlock()
}

// TestGetStringHitReachesPolicy checks that GetString's hit reaches the policy at the shard's
// next lock, not before, and is counted at once.
func TestGetStringHitReachesPolicy(t *testing.T) {
	db := openTest(t, Options{Shards: 1, HashSlots: true, OptimisticReads: true, Policy: "allkeys-lru"})
	key := []byte("k")
	db.SetString(key, []byte("v"), 0, t0)
	atime := func() uint32 {
		sh := &db.shards[0]
		sh.lockNoDrain(0) // not lock, which would drain
		defer sh.unlock()
		_, frag := db.place(key)
		_, ref := sh.tabs[0].find(sh, frag, key)
		return sh.at(ref).atime
	}
	later := t0 + 7000
	if v, ok := db.GetString(nil, key, later, nil); !ok || string(v) != "v" {
		t.Fatalf("GetString = %q %v", v, ok)
	}
	if a := atime(); a != uint32(t0/1000) {
		t.Fatalf("atime %d before the drain, want %d", a, t0/1000)
	}
	if h := db.Stats().Hits; h != 1 {
		t.Fatalf("Hits = %d, want 1", h)
	}
	db.SetString([]byte("other"), []byte("v"), 0, t0) // takes the lock: drains
	if a := atime(); a != uint32(later/1000) {
		t.Fatalf("atime %d after the drain, want %d", a, later/1000)
	}
	db.ResetStats()
	if h := db.Stats().Hits; h != 0 {
		t.Fatalf("Hits = %d after ResetStats", h)
	}
}

// TestReadBufStaleHit checks that a buffered hit whose record has gone since is skipped.
func TestReadBufStaleHit(t *testing.T) {
	db := openTest(t, Options{Shards: 1, HashSlots: true, OptimisticReads: true, MaxMemory: 1 << 20})
	for i := range 100 {
		db.SetString(fmt.Appendf(nil, "k%d", i), []byte("value"), 0, t0)
	}
	key := []byte("k7")
	sh := &db.shards[0]
	_, frag := db.place(key)
	sh.lock(t0)
	_, ref := sh.tabs[0].find(sh, frag, key)
	sh.unlock()
	var txn Txn
	db.Begin(&txn, t0, key)
	txn.Delete(key)
	txn.End()
	// The hit of a reader that found the record just before the delete.
	sh.reads.offer(cell(frag, ref), 1, t0)
	db.SetString([]byte("k1"), []byte("value2"), 0, t0)
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestGetStringConcurrent runs readers against writers on two shards of a DB that evicts and
// compacts, some keys with a TTL that the readers find expired, and checks every value read,
// the hit count and the storage's invariants.
func TestGetStringConcurrent(t *testing.T) {
	db := openTest(t, Options{Shards: 2, HashSlots: true, OptimisticReads: true, MaxMemory: 48 << 10})
	const keys = 400
	// A value is its key, '=', then n copies of one letter: a reader checks all are the same.
	value := func(k int, r *rand.Rand) []byte {
		v := fmt.Appendf(nil, "k%d=", k)
		return append(v, bytes.Repeat([]byte{byte('a' + r.IntN(26))}, 1+r.IntN(60))...)
	}
	for k := range keys {
		db.SetString(fmt.Appendf(nil, "k%d", k), value(k, rand.New(rand.NewPCG(1, uint64(k)))), 0, t0)
	}
	before := db.Stats().Hits
	exact := func() int64 { return t0 + 1000 }
	var hits, stop atomic.Int64
	var writers, readers sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 2 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(2, uint64(w)))
			for stop.Load() == 0 {
				k := r.IntN(keys)
				key := fmt.Appendf(nil, "k%d", k)
				if r.IntN(8) == 0 {
					var txn Txn
					db.Begin(&txn, t0, key)
					txn.Delete(key)
					txn.End()
					continue
				}
				var at int64
				if r.IntN(4) == 0 { // expired for the readers, which then delete it
					at = t0 + 500
				}
				db.SetString(key, value(k, r), at, t0)
				db.CheckMemory(t0)
			}
		})
	}
	for g := range 4 {
		readers.Go(func() {
			r := rand.New(rand.NewPCG(3, uint64(g)))
			var buf []byte
			for range 20000 {
				k := r.IntN(keys / 8) // a hot set, so that readers meet in a shard's buffer
				v, ok := db.GetString(buf[:0], fmt.Appendf(nil, "k%d", k), t0+1000, exact)
				buf = v
				if !ok {
					continue
				}
				hits.Add(1)
				prefix := fmt.Appendf(nil, "k%d=", k)
				body, found := bytes.CutPrefix(v, prefix)
				if !found || len(body) == 0 || len(bytes.Trim(body, string(body[:1]))) != 0 {
					errs <- fmt.Errorf("GetString(k%d) = %q", k, v)
					return
				}
			}
		})
	}
	readers.Wait()
	stop.Store(1)
	writers.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Sampled hits count for the hits they were sampled from: an estimate.
	if got, want := db.Stats().Hits-before, hits.Load(); got < want*9/10 || got > want*11/10 {
		t.Fatalf("Hits counted %d, readers saw %d", got, want)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	for i := range db.shards {
		if db.shards[i].reads.pending() {
			t.Fatalf("shard %d: read buffer not drained by checkStorage's lock", i)
		}
	}
}

// TestGetStringReadsAlone checks that under reads alone the policy still gets a sample of the
// hits: the reader that fills the buffer drains it, the sampling rate falls to one in
// 1<<readMaxShift, and the hits are counted, each sampled one for its weight; then that the
// next writer's drain raises the rate again.
func TestGetStringReadsAlone(t *testing.T) {
	db := openTest(t, Options{Shards: 1, HashSlots: true, OptimisticReads: true})
	key := []byte("k")
	db.SetString(key, []byte("v"), 0, t0)
	sh := &db.shards[0]
	const n = 20000
	for range n {
		if _, ok := db.GetString(nil, key, t0, nil); !ok {
			t.Fatal("miss")
		}
	}
	if s := sh.readShift.Load(); s != readMaxShift {
		t.Fatalf("shift = %d after %d reads, want %d", s, n, readMaxShift)
	}
	// At one in 1<<readMaxShift at most, the policy saw about that share of the hits
	// (random samples), and at most n/2.
	if h := sh.reads.head.Load(); h < (n>>readMaxShift)*8/10 || h > n/2 {
		t.Fatalf("readers drained %d of %d hits", h, n)
	}
	if h := db.Stats().Hits; h < n*9/10 || h > n*11/10 {
		t.Fatalf("Hits = %d, want about %d", h, n)
	}
	db.SetString([]byte("other"), []byte("v"), 0, t0) // drains a buffer that is not full
	if s := sh.readShift.Load(); s != readMaxShift-1 {
		t.Fatalf("shift = %d after a write, want %d", s, readMaxShift-1)
	}
}
