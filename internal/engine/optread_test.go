package engine

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// TestOptimisticRead checks getOptimistic on its own: it reads a present key's value and an
// absent key's miss without the lock, and declines while the shard is held or for a key with a
// TTL. Where the read is not made (not amd64), it checks that it is not, and TestReadModes
// covers the locked reads.
func TestOptimisticRead(t *testing.T) {
	db := openTest(t, Options{HashSlots: true, OptimisticReads: true, Shards: 4})
	if db.readsOptimistic() != optimisticArch || db.readsOptimistic() != (runtime.GOARCH == "amd64") {
		t.Fatalf("readsOptimistic %v on %s", db.readsOptimistic(), runtime.GOARCH)
	}
	if !optimisticArch {
		return
	}
	keys := []string{"", "a", "seven77", "eight888", "a key of 23 bytes......", "k"}
	for i, k := range keys {
		db.SetString([]byte(k), []byte(fmt.Sprintf("value %d of %q", i, k)), 0, t0)
	}
	db.SetString([]byte("ttl"), []byte("v"), t0+1000, t0)
	get := func(key string) ([]byte, uint32, bool) {
		slot, frag := db.place([]byte(key))
		return db.getOptimistic(&db.shards[db.shardOf(slot)], []byte("dst:"), []byte(key), frag)
	}
	for i, k := range keys {
		v, ref, ok := get(k)
		if want := fmt.Sprintf("dst:value %d of %q", i, k); !ok || ref == 0 || string(v) != want {
			t.Errorf("getOptimistic(%q) = %q, %d, %v; want %q", k, v, ref, ok, want)
		}
	}
	if v, ref, ok := get("absent"); !ok || ref != 0 || string(v) != "dst:" {
		t.Errorf("getOptimistic(absent) = %q, %d, %v; want a miss", v, ref, ok)
	}
	if _, _, ok := get("ttl"); ok {
		t.Error("getOptimistic read a key with a TTL without the lock")
	}
	slot, _ := db.place([]byte("a"))
	sh := &db.shards[db.shardOf(slot)]
	sh.lock(t0)
	if _, _, ok := get("a"); ok {
		t.Error("getOptimistic read while the shard was held")
	}
	sh.unlock()
	if v, ok := db.GetString(nil, []byte("ttl"), t0, func() int64 { return t0 }); !ok || string(v) != "v" {
		t.Errorf("GetString(ttl) = %q, %v", v, ok)
	}
}

// hammerValue returns the value a hammer writer stores as version seq of key i: its length
// depends on both (a few are huge, in segments of their own), its first 8 bytes are i and seq,
// and each other byte is a function of i, seq and its position, so a torn or misplaced read
// shows.
func hammerValue(buf []byte, i, seq uint32) []byte {
	n := 8 + int((i*7+seq*13)%120)
	if seq%97 == 5 {
		n = 20000 // above hugeAt at this test's maxmemory
	}
	buf = buf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, i)
	buf = binary.LittleEndian.AppendUint32(buf, seq)
	for j := 8; j < n; j++ {
		buf = append(buf, byte(i*31+seq*7+uint32(j)))
	}
	return buf
}

// checkHammerValue reports what is wrong with v as a value read for key i, or "".
func checkHammerValue(v []byte, i uint32) string {
	if len(v) < 8 {
		return fmt.Sprintf("value of %d bytes", len(v))
	}
	if got := binary.LittleEndian.Uint32(v); got != i {
		return fmt.Sprintf("value of key %d", got)
	}
	seq := binary.LittleEndian.Uint32(v[4:])
	if want := hammerValue(nil, i, seq); string(v) != string(want) {
		return fmt.Sprintf("value %q is not version %d (%q)", v, seq, want)
	}
	return ""
}

// TestOptimisticReadHammer runs GetString, which reads without the lock, against concurrent
// Sets (values of changing lengths, some huge, some with TTLs), Deletes, active expiry,
// eviction under a small maxmemory (so compaction moves records and frees segments), and
// garbage collections (so freed segments are unmapped), and checks that every value read is
// one that was written for its key, and that the mappings freed are unmapped once the reads
// are over. Under the race detector it also checks that the reads without the lock race with
// nothing.
//
// It runs in each mode of GetString (readModes): the read without the lock (amd64), the locked
// reads with the read buffer that other architectures make, and a node's (no OptimisticReads).
func TestOptimisticReadHammer(t *testing.T) {
	for _, m := range readModes {
		t.Run("mode="+m.name, func(t *testing.T) { hammerReads(t, m.opts) })
	}
}

// readModes are the ways DB.GetString reads a HashSlots DB.
var readModes = []struct {
	name string
	opts Options
}{
	{"optimistic", Options{HashSlots: true, OptimisticReads: true}}, // without the lock on amd64 alone
	{"locked", Options{HashSlots: true, OptimisticReads: true, lockedReads: true}},
	{"node", Options{HashSlots: true}},
}

func hammerReads(t *testing.T, o Options) {
	d := 2 * time.Second
	if testing.Short() {
		d = 300 * time.Millisecond
	}
	var clock atomic.Int64
	clock.Store(t0)
	o.Shards, o.MaxMemory, o.Hz, o.Clock = 4, 256<<10, 500, clock.Load
	db := openTest(t, o)
	const nkeys = 3000
	keys := make([][]byte, nkeys)
	for i := range keys {
		// Lengths 1 to 24: keys that end inside a word and ones that fill it.
		keys[i] = fmt.Appendf(nil, "%0*d", 1+i%24, i)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads, hits atomic.Int64
	var failed atomic.Bool
	run := func(f func(r *rand.Rand)) {
		wg.Add(1)
		seed := uint64(len(keys) + int(reads.Load()))
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
			for {
				select {
				case <-stop:
					return
				default:
				}
				f(r)
			}
		}()
	}
	var seq atomic.Uint32
	for range 2 { // writers
		buf := make([]byte, 0, 20000)
		run(func(r *rand.Rand) {
			i := uint32(r.IntN(nkeys))
			now := clock.Load()
			_ = db.CheckMemory(now)
			var at int64
			if r.IntN(8) == 0 {
				at = now + int64(1+r.IntN(20))
			}
			buf = hammerValue(buf, i, seq.Add(1))
			db.SetString(keys[i], buf, at, now)
		})
	}
	var txn Txn
	run(func(r *rand.Rand) { // deleter, and the clock
		k := keys[r.IntN(nkeys)]
		now := clock.Add(1)
		db.Begin(&txn, now, k)
		txn.Delete(k)
		txn.End()
		if r.IntN(64) == 0 {
			runtime.GC() // runs the cleanups that unmap freed segments
		}
	})
	for g := range 3 { // readers
		dst := make([]byte, 0, 64)
		run(func(r *rand.Rand) {
			i := uint32(r.IntN(nkeys))
			var v []byte
			var ok bool
			if g == 0 {
				v, ok = db.GetString(nil, keys[i], clock.Load(), clock.Load)
			} else {
				v, ok = db.GetString(dst[:0], keys[i], clock.Load(), clock.Load)
			}
			reads.Add(1)
			if !ok {
				return
			}
			hits.Add(1)
			if msg := checkHammerValue(v, i); msg != "" && failed.CompareAndSwap(false, true) {
				t.Errorf("GetString(%q): %s", keys[i], msg)
			}
		})
	}
	time.Sleep(d)
	close(stop)
	wg.Wait()
	if hits.Load() == 0 {
		t.Fatalf("no hits in %d reads", reads.Load())
	}
	// With no read left, every mapping released is unmapped at the next collections.
	for deadline := time.Now().Add(10 * time.Second); db.retired.Load() != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%d released mappings still mapped", db.retired.Load())
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	t.Logf("%d reads, %d hits, %d evicted, %d expired", reads.Load(), hits.Load(),
		db.Stats().EvictedKeys, db.Stats().ExpiredKeys)
}

// TestReadModes checks what each mode of GetString (readModes) pays for: only the optimistic
// one, on amd64, steps the shards' versions, publishes read views and leaves freed arena memory
// to unmapLater; a node (no OptimisticReads) and the locked reads do none of it, and unmap
// freed memory at once. Each mode reads back what it wrote.
func TestReadModes(t *testing.T) {
	for _, m := range readModes {
		t.Run("mode="+m.name, func(t *testing.T) {
			o := m.opts
			o.Shards, o.MaxMemory = 2, 1<<20
			db := openTest(t, o)
			opt := m.name == "optimistic" && optimisticArch
			if db.readsOptimistic() != opt {
				t.Fatalf("readsOptimistic = %v, want %v", db.readsOptimistic(), opt)
			}
			big := make([]byte, 100<<10) // a segment of its own, freed by each overwrite
			for i := range 200 {
				k := fmt.Appendf(nil, "k%d", i%50)
				v := big[:8+i%4*(100<<10-8)/3]
				db.SetString(k, v, 0, t0)
				if got, ok := db.GetString(nil, k, t0, nil); !ok || len(got) != len(v) {
					t.Fatalf("GetString(%s) = %d bytes, %v; want %d", k, len(got), ok, len(v))
				}
				if i%3 == 0 {
					var txn Txn
					db.Begin(&txn, t0, k)
					txn.Delete(k)
					txn.End()
				}
			}
			if err := db.CheckMemory(t0); err != nil {
				t.Fatal(err)
			}
			for i := range db.shards {
				sh := &db.shards[i]
				v := sh.ver.Load() & (1<<32 - 1)
				if rv := sh.rv.Load(); opt != (rv != nil) || opt != (v != 0) || v&1 != 0 {
					t.Errorf("shard %d: version %d, read view %v", i, v, rv != nil)
				}
			}
			if opt != (db.epoch.Load() != nil) {
				t.Errorf("epoch %v", db.epoch.Load())
			}
			if !opt && db.retired.Load() != 0 {
				t.Errorf("%d mappings left to unmapLater", db.retired.Load())
			}
		})
	}
}

// TestOptimisticHeaderWords checks the header layout readRecord relies on: valLen and valCap
// in the first 8-byte word, keyLen and kind in the third.
func TestOptimisticHeaderWords(t *testing.T) {
	var h hdr
	if hdrSize != 24 || unsafe.Offsetof(h.valLen) != 0 || unsafe.Offsetof(h.valCap) != 4 ||
		unsafe.Offsetof(h.keyLen)/8 != 2 || unsafe.Offsetof(h.kind)/8 != 2 {
		t.Fatalf("header layout changed: size %d, keyLen at %d, kind at %d", hdrSize,
			unsafe.Offsetof(h.keyLen), unsafe.Offsetof(h.kind))
	}
}

// TestShardLock checks the shard's lock in each mode (readModes), the version's odd step in a
// DB read optimistically: goroutines that take it in turns through lock, lockNoDrain and
// tryLock each add to a count it guards (the race detector sees any overlap, the count any
// lost update), and tryLock fails while another holds it.
func TestShardLock(t *testing.T) {
	for _, m := range readModes {
		t.Run("mode="+m.name, func(t *testing.T) {
			o := m.opts
			o.Shards = 1
			db := openTest(t, o)
			sh := &db.shards[0]
			sh.lock(t0)
			if sh.tryLock(t0) {
				t.Fatal("tryLock took a held lock")
			}
			if opt := db.readsOptimistic(); opt != (sh.ver.Load()&1 != 0) {
				t.Fatalf("version %d while held", sh.ver.Load())
			}
			sh.unlock()
			const workers, rounds = 4, 20000
			var count int
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range rounds {
						switch (w + i) % 3 {
						case 0:
							sh.lock(t0)
						case 1:
							sh.lockNoDrain(t0)
						default:
							for !sh.tryLock(t0) {
								runtime.Gosched()
							}
						}
						count++
						sh.unlock()
					}
				}()
			}
			wg.Wait()
			if count != workers*rounds {
				t.Fatalf("count %d, want %d", count, workers*rounds)
			}
			if v := sh.ver.Load() & (1<<32 - 1); db.readsOptimistic() && v != 2*(workers*rounds+1) {
				t.Fatalf("version %d after %d holds", v, workers*rounds+1)
			}
		})
	}
}
