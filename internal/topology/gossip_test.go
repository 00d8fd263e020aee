package topology

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/membership"
)

// gossipNode is a node with a gossip member: started before Open (so the
// map records its address), joined to the others after Start, as node.go
// would do it.
type gossipNode struct {
	*tnode
	g *membership.Gossip
}

func startGossipNode(t *testing.T, dir, busAddr string, join []string) *gossipNode {
	t.Helper()
	id, err := NodeID(dir)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := membership.Start(membership.Config{
		Meta: membership.Meta{ID: id, ClientAddr: "127.0.0.1:7379", Version: testVersion},
		Compatible: func(p membership.Meta) error {
			return Compatible(p.Version, testVersion)
		},
		Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g2.Close() })
	n, err := openNode(t, dir, busAddr, join, func(c *Config) { c.GossipAddr = g2.Addr() })
	if err != nil {
		t.Fatal(err)
	}
	if n.ID() != id {
		t.Fatalf("Open gave id %s, NodeID %s", n.ID(), id)
	}
	if err := n.start(); err != nil {
		t.Fatal(err)
	}
	m := n.Map()
	meta := g2.Meta()
	meta.BusAddr = n.bus.Addr()
	meta.ClusterID = m.ClusterID
	if err := g2.SetMeta(meta); err != nil {
		t.Fatal(err)
	}
	if peers := m.GossipAddrs(n.ID()); len(peers) > 0 {
		if _, err := g2.Join(peers); err != nil {
			t.Fatal(err)
		}
	}
	n.FollowGossip(g2)
	return &gossipNode{tnode: n, g: g2}
}

func (n *gossipNode) crash() {
	n.g.Close()
	n.close()
}

func TestGossipDeathMarksFailed(t *testing.T) {
	base := t.TempDir()
	var gs []*gossipNode
	var ns []*tnode
	for i := range 3 {
		var join []string
		if i > 0 {
			join = []string{gs[0].bus.Addr()}
		}
		g := startGossipNode(t, filepath.Join(base, string(rune('a'+i))), "", join)
		gs, ns = append(gs, g), append(ns, g.tnode)
	}
	waitAgree(t, ns)
	l := leader(t, ns)
	var victim *gossipNode
	var rest []*tnode
	for _, g := range gs {
		if g.tnode != l && victim == nil {
			victim = g
		} else {
			rest = append(rest, g.tnode)
		}
	}
	id := victim.ID()
	slots := l.Map().Slots(id)
	crashed := time.Now()
	victim.crash()
	waitFor(t, "the leader to mark the dead node failed", 10*time.Second, func() bool {
		mb, _ := l.Map().Member(id)
		return mb.Failed
	})
	t.Logf("dead node marked failed in the map after %v", time.Since(crashed))
	waitAgree(t, rest)
	if mb, _ := l.Map().Member(id); mb.State != Active || !slices.Equal(slots, l.Map().Slots(id)) {
		t.Fatalf("gossip changed more than health: %+v", mb)
	}

	// Back with its data directory and bus address (a new gossip port):
	// alive again, and the map has its new gossip address.
	back := startGossipNode(t, victim.dir, victim.addr, nil)
	if back.ID() != id {
		t.Fatalf("came back as %s, was %s", back.ID(), id)
	}
	waitFor(t, "the node to be alive again in the map", 10*time.Second, func() bool {
		mb, _ := l.Map().Member(id)
		return !mb.Failed && mb.GossipAddr == back.g.Addr()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := back.Wait(ctx, func(m *Map) bool { mb, _ := m.Member(id); return !mb.Failed }); err != nil {
		t.Fatal(err)
	}
}
