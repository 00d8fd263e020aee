package topology

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Placer decides slot ownership: the seam where internal/ring plugs in.
//
// Placement is a sequence of transitions, as in ring: each Join or Leave
// takes the placer's previous state (opaque bytes the cluster map keeps
// for it; nil before the first node) and returns the next state with the
// owners it gives every slot. The owners are the target: the map turns
// each changed primary into a migration, and keeps serving the slot from
// its old primary until the migration finishes.
//
// Both methods must be pure and deterministic, must not keep or modify
// state, and may share inner slices between slots of the result. The Raft
// leader calls them and writes the result into the Raft log, so followers
// never call them; a placer error refuses the join or drain.
//
// An adapter for internal/ring:
//
//	Join: a := ring.New(ring.Config{RF: rf}) (state nil) or a.UnmarshalBinary(state);
//	      b := ring.Join(a, ring.Member{ID: node}); State: b.MarshalBinary();
//	      Owners[s]: b.Owners(s)
//	Leave: the same with ring.Leave(a, node)
type Placer interface {
	// Join returns the placement after node joins; rf is the cluster's
	// replication factor. Bootstrap is Join(nil, first node, rf).
	Join(state []byte, node string, rf int) (Placement, error)
	// Leave returns the placement after node leaves (drains).
	Leave(state []byte, node string) (Placement, error)
}

// Placement is a Placer's answer.
type Placement struct {
	// State is the placer's state, kept in the map and passed to the next
	// Join or Leave.
	State []byte
	// Owners has NumSlots entries: the node ids that own each slot,
	// primary first, then up to rf-1 replicas, all distinct members.
	Owners [][]string
}

// PlaceholderPlacer is a stand-in until internal/ring lands: it cuts the
// slots into one contiguous range per member, in join order, with replicas
// on the next members round the list, and re-cuts from scratch on every
// change, so a join or leave moves far more slots than a consistent-hash
// ring would. Its state is "rf;id,id,...". PLACEHOLDER: replace with the
// ring's placer (Config.Placer).
type PlaceholderPlacer struct{}

var _ Placer = PlaceholderPlacer{}

var errPlaceholder = errors.New("topology: placeholder placer")

// Join implements Placer.
func (p PlaceholderPlacer) Join(state []byte, node string, rf int) (Placement, error) {
	members, _, err := p.decode(state)
	if err != nil {
		return Placement{}, err
	}
	if slices.Contains(members, node) {
		return Placement{}, fmt.Errorf("%w: %s already placed", errPlaceholder, node)
	}
	return p.place(append(members, node), rf), nil
}

// Leave implements Placer.
func (p PlaceholderPlacer) Leave(state []byte, node string) (Placement, error) {
	members, rf, err := p.decode(state)
	if err != nil {
		return Placement{}, err
	}
	i := slices.Index(members, node)
	if i < 0 {
		return Placement{}, fmt.Errorf("%w: %s not placed", errPlaceholder, node)
	}
	if len(members) == 1 {
		return Placement{}, fmt.Errorf("%w: %s is the last node", errPlaceholder, node)
	}
	return p.place(slices.Delete(members, i, i+1), rf), nil
}

func (PlaceholderPlacer) decode(state []byte) (members []string, rf int, err error) {
	if len(state) == 0 {
		return nil, 0, nil
	}
	head, list, ok := strings.Cut(string(state), ";")
	if _, err := fmt.Sscan(head, &rf); !ok || err != nil || list == "" {
		return nil, 0, fmt.Errorf("%w: bad state %q", errPlaceholder, state)
	}
	return strings.Split(list, ","), rf, nil
}

func (PlaceholderPlacer) place(members []string, rf int) Placement {
	owners := make([][]string, NumSlots)
	n := len(members)
	k := min(rf, n)
	lists := make([][]string, n)
	for i := range lists {
		for j := range k {
			lists[i] = append(lists[i], members[(i+j)%n])
		}
	}
	for s := range owners {
		owners[s] = lists[s*n/NumSlots]
	}
	return Placement{State: fmt.Appendf(nil, "%d;%s", rf, strings.Join(members, ",")), Owners: owners}
}
