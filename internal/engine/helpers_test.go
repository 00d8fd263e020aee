package engine

import (
	"sync"
	"testing"
	"time"
)

// t0 is the fake time tests start at, in unix ms.
const t0 = int64(1_700_000_000_000)

// openTest opens a DB whose background goroutine sees a clock stuck at 0, so it never expires
// anything a test did not ask it to; the DB is closed at cleanup.
func openTest(t testing.TB, o Options) *DB {
	t.Helper()
	if o.Clock == nil {
		o.Clock = func() int64 { return 0 }
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	db, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// recorder is an OnChange sink keeping a copy of every change.
type recorder struct {
	mu      sync.Mutex
	changes []Change
}

func (r *recorder) sink(c *Change) {
	r.mu.Lock()
	cc := *c
	cc.Key = append([]byte(nil), c.Key...)
	cc.Entry = nil
	r.changes = append(r.changes, cc)
	r.mu.Unlock()
}

func (r *recorder) take() []Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.changes
	r.changes = nil
	return c
}

// testObj is a stand-in collection value.
type testObj struct {
	kind Kind
	n    int
	mem  int64
}

func (o *testObj) Kind() Kind         { return o.kind }
func (o *testObj) Encoding() string   { return "listpack" }
func (o *testObj) MemoryUsage() int64 { return o.mem }
func (o *testObj) Len() int           { return o.n }

// set writes key=val with a TTL in its own Txn.
func set(db *DB, now int64, key, val string, expireAt int64) {
	var t Txn
	db.Begin(&t, now, []byte(key))
	t.SetString([]byte(key), []byte(val), expireAt)
	t.End()
}

// get reads key in its own Txn; ok is false when missing.
func get(db *DB, now int64, key string) (string, bool) {
	var t Txn
	db.Begin(&t, now, []byte(key))
	defer t.End()
	e := t.Get([]byte(key))
	if e == nil {
		return "", false
	}
	return string(e.Str), true
}

// fakeClock is a fake clock safe to read from the background goroutine.
type fakeClock struct {
	mu sync.Mutex
	v  int64
}

func (a *fakeClock) Load() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.v
}

func (a *fakeClock) Store(v int64) {
	a.mu.Lock()
	a.v = v
	a.mu.Unlock()
}

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
