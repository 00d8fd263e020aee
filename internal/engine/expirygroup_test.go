package engine

import (
	"fmt"
	"testing"
)

// refOf returns the ref of key's record (0: absent) and its segment's state, in db's single
// shard.
func refOf(t *testing.T, db *DB, key string) (uint32, segment) {
	t.Helper()
	sh := &db.shards[0]
	sh.lock(0)
	defer sh.unlock()
	k := []byte(key)
	slot, frag := db.place(k)
	_, ref := sh.tabs[db.localSlot(slot)].find(sh, frag, k)
	if ref == 0 {
		return 0, segment{}
	}
	return ref, sh.segs[ref>>offBits]
}

// TestExpiryGroupPlacement checks where records land: a key expiring within 65 s in the
// segment of its 4-second bucket, one expiring within 17.5 minutes in its 65-second bucket's,
// others (no TTL, a TTL further ahead, a huge value, a caller without a clock) outside any
// group; and keys of one bucket share segments, keys of two buckets do not.
func TestExpiryGroupPlacement(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	now := t0
	cases := []struct {
		key      string
		now, at  int64
		val      int
		grouped  bool
		bucketMs int64
	}{
		{"none", now, 0, 16, false, 0},
		{"soon", now, now + 10_000, 16, true, 1 << 12},
		{"minute", now, now + 64_000, 16, true, 1 << 12},
		{"later", now, now + 300_000, 16, true, 1 << 16},
		{"far", now, now + 3_600_000, 16, false, 0},
		{"huge", now, now + 10_000, 8 << 10, false, 0},
		{"noclock", 0, now + 10_000, 16, false, 0},
	}
	for _, c := range cases {
		set(db, c.now, c.key, string(make([]byte, c.val)), c.at)
		ref, s := refOf(t, db, c.key)
		if ref == 0 {
			t.Fatalf("%s: not stored", c.key)
		}
		if grouped := s.expEnd != 0; grouped != c.grouped {
			t.Errorf("%s: grouped %v (segment's expiry end %d), want %v", c.key, grouped, s.expEnd, c.grouped)
			continue
		}
		if c.grouped && (c.at > s.expEnd || c.at <= s.expEnd-c.bucketMs || (s.expEnd+1)%c.bucketMs != 0) {
			t.Errorf("%s: expires at %d, in the segment of the bucket ending %d (want a bucket of %d ms)", c.key, c.at, s.expEnd, c.bucketMs)
		}
	}
	// Keys of one bucket share a segment; the next bucket's have another.
	b := (now+20_000)>>12 + 1
	at1, at2 := b<<12+10, (b+1)<<12+10
	set(db, now, "a1", "x", at1)
	set(db, now, "a2", "y", at1+100)
	set(db, now, "b1", "z", at2)
	r1, _ := refOf(t, db, "a1")
	r2, _ := refOf(t, db, "a2")
	r3, _ := refOf(t, db, "b1")
	if r1>>offBits != r2>>offBits || r1>>offBits == r3>>offBits {
		t.Errorf("segments of a1, a2 (same bucket) and b1 (next): %d %d %d", r1>>offBits, r2>>offBits, r3>>offBits)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryGroupFreedWhole checks that once the keys of a bucket expire, active expiry frees
// their segments whole, without compaction copying any record (the keys that live on keep
// their refs), that nothing live is lost, and that the next bucket's records reuse the freed
// segments' memory.
func TestExpiryGroupFreedWhole(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	sh := &db.shards[0]
	now := t0
	b := (now+5_000)>>12 + 1
	soon := b<<12 + 100    // a bucket 5-9 s ahead
	later := soon + 30_000 // another, 30 s after
	val := string(make([]byte, 200))
	const n = 2000 // several group segments per bucket
	for i := range n {
		set(db, now, fmt.Sprintf("s%d", i), val, soon+int64(i%1000))
		set(db, now, fmt.Sprintf("l%d", i), val, later)
		set(db, now, fmt.Sprintf("p%d", i), val, 0)
	}
	segsOf := func(prefix string) map[uint32]bool {
		m := map[uint32]bool{}
		for i := range n {
			r, _ := refOf(t, db, fmt.Sprintf("%s%d", prefix, i))
			if r != 0 {
				m[r>>offBits] = true
			}
		}
		return m
	}
	soonSegs := segsOf("s")
	if len(soonSegs) < 3 {
		t.Fatalf("the expiring keys take %d segments, want several", len(soonSegs))
	}
	for s := range segsOf("l") {
		if soonSegs[s] {
			t.Fatalf("segment %d holds keys of two buckets", s)
		}
	}
	refs := map[string]uint32{}
	for i := range n {
		for _, p := range []string{"s", "l", "p"} {
			k := fmt.Sprintf("%s%d", p, i)
			refs[k], _ = refOf(t, db, k)
		}
	}
	// Delete a third of the expiring keys by hand first: their segments pass the compaction
	// threshold, but are left to expire.
	for i := 0; i < n; i += 3 {
		var tx Txn
		k := []byte(fmt.Sprintf("s%d", i))
		db.Begin(&tx, now, k)
		tx.Delete(k)
		tx.End()
		delete(refs, string(k))
	}
	for k, r := range refs {
		if got, _ := refOf(t, db, k); got != r {
			t.Fatalf("%s moved from %x to %x: compaction copied it", k, r, got)
		}
	}
	for i := range n {
		delete(refs, fmt.Sprintf("s%d", i))
	}
	for now <= soon+1000 {
		now += 100
		db.ExpireCycle(now)
	}
	for now < soon+10_000 && db.Len() > 2*n {
		now += 100
		db.ExpireCycle(now)
	}
	if got := db.Len(); got != 2*n {
		t.Fatalf("%d keys left, want %d", got, 2*n)
	}
	sh.lock(0)
	for s := range soonSegs {
		if sh.segs[s].expEnd != 0 && sh.segs[s].expEnd < later {
			t.Errorf("segment %d of the expired bucket not freed (%d used, %d dead)", s, sh.segs[s].used, sh.segs[s].dead)
		}
	}
	spares := len(sh.spare)
	sh.unlock()
	if spares == 0 {
		t.Error("no freed group segment was kept as a spare")
	}
	for k, r := range refs {
		if got, _ := refOf(t, db, k); got != r {
			t.Fatalf("%s moved from %x to %x: compaction copied it", k, r, got)
		}
		if v, ok := get(db, now, k); !ok || v != val {
			t.Fatalf("%s lost", k)
		}
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// The next bucket's records take the spares, without new memory.
	slabs := len(sh.slab)
	next := (now+5_000)>>12<<12 + 4096
	for i := range 200 {
		set(db, now, fmt.Sprintf("n%d", i), val, next)
	}
	sh.lock(0)
	left, slabLeft := len(sh.spare), len(sh.slab)
	sh.unlock()
	if left >= spares || slabLeft != slabs {
		t.Errorf("spares %d -> %d, slab %d -> %d: new group segments did not reuse the spares", spares, left, slabs, slabLeft)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Close gives everything back: the spares and the slabs.
	db.Close()
	if s, h := db.slack.Load(), db.headSlack.Load(); s != 0 || h != 0 || sh.slabs != nil || sh.spare != nil {
		t.Errorf("after Close: slack %d, head slack %d, %d slabs, %d spares", s, h, len(sh.slabs), len(sh.spare))
	}
}

// TestExpiryGroupTTLChange checks that a key of an expiry group whose expiry time leaves its
// bucket (a SET or EXPIRE giving it a later or an earlier one, or none) moves to the group of
// its new time, or out of the groups, and that one whose time stays within the bucket stays,
// its segment's table updated; and that active expiry finds each key at its new time and
// keeps the others.
func TestExpiryGroupTTLChange(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	now := t0
	b := (now+10_000)>>12 + 1
	at := b<<12 + 2_000 // in the middle of a bucket 10-14 s ahead
	val := string(make([]byte, 100))
	for i := range 100 {
		set(db, now, fmt.Sprintf("k%d", i), val, at)
	}
	expire := func(key string, at int64) {
		var tx Txn
		k := []byte(key)
		db.Begin(&tx, now, k)
		tx.SetExpire(k, tx.Lookup(k), at)
		tx.End()
	}
	r0, s0 := refOf(t, db, "k0")
	cases := []struct {
		key    string
		change func(string, int64)
		at     int64 // 0: none
		moves  bool
	}{
		{"k0", func(k string, at int64) { set(db, now, k, val, at) }, at + 60_000, true},
		{"k1", func(k string, at int64) { set(db, now, k, val, at) }, 0, true},
		{"k2", expire, at + 120_000, true},
		{"k3", expire, now + 3_000, true}, // before the bucket begins
		{"k4", expire, at - 1_000, false}, // earlier, within the bucket
		{"k5", expire, at + 1_000, false}, // later, within the bucket
		{"k6", expire, 0, true},           // PERSIST
		{"k7", func(k string, at int64) { set(db, now, k, val, at) }, at - 500, false},
	}
	for _, c := range cases {
		before, _ := refOf(t, db, c.key)
		c.change(c.key, c.at)
		r, s := refOf(t, db, c.key)
		if moved := r != before; moved != c.moves {
			t.Errorf("%s given expiry time %d: moved %v, want %v", c.key, c.at, moved, c.moves)
		}
		switch {
		case c.at == 0 && s.expEnd != 0:
			t.Errorf("%s without a TTL is in an expiry group's segment", c.key)
		case c.at != 0 && (s.expEnd == 0 || c.at > s.expEnd || c.at < s.bucketStart()):
			t.Errorf("%s expiring at %d is in the segment of bucket %d..%d", c.key, c.at, s.bucketStart(), s.expEnd)
		}
	}
	if r, _ := refOf(t, db, "k8"); r>>offBits != r0>>offBits || s0.expEnd == 0 {
		t.Fatalf("k8 left its group's segment")
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Each key is gone within a scan interval (a groupScansPerBucket-th of its bucket: 4 s at
	// level 0, 65 s at level 1) and a cycle of its time, and no key goes before its time.
	const short, long = (1 << groupShift0) / groupScansPerBucket, (1 << (groupShift0 + groupLevelShift)) / groupScansPerBucket
	times := make([]int64, 100) // each key's expiry time, 0 for none
	for i := range times {
		times[i] = at
	}
	for _, c := range cases {
		var i int
		fmt.Sscanf(c.key, "k%d", &i)
		times[i] = c.at
	}
	end := at + 120_000 + long + 200
	for now < end {
		now += 100
		db.ExpireCycle(now)
		lo, hi := 0, 0 // keys that must be left, and that may be
		for _, x := range times {
			interval := int64(short)
			if x-t0 >= groupReach0 {
				interval = long
			}
			if x == 0 || x > now {
				lo++
			}
			if x == 0 || x+interval+100 >= now {
				hi++
			}
		}
		if n := db.Len(); n < lo || n > hi {
			t.Fatalf("at %d (%d ms after the bucket's keys' time): %d keys left, want %d to %d", now, now-at, n, lo, hi)
		}
	}
	if n := db.Len(); n != 2 {
		t.Fatalf("%d keys left at the end, want the 2 without a TTL", n)
	}
	for _, k := range []string{"k1", "k6"} {
		if v, ok := get(db, now, k); !ok || v != val {
			t.Fatalf("%s lost", k)
		}
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryGroupEviction checks that under a maxmemory keys in expiry groups' segments are
// evicted as any key, and that the keyspace stays within maxmemory and the allowance, also
// once maxmemory is halved.
func TestExpiryGroupEviction(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "volatile-ttl", "volatile-random", "volatile-lru", TinyLFU} {
		t.Run("policy="+policy, func(t *testing.T) {
			db := openTest(t, Options{Shards: 1})
			if err := db.SetPolicy(policy); err != nil {
				t.Fatal(err)
			}
			const limit = 5 << 20
			db.SetMaxMemory(limit)
			if !db.groupsOn() {
				t.Fatal("expiry groups off at 5 MiB on one shard")
			}
			now := t0
			val := string(make([]byte, 200))
			for i := range 30_000 { // about 1.5 times maxmemory
				if i%10 == 0 {
					if err := db.CheckMemory(now); err != nil {
						t.Fatalf("write %d: %v", i, err)
					}
				}
				set(db, now, fmt.Sprintf("k%d", i), val, now+1_000+int64(i%60)*1_000)
				if i%1000 == 0 {
					now += 10
				}
			}
			if err := db.CheckMemory(now); err != nil {
				t.Fatal(err)
			}
			st := db.Stats()
			if st.EvictedKeys == 0 {
				t.Fatal("nothing evicted")
			}
			if f := db.footprint() - db.headSlack.Load(); f > limit+room(limit) {
				t.Errorf("footprint %d beyond maxmemory %d and room %d", f, limit, room(limit))
			}
			if h := db.headSlack.Load(); h > db.allowance(limit)-room(limit) {
				t.Errorf("head slack %d beyond the heads' allowance %d", h, db.allowance(limit)-room(limit))
			}
			if err := db.checkStorage(); err != nil {
				t.Fatal(err)
			}
			n := db.Len()
			db.SetMaxMemory(limit / 2)
			if err := db.CheckMemory(now); err != nil {
				t.Fatal(err)
			}
			if u := db.Stats().UsedMemory; u > limit/2 || db.Len() >= n {
				t.Errorf("at half the maxmemory: %d bytes used, %d keys of %d left", u, db.Len(), n)
			}
			if err := db.checkStorage(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestExpiryGroupNotInTTLSet checks that keys in expiry groups' segments are not in the TTL
// set, which holds the other keys with a TTL alone, yet are counted as keys with a TTL and
// drawn by the volatile policies' sampling.
func TestExpiryGroupNotInTTLSet(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	sh := &db.shards[0]
	now := t0
	for i := range 1000 {
		set(db, now, fmt.Sprintf("g%d", i), "v", now+5_000+int64(i)) // grouped
		set(db, now, fmt.Sprintf("f%d", i), "v", now+3_600_000)      // too far ahead
	}
	sh.lock(now)
	inSet, drawn := sh.ttl.n, map[bool]int{}
	for range 1000 {
		if ref := sh.randomLocked(true); ref != 0 {
			drawn[sh.grouped(ref)]++
		}
	}
	sh.unlock()
	if inSet != 1000 || db.Stats().Expires != 2000 {
		t.Errorf("TTL set of %d keys, %d keys with a TTL; want 1000 and 2000", inSet, db.Stats().Expires)
	}
	if drawn[true] < 300 || drawn[false] < 300 {
		t.Errorf("volatile sampling drew %d grouped keys and %d others, want both about 500", drawn[true], drawn[false])
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryGroupLazyLinks checks that far below maxmemory (or without one) the records of
// expiry groups are left out of the eviction lists, the others not, and that a grouped key is
// read, moved out of the groups (and then linked) and expired safely; that once used memory
// reaches half of maxmemory the next write links them all; and that CheckMemory links every
// shard's before TinyLFU evicts, which then evicts grouped keys too.
func TestExpiryGroupLazyLinks(t *testing.T) {
	db := openTest(t, Options{Shards: 4})
	now := t0
	for i := range 1000 {
		set(db, now, fmt.Sprintf("g%d", i), "v", now+5_000+int64(i%100)) // grouped
		set(db, now, fmt.Sprintf("p%d", i), "v", 0)
	}
	linked := func() (n int) {
		for i := range db.shards {
			sh := &db.shards[i]
			sh.lock(now)
			n += sh.pol.Len()
			sh.unlock()
		}
		return n
	}
	if n := linked(); n != 1000 || db.lazyShards.Load() != 4 {
		t.Fatalf("without maxmemory %d records linked, %d shards lazy; want the 1000 without a TTL, 4", n, db.lazyShards.Load())
	}
	if _, ok := get(db, now, "g1"); !ok {
		t.Fatal("g1 lost")
	}
	var tx Txn
	k := []byte("g2")
	db.Begin(&tx, now, k)
	tx.SetExpire(k, tx.Lookup(k), now+3_600_000) // out of the groups
	tx.End()
	if n := linked(); n != 1001 {
		t.Fatalf("after g2 left the groups %d records linked, want 1001", n)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Used memory at two thirds of maxmemory: a write links its shard's records.
	db.SetMaxMemory(db.Stats().UsedMemory * 3 / 2)
	set(db, now, "g-new", "v", now+5_000)
	if n := linked(); n <= 1002 || db.lazyShards.Load() != 3 {
		t.Fatalf("after a write near maxmemory %d records linked, %d shards lazy; want more than 1002, 3", n, db.lazyShards.Load())
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Over the limit, CheckMemory has every shard link its records before TinyLFU evicts,
	// grouped keys too.
	db.SetMaxMemory(db.Stats().UsedMemory / 2)
	if err := db.CheckMemory(now); err != nil {
		t.Fatal(err)
	}
	if n := linked(); n != db.Len() || db.lazyShards.Load() != 0 {
		t.Fatalf("after CheckMemory %d records linked of %d, %d shards lazy", n, db.Len(), db.lazyShards.Load())
	}
	left := 0
	for i := range 1000 {
		if _, ok := get(db, now, fmt.Sprintf("g%d", i)); ok {
			left++
		}
	}
	if left == 1000 || db.Stats().EvictedKeys == 0 {
		t.Errorf("%d of 1000 grouped keys left after evicting %d keys, want some evicted", left, db.Stats().EvictedKeys)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Expiry deletes linked and lazily left out records alike.
	db.SetMaxMemory(0)
	set(db, now, "g-lazy", "v", now+5_000)
	for end := now + 6_000; now < end; {
		now += 100
		db.ExpireCycle(now)
	}
	want := int64(0)
	if _, ok := get(db, now, "g2"); ok { // unless evicted
		want = 1
	}
	if n := db.Stats().Expires; n != want {
		t.Errorf("%d keys with a TTL left, want %d (g2 alone, if not evicted)", n, want)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryGroupExtraSpares checks that the segments of a bucket freed together beyond
// groupSpareMax a shard stay resident as extra spares, counted in slack, without giving their
// pages back; that new group heads take them before new memory; and that CheckMemory gives
// their pages back before it evicts when the footprint is over its bound, and the spares' too
// when maxmemory is too small for records to be grouped.
func TestExpiryGroupExtraSpares(t *testing.T) {
	const shards = 4
	db := openTest(t, Options{Shards: shards})
	now := t0
	val := string(make([]byte, 400)) // about 38 records a segment
	bucket := func(at int64, prefix string, n int) {
		for i := range n {
			set(db, now, fmt.Sprintf("%s%d", prefix, i), val, at)
		}
	}
	counts := func() (spare, extra, cold, slab int) {
		for i := range db.shards {
			sh := &db.shards[i]
			sh.lock(now)
			spare, extra, cold, slab = spare+len(sh.spare), extra+len(sh.extra), cold+len(sh.cold), slab+len(sh.slab)
			sh.unlock()
		}
		return spare, extra, cold, slab
	}
	for i := range 10 {
		set(db, now, fmt.Sprintf("p%d", i), "v", 0)
	}
	at := (now+5_000)>>12<<12 + 4096
	bucket(at, "a", 14000) // about 90 segments a shard
	for now <= at+1_000 {
		now += 100
		db.ExpireCycle(now)
	}
	spare, extra, cold, slab := counts()
	if db.Len() != 10 || spare != shards*groupSpareMax || extra < shards*40 || cold != 0 {
		t.Fatalf("after the bucket expired: %d keys, %d spares, %d extra spares, %d cold; want 10, %d, %d or more, 0",
			db.Len(), spare, extra, cold, shards*groupSpareMax, shards*40)
	}
	if e := db.extraBytes.Load(); e != int64(extra*groupSegLen(int(db.segLen.Load()))) {
		t.Errorf("extra spares' bytes %d for %d extra spares", e, extra)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// The next bucket's heads take the spares and the extra spares, not new memory.
	bucket((now+5_000)>>12<<12+4096, "b", 6000) // about 40 segments a shard
	spare2, extra2, _, slab2 := counts()
	if spare2 != 0 || extra2 >= extra || slab2 != slab {
		t.Errorf("after a bucket of 160 segments: %d spares, %d extra spares (from %d), slab %d (from %d): want the spares and some extra spares taken, no new memory",
			spare2, extra2, extra, slab2, slab)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
	// Over maxmemory (the extra spares alone are over its room), CheckMemory gives the extra
	// spares back before it evicts.
	for now <= at+10_000 {
		now += 100
		db.ExpireCycle(now)
	}
	if _, e, _, _ := counts(); e == 0 || db.Len() != 10 {
		t.Fatalf("%d extra spares and %d keys before CheckMemory, want some and 10", e, db.Len())
	}
	db.SetMaxMemory(128 << 10)
	if err := db.CheckMemory(now); err != nil {
		t.Fatal(err)
	}
	// At this maxmemory records are not grouped: the spares go too.
	if sp, e, _, _ := counts(); sp != 0 || e != 0 || db.extraBytes.Load() != 0 || db.spareBytes.Load() != 0 || db.Len() != 10 {
		t.Errorf("after CheckMemory over maxmemory: %d spares and %d extra spares of %d and %d bytes, %d keys (want none, none, 10)",
			sp, e, db.spareBytes.Load(), db.extraBytes.Load(), db.Len())
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryGroupExtraSparesLength checks that extra spares of a length that a new maxmemory
// no longer uses are given back rather than taken as group heads.
func TestExpiryGroupExtraSparesLength(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	sh := &db.shards[0]
	now := t0
	val := string(make([]byte, 400))
	at := (now+5_000)>>12<<12 + 4096
	for i := range 2400 { // about 63 segments of 16 KiB
		set(db, now, fmt.Sprintf("a%d", i), val, at)
	}
	for now <= at+1_000 {
		now += 100
		db.ExpireCycle(now)
	}
	sh.lock(now)
	extra := len(sh.extra)
	sh.unlock()
	if extra < 20 {
		t.Fatalf("%d extra spares, want 20 or more", extra)
	}
	db.SetMaxMemory(12 << 20) // shared segments of 128 KiB, group segments of 8 KiB
	if n := groupSegLen(int(db.segLen.Load())); n != 8192 || !db.groupsOn() {
		t.Fatalf("group segments of %d bytes, groups on %v; want 8192, true", n, db.groupsOn())
	}
	for i := range 200 {
		set(db, now, fmt.Sprintf("b%d", i), val, (now+5_000)>>12<<12+4096)
	}
	sh.lock(now)
	left := len(sh.extra)
	for i := range sh.segs {
		if s := &sh.segs[i]; s.expEnd != 0 && len(s.mem) != 8192 {
			t.Errorf("group segment %d is %d bytes long, want 8192", i, len(s.mem))
		}
	}
	sh.unlock()
	if left != 0 {
		t.Errorf("%d extra spares of the old length left", left)
	}
	if err := db.checkStorage(); err != nil {
		t.Fatal(err)
	}
}
