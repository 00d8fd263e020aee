package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// readThrough replays keys as a cache's client does: GET, and on a miss CheckMemory and SET.
// It returns the hits.
func readThrough(t *testing.T, db *DB, keys []string, val []byte) int {
	t.Helper()
	var tx Txn
	hits := 0
	for _, k := range keys {
		kb := []byte(k)
		db.Begin(&tx, t0, kb)
		hit := tx.Get(kb) != nil
		tx.End()
		if hit {
			hits++
			continue
		}
		if err := db.CheckMemory(t0); err != nil {
			t.Fatal(err)
		}
		db.Begin(&tx, t0, kb)
		tx.SetString(kb, val, 0)
		tx.End()
	}
	return hits
}

// TestTinyLFUResistsScans checks what W-TinyLFU is for: a hot set read often survives a scan of
// one-time keys several times the cache's size, which flushes it from LRU.
func TestTinyLFUResistsScans(t *testing.T) {
	val := make([]byte, 100)
	for _, policy := range []string{TinyLFU, "allkeys-lru"} {
		t.Run("policy="+policy, func(t *testing.T) {
			db := openTest(t, Options{Shards: 4, Policy: policy, Samples: 10})
			var hot []string
			for i := range 200 {
				hot = append(hot, fmt.Sprint("hot:", i))
			}
			readThrough(t, db, hot, val)
			db.SetMaxMemory(db.Stats().UsedMemory * 2) // room for 400 keys
			for range 10 {
				readThrough(t, db, hot, val)
			}
			var scan []string
			for i := range 4000 {
				scan = append(scan, fmt.Sprint("scan:", i))
			}
			readThrough(t, db, scan, val)
			kept := readThrough(t, db, hot, val)
			if err := db.checkStorage(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s kept %d of %d hot keys through the scan (window %.3f, keys %d)", policy, kept, len(hot), db.windowFrac(), db.Len())
			// The hot keys the window held when the limit came (a window share of the 400
			// keys there is room for) lose their duels to hot keys of the main space as the
			// scan pushes them out; the others stay, but for a few lost to the sketch's
			// counts of colliding scan keys.
			window := int(db.windowFrac() * 400)
			switch {
			case policy == TinyLFU && kept < len(hot)-window-5:
				t.Errorf("TinyLFU kept %d of %d hot keys through a scan", kept, len(hot))
			case policy != TinyLFU && kept > len(hot)/10:
				t.Errorf("LRU kept %d of %d hot keys through a scan: the test does not test", kept, len(hot))
			}
		})
	}
}

// TestTinyLFUTunesTheWindow checks the tuner moves every shard's window: a workload of recent
// keys (each read a few times soon after its first write, never later) favours a large window.
func TestTinyLFUTunesTheWindow(t *testing.T) {
	db := openTest(t, Options{Shards: 4})
	val := make([]byte, 50)
	db.SetMaxMemory(200 << 10)
	r := rand.New(rand.NewPCG(1, 2))
	var keys []string
	for i := range 200_000 {
		// Mostly keys from a window of the 300 newest, a few from a hot set of 100.
		if r.IntN(10) == 0 {
			keys = append(keys, fmt.Sprint("hot:", r.IntN(100)))
		} else {
			keys = append(keys, fmt.Sprint("new:", i/8-r.IntN(300)))
		}
	}
	readThrough(t, db, keys, val)
	f := db.windowFrac()
	if f == initialWindow {
		t.Errorf("the window share is still %v", f)
	}
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(t0)
		sh.syncPolLocked()
		if sh.pol.Frac() != f {
			t.Errorf("shard %d window share %v, the tuner's %v", i, sh.pol.Frac(), f)
		}
		sh.unlock()
	}
	t.Logf("window share %.3f", f)
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestTinyLFUConcurrent runs readers, writers, deleters and expiry on four goroutines against
// a DB at its memory limit under TinyLFU, then checks the storage and the lists.
func TestTinyLFUConcurrent(t *testing.T) {
	db := openTest(t, Options{Shards: 8})
	db.SetMaxMemory(256 << 10)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			var tx Txn
			val := make([]byte, 200)
			for i := range 20_000 {
				k := []byte(fmt.Sprint("k", r.IntN(5000)))
				now := t0 + int64(i)
				switch n := r.IntN(10); {
				case n < 6:
					db.Begin(&tx, now, k)
					hit := tx.Get(k) != nil
					tx.End()
					if hit {
						continue
					}
					fallthrough
				case n < 9:
					if err := db.CheckMemory(now); err != nil {
						t.Error(err)
						return
					}
					var at int64
					if r.IntN(4) == 0 {
						at = now + r.Int64N(50)
					}
					db.Begin(&tx, now, k)
					tx.SetString(k, val[:r.IntN(len(val))], at)
					tx.End()
				default:
					db.Begin(&tx, now, k)
					tx.Delete(k)
					tx.End()
				}
				if g == 0 && i%1000 == 0 {
					db.ExpireCycle(now)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if s := db.Stats(); s.EvictedKeys == 0 {
		t.Error("nothing was evicted")
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestSketchOnlyUnderTinyLFU checks that other policies pay nothing for TinyLFU's sketch, and
// that switching to TinyLFU starts it.
func TestSketchOnlyUnderTinyLFU(t *testing.T) {
	db := openTest(t, Options{Shards: 4, Policy: "allkeys-lru", MaxMemory: 64 << 10})
	val := make([]byte, 100)
	var keys []string
	for i := range 2000 {
		keys = append(keys, fmt.Sprint("k", i%500))
	}
	readThrough(t, db, keys, val)
	sketches := func() (n int64) {
		for i := range db.shards {
			sh := &db.shards[i]
			sh.lock(t0)
			n += sh.sketchBytes
			sh.unlock()
		}
		return n
	}
	if n := sketches(); n != 0 {
		t.Fatalf("allkeys-lru: %d bytes of sketch", n)
	}
	if err := db.SetPolicy(TinyLFU); err != nil {
		t.Fatal(err)
	}
	readThrough(t, db, keys, val)
	if n := sketches(); n == 0 {
		t.Fatal("allkeys-tinylfu at the limit has no sketch")
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}
