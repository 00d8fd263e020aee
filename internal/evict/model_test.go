package evict

import (
	"container/list"
	"math/rand/v2"
	"slices"
	"testing"
)

// refPolicy is the policy's algorithm written as plainly as possible, on container/list and a Go
// map: a window and a segmented LRU with fixed limits (no tuner), and the same sketch and random
// source, so it must make exactly the same decisions as a Policy built by newPolicy.
type refPolicy struct {
	lists        [numLists]*list.List // front: newest
	where        map[uint64]*list.Element
	sk           sketch
	counting     bool
	capacity     int64
	total        int64
	bytes        [numLists]int64
	windowMax    int64
	protectedMax int64
	rng          uint64
}

type refEntry struct {
	h    uint64
	size int64
	q    uint8
}

func newRef(p *Policy) *refPolicy {
	r := &refPolicy{where: map[uint64]*list.Element{}, capacity: p.capacity,
		windowMax: p.windowMax, protectedMax: p.protectedMax, rng: p.rng}
	for q := range r.lists {
		r.lists[q] = list.New()
	}
	return r
}

func (r *refPolicy) push(q uint8, e *refEntry, front bool) {
	e.q = q
	r.bytes[q] += e.size
	if front {
		r.where[e.h] = r.lists[q].PushFront(e)
	} else {
		r.where[e.h] = r.lists[q].PushBack(e)
	}
}

func (r *refPolicy) take(e *refEntry) {
	r.lists[e.q].Remove(r.where[e.h])
	r.bytes[e.q] -= e.size
}

func (r *refPolicy) oldest(q uint8) *refEntry {
	if b := r.lists[q].Back(); b != nil {
		return b.Value.(*refEntry)
	}
	return nil
}

func (r *refPolicy) access(h uint64) bool {
	el, ok := r.where[h]
	if !ok {
		return false
	}
	if r.counting {
		r.sk.increment(mix(h))
	}
	r.touch(el.Value.(*refEntry))
	return true
}

func (r *refPolicy) touch(e *refEntry) {
	q := e.q
	r.take(e)
	if q == probation {
		q = protected
	}
	r.push(q, e, true)
	for r.bytes[protected] > r.protectedMax {
		o := r.oldest(protected)
		r.take(o)
		r.push(probation, o, true)
	}
}

func (r *refPolicy) insert(h uint64, size int64) []uint64 {
	sz := int64(clampSize(size))
	el, ok := r.where[h]
	switch {
	case sz > r.capacity:
		if ok {
			r.forget(el.Value.(*refEntry))
		}
		return []uint64{h}
	case ok:
		e := el.Value.(*refEntry)
		r.bytes[e.q] += sz - e.size
		r.total += sz - e.size
		e.size = sz
		r.touch(e)
	default:
		r.push(window, &refEntry{h: h, size: sz}, sz <= r.windowMax)
		r.total += sz
		switch {
		case r.counting:
			r.sk.ensure(len(r.where) - len(r.where)/5)
		case 2*r.total >= r.capacity:
			r.counting = true
			r.sk.init(2 * len(r.where))
		}
	}
	if r.counting {
		r.sk.increment(mix(h))
	}
	return r.makeRoom()
}

func (r *refPolicy) forget(e *refEntry) {
	r.take(e)
	delete(r.where, e.h)
	r.total -= e.size
}

func (r *refPolicy) remove(h uint64) bool {
	el, ok := r.where[h]
	if ok {
		r.forget(el.Value.(*refEntry))
	}
	return ok
}

func (r *refPolicy) makeRoom() []uint64 {
	var victims []uint64
	var cands []*refEntry // this round's candidates, oldest first
	for r.bytes[window] > r.windowMax {
		o := r.oldest(window)
		r.take(o)
		r.push(probation, o, true)
		cands = append(cands, o)
	}
	isCand := map[*refEntry]bool{}
	for _, c := range cands {
		isCand[c] = true
	}
	for r.total > r.capacity {
		var c *refEntry
		switch {
		case len(cands) > 0:
			c, cands = cands[0], cands[1:]
		case r.lists[window].Len() > 0:
			c = r.oldest(window)
		default:
			o := r.oldest(probation)
			if o == nil {
				o = r.oldest(protected)
			}
			victims = append(victims, o.h)
			r.forget(o)
			continue
		}
		// The keys c would displace: probation's non-candidates, oldest first, then protected.
		var order []*refEntry
		for el := r.lists[probation].Back(); el != nil; el = el.Prev() {
			if e := el.Value.(*refEntry); !isCand[e] {
				order = append(order, e)
			}
		}
		for el := r.lists[protected].Back(); el != nil; el = el.Prev() {
			order = append(order, el.Value.(*refEntry))
		}
		need := min(r.total-r.capacity, c.size)
		freq := r.sk.estimate(mix(c.h))
		var freed int64
		top := -1
		var chosen []*refEntry
		for _, v := range order {
			if freed >= need {
				break
			}
			f := r.sk.estimate(mix(v.h))
			top = max(top, f)
			freed += v.size
			chosen = append(chosen, v)
			if f >= freq {
				break
			}
		}
		if freed < need || !r.admit(freq, top) {
			victims = append(victims, c.h)
			r.forget(c)
			delete(isCand, c)
			continue
		}
		for _, v := range chosen {
			victims = append(victims, v.h)
			r.forget(v)
		}
		delete(isCand, c)
	}
	return victims
}

func (r *refPolicy) admit(freq, top int) bool {
	if freq > top {
		return true
	}
	if freq < hashDoSFreq {
		return false
	}
	r.rng ^= r.rng << 13
	r.rng ^= r.rng >> 7
	r.rng ^= r.rng << 17
	return r.rng&127 == 0
}

// TestPolicyAgainstReference replays random workloads, with equal and with mixed sizes, on a
// Policy without its tuner and on refPolicy, and requires the same answers, the same victims in
// the same order, and the same lists after every call.
func TestPolicyAgainstReference(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity int64
		keys     uint64
		maxSize  int64
		frac     float64
	}{
		{"unit", 100, 400, 1, 0.01},
		{"unit-wide-window", 100, 400, 1, 0.3},
		{"sizes", 5000, 600, 200, 0.01},
		{"sizes-wide-window", 5000, 600, 200, 0.2},
		{"tiny", 3, 20, 1, 0.01},
		{"big-values", 1000, 100, 700, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(5) {
				rng := rand.New(rand.NewPCG(seed, 42))
				p := newPolicy(tc.capacity, tc.frac)
				r := newRef(p)
				// A skewed key choice, so that some keys are hot and the sketch matters.
				key := func() uint64 { return uint64(float64(tc.keys) * rng.Float64() * rng.Float64()) }
				var victims []uint64
				for op := range 20000 {
					h := key()
					switch rng.IntN(10) {
					case 0:
						if got, want := p.Remove(h), r.remove(h); got != want {
							t.Fatalf("seed %d op %d: Remove(%d) = %v, reference %v", seed, op, h, got, want)
						}
					case 1, 2, 3, 4:
						if got, want := p.Access(h), r.access(h); got != want {
							t.Fatalf("seed %d op %d: Access(%d) = %v, reference %v", seed, op, h, got, want)
						}
					default:
						if p.Access(h) != r.access(h) {
							t.Fatalf("seed %d op %d: Access(%d) differs", seed, op, h)
						}
						size := 1 + rng.Int64N(tc.maxSize)
						victims = p.Insert(h, size, victims[:0])
						want := r.insert(h, size)
						if !slices.Equal(victims, want) {
							t.Fatalf("seed %d op %d: Insert(%d, %d) evicted %v, reference %v", seed, op, h, size, victims, want)
						}
					}
					if op%97 == 0 {
						compareLists(t, p, r)
					}
				}
				compareLists(t, p, r)
			}
		})
	}
}

func compareLists(t *testing.T, p *Policy, r *refPolicy) {
	t.Helper()
	if p.total != r.total || p.Len() != len(r.where) {
		t.Fatalf("policy holds %d keys, %d bytes; reference %d keys, %d bytes", p.Len(), p.total, len(r.where), r.total)
	}
	for q := range numLists {
		var got, want []uint64
		for i := p.oldest(q); i != uint32(q); i = p.newer(i) {
			got = append(got, p.s.nodes[i].hash)
		}
		for el := r.lists[q].Back(); el != nil; el = el.Prev() {
			want = append(want, el.Value.(*refEntry).h)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("list %d: policy %v, reference %v", q, got, want)
		}
	}
}
