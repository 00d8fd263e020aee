package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestSetGetDelete(t *testing.T) {
	db := openTest(t, Options{})
	set(db, t0, "a", "1", 0)
	if v, ok := get(db, t0, "a"); !ok || v != "1" {
		t.Fatalf("get a = %q %v", v, ok)
	}
	set(db, t0, "a", "two", 0)
	if v, _ := get(db, t0, "a"); v != "two" {
		t.Fatalf("after overwrite get a = %q", v)
	}
	var tx Txn
	db.Begin(&tx, t0, []byte("a"), []byte("b"))
	if !tx.Delete([]byte("a")) {
		t.Error("Delete(a) = false")
	}
	if tx.Delete([]byte("b")) {
		t.Error("Delete(b) of a missing key = true")
	}
	tx.End()
	if _, ok := get(db, t0, "a"); ok {
		t.Error("a still there")
	}
	if db.Len() != 0 || db.Stats().UsedMemory != 0 {
		t.Errorf("Len %d UsedMemory %d, want 0 0", db.Len(), db.Stats().UsedMemory)
	}
	s := db.Stats()
	if s.Hits != 2 || s.Misses != 1 {
		t.Errorf("hits %d misses %d, want 2 1", s.Hits, s.Misses)
	}
	db.ResetStats()
	if s := db.Stats(); s.Hits != 0 || s.Misses != 0 {
		t.Errorf("after ResetStats hits %d misses %d", s.Hits, s.Misses)
	}
}

func TestSetObjectAndKinds(t *testing.T) {
	db := openTest(t, Options{})
	var tx Txn
	k := []byte("h")
	db.Begin(&tx, t0, k)
	e := tx.SetObject(k, &testObj{kind: KindHash, n: 3, mem: 1000}, 0)
	if e.Kind() != KindHash || e.Kind().String() != "hash" || e.Encoding() != "listpack" {
		t.Errorf("kind %v encoding %q", e.Kind(), e.Encoding())
	}
	// The record: header and key, no value area (the object is in the object table).
	rec := int64(recSize(len(k), 0, false))
	if got, want := MemoryUsage(k, e), 1000+rec+EntryOverhead; got != want {
		t.Errorf("MemoryUsage = %d, want %d", got, want)
	}
	// Used memory counts a shard's changes when it is released (acct.go).
	tx.End()
	before := db.Stats().UsedMemory
	db.Begin(&tx, t0, k)
	e = tx.Get(k)
	e.Obj.(*testObj).mem = 2000
	tx.Changed(k, e)
	if got, want := MemoryUsage(k, e), 2000+rec+EntryOverhead; got != want {
		t.Errorf("MemoryUsage after Changed = %d, want %d", got, want)
	}
	tx.End()
	if got, want := db.Stats().UsedMemory, before+1000; got != want {
		t.Errorf("UsedMemory after Changed = %d, want %d", got, want)
	}
	db.Begin(&tx, t0, k)
	e = tx.SetString(k, []byte("x"), 0)
	if e.Kind() != KindString || e.Obj != nil || string(e.Str) != "x" {
		t.Errorf("SetString over a hash: kind %v obj %v str %q", e.Kind(), e.Obj, e.Str)
	}
	tx.End()
}

func TestEncoding(t *testing.T) {
	long := string(make([]byte, 45))
	tests := []struct{ val, want string }{
		{"0", "int"}, {"123", "int"}, {"-5", "int"}, {"9223372036854775807", "int"},
		{"-9223372036854775808", "int"}, {"9223372036854775808", "embstr"}, {"01", "embstr"},
		{"-9223372036854775809", "embstr"}, {"99999999999999999999", "embstr"}, {"1000000000000000000", "int"},
		{"-0", "embstr"}, {"+1", "embstr"}, {"", "embstr"}, {"1a", "embstr"},
		{long[:44], "embstr"}, {long, "raw"},
	}
	for _, tt := range tests {
		e := &Entry{kind: KindString, Str: []byte(tt.val)}
		if got := e.Encoding(); got != tt.want {
			t.Errorf("Encoding(%q) = %q, want %q", tt.val, got, tt.want)
		}
	}
	e := &Entry{kind: KindString, Str: []byte("-9223372036854775807")}
	if n := testing.AllocsPerRun(100, func() { e.Encoding() }); n != 0 {
		t.Errorf("Encoding allocates %v times", n)
	}
}

func TestKindString(t *testing.T) {
	want := map[Kind]string{KindString: "string", KindList: "list", KindSet: "set", KindZSet: "zset", KindHash: "hash"}
	for k, w := range want {
		if k.String() != w {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), w)
		}
	}
}

func TestOpenValidates(t *testing.T) {
	bad := []struct {
		o    Options
		name string
	}{
		{Options{Shards: 3}, "Shards"},
		{Options{Shards: 32768}, "Shards"},
		{Options{MaxMemory: -1}, "MaxMemory"},
		{Options{Policy: "lru"}, "Policy"},
		{Options{Samples: 65}, "Samples"},
		{Options{LFULogFactor: -1}, "LFULogFactor"},
		{Options{LFUDecayTime: -1}, "LFUDecayTime"},
		{Options{Hz: 501}, "Hz"},
	}
	for _, b := range bad {
		o := b.o
		_, err := Open(o)
		if err == nil || !contains(err.Error(), b.name) {
			t.Errorf("Open(%+v) error = %v, want one naming %s", b.o, err, b.name)
		}
		if o.Shards != b.o.Shards || o.Policy != b.o.Policy || o.Samples != b.o.Samples || o.Hz != b.o.Hz {
			t.Errorf("Open modified its options")
		}
	}
	db := openTest(t, Options{Shards: 1, Policy: "allkeys-lfu"})
	if db.PolicyName() != "allkeys-lfu" {
		t.Errorf("PolicyName = %q", db.PolicyName())
	}
	if err := db.SetPolicy("bogus"); err == nil || db.PolicyName() != "allkeys-lfu" {
		t.Errorf("SetPolicy(bogus) = %v, policy %q", err, db.PolicyName())
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestTxnPanicsOnUnheldShard(t *testing.T) {
	db := openTest(t, Options{})
	a, b := []byte("a"), []byte("b")
	if db.shardOf(Slot(a)) == db.shardOf(Slot(b)) {
		t.Fatal("test keys share a shard")
	}
	var tx Txn
	db.Begin(&tx, t0, a)
	defer tx.End()
	defer func() {
		if recover() == nil {
			t.Error("no panic touching an unheld shard")
		}
	}()
	tx.Get(b)
}

// TestConcurrentMultiKeyBegin runs transactions over random overlapping key sets from many
// goroutines; a lock-order bug deadlocks (the test times out) and -race checks the rest.
func TestConcurrentMultiKeyBegin(t *testing.T) {
	db := openTest(t, Options{Shards: 8})
	keys := make([][]byte, 64)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "k%d", i)
	}
	const workers, iters = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			var tx Txn
			ks := make([][]byte, 0, 8)
			for range iters {
				ks = ks[:0]
				for range 1 + r.IntN(6) {
					ks = append(ks, keys[r.IntN(len(keys))])
				}
				if r.IntN(50) == 0 {
					db.BeginAll(&tx, t0)
				} else {
					db.Begin(&tx, t0, ks...)
				}
				for _, k := range ks {
					if e := tx.Lookup(k); e != nil {
						tx.SetString(k, append(e.Str[:len(e.Str):len(e.Str)], 'x'), 0)
					} else {
						tx.SetString(k, []byte("x"), 0)
					}
				}
				tx.End()
			}
		}()
	}
	wg.Wait()
	// Every append happened under the key's lock: the lengths add up to the number of writes.
	total := 0
	for _, k := range keys {
		v, _ := get(db, t0, string(k))
		total += len(v)
	}
	var writes int
	for w := range workers {
		r := rand.New(rand.NewPCG(uint64(w), 7))
		for range iters {
			n := 1 + r.IntN(6)
			for range n {
				r.IntN(len(keys))
			}
			r.IntN(50)
			writes += n
		}
	}
	if total != writes {
		t.Errorf("total value length %d, want %d writes", total, writes)
	}
}

func TestBeginNoAlloc(t *testing.T) {
	db := openTest(t, Options{})
	var tx Txn
	k1, k2, k3 := []byte("a"), []byte("b"), []byte("c")
	many := make([][]byte, 20)
	for i := range many {
		many[i] = fmt.Appendf(nil, "m%d", i)
	}
	db.Begin(&tx, t0, many...) // grow once
	tx.End()
	if n := testing.AllocsPerRun(100, func() {
		db.Begin(&tx, t0, k1)
		tx.End()
		db.Begin(&tx, t0, k1, k2, k3)
		tx.End()
		db.Begin(&tx, t0, many...)
		tx.End()
	}); n != 0 {
		t.Errorf("Begin allocates %v times", n)
	}
}

func TestSetStringOverwriteNoAlloc(t *testing.T) {
	db := openTest(t, Options{})
	var tx Txn
	k, v := []byte("key"), []byte("value-1234")
	set(db, t0, "key", "value-0000", 0)
	if n := testing.AllocsPerRun(100, func() {
		db.Begin(&tx, t0, k)
		tx.SetString(k, v, 0)
		tx.Get(k)
		tx.End()
	}); n != 0 {
		t.Errorf("overwrite allocates %v times", n)
	}
}

func TestTxnFlushAndEmptyValue(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{OnChange: rec.sink})
	set(db, t0, "a", "", 0)
	var tx Txn
	db.Begin(&tx, t0, []byte("a"))
	if e := tx.Get([]byte("a")); e == nil || e.Str == nil || len(e.Str) != 0 {
		t.Errorf("empty value read back as %+v", e)
	}
	tx.End()
	db.BeginAll(&tx, t0)
	tx.Flush()
	if db.Len() != 0 || db.Stats().Keys != 0 { // lock-free inside a Txn
		t.Errorf("Len %d after Txn.Flush", db.Len())
	}
	tx.End()
	if ch := rec.take(); len(ch) != 2 || ch[1].Op != OpFlush || ch[1].Key != nil {
		t.Errorf("changes %+v", ch)
	}
}

func TestChangedRejectsStaleEntry(t *testing.T) {
	db := openTest(t, Options{})
	k := []byte("k")
	var tx Txn
	db.Begin(&tx, t0, k)
	defer tx.End()
	e := tx.SetString(k, []byte("v"), 0)
	tx.Delete(k)
	defer func() {
		if recover() == nil {
			t.Error("Changed on a deleted entry did not panic")
		}
	}()
	tx.Changed(k, e)
}

func TestCloseStopsGoroutine(t *testing.T) {
	loops := func() int { // expiry goroutines alive; earlier tests closed theirs
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "engine.(*DB).expireLoop")
	}
	waitFor(t, func() bool { return loops() == 0 }) // earlier tests' goroutines finish exiting
	db, err := Open(Options{Hz: 500})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return loops() == 1 })
	db.Close()
	db.Close() // idempotent
	waitFor(t, func() bool { return loops() == 0 })
}
