package evict

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// workload returns n requests over keys keys, skewed (a few keys take most requests), as hashes.
func workload(n, keys int, seed uint64) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	z := rand.NewZipf(rng, 1.1, 1, uint64(keys-1))
	hs := make([]uint64, n)
	for i := range hs {
		hs[i] = mix(z.Uint64() + 1)
	}
	return hs
}

// warm runs requests against p as a read-through cache does, with values of 1 to 100 bytes.
func warm(p *Policy, hs []uint64) {
	var victims []uint64
	for _, h := range hs {
		if !p.Access(h) {
			victims = p.Insert(h, 1+int64(h%100), victims[:0])
		}
	}
}

// TestSteadyStateAllocatesNothing checks that, once a policy has grown to its working size, no
// call allocates: hits, misses with evictions, and removals.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	for _, capacity := range []int64{5_000, 500_000} {
		p := New(capacity)
		hs := workload(1<<20, 100_000, 1)
		warm(p, hs)
		warm(p, hs)
		victims := make([]uint64, 0, 64)
		i := 0
		allocs := testing.AllocsPerRun(100_000, func() {
			h := hs[i&(len(hs)-1)]
			i++
			if !p.Access(h) {
				victims = p.Insert(h, 1+int64(h%100), victims[:0])
			}
			if i%16 == 0 {
				p.Remove(hs[(i*7)&(len(hs)-1)])
			}
		})
		if allocs != 0 {
			t.Errorf("capacity %d: %v allocations per request", capacity, allocs)
		}
	}
}

// TestOverhead bounds the memory the policy takes per key it holds, shadows included.
func TestOverhead(t *testing.T) {
	p := New(1 << 20)
	var victims []uint64
	for h := range uint64(2 << 20) {
		victims = p.Insert(mix(h), 1, victims[:0])
	}
	per := float64(p.Overhead()) / float64(p.Len())
	t.Logf("%d keys, %.1f bytes each", p.Len(), per)
	if per > 48 {
		t.Errorf("%.1f bytes of overhead per key, want at most 48", per)
	}
}

// BenchmarkPolicy measures the policy alone on a skewed workload over ten times as many keys as
// fit: a hit, or a miss and its insertion with evictions, per operation. Values are 1 to 100
// bytes, so a capacity of 50 bytes per key holds about keys keys. The memory the policy takes
// per key it holds is reported as B/key.
func BenchmarkPolicy(b *testing.B) {
	for _, keys := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			p := New(int64(keys) * 50)
			hs := workload(1<<22, keys*10, 2)
			warm(p, hs)
			victims := make([]uint64, 0, 64)
			hits := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h := hs[i&(len(hs)-1)]
				if p.Access(h) {
					hits++
				} else {
					victims = p.Insert(h, 1+int64(h%100), victims[:0])
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(hits)/float64(b.N)*100, "hit%")
			b.ReportMetric(float64(p.Overhead())/float64(p.Len()), "B/key")
		})
	}
}

// BenchmarkAccess measures a hit alone.
func BenchmarkAccess(b *testing.B) {
	p := New(100_000)
	hs := make([]uint64, 65536)
	var victims []uint64
	for i := range hs {
		hs[i] = mix(uint64(i))
		victims = p.Insert(hs[i], 1, victims[:0])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.Access(hs[i&(len(hs)-1)])
	}
}
