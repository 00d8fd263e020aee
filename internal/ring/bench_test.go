package ring

import (
	"fmt"
	"testing"
)

func BenchmarkBuild(b *testing.B) {
	for _, rf := range []int{1, 3} {
		for _, n := range []int{10, 100} {
			b.Run(fmt.Sprintf("rf=%d/n=%d", rf, n), func(b *testing.B) {
				ms := members(nodeIDs(n, 1))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Build(Config{RF: rf}, ms); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkJoin(b *testing.B) {
	for _, rf := range []int{1, 3} {
		for _, n := range []int{10, 100} {
			b.Run(fmt.Sprintf("rf=%d/n=%d", rf, n), func(b *testing.B) {
				ids := nodeIDs(n+1, 1)
				a := mustBuild(b, Config{RF: rf}, ids[:n])
				m := Member{ID: ids[n]}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Join(a, m); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLeave(b *testing.B) {
	for _, rf := range []int{1, 3} {
		for _, n := range []int{10, 100} {
			b.Run(fmt.Sprintf("rf=%d/n=%d", rf, n), func(b *testing.B) {
				ids := nodeIDs(n, 1)
				a := mustBuild(b, Config{RF: rf}, ids)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Leave(a, ids[n/2]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkMoves(b *testing.B) {
	ids := nodeIDs(101, 1)
	a := mustBuild(b, Config{}, ids[:100])
	c := mustJoin(b, a, ids[100])
	b.ReportAllocs()
	for b.Loop() {
		Moves(a, c)
	}
}
