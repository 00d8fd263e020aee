package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

func TestSegLenFor(t *testing.T) {
	for _, c := range []struct {
		m      int64
		shards int
		want   int
	}{
		{0, 256, segSize},
		{1 << 20, 256, minSegSize},
		{4 << 20, 256, minSegSize},
		{64 << 20, 256, minSegSize},
		{256 << 20, 256, minSegSize},
		{512 << 20, 256, 32 << 10},
		{1 << 30, 256, 64 << 10},
		{4 << 30, 256, segSize},
		{64 << 30, 256, segSize},
		{4 << 20, 1, 64 << 10},
		{16 << 20, 1, segSize},
	} {
		if got := segLenFor(c.m, c.shards); got != c.want {
			t.Errorf("segLenFor(%d, %d) = %d, want %d", c.m, c.shards, got, c.want)
		}
	}
}

// TestExemptSlack checks how much of the head segments' slack CheckMemory leaves out of the
// footprint it bounds: all of it while 256 heads take at most headsExempt (up to a maxmemory
// of 256 MiB), at most headsExempt above, where the heads are longer.
func TestExemptSlack(t *testing.T) {
	for _, c := range []struct {
		m, headSlack, want int64
	}{
		{64 << 20, 3 << 20, 3 << 20},
		{256 << 20, 4 << 20, 4 << 20},
		{1 << 30, 3 << 20, 3 << 20},
		{1 << 30, 12 << 20, headsExempt},
		{4 << 30, 40 << 20, headsExempt},
	} {
		db, err := Open(Options{MaxMemory: c.m, Shards: 256})
		if err != nil {
			t.Fatal(err)
		}
		db.headSlack.Store(c.headSlack)
		want := min(c.headSlack, c.want+db.groupAllowance())
		if got := db.exemptSlack(); got != want {
			t.Errorf("maxmemory %d, head slack %d: exemptSlack = %d, want %d", c.m, c.headSlack, got, want)
		}
		if a, r := db.allowance(c.m), room(c.m); a-r-db.groupAllowance() > headsExempt {
			t.Errorf("maxmemory %d: the heads' allowance is %d, more than %d", c.m, a-r-db.groupAllowance(), headsExempt)
		}
		db.Close()
	}
}

// arenaBytes walks db's arenas and returns the bytes they hold resident by the accounting's
// own measure, recomputed from the segments: each segment's written pages (all of it when it
// came from the pool), and the pool's segments.
func arenaBytes(db *DB) int64 {
	var b int64
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(0)
		for j := 1; j < len(sh.segs); j++ {
			b += int64(sh.segs[j].res)
		}
		sh.unlock()
	}
	db.segs.mu.Lock()
	for _, m := range db.segs.mem {
		b += int64(len(m))
	}
	db.segs.mu.Unlock()
	return b
}

// TestArenaWithinMaxMemory writes three times maxmemory in random keys, phase after phase of
// values of one size (so that each phase leaves holes of its size for the next), calling
// CheckMemory before each write as a server does, and checks that the arenas never hold more
// than maxmemory and the allowance: records, dead records and resident slack together, and
// the arenas' segments recomputed from the segments themselves. Counting record bytes alone
// (as before the footprint) lets the dead bytes and the partly written segments grow past it.
func TestArenaWithinMaxMemory(t *testing.T) {
	for _, policy := range []string{TinyLFU, "allkeys-lru"} {
		t.Run("policy="+policy, func(t *testing.T) {
			const limit = 4 << 20
			db := openTest(t, Options{Shards: 16, MaxMemory: limit, Policy: policy})
			allow := db.allowance(limit)
			if allow > 2<<20 {
				t.Fatalf("allowance %d at maxmemory %d: more than 2 MiB", allow, limit)
			}
			r := rand.New(rand.NewPCG(1, 2))
			peak := int64(0)
			for _, size := range []int{32, 1024, 16 << 10, 20 << 10, 100, 3000} {
				val := strings.Repeat("v", size)
				for i := range 3 * limit / (size + 50) {
					if err := db.CheckMemory(t0); err != nil {
						t.Fatal(err)
					}
					if f := footprintNow(db); f > limit+allow {
						t.Fatalf("size %d, write %d: footprint %d, over maxmemory %d and allowance %d", size, i, f, limit, allow)
					}
					if i%500 == 0 {
						// What the arenas hold, and the rest of used memory (indexes and
						// sketches), recomputed.
						b := arenaBytes(db) + db.used.Load() - db.liveRecordBytes()
						if b > limit+allow {
							t.Fatalf("size %d, write %d: arenas and indexes hold %d, over maxmemory %d and allowance %d", size, i, b, limit, allow)
						}
						peak = max(peak, b)
					}
					set(db, t0, fmt.Sprintf("k%d", r.Uint64()), val, 0)
				}
				if err := db.checkStorage(); err != nil {
					t.Fatalf("size %d: %v", size, err)
				}
			}
			if db.Len() == 0 || db.Stats().EvictedKeys == 0 {
				t.Fatalf("%d keys, %d evicted: the workload did not fill the keyspace", db.Len(), db.Stats().EvictedKeys)
			}
			t.Logf("peak %d bytes: maxmemory + %d (allowance %d)", peak, peak-limit, allow)
		})
	}
}

// footprintNow returns the footprint with what the shards have not yet added to the DB's
// counts (acct.go).
func footprintNow(db *DB) int64 {
	f, _ := countsNow(db)
	return f
}

// countsNow returns the footprint and the head slack with what the shards have not yet added
// to the DB's counts.
func countsNow(db *DB) (foot, headSlack int64) {
	foot, headSlack = db.footprint(), db.headSlack.Load()
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(0)
		foot += sh.acct.used + sh.acct.dead + sh.acct.slack
		headSlack += sh.acct.headSlack
		sh.unlock()
	}
	return foot, headSlack
}

// TestCheckMemoryCountsLag checks that CheckMemory keeps the footprint within its bound when
// the shards hold back all they may of their changes to the counts (acct.go): here slack the
// DB's counts do not show yet, a batch less one in each shard, with the counts shown just
// under the bound. It must evict until the footprint with them is within it.
func TestCheckMemoryCountsLag(t *testing.T) {
	const limit = 4 << 20
	db := openTest(t, Options{Shards: 16, MaxMemory: limit, Policy: "allkeys-lru"})
	val := strings.Repeat("v", 200)
	for i := 0; db.used.Load() < limit*7/8; i++ {
		set(db, t0, fmt.Sprintf("k%d", i), val, 0)
	}
	if err := db.checkStorage(); err != nil { // adds every shard's changes
		t.Fatal(err)
	}
	b, lag := db.acctBatch.Load(), db.acctLag()
	bound := limit + room(limit)
	// The shown counts half a lag under the bound, and the shards' held-back slack a lag
	// (less a byte a shard) over them.
	db.slack.Add(bound - lag/2 - (db.footprint() - db.exemptSlack()))
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(t0)
		sh.acct.slack += b - 1
		sh.unlock()
		if sh.acct.slack != b-1 {
			t.Fatalf("shard %d added %d bytes of slack to the counts, under a batch of %d", i, b-1, b)
		}
	}
	if err := db.CheckMemory(t0); err != nil {
		t.Fatal(err)
	}
	foot, hs := countsNow(db)
	if f := foot - min(hs, db.headsAllowance()+db.groupAllowance()); f > bound {
		t.Fatalf("footprint %d less exempt head slack over maxmemory and room, %d", f, bound)
	}
	if db.Stats().EvictedKeys == 0 {
		t.Fatal("nothing evicted")
	}
}

// TestArenaSlackFreed checks that a flush gives every segment back (the slack left is the
// pool's), and that after Close the arenas and the pool hold nothing.
func TestArenaSlackFreed(t *testing.T) {
	db := openTest(t, Options{Shards: 4, MaxMemory: 8 << 20})
	for i := range 20000 {
		set(db, t0, fmt.Sprint("k", i), strings.Repeat("x", i%700), 0)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	db.Flush(t0, false)
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	if s, a := db.slack.Load(), arenaBytes(db); s != a {
		t.Fatalf("after a flush: slack %d, arenas and pool %d", s, a)
	}
	if s := db.slack.Load(); s > db.allowance(8<<20) {
		t.Fatalf("after a flush: slack %d, above the allowance", s)
	}
	db.Close()
	if s, a := db.slack.Load(), arenaBytes(db); s != 0 || a != 0 {
		t.Fatalf("after Close: slack %d, arenas and pool %d", s, a)
	}
}

// liveRecordBytes returns the bytes of the live records in the arenas.
func (db *DB) liveRecordBytes() int64 {
	var b int64
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(0)
		for j := 1; j < len(sh.segs); j++ {
			b += int64(sh.segs[j].used - sh.segs[j].dead)
		}
		sh.unlock()
	}
	return b
}

// TestSegmentLayout checks that a segment's fixed fields and its counters are on cache lines
// of their own (see segment).
func TestSegmentLayout(t *testing.T) {
	var s segment
	if n := unsafe.Sizeof(s); n != 128 {
		t.Errorf("segment is %d bytes, want 128", n)
	}
	if o := unsafe.Offsetof(s.used); o != 64 {
		t.Errorf("segment.used at offset %d, want 64", o)
	}
}

// TestShardLayout checks that a shard is a whole number of cache lines, so that in the DB's
// array every shard's fields fall on the same lines (the pad at the end of shard adjusts it),
// that the optimistic read's fields share the lock's line, and that what the lock's holder
// writes is on other lines.
func TestShardLayout(t *testing.T) {
	var sh shard
	if n := unsafe.Sizeof(sh); n%64 != 0 {
		t.Errorf("shard is %d bytes, not a multiple of 64: change its last pad by %d", n, 64-n%64)
	}
	for _, f := range []struct {
		name string
		off  uintptr
	}{{"mu", unsafe.Offsetof(sh.mu)}, {"ver", unsafe.Offsetof(sh.ver)}, {"rv", unsafe.Offsetof(sh.rv)},
		{"readShift", unsafe.Offsetof(sh.readShift)}, {"step", unsafe.Offsetof(sh.step)}} {
		if f.off+8 > 64 {
			t.Errorf("shard.%s at offset %d, beyond the first cache line", f.name, f.off)
		}
	}
	// What the lock's holder writes stays off the line the optimistic read loads.
	for _, f := range []struct {
		name string
		off  uintptr
	}{{"changed", unsafe.Offsetof(sh.changed)}, {"tally", unsafe.Offsetof(sh.tally)},
		{"now", unsafe.Offsetof(sh.now)}, {"changes", unsafe.Offsetof(sh.changes)}} {
		if f.off < 64 {
			t.Errorf("shard.%s at offset %d, on the first cache line, which reads load", f.name, f.off)
		}
	}
	// And a write writes one line of the shard besides the lock's.
	for _, f := range []struct {
		name      string
		off, size uintptr
	}{{"changed", unsafe.Offsetof(sh.changed), 8}, {"now", unsafe.Offsetof(sh.now), 8},
		{"acct", unsafe.Offsetof(sh.acct), unsafe.Sizeof(sh.acct)}, {"dirty", unsafe.Offsetof(sh.dirty), 1},
		{"changes", unsafe.Offsetof(sh.changes), 8}} {
		if f.off < 64 || f.off+f.size > 128 {
			t.Errorf("shard.%s at offset %d, not on the second cache line, the holder's", f.name, f.off)
		}
	}
}
