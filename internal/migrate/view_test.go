package migrate

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/larderdb/larder/internal/clusterview"
)

// TestView checks the command layer's view of slots in migration: no ASK from the source,
// no ASKING on the target before the commit, nobody while paused, the target once committed.
func TestView(t *testing.T) {
	idA, idB := clusterview.NewID(), clusterview.NewID()
	m := clusterview.Map{
		Me: idA,
		Nodes: []clusterview.Node{
			{ID: idA, Host: "127.0.0.1", Port: 7001, Slots: []clusterview.SlotRange{{Start: 0, End: 99}}},
			{ID: idB, Host: "127.0.0.1", Port: 7002, Slots: []clusterview.SlotRange{{Start: 100, End: 16383}}},
		},
		Migrating: map[uint16]string{5: idB},
		Importing: map[uint16]string{200: idB},
	}
	inner, err := clusterview.NewStatic(m)
	if err != nil {
		t.Fatal(err)
	}
	hub := new(Hub)
	v := NewView(inner, hub)
	if r := v.Slot(5); !r.Local || r.MigratingTo != nil {
		t.Fatalf("exporting slot: %+v", r)
	}
	if r := v.Slot(200); r.Local || r.ImportingFrom != nil || r.Owner.ID != idB {
		t.Fatalf("importing slot: %+v", r)
	}
	hub.claim([]uint16{5}, Exporting)
	hub.setState([]uint16{5}, Paused)
	if r := v.Slot(5); r.Owner != nil {
		t.Fatalf("paused slot: %+v", r)
	}
	if v.OwnsAll() || !hub.Busy() {
		t.Fatal("OwnsAll or Busy while a slot is paused")
	}
	hub.release([]uint16{5})
	hub.claim([]uint16{200}, Importing)
	hub.setState([]uint16{200}, Committed)
	if r := v.Slot(200); !r.Local || r.Owner.ID != idA {
		t.Fatalf("committed slot, map not caught up: %+v", r)
	}
	if hub.Busy() {
		t.Fatal("Busy with only a committed slot")
	}
	m.Nodes[0].Slots = append(m.Nodes[0].Slots, clusterview.SlotRange{Start: 200, End: 200})
	m.Nodes[1].Slots = []clusterview.SlotRange{{Start: 100, End: 199}, {Start: 201, End: 16383}}
	m.Importing = nil
	if err := inner.Set(m); err != nil {
		t.Fatal(err)
	}
	if r := v.Slot(200); !r.Local || hub.State(200) != Idle {
		t.Fatalf("committed slot, map caught up: %+v, %s", r, hub.State(200))
	}
}

// TestThreeNodes moves half of a node's slots to each of two others at once.
func TestThreeNodes(t *testing.T) {
	a := newNode(t, "a", SourceOptions{SlotsPerFlip: 100}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{})
	c := newNode(t, "c", SourceOptions{}, TargetOptions{})
	var keys []string
	for i := range 5000 {
		k := fmt.Sprint("key", i)
		keys = append(keys, k)
		a.setString(k, k, int64(i%2)*(t0+10_000))
	}
	slots := slotsOf(keys)
	half := len(slots) / 2
	toB, toC := slots[:half], slots[half:]
	wantB, wantC := a.contents(toB), a.contents(toC)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = a.src.Move(context.Background(), dial(t, b), "b", toB) }()
	go func() { defer wg.Done(); errs[1] = a.src.Move(context.Background(), dial(t, c), "c", toC) }()
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if d := diff(wantB, b.contents(toB)); d != "" {
		t.Fatal("b:", d)
	}
	if d := diff(wantC, c.contents(toC)); d != "" {
		t.Fatal("c:", d)
	}
	if a.db.Len() != 0 {
		t.Fatalf("a kept %d keys", a.db.Len())
	}
	if p := a.src.Progress(); p.SlotsMoved != len(slots) || p.SlotsTotal != len(slots) {
		t.Fatalf("progress %+v", p)
	}
}
