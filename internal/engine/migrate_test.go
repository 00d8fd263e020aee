package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSlotIterChurn holds SlotIter to its promise: a key present from start to end and never
// written is visited, however keys are added and deleted between batches (shifting cells back
// and resizing the table).
func TestSlotIterChurn(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			db := openTest(t, Options{Shards: 4})
			rng := rand.New(rand.NewPCG(seed, seed))
			key := func(i int) []byte { return fmt.Appendf(nil, "{tag}k%d", i) }
			slot := Slot(key(0))
			n := 50 + rng.IntN(2000)
			var txn Txn
			for i := range n {
				k := key(i)
				db.Begin(&txn, t0, k)
				txn.SetString(k, k, 0)
				txn.End()
			}
			touched := map[string]bool{}
			next := n
			visited := map[string]int{}
			var it SlotIter
			for done := false; !done; {
				db.ViewSlot(slot, t0, func(v *SlotView) {
					done = v.Next(&it, 1+rng.IntN(40), func(k []byte, e *Entry) bool {
						if string(e.Str) != string(k) {
							t.Fatalf("key %s has value %s", k, e.Str)
						}
						visited[string(k)]++
						return true
					})
				})
				// Churn: deletions (backward shifts), insertions (maybe a resize).
				for range rng.IntN(60) {
					var k []byte
					if rng.IntN(2) == 0 {
						k = key(rng.IntN(next))
						db.Begin(&txn, t0, k)
						txn.Delete(k)
					} else {
						k = key(next)
						next++
						db.Begin(&txn, t0, k)
						txn.SetString(k, k, 0)
					}
					txn.End()
					touched[string(k)] = true
				}
			}
			for i := range n {
				k := string(key(i))
				if !touched[k] && visited[k] == 0 {
					t.Fatalf("key %s was never visited (%d keys, %d restarts)", k, n, it.Restarts())
				}
			}
		})
	}
}

// TestSlotIterExpiredAndLookup: expired keys are skipped and left in place; Lookup sees live
// keys only and only of its slot.
func TestSlotIterExpiredAndLookup(t *testing.T) {
	db := openTest(t, Options{Shards: 1})
	var txn Txn
	for i := range 10 {
		k := fmt.Appendf(nil, "{s}%d", i)
		at := int64(0)
		if i%2 == 0 {
			at = t0 + 10
		}
		db.Begin(&txn, t0, k)
		txn.SetString(k, k, at)
		txn.End()
	}
	slot := Slot([]byte("{s}"))
	var it SlotIter
	seen := 0
	db.ViewSlot(slot, t0+20, func(v *SlotView) {
		if !v.Next(&it, 100, func([]byte, *Entry) bool { seen++; return true }) {
			t.Fatal("one batch did not finish 10 keys")
		}
		if v.Lookup([]byte("{s}0")) != nil || v.Lookup([]byte("{s}1")) == nil || v.Lookup([]byte("other")) != nil {
			t.Fatal("Lookup")
		}
		if v.Len() != 10 {
			t.Fatalf("Len %d, want 10 (expired keys stay)", v.Len())
		}
	})
	if seen != 5 {
		t.Fatalf("visited %d keys, want the 5 live ones", seen)
	}
}

// TestDeleteSlot empties a slot in batches, publishing a deletion per key, and leaves the
// other slots alone.
func TestDeleteSlot(t *testing.T) {
	var rec recorder
	db := openTest(t, Options{Shards: 2, OnChange: rec.sink})
	var txn Txn
	for i := range 3000 {
		k := fmt.Appendf(nil, "{a}%d", i)
		db.Begin(&txn, t0, k)
		txn.SetString(k, k, 0)
		txn.End()
	}
	db.Begin(&txn, t0, []byte("b"))
	txn.SetString([]byte("b"), []byte("b"), 0)
	txn.End()
	rec.take()
	slot := Slot([]byte("{a}"))
	total := db.DeleteSlot(slot, t0, 100)
	if total != 3000 || db.SlotLen(slot) != 0 || db.Len() != 1 {
		t.Fatalf("deleted %d, slot has %d, db %d", total, db.SlotLen(slot), db.Len())
	}
	if ch := rec.take(); len(ch) != 3000 || ch[0].Op != OpDel {
		t.Fatalf("%d changes", len(ch))
	}
}
