package ring

import "slices"

// Move is a change of one slot's primary, what the migration layer carries out.
type Move struct {
	Slot int
	From string // the old primary, "" if the slot had none
	To   string // the new primary, "" if the slot has none
}

// Moves returns the slots whose primary differs between old and new, in slot order. A nil
// assignment counts as one without members. When To was already an owner of the slot in old
// (a replica promoted by Leave), no data needs to move, only the role.
func Moves(old, new *Assignment) []Move {
	var ms []Move
	for s := range NumSlots {
		from, to := primary(old, s), primary(new, s)
		if from != to {
			ms = append(ms, Move{Slot: s, From: from, To: to})
		}
	}
	return ms
}

func primary(a *Assignment, s int) string {
	if a == nil {
		return ""
	}
	return a.Primary(s)
}

// Copy names a node that starts or stops holding a copy of a slot's data.
type Copy struct {
	Slot int
	Node string
}

// Copies compares the owner sets (primary and replicas, whatever their rank) of every slot in
// old and new. added lists the nodes that must receive a full copy of a slot, in slot order
// then rank order in new; dropped the nodes that may delete theirs, in slot order then rank
// order in old. A nil assignment counts as one without members.
func Copies(old, new *Assignment) (added, dropped []Copy) {
	if old == nil || new == nil {
		for s := range NumSlots {
			if new != nil {
				for _, id := range new.Owners(s) {
					added = append(added, Copy{Slot: s, Node: id})
				}
			}
			if old != nil {
				for _, id := range old.Owners(s) {
					dropped = append(dropped, Copy{Slot: s, Node: id})
				}
			}
		}
		return added, dropped
	}
	// Compare member indices: old's index i is new's toNew[i] (none if it left).
	toNew := make([]uint16, len(old.members))
	for i, m := range old.members {
		toNew[i] = none
		if j := new.index(m.ID); j >= 0 {
			toNew[i] = uint16(j)
		}
	}
	var o, n []uint16
	for s := range NumSlots {
		o, n = o[:0], n[:0]
		for k := 0; k < old.active(); k++ {
			o = append(o, toNew[old.at(s, k)])
		}
		for k := 0; k < new.active(); k++ {
			n = append(n, new.at(s, k))
		}
		for _, i := range n {
			if !slices.Contains(o, i) {
				added = append(added, Copy{Slot: s, Node: new.members[i].ID})
			}
		}
		for k, i := range o {
			if i == none || !slices.Contains(n, i) {
				dropped = append(dropped, Copy{Slot: s, Node: old.members[old.at(s, k)].ID})
			}
		}
	}
	return added, dropped
}
