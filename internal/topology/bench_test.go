package topology

import (
	"testing"
)

// BenchmarkRoute is the hot-path lookup a node makes for every keyed
// command: the slot's primary, and where it is moving (5 nodes, RF 3,
// migrations in flight).
func BenchmarkRoute(b *testing.B) {
	f := bootstrapped(b, 3)
	idx := uint64(1)
	for i := 2; i <= 5; i++ {
		join(b, f, &idx, nid(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		s := 0
		for pb.Next() {
			m := f.cur.Load() // what Node.Map does
			if m.Primary(s) == nil {
				b.Fatal("no primary")
			}
			_ = m.MovingTo(s)
			s = (s + 1) & (NumSlots - 1)
		}
	})
}
