package migrate

import "github.com/larderdb/larder/internal/clusterview"

// View is the command layer's cluster view with this node's migrations applied to it. The
// control plane's map marks a slot migrating for the whole of a move; Redis's rules for such a
// slot (ASK for keys the source lacks, the target serving ASKING clients) would let clients
// write the same key on both nodes while the copy runs. The mover keeps one writer instead, so
// View answers, for a slot:
//
//   - Exporting: the source serves it as its owner (MigratingTo dropped: no ASK);
//   - Paused: nobody serves it (Owner nil: the command layer answers CLUSTERDOWN, which
//     cluster clients retry; the exact check is Hub.Paused under the key's lock);
//   - Importing or Prepared on the target: not served here (ImportingFrom dropped: ASKING
//     clients are sent back to the owner);
//   - Committed on the target, while the map has not caught up: served here as its owner.
//
// Otherwise the underlying view's answer stands, without MigratingTo or ImportingFrom. View is
// safe for concurrent use and costs one atomic load over the underlying view per Slot call.
type View struct {
	inner clusterview.View
	hub   *Hub
}

// NewView returns inner with hub's migrations applied.
func NewView(inner clusterview.View, hub *Hub) *View { return &View{inner: inner, hub: hub} }

var _ clusterview.View = (*View)(nil)

// MyID returns the underlying view's MyID.
func (v *View) MyID() string { return v.inner.MyID() }

// Epoch returns the underlying view's Epoch.
func (v *View) Epoch() uint64 { return v.inner.Epoch() }

// OwnsAll reports whether the underlying view owns every slot and no migration runs here.
func (v *View) OwnsAll() bool { return v.inner.OwnsAll() && !v.hub.Busy() }

// Nodes returns the underlying view's Nodes.
func (v *View) Nodes() []clusterview.Node { return v.inner.Nodes() }

// Slot returns where slot lives, with this node's migrations applied (see View).
func (v *View) Slot(slot uint16) clusterview.Slot {
	r := v.inner.Slot(slot)
	r.MigratingTo, r.ImportingFrom = nil, nil
	switch v.hub.State(slot) {
	case Paused:
		return clusterview.Slot{}
	case Committed:
		if r.Local {
			// The map has caught up: the mark has done its job.
			v.hub.states[slot&(clusterview.NumSlots-1)].CompareAndSwap(uint32(Committed), uint32(Idle))
		} else {
			me := v.inner.MyID()
			nodes := v.inner.Nodes()
			for i := range nodes {
				if nodes[i].ID == me {
					return clusterview.Slot{Owner: &nodes[i], Local: true}
				}
			}
		}
	}
	return r
}
