package ring_test

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/larderdb/larder/internal/ring"
)

// ids returns n node IDs of 40 hex characters, the same on every run.
func ids(n int) []string {
	rng := rand.New(rand.NewPCG(42, 42))
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32())
	}
	return s
}

// A cluster starts with one node, which owns every slot; a second takes half of them.
func ExampleJoin() {
	id := ids(3)
	a, _ := ring.New(ring.Config{RF: 2})
	a, _ = ring.Join(a, ring.Member{ID: id[0]})
	fmt.Println("one node:", a.Counts(0), "primaries, owners of slot 0:", len(a.Owners(0)))

	b, _ := ring.Join(a, ring.Member{ID: id[1]})
	fmt.Println("two nodes:", b.Counts(0), "primaries, owners of slot 0:", len(b.Owners(0)))

	moves := ring.Moves(a, b)
	added, dropped := ring.Copies(a, b)
	fmt.Println("moves:", len(moves), "all to the joiner:", moves[0].To == id[1])
	fmt.Println("copies added:", len(added), "dropped:", len(dropped))

	c, _ := ring.Join(b, ring.Member{ID: id[2]})
	fmt.Println("three nodes:", c.Counts(0), "primaries,", c.Counts(1), "first replicas")
	// Output:
	// one node: [16384] primaries, owners of slot 0: 1
	// two nodes: [8192 8192] primaries, owners of slot 0: 2
	// moves: 8192 all to the joiner: true
	// copies added: 16384 dropped: 0
	// three nodes: [5462 5461 5461] primaries, [5462 5461 5461] first replicas
}

// Leave hands the leaver's slots to the others; a replica of the slot takes over where quotas
// allow, so no data needs to move for it.
func ExampleLeave() {
	id := ids(4)
	a, _ := ring.Build(ring.Config{RF: 2}, []ring.Member{{ID: id[0]}, {ID: id[1]}, {ID: id[2]}, {ID: id[3]}})
	b, _ := ring.Leave(a, id[2])
	promoted := 0
	moves := ring.Moves(a, b)
	for _, m := range moves {
		if slices.Contains(a.Owners(m.Slot), m.To) {
			promoted++
		}
	}
	fmt.Println(len(moves), "primaries moved, all from the leaver:", !slices.ContainsFunc(moves, func(m ring.Move) bool { return m.From != id[2] }))
	fmt.Println(promoted, "of them to a replica")
	fmt.Println("balance now:", b.Counts(0))
	// Output:
	// 4096 primaries moved, all from the leaver: true
	// 4006 of them to a replica
	// balance now: [5462 5461 5461]
}

// The placement of 1 to 100 nodes with three owners per slot: the primaries' max/mean ratio,
// the primaries that move when one more node joins (and the issue's bound on them), the
// primaries that move when one node leaves and the most any remaining node receives, the
// replicas' max/mean ratio, and the number of runs of consecutive slots with the same owners.
func Example_table() {
	id := ids(101)
	a, _ := ring.New(ring.Config{RF: 3})
	fmt.Println("N    max/mean  join moved/bound  leave moved/most  replicas  ranges")
	for n := 1; n <= 100; n++ {
		a, _ = ring.Join(a, ring.Member{ID: id[n-1]})
		if !slices.Contains([]int{1, 2, 3, 5, 10, 20, 50, 100}, n) {
			continue
		}
		b, _ := ring.Join(a, ring.Member{ID: id[n]})
		joined := len(ring.Moves(a, b))
		left, most := "-", "-"
		if n > 1 {
			c, _ := ring.Leave(a, id[n/2])
			moves := ring.Moves(a, c)
			got := map[string]int{}
			for _, m := range moves {
				got[m.To]++
			}
			left, most = fmt.Sprint(len(moves)), fmt.Sprint(slices.Max(mapValues(got)))
		}
		fmt.Printf("%-3d  %8.4f  %5d / %7.1f  %6s / %4s  %8.4f  %6d\n", n, a.Balance(0), joined,
			1.05*ring.NumSlots/float64(n+1), left, most, replicas(a), len(a.Ranges()))
	}
	// Output:
	// N    max/mean  join moved/bound  leave moved/most  replicas  ranges
	// 1      1.0000   8192 /  8601.6       - /    -    1.0000       1
	// 2      1.0000   5461 /  5734.4    8192 / 8192    1.0000      83
	// 3      1.0001   4096 /  4300.8    5461 / 2731    1.0000     200
	// 5      1.0001   2730 /  2867.2    3277 /  820    1.0001     588
	// 10     1.0004   1489 /  1563.9    1638 /  182    1.0004    1651
	// 20     1.0010    780 /   819.2     819 /   44    1.0010    3659
	// 50     1.0010    321 /   337.3     328 /    7    1.0010    8833
	// 100    1.0010    162 /   170.3     164 /    2    1.0010   13830
}

func mapValues(m map[string]int) []int {
	var v []int
	for _, x := range m {
		v = append(v, x)
	}
	return v
}

// replicas returns the max/mean ratio of the replica slots (all ranks but the primary) per
// node, 1 when there are none.
func replicas(a *ring.Assignment) float64 {
	rf := min(a.Config().RF, a.Len())
	if rf < 2 {
		return 1
	}
	tot := make([]int, a.Len())
	for k := 1; k < rf; k++ {
		for i, c := range a.Counts(k) {
			tot[i] += c
		}
	}
	return float64(slices.Max(tot)) / (float64(ring.NumSlots*(rf-1)) / float64(a.Len()))
}
