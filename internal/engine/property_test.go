package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// modelEntry is a key of the model: a value and an expiry time (0 = none).
type modelEntry struct {
	val      string
	expireAt int64
}

// model is the plain map-with-TTLs the engine is held against. It holds the keys the engine
// physically holds: a key that has expired stays until the engine reports deleting it
// (OpDel, ReasonExpired), so Len and SlotLen can be compared exactly.
type model struct {
	t    *testing.T
	now  int64
	keys map[string]modelEntry
}

func (m *model) live(k string) (modelEntry, bool) {
	e, ok := m.keys[k]
	if !ok || (e.expireAt != 0 && m.now > e.expireAt) {
		return modelEntry{}, false
	}
	return e, true
}

// sink checks the engine only expires keys the model says have expired, and forgets them.
func (m *model) sink(c *Change) {
	if c.Op != OpDel || c.Reason != ReasonExpired {
		return
	}
	k := string(c.Key)
	e, ok := m.keys[k]
	if !ok || e.expireAt == 0 || m.now <= e.expireAt {
		m.t.Fatalf("engine expired %q at %d; model has %+v (present %v)", k, m.now, e, ok)
	}
	delete(m.keys, k)
}

func TestProperty(t *testing.T) {
	seeds := []uint64{1}
	for range 3 {
		seeds = append(seeds, uint64(time.Now().UnixNano())+uint64(len(seeds)))
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d", seed)
			runProperty(t, seed, 1000)
		})
	}
}

func runProperty(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, seed))
	m := &model{t: t, now: t0, keys: map[string]modelEntry{}}
	db := openTest(t, Options{Shards: 1 << r.IntN(5), Seed: seed, OnChange: m.sink})
	var names []string
	for i := range 48 {
		names = append(names, fmt.Sprint("k", i))
	}
	for i := range 16 {
		names = append(names, fmt.Sprintf("{tag}%d", i)) // one shared slot
	}
	var tx Txn
	for step := range steps {
		k := names[r.IntN(len(names))]
		kb := []byte(k)
		ttl := func() int64 {
			if r.IntN(2) == 0 {
				return 0
			}
			return m.now + 1 + r.Int64N(100)
		}
		var op string
		switch n := r.IntN(100); {
		case n < 35:
			op = "set"
			v, at := fmt.Sprint(r.IntN(1000)), ttl()
			db.Begin(&tx, m.now, kb)
			tx.SetString(kb, []byte(v), at)
			tx.End()
			m.keys[k] = modelEntry{v, at}
		case n < 60:
			op = "get"
			want, ok := m.live(k)
			db.Begin(&tx, m.now, kb)
			e := tx.Get(kb)
			if (e != nil) != ok || (ok && string(e.Str) != want.val) || (ok && e.ExpireAt() != want.expireAt) {
				t.Fatalf("step %d: Get(%s) = %v, model %+v %v", step, k, e, want, ok)
			}
			tx.End()
		case n < 70:
			op = "delete"
			_, ok := m.live(k)
			db.Begin(&tx, m.now, kb)
			if got := tx.Delete(kb); got != ok {
				t.Fatalf("step %d: Delete(%s) = %v, model %v", step, k, got, ok)
			}
			tx.End()
			if ok {
				delete(m.keys, k)
			}
		case n < 80:
			op = "expire"
			at := ttl()
			db.Begin(&tx, m.now, kb)
			if e := tx.Lookup(kb); e != nil {
				tx.SetExpire(kb, e, at)
				me := m.keys[k]
				me.expireAt = at
				m.keys[k] = me
			}
			tx.End()
		case n < 92:
			op = "advance"
			m.now += r.Int64N(40)
		case n < 99:
			op = "cycle"
			db.ExpireCycle(m.now)
		default:
			op = "flush"
			db.Flush(m.now, r.IntN(2) == 0)
			clear(m.keys)
		}
		checkAgainstModel(t, db, m, r, fmt.Sprintf("step %d (%s %s)", step, op, k))
	}
	// Finally every key reads the same.
	for _, k := range names {
		want, ok := m.live(k)
		got, gok := get(db, m.now, k)
		if gok != ok || got != want.val {
			t.Errorf("final Get(%s) = %q %v, model %q %v", k, got, gok, want.val, ok)
		}
	}
}

func checkAgainstModel(t *testing.T, db *DB, m *model, r *rand.Rand, where string) {
	t.Helper()
	if db.Len() != len(m.keys) {
		t.Fatalf("%s: Len %d, model %d", where, db.Len(), len(m.keys))
	}
	slots := map[uint16]int{}
	for k := range m.keys {
		slots[Slot([]byte(k))]++
	}
	for s, n := range slots {
		if got := db.SlotLen(s); got != n {
			t.Fatalf("%s: SlotLen(%d) = %d, model %d", where, s, got, n)
		}
	}
	var want []string
	for k := range m.keys {
		if _, ok := m.live(k); ok {
			want = append(want, k)
		}
	}
	var out []KeyInfo
	var cursor uint64
	count := 1 + r.IntN(30)
	for {
		out, cursor = db.Scan(m.now, cursor, count, out)
		if cursor == 0 {
			break
		}
	}
	var got []string
	for _, ki := range out {
		got = append(got, string(ki.Key))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: Scan %v, model %v", where, got, want)
	}
	if s := db.Stats(); s.Keys != int64(len(m.keys)) || (len(m.keys) == 0) != (s.UsedMemory == 0) {
		t.Fatalf("%s: stats %+v with %d model keys", where, s, len(m.keys))
	}
}
