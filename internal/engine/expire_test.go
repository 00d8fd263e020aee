package engine

import (
	"fmt"
	"testing"
)

func TestLazyExpiry(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{OnChange: rec.sink})
	set(db, t0, "k", "v", t0+100)
	if _, ok := get(db, t0+100, "k"); !ok {
		t.Fatal("key gone at its expiry time; Redis expires it only after")
	}
	rec.take()
	if _, ok := get(db, t0+101, "k"); ok {
		t.Fatal("key alive after its expiry time")
	}
	ch := rec.take()
	if len(ch) != 1 || ch[0].Op != OpDel || ch[0].Reason != ReasonExpired || string(ch[0].Key) != "k" {
		t.Fatalf("changes %+v, want one OpDel expired k", ch)
	}
	s := db.Stats()
	if s.Keys != 0 || s.Expires != 0 || s.ExpiredKeys != 1 || s.UsedMemory != 0 || s.Misses != 1 {
		t.Errorf("stats %+v", s)
	}
	// Peek and Lookup expire too, and Delete of an expired key reports false.
	for _, op := range []string{"peek", "lookup", "delete"} {
		set(db, t0, "k", "v", t0+100)
		var tx Txn
		db.Begin(&tx, t0+200, []byte("k"))
		var alive bool
		switch op {
		case "peek":
			alive = tx.Peek([]byte("k")) != nil
		case "lookup":
			alive = tx.Lookup([]byte("k")) != nil
		case "delete":
			alive = tx.Delete([]byte("k"))
		}
		tx.End()
		if alive || db.Len() != 0 {
			t.Errorf("%s: expired key alive=%v, Len %d", op, alive, db.Len())
		}
	}
}

func TestSetExpire(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{OnChange: rec.sink})
	k := []byte("k")
	set(db, t0, "k", "v", 0)
	var tx Txn
	db.Begin(&tx, t0, k)
	e := tx.Peek(k)
	tx.SetExpire(k, e, t0+50)
	if e.ExpireAt() != t0+50 {
		t.Errorf("ExpireAt = %d", e.ExpireAt())
	}
	tx.End()
	if s := db.Stats(); s.Expires != 1 {
		t.Errorf("Expires = %d, want 1", s.Expires)
	}
	db.Begin(&tx, t0, k)
	tx.SetExpire(k, tx.Peek(k), 0) // PERSIST
	tx.End()
	if s := db.Stats(); s.Expires != 0 {
		t.Errorf("Expires after persist = %d, want 0", s.Expires)
	}
	if _, ok := get(db, t0+1000, "k"); !ok {
		t.Error("persisted key expired")
	}
	ops := []Op{}
	for _, c := range rec.take() {
		ops = append(ops, c.Op)
	}
	if fmt.Sprint(ops) != "[set expire expire]" {
		t.Errorf("ops %v", ops)
	}
}

func TestActiveExpiry(t *testing.T) {
	db := openTest(t, Options{Shards: 4})
	for i := range 1000 {
		set(db, t0, fmt.Sprint("p", i), "persistent", 0)
	}
	base := db.Stats().UsedMemory
	for i := range 5000 {
		set(db, t0, fmt.Sprint("v", i), "volatile-value", t0+int64(1+i%10))
	}
	if db.Stats().UsedMemory <= base {
		t.Fatal("memory did not grow")
	}
	if n := db.ExpireCycle(t0); n != 0 {
		t.Fatalf("ExpireCycle before expiry removed %d", n)
	}
	removed := 0
	for cycle := 0; db.Len() > 1000; cycle++ {
		if cycle == 200 {
			t.Fatalf("after %d cycles %d keys remain", cycle, db.Len())
		}
		n := db.ExpireCycle(t0 + 20)
		if n > 4*expireMaxRounds*expireKeysPerLoop {
			t.Fatalf("one cycle removed %d keys: more than its bound", n)
		}
		removed += n
	}
	s := db.Stats()
	if removed != 5000 || s.ExpiredKeys != 5000 || s.UsedMemory != base || s.Expires != 0 {
		t.Errorf("removed %d, stats %+v, want 5000 expired and memory back to %d", removed, s, base)
	}
	if s.ExpiredStalePerc <= 0 {
		t.Errorf("ExpiredStalePerc = %d, want > 0", s.ExpiredStalePerc)
	}
}

func TestActiveExpirySingleKey(t *testing.T) {
	db := openTest(t, Options{})
	for i := range 100 {
		set(db, t0, fmt.Sprint("p", i), "x", t0+1_000_000)
	}
	set(db, t0, "gone", "x", t0+10)
	for cycle := 0; ; cycle++ {
		if cycle == 3 {
			t.Fatal("expired key not reclaimed within 3 cycles")
		}
		if db.ExpireCycle(t0+11) == 1 {
			break
		}
	}
	if db.Len() != 100 {
		t.Errorf("Len = %d, want 100", db.Len())
	}
}

// TestBackgroundExpiry checks the goroutine runs ExpireCycle with the configured clock.
func TestBackgroundExpiry(t *testing.T) {
	var now fakeClock
	now.Store(t0)
	db := openTest(t, Options{Hz: 100, Clock: now.Load})
	set(db, t0, "k", "v", t0+10)
	now.Store(t0 + 20)
	waitFor(t, func() bool { return db.Len() == 0 })
}
