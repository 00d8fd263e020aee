package evict

import (
	"math/rand/v2"
	"testing"
)

// checkInternal verifies the policy's bookkeeping: every list links both ways, its nodes say they
// are in it, its byte and key counts add up, the index finds every node, and the limits hold.
func checkInternal(t *testing.T, p *Policy) {
	t.Helper()
	s := &p.s
	_ = s
	var total int64
	keys := 0
	for q := range numLists {
		var bytes int64
		n := 0
		for i := p.oldest(q); i != uint32(q); i = p.newer(i) {
			nd := &s.nodes[i]
			if nd.queue != q || s.nodes[nd.link.Next].link.Prev != i || s.nodes[nd.link.Prev].link.Next != i {
				t.Fatalf("list %d: node %d badly linked", q, i)
			}
			if s.lookup(nd.hash) != i {
				t.Fatalf("list %d: index does not find %x at node %d", q, nd.hash, i)
			}
			bytes += int64(nd.size)
			n++
		}
		if bytes != p.bytes[q] || n != p.count[q] {
			t.Fatalf("list %d: %d keys, %d bytes; counted %d keys, %d bytes", q, n, bytes, p.count[q], p.bytes[q])
		}
		total += bytes
		keys += n
	}
	if total != p.total || keys != p.Len() {
		t.Fatalf("lists hold %d keys, %d bytes; policy says %d keys, %d bytes", keys, total, p.Len(), p.total)
	}
	if p.total > p.capacity {
		t.Fatalf("%d bytes over the capacity of %d", p.total, p.capacity)
	}
	if p.bytes[window] > p.windowMax || p.bytes[protected] > p.protectedMax {
		t.Fatalf("window %d bytes (limit %d), protected %d bytes (limit %d)",
			p.bytes[window], p.windowMax, p.bytes[protected], p.protectedMax)
	}
	if p.tune != nil {
		for _, sh := range p.tune.shadows {
			checkInternal(t, sh)
		}
	}
}

// TestPolicyInvariants drives New with random inserts, hits, removals and capacity changes and
// holds it against a map of the keys the caller would have: the victims are keys the caller
// holds (or the one inserted), the policy tracks exactly the caller's keys and their bytes, it
// never holds more than its capacity, a hit never evicts, and a removal frees the key's bytes.
func TestPolicyInvariants(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity int64
		keys     uint64
		maxSize  int64
	}{
		{"unit", 500, 3000, 1},
		{"sizes", 100_000, 5000, 2000},
		{"huge-values", 10_000, 500, 20_000},
		{"tiny", 2, 50, 2},
		{"many-keys", 20_000, 200_000, 1}, // the tuner samples keys
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(tc.name))))
			p := New(tc.capacity)
			model := map[uint64]int64{}
			var bytes int64
			var victims []uint64
			key := func() uint64 { return uint64(float64(tc.keys)*rng.Float64()*rng.Float64()) << 8 }
			for op := range 60_000 {
				h := key()
				_, held := model[h]
				switch r := rng.IntN(100); {
				case r < 40:
					n, b := p.Len(), p.Bytes()
					if got := p.Access(h); got != held {
						t.Fatalf("op %d: Access(%x) = %v, caller holds it: %v", op, h, got, held)
					}
					if p.Len() != n || p.Bytes() != b {
						t.Fatalf("op %d: a hit changed the policy from %d keys, %d bytes to %d, %d", op, n, b, p.Len(), p.Bytes())
					}
				case r < 48:
					if got := p.Remove(h); got != held {
						t.Fatalf("op %d: Remove(%x) = %v, caller holds it: %v", op, h, got, held)
					}
					bytes -= model[h]
					delete(model, h)
					if p.Bytes() != bytes {
						t.Fatalf("op %d: after Remove the policy holds %d bytes, want %d", op, p.Bytes(), bytes)
					}
				case r < 49:
					c := tc.capacity/2 + rng.Int64N(tc.capacity)
					victims = p.SetCapacity(c, victims[:0])
					for _, v := range victims {
						if _, ok := model[v]; !ok {
							t.Fatalf("op %d: SetCapacity evicted %x, which the caller does not hold", op, v)
						}
						bytes -= model[v]
						delete(model, v)
					}
				default:
					size := 1 + rng.Int64N(tc.maxSize)
					victims = p.Insert(h, size, victims[:0])
					bytes -= model[h]
					model[h] = size
					bytes += size
					seen := map[uint64]bool{}
					for _, v := range victims {
						if _, ok := model[v]; !ok || seen[v] {
							t.Fatalf("op %d: Insert(%x) evicted %x, which the caller does not hold (or twice)", op, h, v)
						}
						seen[v] = true
						bytes -= model[v]
						delete(model, v)
					}
				}
				if p.Bytes() != bytes || p.Len() != len(model) {
					t.Fatalf("op %d: policy %d keys, %d bytes; caller %d keys, %d bytes", op, p.Len(), p.Bytes(), len(model), bytes)
				}
				if p.Bytes() > p.Capacity() {
					t.Fatalf("op %d: %d bytes over the capacity of %d", op, p.Bytes(), p.Capacity())
				}
				if op%1000 == 0 {
					checkInternal(t, p)
					for k := range model {
						if !p.Contains(k) {
							t.Fatalf("op %d: the caller holds %x, the policy does not", op, k)
						}
					}
				}
			}
			checkInternal(t, p)
		})
	}
}

// TestLargeValueDoesNotFlushHotKeys fills a cache with small keys that are requested again and
// again, then writes one value of 60% of the capacity (three times, as a client retrying would):
// it must not push the popular keys out.
func TestLargeValueDoesNotFlushHotKeys(t *testing.T) {
	const capacity = 100_000
	p := New(capacity)
	var victims []uint64
	hot := make([]uint64, 400) // 400 keys of 100 bytes: 40% of the capacity
	for i := range hot {
		hot[i] = uint64(i+1) << 20
	}
	cold := uint64(1)
	for round := range 20 {
		for _, h := range hot {
			if !p.Access(h) {
				victims = p.Insert(h, 100, victims[:0])
			}
		}
		// One-off keys in between fill the rest of the cache.
		for range 500 {
			cold++
			victims = p.Insert(cold, 100, victims[:0])
		}
		if round == 0 {
			continue
		}
		for _, h := range hot {
			if !p.Contains(h) {
				t.Fatalf("round %d: hot key %x evicted by one-off keys", round, h)
			}
		}
	}
	const big = 1 << 40
	for try := range 3 {
		if p.Access(big) {
			t.Fatalf("try %d: the large value was admitted", try)
		}
		victims = p.Insert(big, capacity*6/10, victims[:0])
		for _, v := range victims {
			for _, h := range hot {
				if v == h {
					t.Fatalf("try %d: the large value evicted hot key %x", try, h)
				}
			}
		}
	}
	missing := 0
	for _, h := range hot {
		if !p.Contains(h) {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d hot keys gone after the large value", missing, len(hot))
	}
}

// TestPopularLargeValueGetsIn checks the other side of size-awareness: a large value requested
// more often than the keys it would displace is admitted.
func TestPopularLargeValueGetsIn(t *testing.T) {
	const capacity = 100_000
	p := New(capacity)
	var victims []uint64
	for h := uint64(1); h <= 2000; h++ { // fill with keys seen once
		victims = p.Insert(h<<8, 100, victims[:0])
	}
	const big = 1 << 40
	for try := range 20 {
		if p.Access(big) {
			return
		}
		victims = p.Insert(big, capacity/4, victims[:0])
		if try > 0 && p.Contains(big) {
			return
		}
	}
	t.Fatal("a large value requested 20 times in a row was never admitted")
}

// TestScanResistance keeps a working set that fits in the cache warm, then scans ten times the
// capacity in keys seen once: the working set must stay.
func TestScanResistance(t *testing.T) {
	p := New(1000)
	var victims []uint64
	for range 10 {
		for h := uint64(1); h <= 500; h++ {
			if !p.Access(h) {
				victims = p.Insert(h, 1, victims[:0])
			}
		}
	}
	for h := uint64(1_000_000); h < 1_010_000; h++ {
		victims = p.Insert(h, 1, victims[:0])
		if h%10 == 0 { // the working set stays in use during the scan
			p.Access(1 + h%500)
		}
	}
	kept := 0
	for h := uint64(1); h <= 500; h++ {
		if p.Contains(h) {
			kept++
		}
	}
	if kept < 475 {
		t.Fatalf("only %d of 500 working-set keys survived a scan", kept)
	}
}

// TestRemoveAndCapacity covers the plain cases: a removed key frees its bytes at once, a key
// larger than the capacity is refused, a smaller capacity evicts down to it.
func TestRemoveAndCapacity(t *testing.T) {
	p := New(1000)
	var victims []uint64
	for h := uint64(1); h <= 10; h++ {
		if victims = p.Insert(h, 100, victims[:0]); len(victims) != 0 {
			t.Fatalf("Insert(%d) into a cache with room evicted %v", h, victims)
		}
	}
	if p.Bytes() != 1000 || p.Len() != 10 {
		t.Fatalf("%d keys, %d bytes, want 10 keys, 1000 bytes", p.Len(), p.Bytes())
	}
	if !p.Remove(3) || p.Remove(3) || p.Bytes() != 900 || p.Contains(3) {
		t.Fatalf("Remove did not free key 3's bytes: %d bytes", p.Bytes())
	}
	if victims = p.Insert(99, 1001, victims[:0]); len(victims) != 1 || victims[0] != 99 || p.Contains(99) {
		t.Fatalf("a key over the capacity: victims %v, tracked %v", victims, p.Contains(99))
	}
	victims = p.SetCapacity(450, victims[:0])
	if p.Bytes() > 450 || len(victims) != 5 {
		t.Fatalf("SetCapacity(450): %d bytes left, %d victims", p.Bytes(), len(victims))
	}
	victims = p.SetCapacity(0, victims[:0])
	if p.Len() != 0 || p.Bytes() != 0 {
		t.Fatalf("SetCapacity(0) left %d keys", p.Len())
	}
	if victims = p.Insert(5, 1, victims[:0]); len(victims) != 1 {
		t.Fatalf("a zero capacity accepted a key")
	}
}

// TestTunerFollowsTheWorkload checks that the window grows for a recency-biased workload (every
// key is requested again soon after its first request, and never after) and stays small for a
// frequency-biased one (a loop a little larger than the cache).
func TestTunerFollowsTheWorkload(t *testing.T) {
	const capacity = 2000
	var victims []uint64
	request := func(p *Policy, h uint64) {
		if !p.Access(h) {
			victims = p.Insert(h, 1, victims[:0])
		}
	}
	recent := New(capacity)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := uint64(0); i < 400_000; i++ {
		request(recent, i)
		// A key comes back about half a cache later.
		if i >= capacity/2 {
			request(recent, i-capacity/2+uint64(rng.IntN(50)))
		}
	}
	if recent.frac < 0.2 {
		t.Errorf("recency-biased workload: window %.3f of the capacity, want at least 0.2", recent.frac)
	}
	// In a loop the shadows' hits differ by chance now and then, and the window wanders for a
	// few periods: the test checks its mean over the second half, sampled every 1000 requests.
	loop := New(capacity)
	var sum float64
	var n, over int
	for i := range uint64(400_000) {
		request(loop, i%(capacity*5/4))
		if i >= 200_000 && i%1000 == 0 {
			sum += loop.frac
			n++
			if loop.frac > 0.02 {
				over++
			}
		}
	}
	t.Logf("a loop: mean window %.4f, over 0.02 in %d of %d samples, last %.4f", sum/float64(n), over, n, loop.frac)
	if mean := sum / float64(n); mean > 0.01 {
		t.Errorf("a loop: mean window %.4f of the capacity over the second half, want at most 0.01", mean)
	}
}
