package ring

import (
	"cmp"
	"fmt"
	"slices"
)

// Build returns the assignment reached by joining members one by one, in the given order, to
// an empty cluster: Join(...Join(Join(New(cfg), members[0]), members[1])..., members[n-1]).
// It is for bootstrapping and for tests; a running cluster applies Join and Leave to its
// current assignment instead, since a history with leaves reaches a different (equally
// balanced) assignment than Build of the remaining members.
func Build(cfg Config, members []Member) (*Assignment, error) {
	a, err := New(cfg)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if a, err = Join(a, m); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Join returns the assignment after member m joins a. a is not changed.
//
// At every rank (primary, first replica, ...) the joiner takes its quota of slots, and only
// existing members lose slots: each gives up what it holds beyond its new quota, choosing the
// slots that lie just before the joiner's virtual nodes on the ring. So the primary slots that
// move, at most ceil(NumSlots*w/W) for the joiner's weight w of the new total W, all move to
// the joiner. While the cluster has fewer than RF members, a join also adds a replica to every
// slot; those replicas may land on existing members.
//
// Join returns ErrMember for an invalid member, ErrDuplicate if its ID is taken and
// ErrTooMany beyond MaxMembers.
func Join(a *Assignment, m Member) (*Assignment, error) {
	m, err := m.withDefaults()
	if err != nil {
		return nil, err
	}
	if a.index(m.ID) >= 0 {
		return nil, fmt.Errorf("%w: %q", ErrDuplicate, m.ID)
	}
	if len(a.members) >= MaxMembers {
		return nil, fmt.Errorf("%w: %d", ErrTooMany, MaxMembers)
	}
	oldActive := a.active()
	b := a.clone()
	b.members = append(b.members, m)
	r := newRing(b.members, b.cfg.VNodes)
	x := uint16(len(b.members) - 1)
	for k := 0; k < b.active(); k++ {
		if k < oldActive {
			b.joinRank(r, k, x)
		} else {
			b.fill(r, k, nil)
		}
	}
	return b, nil
}

// Leave returns the assignment after the member with the given ID leaves a. a is not changed.
//
// Only the leaver's positions change hands. At every rank, each of its slots goes to a member
// below its new quota: first to a member that already holds the slot's data (a replica is
// promoted to primary, moving up from its rank, which opens a position there), then to the
// nearest member clockwise on the ring. While the cluster falls below RF members, each slot
// loses an owner instead of getting a new one.
//
// Leave returns ErrUnknown if no member has the ID and ErrLastMember for the only member.
func Leave(a *Assignment, id string) (*Assignment, error) {
	l := a.index(id)
	if l < 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, id)
	}
	if len(a.members) == 1 {
		return nil, fmt.Errorf("%w: %q", ErrLastMember, id)
	}
	b := &Assignment{cfg: a.cfg, members: slices.Delete(slices.Clone(a.members), l, l+1)}
	b.owners = make([]uint16, len(a.owners))
	// remap[i] is the index in b of a's member i.
	remap := func(i uint16) uint16 {
		switch {
		case i == none || int(i) == l:
			return none
		case int(i) > l:
			return i - 1
		}
		return i
	}
	old := make([]uint16, len(a.owners)) // a's owners with b's indices: who holds which data
	for p, i := range a.owners {
		old[p] = remap(i)
		b.owners[p] = old[p]
	}
	for s := range NumSlots {
		for k := b.active(); k < b.cfg.RF; k++ {
			b.set(s, k, none) // ranks that no longer exist
		}
	}
	r := newRing(b.members, b.cfg.VNodes)
	for k := 0; k < b.active(); k++ {
		b.fill(r, k, old)
	}
	return b, nil
}

// quotas returns each member's fair number of slots at one rank: NumSlots apportioned by
// weight with largest remainders. Ties go to the member holding more slots now (cur), then to
// the earlier member, so that balanced members keep what they have.
func quotas(members []Member, cur []int) []int {
	w := 0
	for _, m := range members {
		w += m.Weight
	}
	q := make([]int, len(members))
	rem := make([]int, len(members))
	order := make([]int, len(members))
	left := NumSlots
	for i, m := range members {
		q[i] = NumSlots * m.Weight / w
		rem[i] = NumSlots * m.Weight % w
		left -= q[i]
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if c := cmp.Compare(rem[j], rem[i]); c != 0 {
			return c
		}
		if c := cmp.Compare(cur[j], cur[i]); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	for _, i := range order[:left] {
		q[i]++
	}
	return q
}

// counts returns the number of slots each member owns at rank k.
func (a *Assignment) counts(k int) []int {
	c := make([]int, len(a.members))
	for s := range NumSlots {
		if i := a.at(s, k); i != none {
			c[i]++
		}
	}
	return c
}

// cand is a candidate (slot, member) pair for a transition, ordered by key.
type cand struct {
	tier int    // lower first: the rank at which the member held the slot's data, or MaxRF
	d    uint64 // ring distance from the slot to the member's nearest virtual node
	s    uint16 // slot
	i    uint16 // member
}

func (c cand) cmp(o cand) int {
	if c.tier != o.tier {
		return cmp.Compare(c.tier, o.tier)
	}
	if c.d != o.d {
		return cmp.Compare(c.d, o.d)
	}
	if c.s != o.s {
		return cmp.Compare(c.s, o.s)
	}
	return cmp.Compare(c.i, o.i)
}

// joinRank moves to the joiner x its quota of rank-k positions, taken from the members above
// their new quota. x owns nothing at ranks above k yet.
func (a *Assignment) joinRank(r *ring, k int, x uint16) {
	c := a.counts(k)
	q := quotas(a.members, c)
	want := NumSlots
	for i := range int(x) {
		q[i] = min(q[i], c[i]) // old members never gain
		want -= q[i]
	}
	// Each donor's eligible slots, nearest to the joiner first.
	per := make([][]cand, x)
	for s := range NumSlots {
		i := a.at(s, k)
		if i == x || a.owns(s, x, 0, k) {
			continue
		}
		per[i] = append(per[i], cand{tier: MaxRF, d: r.dist(s, int(x)), s: uint16(s), i: i})
	}
	var spare []cand
	for i, cs := range per {
		slices.SortFunc(cs, cand.cmp)
		give := min(c[i]-q[i], len(cs))
		for _, cd := range cs[:give] {
			a.set(int(cd.s), k, x)
		}
		want -= give
		spare = append(spare, cs[give:]...)
	}
	// Rarely (few members, many replicas) a donor holds too few slots the joiner may own;
	// then the joiner takes its nearest slots from anyone.
	if want > 0 {
		slices.SortFunc(spare, cand.cmp)
		for _, cd := range spare[:min(want, len(spare))] {
			a.set(int(cd.s), k, x)
		}
	}
}

// fill gives an owner to every slot without one at rank k, a member below its quota where
// possible. Members that held the slot's data in old (an assignment with a's member indices;
// nil for none) come first, lowest old rank first, then the nearest members on the ring. A
// member taken from a higher rank of the same slot leaves a hole there, filled when that rank
// is.
func (a *Assignment) fill(r *ring, k int, old []uint16) {
	c := a.counts(k)
	q := quotas(a.members, c)
	room := make([]int, len(a.members))
	for i := range room {
		room[i] = max(0, q[i]-c[i])
	}
	rf := a.cfg.RF
	var cs []cand
	for s := range NumSlots {
		if a.at(s, k) != none {
			continue
		}
		for i := range len(a.members) {
			i := uint16(i)
			if a.owns(s, i, 0, k) {
				continue
			}
			tier := MaxRF
			if old != nil {
				if j := slices.Index(old[s*rf:(s+1)*rf], i); j >= 0 {
					tier = j
				}
			}
			cs = append(cs, cand{tier: tier, d: r.dist(s, int(i)), s: uint16(s), i: i})
		}
	}
	slices.SortFunc(cs, cand.cmp)
	for _, cd := range cs {
		if room[cd.i] > 0 && a.at(int(cd.s), k) == none {
			a.take(int(cd.s), k, cd.i)
			room[cd.i]--
		}
	}
	// Holes left when every member with room already owns the slot: the best candidate
	// takes it beyond its quota. This cannot happen at rank 0.
	for _, cd := range cs {
		if a.at(int(cd.s), k) == none && !a.owns(int(cd.s), cd.i, 0, k) {
			a.take(int(cd.s), k, cd.i)
		}
	}
}

// take makes member i slot s's owner of rank k, moving it from a higher rank if it was there.
func (a *Assignment) take(s, k int, i uint16) {
	for j := k + 1; j < a.cfg.RF; j++ {
		if a.at(s, j) == i {
			a.set(s, j, none)
		}
	}
	a.set(s, k, i)
}
