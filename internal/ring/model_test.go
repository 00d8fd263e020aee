package ring

import (
	"slices"
	"testing"
)

// The tests here hold the placement code against deliberately simple models of its steps.

// greedyModel is the greedy step of fill done the obvious way: list every (hole, member) pair
// a member may take, sort them all, and walk the list.
func greedyModel(a *Assignment, r *ring, k int, old []uint16, room []int, got [][]uint16) []int {
	rf := a.cfg.RF
	pts := make([][]uint64, len(a.members))
	for i, m := range a.members {
		pts[i] = pointsModel(m, r.vnodes, k)
	}
	var cs []cand
	for s := range NumSlots {
		if a.at(s, k) != none {
			continue
		}
		for i := range len(a.members) {
			i := uint16(i)
			if a.owns(s, i, 0, k) {
				continue
			}
			tier := MaxRF
			if old != nil {
				if j := slices.Index(old[s*rf:(s+1)*rf], i); j >= 0 {
					tier = j
				}
			}
			cs = append(cs, cand{tier: tier, d: distModel(pts[i], slotPos(s)), s: uint16(s), i: i})
		}
	}
	slices.SortFunc(cs, cand.cmp)
	for _, cd := range cs {
		if room[cd.i] > 0 && a.at(int(cd.s), k) == none {
			a.take(int(cd.s), k, cd.i)
			room[cd.i]--
			got[cd.i] = append(got[cd.i], cd.s)
		}
	}
	var left []int
	for s := range NumSlots {
		if a.at(s, k) == none {
			left = append(left, s)
		}
	}
	return left
}

// pointsModel returns the ring positions of m's virtual nodes for the given rank, unsorted.
func pointsModel(m Member, vnodes, rank int) []uint64 {
	p := make([]uint64, vnodes*m.Weight)
	for v := range p {
		p[v] = vnodePos(m.ID, v+rank*(1<<24))
	}
	return p
}

// distModel is the clockwise distance from pos to the nearest of pts, by looking at every one
// of them.
func distModel(pts []uint64, pos uint64) uint64 {
	best := ^uint64(0)
	for _, p := range pts {
		best = min(best, p-pos)
	}
	return best
}

// TestLeaveModel checks that Leave, whose greedy step merges lazily, gives what the sorted
// list of every candidate gives.
func TestLeaveModel(t *testing.T) {
	for _, rf := range []int{1, 2, 3, 5} {
		for _, n := range []int{2, 3, 4, 6, 9, 17, 40} {
			if rf > 2 && n > 20 {
				continue
			}
			ids := nodeIDs(n, uint64(100*rf+n))
			a := mustBuild(t, Config{RF: rf, VNodes: 16}, ids)
			l := ids[(n*5)%n]
			got := mustLeave(t, a, l)
			want, err := leave(a, l, greedyModel)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("rf=%d n=%d: Leave differs from the model in %d moves", rf, n, len(Moves(got, want)))
			}
		}
	}
}

// TestJoinModel checks that a joiner takes from each member exactly the slots beyond its new
// quota that lie nearest before the joiner's virtual nodes, found by brute force.
func TestJoinModel(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 30, 99} {
		ids := nodeIDs(n+1, uint64(n))
		cfg := Config{VNodes: 8}
		a := mustBuild(t, cfg, ids[:n])
		b := mustJoin(t, a, ids[n])
		x := Member{ID: ids[n], Weight: 1}
		xp := pointsModel(x, cfg.VNodes, 0)
		// Model: per member, its slots by distance to the joiner; it keeps its quota.
		ca := a.Counts(0)
		cb := b.Counts(0)
		for i, m := range a.Members() {
			var mine []int
			for s := range NumSlots {
				if a.Primary(s) == m.ID {
					mine = append(mine, s)
				}
			}
			slices.SortFunc(mine, func(s1, s2 int) int {
				d1, d2 := distModel(xp, slotPos(s1)), distModel(xp, slotPos(s2))
				if d1 != d2 {
					if d1 < d2 {
						return -1
					}
					return 1
				}
				return s1 - s2
			})
			give := ca[i] - cb[i]
			for j, s := range mine {
				want := m.ID
				if j < give {
					want = x.ID
				}
				if got := b.Primary(s); got != want {
					t.Fatalf("n=%d: slot %d (%dth nearest of %s's, gives %d): primary %s, want %s", n, s, j, m.ID[:8], give, got[:8], want[:8])
				}
			}
		}
	}
}
