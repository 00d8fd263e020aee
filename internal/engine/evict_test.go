package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fill writes n keys prefix00..; those with a TTL expire an hour after t0 + i seconds. Every
// record has the same size: a key without a TTL has a value 8 bytes longer, the size of the
// expiry area of a record with one.
func fill(db *DB, prefix string, n int, ttl bool) {
	for i := range n {
		var at int64
		val := "value-value-value-8bytes!"
		if ttl {
			at = t0 + 3_600_000 + int64(i)*1000
			val = val[:len(val)-ttlArea]
		}
		set(db, t0, fmt.Sprintf("%s%02d", prefix, i), val, at)
	}
}

// evictN lowers maxmemory so that exactly n more keys (of the uniform size) must go, runs
// CheckMemory at now and returns the keys evicted.
func evictN(t *testing.T, db *DB, rec *recorder, n int, now int64) ([]string, error) {
	t.Helper()
	s := db.Stats()
	per := s.UsedMemory / s.Keys
	db.SetMaxMemory(s.UsedMemory - int64(n)*per)
	rec.take()
	err := db.CheckMemory(now)
	var keys []string
	for _, c := range rec.take() {
		if c.Op != OpDel || c.Reason != ReasonEvicted {
			t.Fatalf("eviction published %v %v", c.Op, c.Reason)
		}
		keys = append(keys, string(c.Key))
	}
	return keys, err
}

func TestEvictNoEviction(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{Policy: "noeviction", OnChange: rec.sink})
	fill(db, "k", 10, false)
	keys, err := evictN(t, db, rec, 1, t0)
	if !errors.Is(err, ErrOOM) || len(keys) != 0 || db.Len() != 10 {
		t.Errorf("noeviction: err %v, evicted %v, Len %d", err, keys, db.Len())
	}
	db.SetMaxMemory(0)
	if err := db.CheckMemory(t0); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

// TestEvictPolicies checks each policy evicts what its name says: 100 keys, of which the
// "cold" ones are idle (LRU), never read (LFU) or expire soonest (TTL). Eviction samples, as
// Redis's does, so the test samples 64 keys a round to make a miss vanishingly unlikely.
func TestEvictPolicies(t *testing.T) {
	later := t0 + 30_000 // same LFU minute as t0
	for _, policy := range []string{"allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
		"allkeys-random", "volatile-random", "volatile-ttl", TinyLFU} {
		t.Run("policy="+policy, func(t *testing.T) {
			rec := &recorder{}
			db := openTest(t, Options{Shards: 4, Policy: policy, Samples: 64, OnChange: rec.sink})
			volatile := db.policy.Load().p.Volatile()
			fill(db, "p", 50, false) // persistent, never read: the best candidates by LRU and LFU
			fill(db, "v", 50, true)
			if policy == TinyLFU {
				// W-TinyLFU counts requests once its records fill half of a shard's share of
				// maxmemory (here, with a slot index of 8 cells per key, records are under half
				// of the memory used); without counts, recency alone decides.
				db.SetMaxMemory(db.Stats().UsedMemory * 3 / 4)
			}
			// Read every key but p00..p09 and v00..v09, several times, later.
			for range 3 {
				for i := 10; i < 50; i++ {
					get(db, later, fmt.Sprintf("p%02d", i))
					get(db, later, fmt.Sprintf("v%02d", i))
				}
			}
			keys, err := evictN(t, db, rec, 8, later)
			// TinyLFU's frequency sketch starts, and counts in used memory, once maxmemory
			// makes the shards half full: it takes the place of a few more keys.
			if err != nil || len(keys) < 8 || (policy != TinyLFU && len(keys) != 8) || len(keys) > 20 {
				t.Fatalf("CheckMemory: %v, evicted %v", err, keys)
			}
			hot := 0
			for _, k := range keys {
				cold := k[1] == '0' // x00..x09
				if volatile && k[0] == 'p' {
					t.Errorf("%s evicted persistent key %s", policy, k)
				}
				if policy != "allkeys-random" && policy != "volatile-random" && !cold {
					hot++
				}
			}
			// TinyLFU estimates frequencies with a count-min sketch, whose hashes are seeded
			// at random: about once in 100 runs a cold key shares every counter of a hot one,
			// looks as hot, and wins its duels with the window's newest keys. So it may
			// evict a few keys that are not the coldest, never mostly those.
			allowed := 0
			if policy == TinyLFU {
				allowed = len(keys) / 2
			}
			if hot > allowed {
				t.Errorf("%s evicted %d keys not among the coldest: %v", policy, hot, keys)
			}
			if got := db.Stats().EvictedKeys; got != int64(len(keys)) {
				t.Errorf("EvictedKeys = %d", got)
			}
			if !volatile {
				return
			}
			// Ask for more than the volatile keys: all of them go, then OOM, persistent intact.
			keys, err = evictN(t, db, rec, 60, later)
			if !errors.Is(err, ErrOOM) || len(keys) != 42 || db.Len() != 50 {
				t.Errorf("over-eviction: err %v, evicted %d, Len %d", err, len(keys), db.Len())
			}
		})
	}
}

func TestEvictRandomSpreads(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{Policy: "allkeys-random", OnChange: rec.sink})
	fill(db, "k", 100, false)
	keys, err := evictN(t, db, rec, 50, t0)
	if err != nil || len(keys) != 50 || db.Len() != 50 {
		t.Fatalf("err %v evicted %d Len %d", err, len(keys), db.Len())
	}
	low := 0
	for _, k := range keys {
		if k < "k50" {
			low++
		}
	}
	if low < 10 || low > 40 {
		t.Errorf("%d of 50 evicted keys from the lower half: not random", low)
	}
}

func TestSetPolicyAndSamples(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{Policy: "noeviction", OnChange: rec.sink})
	fill(db, "k", 20, false)
	if _, err := evictN(t, db, rec, 1, t0); !errors.Is(err, ErrOOM) {
		t.Fatalf("noeviction: %v", err)
	}
	if err := db.SetPolicy("allkeys-lru"); err != nil {
		t.Fatal(err)
	}
	db.SetSamples(1000) // clamped to 64
	if got := db.samples.Load(); got != 64 {
		t.Errorf("samples = %d, want 64", got)
	}
	if keys, err := evictN(t, db, rec, 1, t0); err != nil || len(keys) != 1 {
		t.Errorf("after SetPolicy: %v, %v", err, keys)
	}
}

func TestLFUCounter(t *testing.T) {
	db := openTest(t, Options{Policy: "allkeys-lfu", LFULogFactor: 1, LFUDecayTime: 2})
	set(db, t0, "k", "v", 0)
	var tx Txn
	k := []byte("k")
	db.Begin(&tx, t0, k)
	e := tx.Peek(k)
	if e.Freq(t0) != lfuInitVal {
		t.Errorf("new key Freq = %d, want %d", e.Freq(t0), lfuInitVal)
	}
	for range 2000 {
		tx.Get(k)
	}
	f := e.Freq(t0)
	// With log factor 1 the counter needs about c^2/2 hits to reach c: 2000 hits give ~60.
	if f < 30 || f > 100 {
		t.Errorf("Freq after 2000 hits = %d", f)
	}
	if got := e.Freq(t0 + 5*60_000); got != f-2 {
		t.Errorf("Freq after 5 minutes (decay 2) = %d, want %d", got, f-2)
	}
	if got := e.Freq(t0 + 1000*60_000); got != 0 {
		t.Errorf("Freq after 1000 minutes = %d, want 0", got)
	}
	if got := e.IdleTime(t0 + 7_500); got != 7 {
		t.Errorf("IdleTime = %d, want 7", got)
	}
	tx.End()
}

// TestCheckMemoryBoundsDeadBytes checks that with a limit set, CheckMemory keeps the dead bytes
// of the arenas (overwritten records not yet compacted away) under an eighth of it, so the
// keyspace holds at most the limit and an eighth, and that compaction loses no key.
func TestCheckMemoryBoundsDeadBytes(t *testing.T) {
	db := openTest(t, Options{Shards: 4, Policy: "allkeys-lru"})
	const keys = 2000
	val := func(i, round int) string {
		return fmt.Sprintf("%d:%d:%s", i, round, strings.Repeat("x", 100+(i*7+round*13)%900))
	}
	for i := range keys {
		set(db, t0, fmt.Sprint("k", i), val(i, 0), 0)
	}
	limit := db.Stats().UsedMemory + 1<<20
	db.SetMaxMemory(limit)
	for round := 1; round <= 5; round++ {
		for i := range keys {
			if err := db.CheckMemory(t0); err != nil {
				t.Fatal(err)
			}
			set(db, t0, fmt.Sprint("k", i), val(i, round), 0) // a new size: the record moves
		}
		if err := db.CheckMemory(t0); err != nil {
			t.Fatal(err)
		}
		if d := db.dead.Load(); d > limit/8 {
			t.Fatalf("round %d: %d dead bytes, above an eighth of the %d limit", round, d, limit)
		}
		if err := db.checkStorage(); err != nil {
			t.Fatal(err)
		}
	}
	if db.Len() != keys {
		t.Errorf("Len %d, want %d: the limit left room for every key", db.Len(), keys)
	}
	for i := range keys {
		if got, ok := get(db, t0, fmt.Sprint("k", i)); !ok || got != val(i, 5) {
			t.Fatalf("k%d = %.20q %v after compactions", i, got, ok)
		}
	}
}
