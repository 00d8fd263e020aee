package ring

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The property tests grow clusters to 100 members, shrink them, and churn them at random,
// checking after every step the guarantees the package doc gives.

// checkAssignment checks a's invariants and that its primaries are balanced to floor or
// ceil of the fair share (all members of weight 1).
func checkAssignment(t *testing.T, a *Assignment) {
	t.Helper()
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
	n := a.Len()
	var o []string
	for s := 0; s < NumSlots; s += 7 { // Check has looked at them all
		o = a.AppendOwners(o[:0], s)
		if len(o) != min(n, a.cfg.RF) {
			t.Fatalf("n=%d: slot %d has %d owners, want %d", n, s, len(o), min(n, a.cfg.RF))
		}
		for j, id := range o {
			if slices.Contains(o[:j], id) {
				t.Fatalf("n=%d: slot %d: %s owns it twice: %v", n, s, id, o)
			}
		}
	}
	lo, hi := NumSlots/n, (NumSlots+n-1)/n
	for i, c := range a.Counts(0) {
		if c < lo || c > hi {
			t.Fatalf("n=%d: member %d owns %d primary slots, want %d..%d", n, i, c, lo, hi)
		}
	}
	if b := a.Balance(0); b > maxBalance {
		t.Fatalf("n=%d: primary max/mean %.4f > %.2f", n, b, maxBalance)
	}
}

// checkRanks checks that every replica rank is balanced to floor or ceil.
func checkRanks(t *testing.T, a *Assignment, ranks int) {
	t.Helper()
	n := a.Len()
	lo, hi := NumSlots/n, (NumSlots+n-1)/n
	for k := 1; k < ranks; k++ {
		for i, c := range a.Counts(k) {
			if c < lo || c > hi {
				t.Fatalf("n=%d: member %d owns %d slots at rank %d, want %d..%d", n, i, c, k, lo, hi)
			}
		}
	}
}

// replicaBalance returns the max/mean ratio of the replicas (all ranks but 0) members own.
func replicaBalance(a *Assignment) float64 {
	if a.active() < 2 {
		return 1
	}
	tot := make([]int, a.Len())
	for k := 1; k < a.active(); k++ {
		for i, c := range a.Counts(k) {
			tot[i] += c
		}
	}
	mean := float64(NumSlots*(a.active()-1)) / float64(a.Len())
	return float64(slices.Max(tot)) / mean
}

// checkJoin checks the transition a -> b where id joined.
func checkJoin(t *testing.T, a, b *Assignment, id string) {
	t.Helper()
	checkAssignment(t, b)
	n := a.Len()
	moves := Moves(a, b)
	if n > 0 {
		if bound := (NumSlots + n) / (n + 1); len(moves) > bound || float64(len(moves)) > joinBound(n) {
			t.Fatalf("join to %d: %d primary slots moved, bound %d (%.1f)", n, len(moves), bound, joinBound(n))
		}
	}
	for _, m := range moves {
		if m.To != id || (n > 0) != (m.From != "") {
			t.Fatalf("join %s to %d: move %+v", id[:8], n, m)
		}
	}
	// At every rank that existed, only the joiner gains.
	for s := range NumSlots {
		for k := 0; k < a.active(); k++ {
			if o := b.members[b.at(s, k)].ID; o != a.members[a.at(s, k)].ID && o != id {
				t.Fatalf("join %s to %d: slot %d rank %d went from %s to %s", id[:8], n, s, k, a.members[a.at(s, k)].ID[:8], o[:8])
			}
		}
	}
	added, _ := Copies(a, b)
	for _, c := range added {
		if n >= a.cfg.RF && c.Node != id {
			t.Fatalf("join %s to %d: %s gets a copy of slot %d", id[:8], n, c.Node[:8], c.Slot)
		}
	}
	checkRanks(t, b, a.active())
}

// checkLeave checks the transition a -> b where id left.
func checkLeave(t *testing.T, a, b *Assignment, id string) {
	t.Helper()
	checkAssignment(t, b)
	n := a.Len()
	moves := Moves(a, b)
	if want := len(a.Slots(id, 0)); len(moves) != want {
		t.Fatalf("leave %s from %d: %d moves, it had %d primaries", id[:8], n, len(moves), want)
	}
	recv := map[string]int{}
	for _, m := range moves {
		if m.From != id || m.To == id || m.To == "" {
			t.Fatalf("leave %s from %d: move %+v", id[:8], n, m)
		}
		recv[m.To]++
	}
	fair := int(math.Ceil(float64(len(moves)) / float64(n-1)))
	for to, c := range recv {
		if c > fair+1 {
			t.Fatalf("leave from %d: %s received %d of %d slots, more than %d+1", n, to[:8], c, len(moves), fair)
		}
	}
	// Slots the leaver did not own keep their owners; every other owner keeps its slots.
	held := 0
	var ao, bo []string
	for s := range NumSlots {
		ao, bo = a.AppendOwners(ao[:0], s), b.AppendOwners(bo[:0], s)
		if !slices.Contains(ao, id) {
			if b.active() == a.active() && !slices.Equal(ao, bo) {
				t.Fatalf("leave %s from %d: slot %d owners %v -> %v", id[:8], n, s, ao, bo)
			}
			continue
		}
		held++
		if b.active() < a.active() {
			continue // the cluster fell below RF: every slot loses an owner
		}
		for _, o := range ao {
			if o != id && !slices.Contains(bo, o) {
				t.Fatalf("leave %s from %d: %s lost slot %d: %v -> %v", id[:8], n, o[:8], s, ao, bo)
			}
		}
	}
	added, dropped := Copies(a, b)
	if b.active() == a.active() {
		if len(added) != held {
			t.Fatalf("leave from %d: %d copies added for %d slots the leaver held", n, len(added), held)
		}
		for _, c := range dropped {
			if c.Node != id {
				t.Fatalf("leave %s from %d: %s drops slot %d", id[:8], n, c.Node[:8], c.Slot)
			}
		}
	}
	if b.Len() > b.cfg.RF {
		if r := replicaBalance(b); r > maxBalance {
			t.Fatalf("leave from %d: replica max/mean %.4f > %.2f", n, r, maxBalance)
		}
	}
}

// TestGrowAndShrink joins members one by one up to 100 (40 for RF 2 and 5, to save time)
// and, at every size, removes one.
func TestGrowAndShrink(t *testing.T) {
	for _, tc := range []struct{ rf, upTo int }{{1, 100}, {2, 40}, {3, 100}, {5, 40}} {
		rf := tc.rf
		rng := rand.New(rand.NewPCG(uint64(rf), 99))
		ids := nodeIDs(tc.upTo, uint64(rf))
		a, err := New(Config{RF: rf})
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for n := 1; n <= tc.upTo; n++ {
			b := mustJoin(t, a, ids[n-1])
			checkJoin(t, a, b, ids[n-1])
			a = b
			worst = max(worst, a.Balance(0))
			if n > 1 {
				id := ids[rng.IntN(n)]
				checkLeave(t, a, mustLeave(t, a, id), id)
			}
		}
		t.Logf("rf=%d: worst primary max/mean %.4f", rf, worst)
	}
}

// TestChurn applies 150 random joins and leaves, the cluster between 1 and 60 members.
func TestChurn(t *testing.T) {
	for _, rf := range []int{1, 3} {
		seed := uint64(rf)
		rng := rand.New(rand.NewPCG(seed, 7))
		fresh := nodeIDs(200, seed*10)
		a, _ := New(Config{RF: rf})
		var live []string
		for step := range 150 {
			if len(live) == 0 || len(live) < 60 && rng.IntN(100) < 60 {
				id := fresh[0]
				fresh = fresh[1:]
				b := mustJoin(t, a, id)
				checkJoin(t, a, b, id)
				a, live = b, append(live, id)
				continue
			}
			j := rng.IntN(len(live))
			id := live[j]
			if len(live) == 1 {
				if _, err := Leave(a, id); !errors.Is(err, ErrLastMember) {
					t.Fatalf("step %d: the last member left: %v", step, err)
				}
				continue
			}
			b := mustLeave(t, a, id)
			checkLeave(t, a, b, id)
			a, live = b, slices.Delete(live, j, j+1)
		}
		t.Logf("rf=%d: %d members after 150 steps", rf, len(live))
	}
}

func TestWithRF(t *testing.T) {
	for _, n := range []int{1, 2, 4, 12, 60} {
		a := mustBuild(t, Config{RF: 2}, nodeIDs(n, uint64(n)))
		for _, rf := range []int{1, 3, 5, 2} {
			b, err := WithRF(a, rf)
			if err != nil {
				t.Fatal(err)
			}
			checkAssignment(t, b)
			keep := min(a.active(), b.active())
			for s := range NumSlots {
				for k := range keep {
					if a.at(s, k) != b.at(s, k) {
						t.Fatalf("n=%d rf 2 -> %d: slot %d rank %d moved", n, rf, s, k)
					}
				}
			}
			if n > rf {
				checkRanks(t, b, b.active())
			}
			if !b.Equal(mustRF(t, b, rf)) {
				t.Fatalf("n=%d: WithRF to the same RF changed the assignment", n)
			}
		}
	}
	if _, err := WithRF(&Assignment{cfg: Config{RF: 1, VNodes: 1}}, MaxRF+1); !errors.Is(err, ErrConfig) {
		t.Fatalf("RF %d: error %v", MaxRF+1, err)
	}
}

func mustRF(t *testing.T, a *Assignment, rf int) *Assignment {
	t.Helper()
	b, err := WithRF(a, rf)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
