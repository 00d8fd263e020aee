package engine

import (
	"fmt"
	"testing"
)

func TestChangeStream(t *testing.T) {
	var got []string
	var db *DB
	sink := func(c *Change) {
		if c.Key != nil && c.Slot != Slot(c.Key) {
			t.Errorf("change of %q has slot %d", c.Key, c.Slot)
		}
		s := fmt.Sprintf("%v/%v/%s", c.Op, c.Reason, c.Key)
		if c.Entry != nil {
			s += fmt.Sprintf("=%s@%d", c.Entry.Str, c.Entry.ExpireAt())
		}
		got = append(got, s)
	}
	db = openTest(t, Options{OnChange: sink, Policy: "allkeys-lru"})
	k := []byte("k")
	var tx Txn
	db.Begin(&tx, t0, k, []byte("h"))
	tx.SetString(k, []byte("v1"), 0)
	e := tx.SetString(k, []byte("v2"), t0+10)
	tx.SetExpire(k, e, 0)
	e.Str = append(e.Str, '!')
	tx.Changed(k, e)
	tx.SetObject([]byte("h"), &testObj{kind: KindList}, 0)
	tx.Get(k) // reads publish nothing
	tx.Delete(k)
	tx.Delete(k) // missing: nothing
	tx.End()
	set(db, t0, "x", "1", t0+5)
	get(db, t0+6, "x")
	set(db, t0, "y", "1", 0)
	db.SetMaxMemory(1)
	if err := db.CheckMemory(t0); err != nil {
		t.Fatal(err)
	}
	db.SetMaxMemory(0)
	db.Flush(t0, false)
	want := []string{
		"set/user/k=v1@0", "set/user/k=v2@1700000000010", "expire/user/k=v2@0",
		"set/user/k=v2!@0", "set/user/h=@0", "del/user/k",
		"set/user/x=1@1700000000005", "del/expired/x",
		"set/user/y=1@0", "del/evicted/h", "del/evicted/y", "flush/user/",
	}
	// The two evictions may come in either order.
	if len(got) == len(want) && got[9] == want[10] {
		got[9], got[10] = got[10], got[9]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes\n got %v\nwant %v", got, want)
	}
	if db.Offset() != uint64(len(got)) || len(got) != len(want) {
		t.Errorf("Offset() = %d after %d changes published, want %d", db.Offset(), len(got), len(want))
	}
}

func TestOffsetWithoutSink(t *testing.T) {
	db := openTest(t, Options{})
	set(db, t0, "a", "1", 0)
	set(db, t0, "a", "2", 0)
	get(db, t0, "a")
	if db.Offset() != 2 {
		t.Errorf("Offset = %d, want 2", db.Offset())
	}
}

func TestOpReasonStrings(t *testing.T) {
	if OpSet.String() != "set" || OpExpire.String() != "expire" || OpDel.String() != "del" ||
		OpFlush.String() != "flush" || ReasonUser.String() != "user" ||
		ReasonExpired.String() != "expired" || ReasonEvicted.String() != "evicted" {
		t.Error("wrong Op or Reason name")
	}
}

// TestDirectCounts checks DB.GetString and DB.SetString's counting without a sink: the
// offset counts their changes, the hits and misses count their reads, and ResetStats zeroes
// the hits and misses. It runs in each of GetString's modes (readModes).
func TestDirectCounts(t *testing.T) {
	for _, m := range readModes {
		t.Run("mode="+m.name, func(t *testing.T) { testDirectCounts(t, m.opts) })
	}
}

func testDirectCounts(t *testing.T, o Options) {
	db := openTest(t, o)
	exact := func() int64 { return t0 }
	db.SetString([]byte("a"), []byte("1"), 0, t0)
	db.SetString([]byte("a"), []byte("2"), 0, t0)
	db.SetString([]byte("b"), []byte("3"), 0, t0)
	if v, ok := db.GetString(nil, []byte("a"), t0, exact); !ok || string(v) != "2" {
		t.Fatalf("GetString(a) = %q, %v", v, ok)
	}
	db.GetString(nil, []byte("c"), t0, exact)
	if s := db.Stats(); db.Offset() != 3 || s.Offset != 3 || s.Hits != 1 || s.Misses != 1 {
		t.Fatalf("Offset %d, stats %+v; want offset 3, 1 hit, 1 miss", db.Offset(), s)
	}
	db.ResetStats()
	db.GetString(nil, []byte("b"), t0, exact)
	if s := db.Stats(); s.Hits != 1 || s.Misses != 0 || s.Offset != 3 {
		t.Fatalf("after ResetStats: %+v; want 1 hit, 0 misses, offset 3", s)
	}
}
