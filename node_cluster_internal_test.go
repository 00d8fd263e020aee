//go:build !nocluster

package larder

import (
	"strings"
	"testing"

	"github.com/larderdb/larder/internal/clusterview"
)

// TestOwnsFollowsTheView checks that the migration target learns a slot is
// its own from the view the command layer routes by. It once asked the Raft
// map, which the view follows a little later: the target dropped its
// Committed mark early and answered MOVED back to the source, which answered
// MOVED to the target, until go-redis ran out of redirects (seen in
// TestClusterProcessesJoinAndDrain). Before the first map, the view is a
// placeholder that serves every slot, and a joining node imports slots then.
func TestOwnsFollowsTheView(t *testing.T) {
	a, b := strings.Repeat("a", 40), strings.Repeat("b", 40)
	view := func(owner string) clusterview.Map {
		m := clusterview.Map{Me: a, Epoch: 1, Nodes: []clusterview.Node{
			{ID: a, Host: "127.0.0.1", Port: 7001},
			{ID: b, Host: "127.0.0.1", Port: 7002},
		}}
		for i := range m.Nodes {
			if m.Nodes[i].ID == owner {
				m.Nodes[i].Slots = []clusterview.SlotRange{{Start: 0, End: clusterview.NumSlots - 1}}
			}
		}
		return m
	}
	// Before the first map, the view is the placeholder cluster of one.
	st, err := clusterview.NewStatic(clusterview.Single(a, "127.0.0.1", 7001))
	if err != nil {
		t.Fatal(err)
	}
	cp := &controlPlane{view: st}
	if cp.owns(42) {
		t.Fatal("owns a slot before the view holds a cluster map")
	}
	if err := st.Set(view(b)); err != nil {
		t.Fatal(err)
	}
	cp.applied.Store(1) // as apply does
	if cp.owns(42) {
		t.Fatal("owns a slot the view gives to another node")
	}
	if err := st.Set(view(a)); err != nil {
		t.Fatal(err)
	}
	if !cp.owns(42) {
		t.Fatal("does not own a slot the view gives to this node")
	}
}
