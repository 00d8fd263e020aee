package engine

import (
	"fmt"
	"slices"
	"testing"
)

func TestSlotKeysAndSlotLen(t *testing.T) {
	db := openTest(t, Options{Shards: 4})
	// Keys of one slot, via a hash tag, and keys of a slot in the same shard.
	a, b := "{a}", "{b}"
	sa := Slot([]byte(a))
	var other string
	for i := 0; other == ""; i++ {
		k := fmt.Sprintf("{o%d}", i)
		if s := Slot([]byte(k)); s != sa && db.shardOf(s) == db.shardOf(sa) {
			other = k
		}
	}
	for i := range 5 {
		set(db, t0, fmt.Sprintf("%s%d", a, i), "x", 0)
	}
	for i := range 3 {
		set(db, t0, fmt.Sprintf("%s%d", other, i), "x", 0)
		set(db, t0, fmt.Sprintf("%s%d", b, i), "x", 0)
	}
	if n := db.SlotLen(sa); n != 5 {
		t.Errorf("SlotLen = %d, want 5", n)
	}
	keys := db.SlotKeys(sa, 100)
	var ss []string
	for _, k := range keys {
		ss = append(ss, string(k))
	}
	slices.Sort(ss)
	if fmt.Sprint(ss) != "[{a}0 {a}1 {a}2 {a}3 {a}4]" {
		t.Errorf("SlotKeys = %v", ss)
	}
	if n := len(db.SlotKeys(sa, 2)); n != 2 {
		t.Errorf("SlotKeys max 2 returned %d", n)
	}
	if db.SlotLen(Slot([]byte("nothing"))) != 0 || len(db.SlotKeys(Slot([]byte("nothing")), 10)) != 0 {
		t.Error("empty slot not empty")
	}
	if db.SlotLen(NumSlots) != 0 || db.SlotKeys(NumSlots, 1) != nil {
		t.Error("slot out of range not empty")
	}
	// Emptying a slot releases its index.
	var tx Txn
	for i := range 5 {
		k := fmt.Appendf(nil, "%s%d", a, i)
		db.Begin(&tx, t0, k)
		tx.Delete(k)
		tx.End()
	}
	sh := &db.shards[db.shardOf(sa)]
	if sh.tabs[db.localSlot(sa)].cells != nil || db.SlotLen(sa) != 0 {
		t.Error("empty slot index not released")
	}
}

func TestScanExactlyOnce(t *testing.T) {
	for _, shards := range []int{1, 256} {
		db := openTest(t, Options{Shards: shards})
		want := map[string]bool{}
		for i := range 3000 {
			k := fmt.Sprintf("key:%d", i)
			set(db, t0, k, "v", 0)
			want[k] = true
		}
		set(db, t0, "dead", "v", t0+1)
		seen := map[string]int{}
		var cursor uint64
		var out []KeyInfo
		for calls := 0; ; calls++ {
			if calls > NumSlots {
				t.Fatal("Scan does not terminate")
			}
			before := len(out)
			out, cursor = db.Scan(t0+2, cursor, 100, out)
			if cursor != 0 && len(out)-before < 100 {
				t.Fatalf("Scan returned %d keys with more to come", len(out)-before)
			}
			if cursor == 0 {
				break
			}
		}
		for _, ki := range out {
			seen[string(ki.Key)]++
			if ki.Kind != KindString {
				t.Errorf("kind %v", ki.Kind)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("shards=%d: Scan saw %d keys, want %d", shards, len(seen), len(want))
		}
		for k, n := range seen {
			if !want[k] || n != 1 {
				t.Errorf("shards=%d: key %q seen %d times", shards, k, n)
			}
		}
	}
}

func TestRandomKey(t *testing.T) {
	db := openTest(t, Options{})
	if _, ok := db.RandomKey(t0); ok {
		t.Error("RandomKey on an empty DB")
	}
	for i := range 50 {
		set(db, t0, fmt.Sprint("dead", i), "v", t0+1)
	}
	set(db, t0, "live", "v", 0)
	for range 20 {
		k, ok := db.RandomKey(t0 + 2)
		if !ok || string(k) != "live" {
			t.Fatalf("RandomKey = %q %v, want live", k, ok)
		}
	}
	seen := map[string]bool{}
	for i := range 20 {
		set(db, t0, fmt.Sprint("k", i), "v", 0)
	}
	for range 500 {
		k, _ := db.RandomKey(t0 + 2)
		seen[string(k)] = true
	}
	if len(seen) < 15 {
		t.Errorf("RandomKey saw only %d of 21 keys", len(seen))
	}
}

func TestFlush(t *testing.T) {
	db := openTest(t, Options{})
	for i := range 100 {
		set(db, t0, fmt.Sprint("k", i), "v", t0+int64(i%2)*1000)
	}
	db.Flush(t0, true)
	s := db.Stats()
	if s.Keys != 0 || s.Expires != 0 || s.UsedMemory != 0 || db.Len() != 0 {
		t.Errorf("after Flush: %+v", s)
	}
	set(db, t0, "k1", "v", 0)
	if v, ok := get(db, t0, "k1"); !ok || v != "v" {
		t.Error("write after Flush lost")
	}
}

// TestHashSlotsOneTable checks that with Options.HashSlots a shard keeps one index table, for
// the slot its keys are placed in, and that the slot functions read every other slot as
// empty: SlotKeys, SlotLen, ViewSlot, DeleteSlot and Scan.
func TestHashSlotsOneTable(t *testing.T) {
	const shards = 4
	db := openTest(t, Options{Shards: shards, HashSlots: true})
	for i := range shards {
		if n := len(db.shards[i].tabs); n != 1 {
			t.Fatalf("shard %d has %d tables, want 1", i, n)
		}
	}
	for i := range 100 {
		set(db, t0, fmt.Sprintf("k%d", i), "x", 0)
	}
	total := 0
	for slot := range uint16(NumSlots) {
		n := db.SlotLen(slot)
		total += n
		if slot >= shards && n != 0 {
			t.Fatalf("SlotLen(%d) = %d in a DB of %d shards", slot, n, shards)
		}
		if k := len(db.SlotKeys(slot, 1000)); k != n {
			t.Fatalf("SlotKeys(%d) returned %d keys, SlotLen %d", slot, k, n)
		}
		db.ViewSlot(slot, t0, func(v *SlotView) {
			var it SlotIter
			seen := 0
			v.Next(&it, 1000, func([]byte, *Entry) bool { seen++; return true })
			if v.Len() != n || seen != n || v.Lookup([]byte("k1")) != nil && db.slotOf([]byte("k1")) != slot {
				t.Fatalf("ViewSlot(%d): Len %d, visited %d, SlotLen %d", slot, v.Len(), seen, n)
			}
		})
	}
	if total != 100 {
		t.Fatalf("the slots hold %d keys, want 100", total)
	}
	if n := db.DeleteSlot(NumSlots-1, t0, 10); n != 0 || db.Len() != 100 {
		t.Fatalf("DeleteSlot of an unused slot deleted %d, %d keys left", n, db.Len())
	}
	if out, _ := db.Scan(t0, 0, 1000, nil); len(out) != 100 {
		t.Fatalf("Scan returned %d keys, want 100", len(out))
	}
	slot := db.slotOf([]byte("k1"))
	if before, n := db.SlotLen(slot), db.DeleteSlot(slot, t0, 10); n != before || db.SlotLen(slot) != 0 {
		t.Fatalf("DeleteSlot(%d) deleted %d of %d keys, left %d", slot, n, before, db.SlotLen(slot))
	}
}
