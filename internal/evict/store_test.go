package evict

import (
	"container/list"
	"math/rand/v2"
	"testing"
)

// TestStoreModel drives the store (index, lists, free nodes) with random operations and holds it
// against a model of Go maps and container/list lists.
func TestStoreModel(t *testing.T) {
	const nlists = 3
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var s store
		s.init(nlists)
		var l lists[*store]
		l.n = &s
		l.initLists()
		var model [nlists]*list.List
		for q := range model {
			model[q] = list.New()
		}
		where := map[uint64]*list.Element{} // hash -> element; element value is hash
		queue := map[uint64]uint8{}
		size := map[uint64]uint32{}
		// Hashes share their low 8 bits, as one engine shard's do, and collide in a small space.
		hash := func() uint64 { return rng.Uint64N(300)<<8 | 7 }
		for op := range 3000 {
			h := hash()
			i := s.lookup(h)
			if _, ok := where[h]; ok != (i != 0) {
				t.Fatalf("seed %d op %d: lookup(%x) = %d, model has it: %v", seed, op, h, i, ok)
			}
			switch rng.IntN(4) {
			case 0, 1: // add, or move to the front of some list
				q := uint8(rng.IntN(nlists))
				if i == 0 {
					sz := uint32(rng.IntN(100) + 1)
					i = s.add(h, sz)
					l.pushFront(q, i)
					where[h] = model[q].PushFront(h)
					size[h] = sz
				} else {
					l.moveFront(q, i)
					model[queue[h]].Remove(where[h])
					where[h] = model[q].PushFront(h)
				}
				queue[h] = q
			case 2: // drop
				if i != 0 {
					l.unlink(i)
					s.Free(i)
					model[queue[h]].Remove(where[h])
					delete(where, h)
					delete(queue, h)
					delete(size, h)
				}
			case 3: // drop the oldest of a list
				q := uint8(rng.IntN(nlists))
				if o := l.oldest(q); o != uint32(q) {
					e := model[q].Back()
					if e.Value.(uint64) != s.nodes[o].hash {
						t.Fatalf("seed %d op %d: oldest of list %d is %x, model says %x", seed, op, q, s.nodes[o].hash, e.Value)
					}
					l.unlink(o)
					s.Free(o)
					model[q].Remove(e)
					h := e.Value.(uint64)
					delete(where, h)
					delete(queue, h)
					delete(size, h)
				} else if model[q].Len() != 0 {
					t.Fatalf("seed %d op %d: list %d empty, model has %d", seed, op, q, model[q].Len())
				}
			}
			if s.index.n != len(where) {
				t.Fatalf("seed %d op %d: index holds %d, model %d", seed, op, s.index.n, len(where))
			}
		}
		// Every list, walked from its oldest node, matches the model's order, counts and bytes.
		for q := range uint8(nlists) {
			var bytes int64
			e := model[q].Back()
			n := 0
			for i := l.oldest(q); i != uint32(q); i = l.newer(i) {
				if e == nil || e.Value.(uint64) != s.nodes[i].hash {
					t.Fatalf("seed %d: list %d differs from the model at position %d", seed, q, n)
				}
				if s.nodes[i].queue != q {
					t.Fatalf("seed %d: node in list %d says it is in %d", seed, q, s.nodes[i].queue)
				}
				bytes += int64(size[s.nodes[i].hash])
				e = e.Prev()
				n++
			}
			if e != nil || n != model[q].Len() || l.count[q] != n || l.bytes[q] != bytes {
				t.Fatalf("seed %d: list %d has %d nodes (count %d, bytes %d), model %d nodes, %d bytes",
					seed, q, n, l.count[q], l.bytes[q], model[q].Len(), bytes)
			}
		}
		// Every index slot is reachable from its home without crossing an empty slot.
		mask := uint64(len(s.index.slots) - 1)
		for slot, i := range s.index.slots {
			if i == 0 {
				continue
			}
			for j := mix(s.nodes[i].hash) >> s.index.shift; j != uint64(slot); j = (j + 1) & mask {
				if s.index.slots[j] == 0 {
					t.Fatalf("seed %d: slot %d unreachable: empty slot %d in its run", seed, slot, j)
				}
			}
		}
	}
}
