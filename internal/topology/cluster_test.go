package topology

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"
)

func TestBootstrapOneNode(t *testing.T) {
	n := startNode(t, t.TempDir(), nil)
	m := n.Map()
	if len(m.ClusterID) != 32 {
		t.Fatalf("cluster id %q", m.ClusterID)
	}
	if len(m.Members) != 1 {
		t.Fatalf("members %+v", m.Members)
	}
	mb := m.Members[0]
	if mb.ID != n.ID() || mb.State != Active || !mb.Voter || mb.JoinOrder != 1 || mb.BusAddr != n.bus.Addr() {
		t.Fatalf("member %+v", mb)
	}
	for s := range NumSlots {
		if p := m.Primary(s); p == nil || p.ID != n.ID() {
			t.Fatalf("slot %d primary %v", s, p)
		}
	}
	if m.Replicas != 1 || m.Voters != 3 {
		t.Fatalf("replicas %d voters %d", m.Replicas, m.Voters)
	}
	var id identity
	data, err := os.ReadFile(filepath.Join(n.dir, "node.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &id); err != nil || id.NodeID != n.ID() || id.ClusterID != m.ClusterID {
		t.Fatalf("node.json %s (%v)", data, err)
	}
}

func TestThreeNodesAgreeFourthIsNonVoter(t *testing.T) {
	ns := cluster(t, 3)
	m := waitAgree(t, ns)
	if len(m.Members) != 3 {
		t.Fatalf("members %+v", m.Members)
	}
	for i, mb := range m.Members {
		if mb.ID != ns[i].ID() || mb.State != Active || !mb.Voter || mb.JoinOrder != uint64(i+1) {
			t.Fatalf("member %d: %+v", i, mb)
		}
	}
	want, _ := proto.Marshal(mapToPB(m))
	for _, n := range ns[1:] {
		got, _ := proto.Marshal(mapToPB(n.Map()))
		if !slices.Equal(want, got) {
			t.Fatalf("node %s has a different map", n.ID())
		}
	}
	// The placeholder placer gives the newcomers slots as migrations.
	if len(m.Migrations()) == 0 {
		t.Fatal("no migrations after two joins")
	}

	// The fourth node follows as a non-voter.
	n4 := startNode(t, filepath.Join(t.TempDir(), "n4"), []string{ns[2].bus.Addr()})
	ns = append(ns, n4)
	m = waitAgree(t, ns)
	mb, ok := m.Member(n4.ID())
	if !ok || mb.Voter || mb.State != Active {
		t.Fatalf("fourth member %+v", mb)
	}
	l := leader(t, ns)
	servers := raftServers(t, l)
	if len(servers) != 4 || servers[n4.ID()] != raft.Nonvoter {
		t.Fatalf("raft configuration %v", servers)
	}
	for _, n := range ns[:3] {
		if servers[n.ID()] != raft.Voter {
			t.Fatalf("raft configuration %v", servers)
		}
	}
	assertServing(t, ns)
}

func TestLeaderLoss(t *testing.T) {
	ns := cluster(t, 3)
	old := leader(t, ns)
	old.close()
	var rest []*tnode
	for _, n := range ns {
		if n != old {
			rest = append(rest, n)
		}
	}
	nl := leader(t, rest)
	if nl == old {
		t.Fatal("old leader still leads")
	}
	// Readable everywhere, writable through either survivor.
	for _, n := range rest {
		if n.Map().ClusterID == "" || len(n.Map().Members) != 3 {
			t.Fatalf("map on %s: %+v", n.ID(), n.Map())
		}
	}
	assertServing(t, rest)
	// A new node can join while one voter is down.
	n4 := startNode(t, filepath.Join(t.TempDir(), "n4"), []string{rest[0].bus.Addr()})
	waitAgree(t, append(rest, n4))
}

func TestRestartRejoinsAsItself(t *testing.T) {
	ns := cluster(t, 3)
	// Restart a follower, and the leader, each with its data directory.
	for _, pick := range []string{"follower", "leader"} {
		l := leader(t, ns)
		i := slices.IndexFunc(ns, func(n *tnode) bool { return (n == l) == (pick == "leader") })
		n := ns[i]
		id, epoch := n.ID(), n.Map().Epoch
		r, err := n.restart(nil)
		if err != nil {
			t.Fatalf("%s restart: %v", pick, err)
		}
		if r.ID() != id {
			t.Fatalf("%s came back as %s, was %s", pick, r.ID(), id)
		}
		if r.Map().Epoch < epoch {
			t.Fatalf("%s lost map entries: epoch %d < %d", pick, r.Map().Epoch, epoch)
		}
		ns[i] = r
		waitAgree(t, ns)
		assertServing(t, ns)
		if len(r.Map().Members) != 3 {
			t.Fatalf("members after restart %+v", r.Map().Members)
		}
	}
}

func TestRestartSingleNode(t *testing.T) {
	for _, snap := range []bool{false, true} {
		n := startNode(t, t.TempDir(), nil)
		assertServing(t, []*tnode{n})
		if snap { // restart from a Raft snapshot, then the log after it
			if err := n.raftNode().Snapshot().Error(); err != nil {
				t.Fatal(err)
			}
			assertServing(t, []*tnode{n})
		}
		id, cid, epoch := n.ID(), n.Map().ClusterID, n.Map().Epoch
		r, err := n.restart(nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID() != id || r.Map().ClusterID != cid || r.Map().Epoch != epoch {
			t.Fatalf("snapshot %v: restarted as %s in %s at epoch %d; was %s in %s at %d",
				snap, r.ID(), r.Map().ClusterID, r.Map().Epoch, id, cid, epoch)
		}
		assertServing(t, []*tnode{r})
	}
}

func TestDrainPromotesNonVoter(t *testing.T) {
	ns := cluster(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Finish the joins' migrations, as the migration layer would.
	finishMigrations(t, ctx, ns[0])
	victim := ns[1] // a voter, not the first node
	if err := ns[3].Drain(ctx, victim.ID()); err != nil {
		t.Fatal(err)
	}
	m := ns[3].Map()
	mb, _ := m.Member(victim.ID())
	if mb.State != Draining {
		t.Fatalf("victim %+v", mb)
	}
	if len(m.Slots(victim.ID())) == 0 || len(m.Migrations()) == 0 {
		t.Fatal("draining node holds no slots to hand off")
	}
	for _, mg := range m.Migrations() {
		if mg.To == victim.ID() {
			t.Fatalf("migration to the draining node: %+v", mg)
		}
	}
	waitAgree(t, ns)
	finishMigrations(t, ctx, ns[2])
	m, err := ns[0].Wait(ctx, func(m *Map) bool { return isGone(m, victim.ID()) })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Slots(victim.ID())) != 0 {
		t.Fatal("gone node still owns slots")
	}
	rest := []*tnode{ns[0], ns[2], ns[3]}
	waitFor(t, "the non-voter to be promoted", 10*time.Second, func() bool {
		mb, _ := ns[0].Map().Member(ns[3].ID())
		return mb.Voter
	})
	l := leader(t, rest)
	waitFor(t, "the drained node out of Raft", 10*time.Second, func() bool {
		servers := raftServers(t, l)
		_, in := servers[victim.ID()]
		return !in && len(servers) == 3 && servers[ns[3].ID()] == raft.Voter
	})
	assertServing(t, rest)
	// Drained and removed: its old identity is refused, with a join
	// target or without.
	victim.close()
	for _, join := range [][]string{{ns[0].bus.Addr()}, nil} {
		start := time.Now()
		if _, err := victim.restart(join); !errorsIs(err, ErrRemoved) {
			t.Fatalf("restart of a removed node (join %v): %v", join, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("refusal took %v", d)
		}
	}
}

func TestLeaderLeaves(t *testing.T) {
	ns := cluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	finishMigrations(t, ctx, ns[0])
	l := leader(t, ns)
	done := make(chan error, 1)
	go func() { done <- l.Leave(ctx) }()
	other := ns[0]
	if other == l {
		other = ns[1]
	}
	waitFor(t, "draining", 10*time.Second, func() bool {
		mb, _ := other.Map().Member(l.ID())
		return mb.State == Draining
	})
	finishMigrations(t, ctx, other)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var rest []*tnode
	for _, n := range ns {
		if n != l {
			rest = append(rest, n)
		}
	}
	l.close()
	nl := leader(t, rest)
	waitFor(t, "the old leader out of Raft", 10*time.Second, func() bool {
		_, in := raftServers(t, nl)[l.ID()]
		return !in
	})
	assertServing(t, rest)
}

// finishMigrations reports every slot in migration as moved, through n.
func finishMigrations(t testing.TB, ctx context.Context, n *tnode) {
	t.Helper()
	var slots []int
	for _, mg := range n.Map().Migrations() {
		slots = append(slots, mg.Slot)
	}
	if err := n.SlotsMoved(ctx, slots...); err != nil {
		t.Fatal(err)
	}
	if len(n.Map().Migrations()) != 0 {
		t.Fatalf("%d migrations left", len(n.Map().Migrations()))
	}
}

func TestRestartAtNewBusAddress(t *testing.T) {
	ns := cluster(t, 3)
	l := leader(t, ns)
	i := slices.IndexFunc(ns, func(n *tnode) bool { return n != l })
	old := ns[i]
	id, oldAddr := old.ID(), old.addr
	old.close()
	// No join target: the node finds the others in its own map.
	r, err := openNode(t, old.dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if r.ID() != id || r.addr == oldAddr {
		t.Fatalf("id %s addr %s", r.ID(), r.addr)
	}
	ns[i] = r
	m := waitAgree(t, ns)
	if mb, _ := m.Member(id); mb.BusAddr != r.addr {
		t.Fatalf("map has %s at %s, want %s", id, mb.BusAddr, r.addr)
	}
	waitFor(t, "Raft to use the new address", 10*time.Second, func() bool {
		f := leader(t, ns).raftNode().GetConfiguration()
		for _, s := range f.Configuration().Servers {
			if string(s.ID) == id {
				return string(s.Address) == r.addr
			}
		}
		return false
	})
	assertServing(t, ns)
}

func TestWholeClusterRestart(t *testing.T) {
	ns := cluster(t, 3)
	epoch := ns[0].Map().Epoch
	addrs := []string{ns[0].addr, ns[1].addr, ns[2].addr}
	for _, n := range ns {
		n.close()
	}
	// All come back at once, each told to join the others, as a service
	// manager would start them.
	errs := make(chan error, len(ns))
	back := make([]*tnode, len(ns))
	for i, n := range ns {
		go func() {
			var join []string
			for j, a := range addrs {
				if j != i {
					join = append(join, a)
				}
			}
			r, err := openNode(t, n.dir, n.addr, join)
			if err == nil {
				err = r.start()
			}
			back[i] = r
			errs <- err
		}()
	}
	for range ns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	m := waitAgree(t, back)
	if m.Epoch < epoch || len(m.Members) != 3 {
		t.Fatalf("epoch %d (was %d), %d members", m.Epoch, epoch, len(m.Members))
	}
	assertServing(t, back)
}

// TestSlotsMovedToChecksTheTarget: a move reported for another node than the
// one the map now moves the slot to is refused and changes nothing; the
// right target succeeds, and again (a retried call) without harm.
func TestSlotsMovedToChecksTheTarget(t *testing.T) {
	ctx := context.Background()
	ns := cluster(t, 2)
	finishMigrations(t, ctx, leader(t, ns))
	ns = append(ns, startNode(t, filepath.Join(t.TempDir(), "n3"), []string{ns[0].bus.Addr()}))
	waitAgree(t, ns)
	l := leader(t, ns)
	n3 := ns[2].ID()
	var mg Migration
	for _, m := range l.Map().Migrations() {
		if m.To == n3 {
			mg = m
			break
		}
	}
	if mg.To != n3 {
		t.Fatalf("no slot migrates to the new node: %v", l.Map().Migrations())
	}
	wrong := ns[0].ID()
	if wrong == mg.From {
		wrong = ns[1].ID()
	}
	if err := l.SlotsMovedTo(ctx, wrong, mg.Slot); !errors.Is(err, ErrStaleMove) {
		t.Fatalf("SlotsMovedTo(%s) for a slot migrating to %s: %v, want ErrStaleMove", wrong[:8], n3[:8], err)
	}
	if got, ok := l.Map().Migration(mg.Slot); !ok || got.To != n3 || l.Map().Primary(mg.Slot).ID != mg.From {
		t.Fatalf("a refused move changed the map: migration %+v %v, primary %s", got, ok, l.Map().Primary(mg.Slot).ID)
	}
	for range 2 {
		if err := l.SlotsMovedTo(ctx, n3, mg.Slot); err != nil {
			t.Fatal(err)
		}
		if p := l.Map().Primary(mg.Slot); p.ID != n3 {
			t.Fatalf("slot %d primary %s after its move to %s", mg.Slot, p.ID[:8], n3[:8])
		}
	}
	if err := l.SlotsMovedTo(ctx, wrong, mg.Slot); !errors.Is(err, ErrStaleMove) {
		t.Fatalf("SlotsMovedTo(%s) for a slot %s owns: %v, want ErrStaleMove", wrong[:8], n3[:8], err)
	}
}
