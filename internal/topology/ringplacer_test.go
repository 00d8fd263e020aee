package topology

import (
	"fmt"
	"slices"
	"testing"
)

// TestRingPlacer walks the ring placer through joins and a leave, as the
// leader calls it, and checks each placement: every slot has rf distinct
// owners among the members, primaries are balanced, a join moves primaries
// only to the joiner, and a leave moves only the leaver's.
func TestRingPlacer(t *testing.T) {
	const rf = 2
	var p RingPlacer
	var state []byte
	var members []string
	var prev [][]string
	check := func(pl Placement, step string) {
		t.Helper()
		if len(pl.Owners) != NumSlots {
			t.Fatalf("%s: %d slots placed, want %d", step, len(pl.Owners), NumSlots)
		}
		count := map[string]int{}
		for s, o := range pl.Owners {
			if want := min(rf, len(members)); len(o) != want {
				t.Fatalf("%s: slot %d has %d owners %v, want %d", step, s, len(o), o, want)
			}
			for i, id := range o {
				if !slices.Contains(members, id) || slices.Index(o, id) != i {
					t.Fatalf("%s: slot %d owners %v: not distinct members of %v", step, s, o, members)
				}
			}
			count[o[0]]++
		}
		fair := float64(NumSlots) / float64(len(members))
		for id, c := range count {
			if float64(c) > fair*1.02+1 {
				t.Fatalf("%s: %s has %d primaries, fair share %.0f", step, id, c, fair)
			}
		}
		state = pl.State
	}
	for i := range 4 {
		id := fmt.Sprintf("%040x", i+1)
		members = append(members, id)
		pl, err := p.Join(state, id, rf)
		if err != nil {
			t.Fatal(err)
		}
		check(pl, "join "+id[36:])
		for s := range prev {
			if o := pl.Owners[s][0]; o != prev[s][0] && o != id {
				t.Fatalf("join %s: slot %d moved from %s to %s, not to the joiner", id[36:], s, prev[s][0], o)
			}
		}
		prev = pl.Owners
	}
	gone := members[1]
	members = slices.Delete(members, 1, 2)
	pl, err := p.Leave(state, gone)
	if err != nil {
		t.Fatal(err)
	}
	check(pl, "leave")
	for s := range prev {
		if o := pl.Owners[s][0]; o != prev[s][0] && prev[s][0] != gone {
			t.Fatalf("leave: slot %d of %s moved to %s", s, prev[s][0], o)
		}
	}
	if _, err := p.Leave(state, gone); err == nil {
		t.Fatal("a second leave of the same node succeeded")
	}
	if _, err := p.Join([]byte("not a ring"), "x", rf); err == nil {
		t.Fatal("a damaged state was accepted")
	}
}
