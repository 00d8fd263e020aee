package topology

// Placer decides slot ownership: the seam where internal/ring plugs in.
//
// An assignment is a slice of NumSlots owner lists, each the node ids of a
// slot's owners, primary first, then up to rf-1 replicas. Every method must
// be a pure, deterministic function of its arguments, must not modify cur
// or members, and may share inner slices between slots of the result. The
// Raft leader calls it; the result is written into the Raft log, so the
// followers never call it themselves.
//
// members lists the node ids that take part in placement after the change,
// in join order: every active member, plus the joining node for Join, less
// the leaving node for Leave.
type Placer interface {
	// Build places every slot on members from scratch (bootstrap).
	Build(members []string, rf int) ([][]string, error)
	// Join returns cur with node added to the placement.
	Join(cur [][]string, members []string, node string, rf int) ([][]string, error)
	// Leave returns cur with node taken out of the placement.
	Leave(cur [][]string, members []string, node string, rf int) ([][]string, error)
}

// PlaceholderPlacer is a stand-in until internal/ring lands: it cuts the
// slots into len(members) contiguous ranges in member order, with replicas
// on the next members round the list, and rebuilds from scratch on every
// change, so a join or leave moves far more slots than a consistent-hash
// ring would. PLACEHOLDER: replace with the ring's placer (Config.Placer).
type PlaceholderPlacer struct{}

var _ Placer = PlaceholderPlacer{}

// Build implements Placer.
func (PlaceholderPlacer) Build(members []string, rf int) ([][]string, error) {
	out := make([][]string, NumSlots)
	n := len(members)
	if n == 0 {
		return out, nil
	}
	k := min(rf, n)
	lists := make([][]string, n)
	for i := range lists {
		for j := range k {
			lists[i] = append(lists[i], members[(i+j)%n])
		}
	}
	for s := range out {
		out[s] = lists[s*n/NumSlots]
	}
	return out, nil
}

// Join implements Placer.
func (p PlaceholderPlacer) Join(_ [][]string, members []string, _ string, rf int) ([][]string, error) {
	return p.Build(members, rf)
}

// Leave implements Placer.
func (p PlaceholderPlacer) Leave(_ [][]string, members []string, _ string, rf int) ([][]string, error) {
	return p.Build(members, rf)
}
