package topology

import (
	"context"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/clusterview"
	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

func TestViewIsAValidClusterView(t *testing.T) {
	f := bootstrapped(t, 2)
	idx := uint64(1)
	setAddrs := func(i int) {
		idx++
		err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_UpdateMember{UpdateMember: &pb.UpdateMember{Member: &pb.Member{
			Id: nid(i), ClientAddr: "127.0.0.1:700" + string(rune('0'+i)), BusAddr: "127.0.0.1:1700" + string(rune('0'+i)),
		}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	setAddrs(1)
	join(t, f, &idx, nid(2))
	setAddrs(2)
	m := f.cur.Load()
	if len(m.Migrations()) == 0 {
		t.Fatal("no migrations")
	}
	for _, me := range []string{nid(1), nid(2)} {
		v, err := m.View(me)
		if err != nil {
			t.Fatal(err)
		}
		st, err := clusterview.NewStatic(v)
		if err != nil {
			t.Fatalf("view from %s: %v", me, err)
		}
		if st.OwnsAll() {
			t.Fatal("owns all while slots are in flight")
		}
		for s := range NumSlots {
			sl := st.Slot(uint16(s))
			if sl.Owner == nil || sl.Owner.ID != m.Primary(s).ID {
				t.Fatalf("slot %d: view owner %v, map %s", s, sl.Owner, m.Primary(s).ID)
			}
			mg, moving := m.Migration(s)
			switch {
			case moving && me == mg.From:
				if sl.MigratingTo == nil || sl.MigratingTo.ID != mg.To {
					t.Fatalf("slot %d not migrating to %s", s, mg.To)
				}
			case moving && me == mg.To:
				if sl.ImportingFrom == nil || sl.ImportingFrom.ID != mg.From {
					t.Fatalf("slot %d not importing from %s", s, mg.From)
				}
			}
			if len(sl.Replicas) != len(m.Owners(s))-1 {
				t.Fatalf("slot %d replicas %d, owners %v", s, len(sl.Replicas), m.Owners(s))
			}
		}
	}
}

func TestFollow(t *testing.T) {
	n := startNode(t, t.TempDir(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seen := make(chan uint64, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Follow(ctx, func(m *Map) { seen <- m.Epoch })
	}()
	first := <-seen
	assertServing(t, []*tnode{n})
	for e := range seen {
		if e > first {
			break
		}
	}
	cancel()
	<-done
}

// TestViewOfARemovedNode checks the view a node builds from the map that
// removes it: the flip of its last slots and its removal can reach it in one
// map, and it must then answer MOVED for every slot, not keep serving the
// slots of the map before (as it did when View refused such a map).
func TestViewOfARemovedNode(t *testing.T) {
	f := bootstrapped(t, 1)
	idx := uint64(1)
	join(t, f, &idx, nid(2))
	moveAll(t, f, &idx)
	for i := 1; i <= 2; i++ {
		idx++
		err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_UpdateMember{UpdateMember: &pb.UpdateMember{Member: &pb.Member{
			Id: nid(i), ClientAddr: "127.0.0.1:700" + string(rune('0'+i)), BusAddr: "127.0.0.1:1700" + string(rune('0'+i)),
		}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	drain(t, f, &idx, nid(2))
	moveAll(t, f, &idx)
	idx++
	if err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: nid(2)}}}); err != nil {
		t.Fatal(err)
	}
	m := f.cur.Load()
	if mb, _ := m.Member(nid(2)); mb.State != Gone {
		t.Fatalf("removed member %+v", mb)
	}

	v, err := m.View(nid(2))
	if err != nil {
		t.Fatalf("the removed node's view: %v", err)
	}
	st, err := clusterview.NewStatic(v)
	if err != nil {
		t.Fatalf("the removed node's view: %v", err)
	}
	for s := range NumSlots {
		sl := st.Slot(uint16(s))
		if sl.Owner == nil || sl.Owner.ID != nid(1) || sl.Local {
			t.Fatalf("slot %d in the removed node's view: owner %v, local %v; want %s", s, sl.Owner, sl.Local, nid(1))
		}
	}
	// The others do not list it.
	v, err = m.View(nid(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range v.Nodes {
		if n.ID == nid(2) {
			t.Fatalf("node 1's view lists the removed node: %+v", v.Nodes)
		}
	}
}
