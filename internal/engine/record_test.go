package engine

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestLongKeys checks keys at and past the 16-bit length field, whose length moves into the
// key area, through set, overwrite with a move, TTL and delete.
func TestLongKeys(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	for _, n := range []int{longKey - 1, longKey, longKey + 1, 200_000} {
		k := bytes.Repeat([]byte{'k'}, n)
		k[n-1] = byte('0' + n%10)
		var tx Txn
		db.Begin(&tx, t0, k)
		tx.SetString(k, []byte("v"), 0)
		tx.SetString(k, bytes.Repeat([]byte("w"), 1000), t0+1000) // moves the record
		e := tx.Get(k)
		if e == nil || len(e.Str) != 1000 || e.ExpireAt() != t0+1000 {
			t.Fatalf("key of %d bytes: Get = %v", n, e)
		}
		tx.End()
		if err := db.checkStorage(); err != nil {
			t.Fatalf("key of %d bytes: %v", n, err)
		}
		keys, _ := db.Scan(t0, 0, 1<<20, nil)
		if len(keys) != 1 || !bytes.Equal(keys[0].Key, k) {
			t.Fatalf("key of %d bytes: Scan found %d keys", n, len(keys))
		}
		db.Begin(&tx, t0, k)
		if !tx.Delete(k) {
			t.Fatalf("key of %d bytes: Delete found nothing", n)
		}
		tx.End()
	}
	if db.Len() != 0 || db.Stats().UsedMemory != 0 {
		t.Errorf("after deleting: Len %d, used %d", db.Len(), db.Stats().UsedMemory)
	}
}

// TestRefSet holds the TTL set against a map through random adds and removes, and checks that
// sampling returns members.
func TestRefSet(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s refSet
	model := map[uint32]bool{}
	for step := range 20000 {
		ref := uint32(1 + r.IntN(3000))
		if model[ref] {
			if !s.remove(ref) {
				t.Fatalf("step %d: remove(%d) found nothing", step, ref)
			}
			delete(model, ref)
		} else {
			if s.remove(ref) {
				t.Fatalf("step %d: remove(%d) of an absent ref", step, ref)
			}
			s.add(ref, int64(ref)*1000)
			model[ref] = true
		}
		if s.n != len(model) {
			t.Fatalf("step %d: n %d, model %d", step, s.n, len(model))
		}
		if got := s.random(r.Int()); (got != 0) != (len(model) > 0) || (got != 0 && !model[got]) {
			t.Fatalf("step %d: random() = %d", step, got)
		}
	}
	for ref := range model {
		if s.find(ref) < 0 {
			t.Fatalf("ref %d lost", ref)
		}
	}
}
