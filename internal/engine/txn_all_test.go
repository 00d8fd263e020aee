package engine

import (
	"fmt"
	"slices"
	"testing"
)

// scanAll walks the whole keyspace with next, returning the sorted keys seen.
func scanAll(t *testing.T, count int, next func(cursor uint64, count int) ([]KeyInfo, uint64)) []string {
	t.Helper()
	var keys []string
	cursor, calls := uint64(0), 0
	for {
		batch, c := next(cursor, count)
		for _, k := range batch {
			keys = append(keys, string(k.Key))
		}
		calls++
		if c == 0 {
			break
		}
		if c <= cursor {
			t.Fatalf("cursor went from %d to %d", cursor, c)
		}
		cursor = c
		if calls > NumSlots+1 {
			t.Fatal("scan does not end")
		}
	}
	slices.Sort(keys)
	return keys
}

func TestTxnScanMatchesDBScan(t *testing.T) {
	db := openTest(t, Options{Shards: 8})
	var want []string
	for i := range 300 {
		k := fmt.Sprintf("k%03d", i)
		exp := int64(0)
		if i%10 == 0 {
			exp = t0 - 1 // already expired: neither scan returns it
		} else {
			want = append(want, k)
		}
		set(db, t0-10, k, "v", exp)
	}
	slices.Sort(want)
	for _, count := range []int{0, 1, 7, 1000} {
		fromDB := scanAll(t, count, func(c uint64, n int) ([]KeyInfo, uint64) {
			return db.Scan(t0, c, n, nil)
		})
		var tx Txn
		db.BeginAll(&tx, t0)
		fromTxn := scanAll(t, count, func(c uint64, n int) ([]KeyInfo, uint64) {
			return tx.Scan(c, n, nil)
		})
		tx.End()
		if !slices.Equal(fromTxn, want) {
			t.Errorf("count %d: Txn.Scan saw %d keys, want %d", count, len(fromTxn), len(want))
		}
		if !slices.Equal(fromDB, fromTxn) {
			t.Errorf("count %d: DB.Scan and Txn.Scan differ", count)
		}
	}
	// The same cursor means the same position in both.
	var tx Txn
	db.BeginAll(&tx, t0)
	a, ca := tx.Scan(0, 5, nil)
	tx.End()
	b, cb := db.Scan(t0, 0, 5, nil)
	if ca != cb || len(a) != len(b) {
		t.Errorf("first page: Txn.Scan %d keys cursor %d, DB.Scan %d keys cursor %d", len(a), ca, len(b), cb)
	}
	db.BeginAll(&tx, t0)
	if out, c := tx.Scan(NumSlots+5, 10, nil); c != 0 || len(out) != 0 {
		t.Errorf("cursor past the end: %d keys, cursor %d", len(out), c)
	}
	tx.End()
}

func TestTxnRandomKey(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{Shards: 4, OnChange: rec.sink})
	var tx Txn
	db.BeginAll(&tx, t0)
	if k, ok := tx.RandomKey(); ok {
		t.Errorf("empty keyspace: RandomKey = %q", k)
	}
	tx.End()

	for i := range 20 {
		set(db, t0, fmt.Sprintf("live%d", i), "v", 0)
	}
	db.BeginAll(&tx, t0)
	seen := map[string]bool{}
	for range 200 {
		k, ok := tx.RandomKey()
		if !ok {
			t.Fatal("RandomKey found nothing in a full keyspace")
		}
		seen[string(k)] = true
	}
	tx.End()
	if len(seen) < 5 {
		t.Errorf("RandomKey returned only %d distinct keys out of 20", len(seen))
	}

	// Only expired keys: RandomKey reclaims them and reports none.
	db.Flush(t0, false)
	for i := range 5 {
		set(db, t0-10, fmt.Sprintf("dead%d", i), "v", t0-1)
	}
	rec.take()
	db.BeginAll(&tx, t0)
	if k, ok := tx.RandomKey(); ok {
		t.Errorf("only expired keys: RandomKey = %q", k)
	}
	tx.End()
	if n := db.Len(); n != 0 {
		t.Errorf("expired keys left: %d", n)
	}
	dels := 0
	for _, c := range rec.take() {
		if c.Op == OpDel && c.Reason == ReasonExpired {
			dels++
		}
	}
	if dels != 5 {
		t.Errorf("published %d expiry deletions, want 5", dels)
	}
}

func TestTxnPresent(t *testing.T) {
	rec := &recorder{}
	db := openTest(t, Options{Shards: 4, OnChange: rec.sink})
	set(db, t0, "live", "v", 0)
	set(db, t0, "ttl", "v", t0+100)
	set(db, t0, "stale", "v", t0+1)
	rec.take()
	now := t0 + 50
	var tx Txn
	for _, tc := range []struct {
		key              string
		present, expired bool
	}{
		{"live", true, false}, {"ttl", true, false}, {"stale", true, true}, {"missing", false, false},
	} {
		db.Begin(&tx, now, []byte(tc.key))
		p, e := tx.Present([]byte(tc.key))
		tx.End()
		if p != tc.present || e != tc.expired {
			t.Errorf("Present(%s) = %v, %v; want %v, %v", tc.key, p, e, tc.present, tc.expired)
		}
	}
	if n := db.Len(); n != 3 {
		t.Errorf("Present deleted keys: Len = %d", n)
	}
	if c := rec.take(); len(c) != 0 {
		t.Errorf("Present published %d changes", len(c))
	}
}

func TestTxnAllNeedsBeginAll(t *testing.T) {
	db := openTest(t, Options{Shards: 4})
	for name, f := range map[string]func(*Txn){
		"Scan":      func(tx *Txn) { tx.Scan(0, 10, nil) },
		"RandomKey": func(tx *Txn) { tx.RandomKey() },
	} {
		t.Run(name, func(t *testing.T) {
			var tx Txn
			db.Begin(&tx, t0, []byte("k"))
			defer tx.End()
			defer func() {
				if recover() == nil {
					t.Errorf("%s without BeginAll did not panic", name)
				}
			}()
			f(&tx)
		})
	}
}
