package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReadBufFull checks that a read buffer keeps readBufLen hits, then drops and counts the
// rest, asking for a drain at every readDrainDrops-th drop, and that a drain stops at a place
// claimed but not yet stored.
func TestReadBufFull(t *testing.T) {
	var b readBuf
	for i := range readBufLen {
		if b.offer(uint64(i+1), t0) {
			t.Fatalf("offer %d of %d asks for a drain", i, readBufLen)
		}
	}
	for i := 1; i <= 2*readDrainDrops; i++ {
		if drain := b.offer(99, t0); drain != (i%readDrainDrops == 0) {
			t.Fatalf("drop %d: drain = %v", i, drain)
		}
	}
	if n := b.count(); n != readBufLen+2*readDrainDrops {
		t.Fatalf("count = %d, want %d", n, readBufLen+2*readDrainDrops)
	}
	if b.tail.Load() != readBufLen || b.dropped.Load() != 2*readDrainDrops {
		t.Fatalf("tail %d, dropped %d", b.tail.Load(), b.dropped.Load())
	}
	for i := range readBufLen {
		if h := b.hits[i].Load(); h != uint64(i+1) {
			t.Fatalf("place %d holds %d", i, h)
		}
	}

	// A drain on a shard whose table has none of these cells empties the buffer, and stops at
	// a claimed place whose hit is not stored yet.
	db := openTest(t, Options{Shards: 1, HashSlots: true})
	sh := &db.shards[0]
	sh.lock(t0)
	sh.reads = readBuf{}
	sh.reads.offer(cell(1, 1<<offBits), t0)
	sh.reads.tail.Add(1) // a writer that has claimed its place and not stored yet
	sh.drainLocked()
	if h := sh.reads.head.Load(); h != 1 {
		t.Fatalf("head = %d after the drain, want 1 (stopped at the claimed place)", h)
	}
	sh.reads.hits[1].Store(cell(2, 1<<offBits))
	sh.drainLocked()
	if h := sh.reads.head.Load(); h != 2 || sh.reads.pending() {
		t.Fatalf("head = %d after the second drain, want 2", h)
	}
	sh.unlock()
}

// TestGetStringHitReachesPolicy checks that GetString's hit reaches the policy at the shard's
// next lock, not before, and is counted at once.
func TestGetStringHitReachesPolicy(t *testing.T) {
	db := openTest(t, Options{Shards: 1, HashSlots: true, Policy: "allkeys-lru"})
	key := []byte("k")
	db.SetString(key, []byte("v"), 0, t0)
	atime := func() uint32 {
		sh := &db.shards[0]
		sh.mu.Lock() // not lock, which would drain
		defer sh.mu.Unlock()
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
	db := openTest(t, Options{Shards: 1, HashSlots: true, MaxMemory: 1 << 20})
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
	sh.reads.offer(cell(frag, ref), t0)
	db.SetString([]byte("k1"), []byte("value2"), 0, t0)
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestGetStringConcurrent runs readers against writers on two shards of a DB that evicts and
// compacts, some keys with a TTL that the readers find expired, and checks every value read,
// the hit count and the storage's invariants.
func TestGetStringConcurrent(t *testing.T) {
	db := openTest(t, Options{Shards: 2, HashSlots: true, MaxMemory: 48 << 10})
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
	if got := db.Stats().Hits - before; got != hits.Load() {
		t.Fatalf("Hits counted %d, readers saw %d", got, hits.Load())
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
// hits: a reader drains the full buffer after readDrainDrops drops, and every hit is counted.
func TestGetStringReadsAlone(t *testing.T) {
	db := openTest(t, Options{Shards: 1, HashSlots: true})
	key := []byte("k")
	db.SetString(key, []byte("v"), 0, t0)
	sh := &db.shards[0]
	const n = 3 * (readBufLen + readDrainDrops)
	for range n {
		if _, ok := db.GetString(nil, key, t0, nil); !ok {
			t.Fatal("miss")
		}
	}
	if h := sh.reads.head.Load(); h != 3*readBufLen {
		t.Fatalf("readers drained %d hits, want %d", h, 3*readBufLen)
	}
	if d := sh.reads.dropped.Load(); d != 3*readDrainDrops {
		t.Fatalf("dropped %d hits, want %d", d, 3*readDrainDrops)
	}
	if h := db.Stats().Hits; h != n {
		t.Fatalf("Hits = %d, want %d", h, n)
	}
}
