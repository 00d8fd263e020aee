package engine

import (
	"bytes"
	"testing"
)

// testCompact is a collection with a compact encoding while small is set.
type testCompact struct {
	data  []byte
	small bool
}

func (o *testCompact) Kind() Kind            { return KindSet }
func (o *testCompact) Encoding() string      { return "intset" }
func (o *testCompact) MemoryUsage() int64    { return int64(cap(o.data)) + 32 }
func (o *testCompact) Len() int              { return len(o.data) }
func (o *testCompact) WriteCompact(b []byte) { copy(b, o.data) }

func (o *testCompact) CompactLen() int {
	if !o.small {
		return -1
	}
	return len(o.data)
}

func thawTest(k Kind, b []byte) Object {
	if k != KindSet {
		panic("thaw of kind " + k.String())
	}
	return &testCompact{data: bytes.Clone(b), small: true}
}

// TestCompactObjects checks that a collection in its compact encoding rests in the arena as
// bytes (no object in the table), is rebuilt on every read, and moves to and from the object
// table as it leaves and re-enters its compact encoding.
func TestCompactObjects(t *testing.T) {
	db := openTest(t, Options{Shards: 1, Thaw: thawTest})
	k := []byte("s")
	var tx Txn
	db.Begin(&tx, t0, k)
	tx.SetObject(k, &testCompact{data: []byte("abc"), small: true}, 0)
	tx.End()
	sh := &db.shards[0]
	if n := len(sh.objs) - len(sh.freeObjs); n != 0 {
		t.Fatalf("a compact object took %d object-table slots", n)
	}

	read := func() *testCompact {
		t.Helper()
		db.Begin(&tx, t0, k)
		defer tx.End()
		e := tx.Get(k)
		if e == nil || e.Kind() != KindSet {
			t.Fatalf("Get = %v", e)
		}
		return e.Obj.(*testCompact)
	}
	if o := read(); string(o.data) != "abc" {
		t.Fatalf("thawed %q", o.data)
	}
	// A change to the thawed object is lost unless stored with Changed: the record is the truth.
	read().data[0] = 'X'
	if o := read(); string(o.data) != "abc" {
		t.Fatalf("an unstored change reached the record: %q", o.data)
	}
	// Grow it in place and beyond its value area, then into the full structure and back.
	for _, step := range []struct {
		data  string
		small bool
	}{{"abcd", true}, {string(bytes.Repeat([]byte("y"), 300)), true}, {"full", false}, {"xy", true}} {
		db.Begin(&tx, t0, k)
		e := tx.Lookup(k)
		o := e.Obj.(*testCompact)
		o.data, o.small = []byte(step.data), step.small
		tx.Changed(k, e)
		tx.End()
		if got := read(); string(got.data) != step.data {
			t.Fatalf("after storing %q (small %v) read %q", step.data, step.small, got.data)
		}
		inTable := len(sh.objs) - len(sh.freeObjs)
		if want := map[bool]int{true: 0, false: 1}[step.small]; inTable != want {
			t.Errorf("after storing small=%v: %d objects in the table, want %d", step.small, inTable, want)
		}
		if err := db.checkStorage(); err != nil {
			t.Fatal(err)
		}
	}
	// Without Thaw the engine keeps every object whole.
	plain := openTest(t, Options{Shards: 1})
	plain.Begin(&tx, t0, k)
	tx.SetObject(k, &testCompact{data: []byte("abc"), small: true}, 0)
	tx.End()
	if n := len(plain.shards[0].objs); n != 1 {
		t.Errorf("without Thaw: %d objects in the table, want 1", n)
	}
}
