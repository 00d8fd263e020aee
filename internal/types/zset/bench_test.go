package zset

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// benchN is the size of the sets the ordering benchmarks run against.
const benchN = 1_000_000

func benchItems(n int, seed uint64) []item {
	r := rand.New(rand.NewPCG(seed, seed))
	items := make([]item, n)
	for i := range items {
		items[i] = item{score: r.Float64() * 1e6, member: "member:" + strconv.Itoa(i)}
	}
	return items
}

// orderIndex is what the benchmarks need of an ordering structure.
type orderIndex interface {
	insert(item)
	rank(*item) int
	// walk visits up to n items from the first with score >= min.
	walk(min float64, n int) int
}

type btreeIndex struct{ tree }

func (t *btreeIndex) walk(min float64, n int) int {
	_, p := t.seek(func(it *item) bool { return it.score < min })
	k := 0
	for ; k < n && p.ok(); k++ {
		p = p.next()
	}
	return k
}

type skipIndex struct{ *skiplist }

func (s skipIndex) walk(min float64, n int) int {
	x := s.firstGE(min)
	k := 0
	for ; k < n && x != nil; k++ {
		x = x.level[0].forward
	}
	return k
}

var impls = []struct {
	name string
	make func() orderIndex
}{
	{"btree", func() orderIndex { return &btreeIndex{} }},
	{"skiplist", func() orderIndex { return skipIndex{newSkiplist()} }},
}

// BenchmarkOrderIndex compares the B+tree and the skip list on 1M members:
// inserting, ranking a member, and a range of 10 from a score. It reports
// the heap bytes per member each structure holds (member strings excluded).
func BenchmarkOrderIndex(b *testing.B) {
	items := benchItems(benchN, 1)
	for _, impl := range impls {
		b.Run("impl="+impl.name+"/op=insert", func(b *testing.B) {
			extra := benchItems(b.N, 2)
			for i := range extra {
				extra[i].member = "x" + extra[i].member
			}
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			ix := impl.make()
			for _, it := range items {
				ix.insert(it)
			}
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			b.ResetTimer()
			for i := range b.N {
				ix.insert(extra[i])
			}
			b.ReportMetric(float64(ms1.HeapAlloc-ms0.HeapAlloc)/benchN, "heapB/member")
		})
		ix := impl.make()
		for _, it := range items {
			ix.insert(it)
		}
		b.Run("impl="+impl.name+"/op=rank", func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 3))
			for range b.N {
				ix.rank(&items[r.IntN(benchN)])
			}
		})
		b.Run("impl="+impl.name+"/op=range10", func(b *testing.B) {
			r := rand.New(rand.NewPCG(4, 4))
			for range b.N {
				ix.walk(r.Float64()*1e6, 10)
			}
		})
	}
}

// BenchmarkAdd measures ZSet.Add of new members to small (compact) and
// large sets.
func BenchmarkAdd(b *testing.B) {
	for _, n := range []int{64, 100_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			lim := Limits{MaxEntries: 128, MaxValue: 64}
			members := make([][]byte, n)
			for i := range members {
				members[i] = fmt.Appendf(nil, "member:%d", i)
			}
			b.ReportAllocs()
			z := New()
			for i := range b.N {
				if i%n == 0 {
					z = New()
				}
				z.Add(members[i%n], float64(i%1000), 0, lim)
			}
		})
	}
}

// BenchmarkPopMin measures popping the lowest member of a compact set.
func BenchmarkPopMin(b *testing.B) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	z := New()
	b.ReportAllocs()
	for i := range b.N {
		if z.Len() == 0 {
			for j := range 100 {
				z.Add([]byte("member:"+strconv.Itoa(j)), float64(j), 0, lim)
			}
		}
		_ = i
		z.Pop(false, 1, func([]byte, float64) {})
	}
}
