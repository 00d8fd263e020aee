package clusterview

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestNewStaticRejectsBadMaps(t *testing.T) {
	id, other := NewID(), NewID()
	two := []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: 10}}}, {ID: other, Port: 2, Slots: []SlotRange{{Start: 11, End: 20}}}}
	for _, m := range []Map{
		{Me: "short", Nodes: []Node{{ID: "short", Port: 1}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1}, {ID: id, Port: 2}}},
		{Me: other, Nodes: []Node{{ID: id, Port: 1}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 70000}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 5, End: 4}}}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: NumSlots}}}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: 10}}}, {ID: other, Port: 2, Slots: []SlotRange{{Start: 10, End: 20}}}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1}, {ID: other, Port: 2, Primary: NewID()}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1}, {ID: other, Port: 2, Primary: id, Slots: []SlotRange{{Start: 0, End: 1}}}}},
		{Me: id, Nodes: two, Migrating: map[uint16]string{11: other}}, // not mine
		{Me: id, Nodes: two, Migrating: map[uint16]string{1: id}},     // to myself
		{Me: id, Nodes: two, Importing: map[uint16]string{1: other}},  // mine already
		{Me: id, Nodes: two, Importing: map[uint16]string{12: NewID()}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: 1, Replicas: []string{id}}}}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: 1, Replicas: []string{other}}}}}},
		{Me: id, Nodes: []Node{{ID: id, Port: 1, Slots: []SlotRange{{Start: 0, End: 1, Replicas: []string{other, other}}}},
			{ID: other, Port: 2}}},
	} {
		if _, err := NewStatic(m); !errors.Is(err, ErrInvalidMap) {
			t.Errorf("NewStatic(%+v) = %v, want ErrInvalidMap", m, err)
		}
	}
}

// TestStaticMatchesModel holds Static's lookups against the map it was
// given, for random maps of 1 to 10 nodes with slots in flight.
func TestStaticMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		n := 1 + rng.IntN(10)
		nodes := make([]Node, n)
		owner := make([]int, NumSlots)
		reps := make([][]string, NumSlots)
		for i := range nodes {
			nodes[i] = Node{ID: NewID(), Host: "127.0.0.1", Port: 7000 + i}
		}
		// Random ranges; some slots left unserved.
		for start := 0; start < NumSlots; {
			end := min(start+rng.IntN(3000), NumSlots-1)
			o := rng.IntN(n + 1) // n: nobody
			var rs []string
			if o < n {
				for _, j := range rng.Perm(n)[:rng.IntN(min(n, 3))] {
					if j != o {
						rs = append(rs, nodes[j].ID)
					}
				}
				nodes[o].Slots = append(nodes[o].Slots, SlotRange{Start: uint16(start), End: uint16(end), Replicas: rs})
			}
			for s := start; s <= end; s++ {
				owner[s], reps[s] = o, rs
			}
			start = end + 1
		}
		me := rng.IntN(n)
		m := Map{Me: nodes[me].ID, Nodes: nodes, Migrating: map[uint16]string{}, Importing: map[uint16]string{}}
		if n > 1 {
			for range 20 {
				s := uint16(rng.IntN(NumSlots))
				other := (me + 1 + rng.IntN(n-1)) % n
				switch {
				case owner[s] == me:
					m.Migrating[s] = nodes[other].ID
				case owner[s] != n:
					m.Importing[s] = nodes[owner[s]].ID
				}
			}
		}
		v, err := NewStatic(m)
		if err != nil {
			t.Fatal(err)
		}
		if v.MyID() != nodes[me].ID || len(v.Nodes()) != n {
			t.Fatalf("MyID %s, %d nodes", v.MyID(), len(v.Nodes()))
		}
		all := len(m.Migrating)+len(m.Importing) == 0
		for s := range uint16(NumSlots) {
			r := v.Slot(s)
			if owner[s] == n {
				if r.Owner != nil {
					t.Fatalf("slot %d: owner %s, want none", s, r.Owner.ID)
				}
			} else if r.Owner == nil || r.Owner.ID != nodes[owner[s]].ID || r.Local != (owner[s] == me) {
				t.Fatalf("slot %d: %+v, want owner %d (me %d)", s, r, owner[s], me)
			}
			if len(r.Replicas) != len(reps[s]) {
				t.Fatalf("slot %d: %d replicas, want %v", s, len(r.Replicas), reps[s])
			}
			for i, rep := range r.Replicas {
				if rep.ID != reps[s][i] {
					t.Fatalf("slot %d: replica %d is %s, want %s", s, i, rep.ID, reps[s][i])
				}
			}
			if to, ok := m.Migrating[s]; ok != (r.MigratingTo != nil) || ok && r.MigratingTo.ID != to {
				t.Fatalf("slot %d: migrating to %v, want %q", s, r.MigratingTo, to)
			}
			if from, ok := m.Importing[s]; ok != (r.ImportingFrom != nil) || ok && r.ImportingFrom.ID != from {
				t.Fatalf("slot %d: importing from %v, want %q", s, r.ImportingFrom, from)
			}
			all = all && owner[s] == me
		}
		if v.OwnsAll() != all {
			t.Fatalf("OwnsAll = %v, want %v", v.OwnsAll(), all)
		}
	}
	one, err := NewStatic(Single(NewID(), "", 7379))
	if err != nil || !one.OwnsAll() || !one.Slot(0).Local || !one.Slot(NumSlots-1).Local {
		t.Fatalf("Single: %v, OwnsAll %v", err, one.OwnsAll())
	}
}
