package topology

import (
	"fmt"

	"github.com/larderdb/larder/internal/ring"
)

// RingPlacer places slots with internal/ring: a consistent-hash ring with
// virtual nodes and bounded load, whose joins move slots only to the joiner
// and whose leaves move only the leaver's slots. Its state is the ring's
// Assignment in its binary encoding.
type RingPlacer struct{}

var _ Placer = RingPlacer{}

// Join implements Placer.
func (RingPlacer) Join(state []byte, node string, rf int) (Placement, error) {
	a, err := ringState(state, rf)
	if err != nil {
		return Placement{}, err
	}
	b, err := ring.Join(a, ring.Member{ID: node})
	if err != nil {
		return Placement{}, err
	}
	return ringPlacement(b)
}

// Leave implements Placer.
func (RingPlacer) Leave(state []byte, node string) (Placement, error) {
	a, err := ringState(state, 0)
	if err != nil {
		return Placement{}, err
	}
	b, err := ring.Leave(a, node)
	if err != nil {
		return Placement{}, err
	}
	return ringPlacement(b)
}

// ringState decodes the ring's state, or starts an empty ring of replication
// factor rf when there is none.
func ringState(state []byte, rf int) (*ring.Assignment, error) {
	if len(state) == 0 {
		return ring.New(ring.Config{RF: max(rf, 1)})
	}
	a := new(ring.Assignment)
	if err := a.UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("topology: ring placer state: %w", err)
	}
	return a, nil
}

// ringPlacement turns an assignment into a Placement, sharing one owner
// list between the slots of a range.
func ringPlacement(a *ring.Assignment) (Placement, error) {
	state, err := a.MarshalBinary()
	if err != nil {
		return Placement{}, err
	}
	p := Placement{State: state, Owners: make([][]string, NumSlots)}
	for _, r := range a.Ranges() {
		for s := r.Start; s <= r.End; s++ {
			p.Owners[s] = r.Owners
		}
	}
	return p, nil
}
