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
// old and new. added lists the nodes that must receive a full copy of a slot, dropped the ones
// that may delete theirs, both in slot order then ID order. A nil assignment counts as one
// without members.
func Copies(old, new *Assignment) (added, dropped []Copy) {
	for s := range NumSlots {
		o, n := owners(old, s), owners(new, s)
		for _, id := range n {
			if !slices.Contains(o, id) {
				added = append(added, Copy{Slot: s, Node: id})
			}
		}
		for _, id := range o {
			if !slices.Contains(n, id) {
				dropped = append(dropped, Copy{Slot: s, Node: id})
			}
		}
	}
	return added, dropped
}

func owners(a *Assignment, s int) []string {
	if a == nil {
		return nil
	}
	ids := a.Owners(s)
	slices.Sort(ids)
	return ids
}
