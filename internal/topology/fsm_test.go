package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

func nid(i int) string { return fmt.Sprintf("%040x", i) }

// applyTo applies e to f as Raft would, returning the entry's result.
func applyTo(t testing.TB, f *fsm, idx uint64, e *pb.Entry) error {
	t.Helper()
	e.Version = entryVersion
	data, err := proto.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Apply(&raft.Log{Index: idx, Type: raft.LogCommand, Data: data}); r != nil {
		return r.(error)
	}
	return nil
}

// leaderStep does what the leader does for a join or a leave, through the
// placeholder placer, and applies it.
func join(t testing.TB, f *fsm, idx *uint64, id string) {
	t.Helper()
	*idx++
	if err := applyTo(t, f, *idx, &pb.Entry{Op: &pb.Entry_AddMember{AddMember: &pb.AddMember{Member: &pb.Member{Id: id, BusAddr: "b-" + id}}}}); err != nil {
		t.Fatal(err)
	}
	m := f.cur.Load()
	p, err := PlaceholderPlacer{}.Join(m.placement, id, m.Replicas)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := m.diff(p, "")
	if err != nil {
		t.Fatal(err)
	}
	*idx++
	if err := applyTo(t, f, *idx, &pb.Entry{Op: &pb.Entry_Activate{Activate: &pb.Activate{Id: id, Rebalance: rb}}}); err != nil {
		t.Fatal(err)
	}
}

// drain applies the Drain of id, with the placeholder placer's plan.
func drain(t testing.TB, f *fsm, idx *uint64, id string) {
	t.Helper()
	m := f.cur.Load()
	p, err := PlaceholderPlacer{}.Leave(m.placement, id)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := m.diff(p, id)
	if err != nil {
		t.Fatal(err)
	}
	*idx++
	if err := applyTo(t, f, *idx, &pb.Entry{Op: &pb.Entry_Drain{Drain: &pb.Drain{Id: id, Rebalance: rb}}}); err != nil {
		t.Fatal(err)
	}
}

func bootstrapped(t testing.TB, rf int) *fsm {
	t.Helper()
	f := newFSM()
	one := make([][]uint64, NumSlots)
	for s := range one {
		one[s] = []uint64{1}
	}
	p, err := PlaceholderPlacer{}.Join(nil, nid(1), rf)
	if err != nil {
		t.Fatal(err)
	}
	err = applyTo(t, f, 1, &pb.Entry{Op: &pb.Entry_Bootstrap{Bootstrap: &pb.Bootstrap{
		ClusterId: "c", Replicas: uint32(rf), Voters: 3,
		Member: &pb.Member{Id: nid(1), BusAddr: "b1"}, Slots: ranges(one, nil), Placement: p.State,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// moveAll finishes every migration.
func moveAll(t *testing.T, f *fsm, idx *uint64) {
	t.Helper()
	var slots []uint32
	for _, mg := range f.cur.Load().Migrations() {
		slots = append(slots, uint32(mg.Slot))
	}
	*idx++
	if err := applyTo(t, f, *idx, &pb.Entry{Op: &pb.Entry_SlotsMoved{SlotsMoved: &pb.SlotsMoved{Slots: slots}}}); err != nil {
		t.Fatal(err)
	}
}

// checkMap holds the map to its invariants.
func checkMap(t *testing.T, m *Map) {
	t.Helper()
	for s := range NumSlots {
		ow := m.Owners(s)
		if len(ow) == 0 || len(ow) > m.Replicas {
			t.Fatalf("slot %d has owners %v (RF %d)", s, ow, m.Replicas)
		}
		if len(slices.Compact(slices.Clone(ow))) != len(ow) {
			t.Fatalf("slot %d owner twice: %v", s, ow)
		}
		for _, id := range ow {
			if mb, ok := m.Member(id); !ok || mb.State == Gone || mb.State == Joining {
				t.Fatalf("slot %d owned by %+v", s, mb)
			}
		}
		if m.Primary(s).ID != ow[0] {
			t.Fatalf("slot %d primary %s, owners %v", s, m.Primary(s).ID, ow)
		}
		mg, ok := m.Migration(s)
		if ok && (mg.From == mg.To || mg.From != ow[0]) {
			t.Fatalf("slot %d migration %+v, owners %v", s, mg, ow)
		}
		if to := m.MovingTo(s); (to == nil) == ok || (ok && to.ID != mg.To) {
			t.Fatalf("slot %d MovingTo %v, migration %+v", s, to, mg)
		}
	}
}

func TestFSMLifecycle(t *testing.T) {
	for _, rf := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("rf=%d", rf), func(t *testing.T) {
			f := bootstrapped(t, rf)
			idx := uint64(1)
			checkMap(t, f.cur.Load())
			for i := 2; i <= 4; i++ {
				join(t, f, &idx, nid(i))
				checkMap(t, f.cur.Load())
				moveAll(t, f, &idx)
				checkMap(t, f.cur.Load())
			}
			m := f.cur.Load()
			if m.Epoch != idx {
				t.Fatalf("epoch %d after %d entries", m.Epoch, idx)
			}
			for i := 1; i <= 4; i++ {
				if n := len(m.Slots(nid(i))); n != NumSlots/4 {
					t.Fatalf("node %d serves %d slots", i, n)
				}
			}
			drain(t, f, &idx, nid(2))
			m = f.cur.Load()
			checkMap(t, m)
			mb, _ := m.Member(nid(2))
			if mb.State != Draining || !m.holds(mb.JoinOrder) {
				t.Fatalf("draining member %+v holds nothing", mb)
			}
			moveAll(t, f, &idx)
			m = f.cur.Load()
			if m.holds(mb.JoinOrder) {
				t.Fatal("drained member still holds slots")
			}
			idx++
			if err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: nid(2)}}}); err != nil {
				t.Fatal(err)
			}
			m = f.cur.Load()
			checkMap(t, m)
			if mb, _ := m.Member(nid(2)); mb.State != Gone {
				t.Fatalf("removed member %+v", mb)
			}
		})
	}
}

func TestDiffCallsOffMigration(t *testing.T) {
	f := bootstrapped(t, 1)
	idx := uint64(1)
	join(t, f, &idx, nid(2))
	m := f.cur.Load()
	if len(m.Migrations()) != NumSlots/2 {
		t.Fatalf("%d migrations", len(m.Migrations()))
	}
	// Draining node 2 before anything moved calls its migrations off.
	p, err := PlaceholderPlacer{}.Leave(m.placement, nid(2))
	if err != nil {
		t.Fatal(err)
	}
	rb, err := m.diff(p, nid(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Moves) != 0 {
		t.Fatalf("%d moves", len(rb.Moves))
	}
	idx++
	if err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_Drain{Drain: &pb.Drain{Id: nid(2), Rebalance: rb}}}); err != nil {
		t.Fatal(err)
	}
	m = f.cur.Load()
	mb, _ := m.Member(nid(2))
	if len(m.Migrations()) != 0 || m.holds(mb.JoinOrder) {
		t.Fatalf("migrations left: %d", len(m.Migrations()))
	}
}

func TestDiffRejectsBadPlacement(t *testing.T) {
	f := bootstrapped(t, 2)
	idx := uint64(1)
	join(t, f, &idx, nid(2))
	m := f.cur.Load()
	good := func() [][]string {
		out := make([][]string, NumSlots)
		for s := range out {
			out[s] = m.Owners(s)
		}
		return out
	}
	for name, c := range map[string]struct {
		owners  [][]string
		leaving string
	}{
		"short":    {owners: make([][]string, 10)},
		"stranger": {owners: func() [][]string { o := good(); o[5] = []string{nid(9)}; return o }()},
		"twice":    {owners: func() [][]string { o := good(); o[5] = []string{nid(1), nid(1)}; return o }()},
		"empty":    {owners: func() [][]string { o := good(); o[5] = nil; return o }()},
		"leaver":   {owners: good(), leaving: nid(2)},
	} {
		if _, err := m.diff(Placement{Owners: c.owners}, c.leaving); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := m.diff(Placement{Owners: good()}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestFSMRejectsBadEntries(t *testing.T) {
	f := bootstrapped(t, 1)
	before := f.cur.Load()
	if r := f.Apply(&raft.Log{Index: 2, Type: raft.LogCommand, Data: []byte("junk")}); r == nil {
		t.Fatal("junk applied")
	}
	data, _ := proto.Marshal(&pb.Entry{Version: 99, Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: nid(1)}}})
	if r := f.Apply(&raft.Log{Index: 3, Type: raft.LogCommand, Data: data}); r == nil {
		t.Fatal("entry of a future version applied")
	}
	for _, e := range []*pb.Entry{
		{},
		{Op: &pb.Entry_Bootstrap{Bootstrap: &pb.Bootstrap{ClusterId: "again"}}},
		{Op: &pb.Entry_AddMember{AddMember: &pb.AddMember{Member: &pb.Member{Id: nid(1)}}}},
		{Op: &pb.Entry_Activate{Activate: &pb.Activate{Id: nid(1)}}},
		{Op: &pb.Entry_Drain{Drain: &pb.Drain{Id: nid(7)}}},
		{Op: &pb.Entry_SetFailed{SetFailed: &pb.SetFailed{Id: nid(7)}}},
	} {
		if err := applyTo(t, f, 4, e); err == nil {
			t.Fatalf("%v applied", e)
		}
	}
	if f.cur.Load() != before {
		t.Fatal("a refused entry changed the map")
	}
	// Before bootstrap, only Bootstrap applies.
	if err := applyTo(t, newFSM(), 1, &pb.Entry{Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: nid(1)}}}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("entry before bootstrap: %v", err)
	}
}

type memSink struct {
	bytes.Buffer
	cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { return nil }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }

func TestSnapshotRoundTrip(t *testing.T) {
	f := bootstrapped(t, 3)
	idx := uint64(1)
	join(t, f, &idx, nid(2))
	join(t, f, &idx, nid(3))
	idx++
	applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_SetFailed{SetFailed: &pb.SetFailed{Id: nid(3), Failed: true}}})
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var sink memSink
	if err := snap.Persist(&sink); err != nil {
		t.Fatal(err)
	}
	g := newFSM()
	changed := g.cur.Load().Changed()
	if err := g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("restore did not publish")
	}
	a, _ := proto.Marshal(mapToPB(f.cur.Load()))
	b, _ := proto.Marshal(mapToPB(g.cur.Load()))
	if !bytes.Equal(a, b) {
		t.Fatal("restored map differs")
	}
	m := g.cur.Load()
	checkMap(t, m)
	if mb, _ := m.Member(nid(3)); !mb.Failed || len(m.Migrations()) == 0 {
		t.Fatalf("restored %+v, %d migrations", mb, len(m.Migrations()))
	}
	if err := g.Restore(io.NopCloser(bytes.NewReader([]byte("junk")))); err == nil {
		t.Fatal("junk snapshot restored")
	}
}

func TestCompatible(t *testing.T) {
	for _, c := range []struct {
		a, b string
		ok   bool
	}{
		{"0.1.0", "0.1.0", true},
		{"0.1.0", "0.1.9", true},
		{"v0.1.2-dev", "0.1.0+abc", true},
		{"0.1.0", "0.2.0", false},
		{"1.2.0", "1.9.1", true},
		{"1.0.0", "2.0.0", false},
		{"0.1.0", "1.1.0", false},
		{"junk", "0.1.0", false},
		{"0.1.0", "", false},
	} {
		err := Compatible(c.a, c.b)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrIncompatibleVersion)) {
			t.Errorf("Compatible(%q, %q) = %v", c.a, c.b, err)
		}
	}
}

func TestPlaceholderPlacer(t *testing.T) {
	var pl PlaceholderPlacer
	var p Placement
	var err error
	for i := 1; i <= 3; i++ {
		if p, err = pl.Join(p.State, nid(i), 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pl.Join(p.State, nid(2), 2); err == nil {
		t.Fatal("joined twice")
	}
	count := map[string]int{}
	for _, ow := range p.Owners {
		if len(ow) != 2 || ow[0] == ow[1] {
			t.Fatalf("owners %v", ow)
		}
		count[ow[0]]++
	}
	for i := 1; i <= 3; i++ {
		if c := count[nid(i)]; c < NumSlots/3 || c > NumSlots/3+1 {
			t.Fatalf("%s serves %d", nid(i), c)
		}
	}
	if p, err = pl.Leave(p.State, nid(2)); err != nil {
		t.Fatal(err)
	}
	for _, ow := range p.Owners {
		if slices.Contains(ow, nid(2)) {
			t.Fatal("left node still placed")
		}
	}
	if p, err = pl.Leave(p.State, nid(1)); err != nil {
		t.Fatal(err)
	}
	if _, err = pl.Leave(p.State, nid(3)); err == nil {
		t.Fatal("last node left")
	}
	if _, err = pl.Join([]byte("junk"), nid(4), 1); err == nil {
		t.Fatal("junk state accepted")
	}
}

func FuzzApply(f *testing.F) {
	for _, e := range []*pb.Entry{
		{Version: 1, Op: &pb.Entry_SlotsMoved{SlotsMoved: &pb.SlotsMoved{Slots: []uint32{1, 99999}}}},
		{Version: 1, Op: &pb.Entry_Drain{Drain: &pb.Drain{Id: nid(1), Rebalance: &pb.Rebalance{Assign: []*pb.SlotRange{{Start: 5, End: 1 << 20}}}}}},
	} {
		data, _ := proto.Marshal(e)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := bootstrapped(t, 2)
		fs.Apply(&raft.Log{Index: 2, Type: raft.LogCommand, Data: data}) // must not panic
	})
}
