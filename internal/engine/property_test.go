package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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

// sink checks the engine only expires keys the model says have expired, and evicts only keys
// the model holds, and forgets them.
func (m *model) sink(c *Change) {
	if c.Op == OpDel && c.Reason == ReasonEvicted {
		k := string(c.Key)
		if _, ok := m.keys[k]; !ok {
			m.t.Fatalf("engine evicted %q, which the model does not hold", k)
		}
		delete(m.keys, k)
		return
	}
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
			runProperty(t, seed, 1000, 48, 1<<(seed%5), true, false)
		})
	}
}

// TestPropertyHashSlots runs the property test with Options.HashSlots, as larder.Cache opens
// its DB, with half the reads and writes through DB.GetString and DB.SetString.
func TestPropertyHashSlots(t *testing.T) {
	for _, seed := range []uint64{2, uint64(time.Now().UnixNano())} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d", seed)
			runProperty(t, seed, 1000, 48, 1<<(seed%5), true, true)
		})
	}
}

// TestPropertyCompaction runs the property test on one shard with hundreds of keys, so that
// arena segments fill, records die and segments are compacted under the model's eye.
func TestPropertyCompaction(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	runProperty(t, seed, 4000, 400, 1, false, false)
}

// runProperty holds a DB against the model for steps random operations on keys keys. With
// direct, the DB places keys by hash (Options.HashSlots) and half the gets and sets go
// through DB.GetString and DB.SetString.
func runProperty(t *testing.T, seed uint64, steps, keys, shards int, flushes, direct bool) {
	r := rand.New(rand.NewPCG(seed, seed))
	m := &model{t: t, now: t0, keys: map[string]modelEntry{}}
	db := openTest(t, Options{Shards: shards, Seed: seed, OnChange: m.sink, HashSlots: direct})
	exact := func() int64 { return m.now }
	var names []string
	for i := range keys {
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
		case n < 30:
			op = "set"
			v, at := randValue(r), ttl()
			if direct && r.IntN(2) == 0 {
				op = "direct set" // at a coarse time, as larder.Cache's
				db.SetString(kb, []byte(v), at, m.now-r.Int64N(100))
			} else {
				db.Begin(&tx, m.now, kb)
				tx.SetString(kb, []byte(v), at)
				tx.End()
			}
			m.keys[k] = modelEntry{v, at}
		case n < 33:
			op = "append" // grows the value in place or moves the record
			add := randValue(r)
			db.Begin(&tx, m.now, kb)
			if e := tx.Lookup(kb); e != nil && e.Kind() == KindString {
				e.Str = append(e.Str, add...)
				tx.Changed(kb, e)
				me := m.keys[k]
				me.val += add
				m.keys[k] = me
			}
			tx.End()
		case n < 36:
			op = "object"
			size, at := r.Int64N(5000), ttl()
			db.Begin(&tx, m.now, kb)
			tx.SetObject(kb, &testObj{kind: KindHash, mem: size}, at)
			tx.End()
			m.keys[k] = modelEntry{fmt.Sprint("obj:", size), at}
		case n < 39:
			op = "copy" // the source's value aliases the arena while the target is written
			k2 := names[r.IntN(len(names))]
			kb2 := []byte(k2)
			want, ok := m.live(k)
			db.Begin(&tx, m.now, kb, kb2)
			if e := tx.Get(kb); e != nil && e.Kind() == KindString {
				tx.SetString(kb2, e.Str, 0)
				m.keys[k2] = modelEntry{want.val, 0}
			} else if ok && e == nil {
				t.Fatalf("step %d: Get(%s) missed, model %+v", step, k, want)
			}
			tx.End()
		case n < 60 && direct && r.IntN(2) == 0:
			op = "direct get" // at a coarse time, the exact one only for a key with a TTL
			want, ok := m.live(k)
			isStr := ok && !strings.HasPrefix(want.val, "obj:")
			buf := []byte("prefix")
			got, gotOK := db.GetString(buf, kb, m.now-r.Int64N(100), exact)
			if gotOK != isStr || (isStr && string(got) != "prefix"+want.val) || (!isStr && string(got) != "prefix") {
				t.Fatalf("step %d: GetString(%s) = %q %v, model %+v %v", step, k, got, gotOK, want, ok)
			}
		case n < 60:
			op = "get"
			want, ok := m.live(k)
			db.Begin(&tx, m.now, kb)
			e := tx.Get(kb)
			if (e != nil) != ok || (ok && entryValue(e) != want.val) || (ok && e.ExpireAt() != want.expireAt) {
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
		case n < 95:
			op = "evict" // down to a random share of the memory used, by a random policy
			policy := TinyLFU
			if r.IntN(4) == 0 {
				policy = []string{"allkeys-lru", "allkeys-lfu", "volatile-ttl"}[r.IntN(3)]
			}
			if err := db.SetPolicy(policy); err != nil {
				t.Fatal(err)
			}
			db.SetMaxMemory(max(db.Stats().UsedMemory*int64(50+r.IntN(50))/100, 1))
			if err := db.CheckMemory(m.now); err != nil && policy != "volatile-ttl" {
				t.Fatalf("step %d: CheckMemory with %s: %v", step, policy, err)
			}
			db.SetMaxMemory(0)
		case n < 99:
			op = "cycle"
			db.ExpireCycle(m.now)
		case !flushes:
			op = "random"
			db.RandomKey(m.now)
		default:
			op = "flush"
			db.Flush(m.now, r.IntN(2) == 0)
			clear(m.keys)
		}
		checkAgainstModel(t, db, m, r, fmt.Sprintf("step %d (%s %s)", step, op, k))
	}
	if db.Stats().EvictedKeys == 0 && steps >= 1000 {
		t.Errorf("nothing was evicted in %d steps", steps)
	}
	// Finally every key reads the same.
	for _, k := range names {
		want, ok := m.live(k)
		kb := []byte(k)
		db.Begin(&tx, m.now, kb)
		e := tx.Get(kb)
		if (e != nil) != ok || (ok && entryValue(e) != want.val) {
			t.Errorf("final Get(%s) = %v, model %q %v", k, e, want.val, ok)
		}
		tx.End()
	}
}

// randValue returns a value of a random size: mostly small, some of kilobytes, a few bigger
// than a shared arena segment takes, so that records move, segments compact and huge records
// get segments of their own.
func randValue(r *rand.Rand) string {
	n := r.IntN(10)
	switch x := r.IntN(100); {
	case x < 40:
		n = r.IntN(8 << 10)
	case x < 45:
		n = hugeRecord + r.IntN(64<<10)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// entryValue renders e as the model stores it: a string's bytes, or "obj:" and a test
// object's size.
func entryValue(e *Entry) string {
	if e.Obj != nil {
		return fmt.Sprint("obj:", e.Obj.(*testObj).mem)
	}
	return string(e.Str)
}

func checkAgainstModel(t *testing.T, db *DB, m *model, r *rand.Rand, where string) {
	t.Helper()
	if db.Len() != len(m.keys) {
		t.Fatalf("%s: Len %d, model %d", where, db.Len(), len(m.keys))
	}
	slots := map[uint16]int{}
	for k := range m.keys {
		slots[db.slotOf([]byte(k))]++
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
	var sketches int64 // TinyLFU's sketches stay when the keys go
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(0)
		sketches += sh.sketchBytes
		sh.unlock()
	}
	if s := db.Stats(); s.Keys != int64(len(m.keys)) || (len(m.keys) == 0) != (s.UsedMemory == sketches) {
		t.Fatalf("%s: stats %+v with %d model keys", where, s, len(m.keys))
	}
	if err := db.checkStorage(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
}
