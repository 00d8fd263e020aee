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
// move all move to the joiner, and there are at most ceil(NumSlots*w/W) of them for its
// weight w of the new total W (a few more only if old members were below their new quota,
// which weights can cause). While the cluster has fewer than RF members, a join also adds a replica to every
// slot; those replicas may land on existing members.
//
// Join returns ErrMember for an invalid member, ErrDuplicate if its ID is taken and
// ErrTooMany beyond MaxMembers.
func Join(a *Assignment, m Member) (*Assignment, error) {
	m, err := m.withDefaults()
	if err != nil {
		return nil, err
	}
	a = a.orEmpty()
	if a.index(m.ID) >= 0 {
		return nil, fmt.Errorf("%w: %q", ErrDuplicate, m.ID)
	}
	if len(a.members) >= MaxMembers {
		return nil, fmt.Errorf("%w: %d", ErrTooMany, MaxMembers)
	}
	oldActive := a.active()
	b := a.clone()
	b.members = append(b.members, m)
	x := uint16(len(b.members) - 1)
	for k := 0; k < b.active(); k++ {
		r := newRing(b.members, b.cfg.VNodes, k)
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
	return leave(a, id, (*Assignment).greedy)
}

// leave is Leave with the first step of fill as a parameter, for tests.
func leave(a *Assignment, id string, greedy greedyFunc) (*Assignment, error) {
	l := a.index(id)
	if l < 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnknown, id)
	}
	if len(a.members) == 1 {
		return nil, fmt.Errorf("%w: %q", ErrLastMember, id)
	}
	b := &Assignment{cfg: a.cfg, members: slices.Delete(slices.Clone(a.members), l, l+1)}
	b.owners = make([]uint16, len(a.owners))
	// remap returns the index in b of a's member i.
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
	for k := 0; k < b.active(); k++ {
		b.fillWith(newRing(b.members, b.cfg.VNodes, k), k, old, greedy)
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
	give := make([]int, x)
	for i := range give {
		give[i] = c[i] - q[i]
	}
	// Walking the slots nearest the joiner first and taking each while its owner still has
	// slots to give takes each member's nearest ones.
	var spare []int
	nearest(r.points(int(x)), func(s int, _ uint64) bool {
		i := a.at(s, k)
		if i == x || a.owns(s, x, 0, k) {
			return true
		}
		if give[i] > 0 {
			a.set(s, k, x)
			give[i]--
			want--
		} else {
			spare = append(spare, s)
		}
		return want > 0
	})
	// Rarely (few members, many replicas) a member holds too few slots the joiner may own;
	// then the joiner takes its nearest slots from anyone.
	for _, s := range spare[:min(want, len(spare))] {
		a.set(s, k, x)
	}
}

// fill gives an owner to every slot without one at rank k, a member below its quota where
// possible. Members that held the slot's data in old (an assignment with a's member indices;
// nil for none) come first, lowest old rank first, then the nearest members on the ring. A
// member taken from a higher rank of the same slot leaves a hole there, filled when that rank
// is.
func (a *Assignment) fill(r *ring, k int, old []uint16) {
	a.fillWith(r, k, old, (*Assignment).greedy)
}

// greedyFunc is the first step of fill: for every hole at rank k, in ascending order of
// candidate (tier, distance, slot, member), the candidate takes it if it has room. It returns
// the holes left, in slot order.
type greedyFunc func(a *Assignment, r *ring, k int, old []uint16, room []int, got [][]uint16) []int

func (a *Assignment) fillWith(r *ring, k int, old []uint16, greedy greedyFunc) {
	c := a.counts(k)
	q := quotas(a.members, c)
	room := make([]int, len(a.members))
	for i := range room {
		room[i] = max(0, q[i]-c[i])
	}
	got := make([][]uint16, len(a.members)) // the holes each member took in this pass
	left := greedy(a, r, k, old, room, got)
	// Holes left when every member with room already owns the slot (never at rank 0): pass
	// holes along a chain of members until one with room takes one, as a matching does, so
	// that only holes change hands; failing that, the best candidate takes the hole beyond
	// its quota.
	var dead []bool
	for _, s := range left {
		if dead == nil {
			dead = make([]bool, len(a.members))
		}
		if a.augment(s, k, old, room, got, dead) {
			continue
		}
		var best cand
		var found bool
		a.candidates(r, s, k, old, func(cd cand) bool {
			best, found = cd, true
			return false
		})
		if !found {
			panic("ring: no member may own a slot") // cannot happen: len(members) > k
		}
		a.take(s, k, best.i)
	}
}

// candidates calls yield with the members that may own slot s at rank k, in order: those that
// held the slot in old by their old rank, then all of them in ring order from the slot, each
// with its tier and distance. A member may appear twice. It stops when yield returns false.
func (a *Assignment) candidates(r *ring, s, k int, old []uint16, yield func(cand) bool) {
	rf := a.cfg.RF
	if old != nil {
		for j, i := range old[s*rf : (s+1)*rf] {
			if i != none && !a.owns(s, i, 0, k) {
				if !yield(cand{tier: j, d: r.dist(s, int(i)), s: uint16(s), i: i}) {
					return
				}
			}
		}
	}
	all := r.all()
	pos := slotPos(s)
	start, _ := slices.BinarySearchFunc(all, pos, func(v vnode, p uint64) int { return cmp.Compare(v.pos, p) })
	for n := range len(all) {
		v := all[(start+n)%len(all)]
		if !a.owns(s, v.i, 0, k) {
			if !yield(cand{tier: MaxRF, d: v.pos - pos, s: uint16(s), i: v.i}) {
				return
			}
		}
	}
}

// greedy is a greedyFunc that merges the holes' candidate lists lazily with a heap. A member
// without room is skipped for good, since room only shrinks.
func (a *Assignment) greedy(r *ring, k int, old []uint16, room []int, got [][]uint16) []int {
	rf := a.cfg.RF
	all := r.all()
	var left []int
	// ws and the heap are sized once: grown by append, a one-node cluster's first
	// assignment left 3 MB of garbage on a heap of 2 MB (16384 walks of 56 bytes).
	holes := 0
	for s := range NumSlots {
		if a.at(s, k) == none {
			holes++
		}
	}
	ws := make([]walk, 0, holes)
	for s := range NumSlots {
		if a.at(s, k) == none {
			ws = append(ws, walk{s: s})
		}
	}
	next := func(w *walk) bool {
		s := w.s
		if old != nil {
			for w.held < rf {
				j := w.held
				w.held++
				i := old[s*rf+j]
				if i != none && room[i] > 0 && !a.owns(s, i, 0, k) {
					w.c = cand{tier: j, d: r.dist(s, int(i)), s: uint16(s), i: i}
					return true
				}
			}
		}
		if w.steps == 0 {
			pos := slotPos(s)
			w.at, _ = slices.BinarySearchFunc(all, pos, func(v vnode, p uint64) int { return cmp.Compare(v.pos, p) })
		}
		for w.steps < len(all) {
			v := all[(w.at+w.steps)%len(all)]
			w.steps++
			if room[v.i] > 0 && !a.owns(s, v.i, 0, k) {
				w.c = cand{tier: MaxRF, d: v.pos - slotPos(s), s: uint16(s), i: v.i}
				return true
			}
		}
		return false
	}
	h := minHeap[int32]{less: func(x, y int32) bool { return ws[x].c.cmp(ws[y].c) < 0 }, items: make([]int32, 0, len(ws))}
	for i := range ws {
		if next(&ws[i]) {
			h.items = append(h.items, int32(i))
		} else {
			left = append(left, ws[i].s)
		}
	}
	h.init()
	for len(h.items) > 0 {
		w := &ws[h.items[0]]
		if i := w.c.i; room[i] > 0 {
			a.take(w.s, k, i)
			room[i]--
			got[i] = append(got[i], uint16(w.s))
			h.pop()
			continue
		}
		if next(w) {
			h.fixTop()
		} else {
			h.pop()
			left = append(left, w.s)
		}
	}
	slices.Sort(left)
	return left
}

// walk is a hole's place in its candidate list: held members first, then the ring.
type walk struct {
	s     int  // the slot
	c     cand // its current candidate
	held  int  // old ranks looked at
	at    int  // index in the ring where the walk started
	steps int  // virtual nodes looked at
}

// augment looks for a chain of members m0, m1, ..., mj where m0 may take the hole at (s, k),
// each m(i+1) may take a hole m(i) got in this pass, and mj has room; if there is one, it
// shifts the holes along it and reports true. A member may take a hole if it owns the slot at
// no rank, and give one up if it did not hold the slot in old, so no member loses a slot it
// had. got lists the holes each member got in this pass; room is what it may still take;
// dead marks members from which no chain leads to room.
func (a *Assignment) augment(s, k int, old []uint16, room []int, got [][]uint16, dead []bool) bool {
	type step struct {
		hole uint16 // the hole this member would take
		from int    // the member giving it up, -1 for the hole at (s, k)
	}
	rf := a.cfg.RF
	n := len(a.members)
	via := make([]step, n)
	seen := make([]bool, n)
	var queue []int
	copy(seen, dead)
	for i := range n {
		if !seen[i] && !a.owns(s, uint16(i), 0, rf) {
			seen[i] = true
			via[i] = step{hole: uint16(s), from: -1}
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if room[e] > 0 {
			room[e]--
			for e >= 0 {
				h, from := via[e].hole, via[e].from
				a.set(int(h), k, uint16(e))
				got[e] = append(got[e], h)
				if from >= 0 {
					j := slices.Index(got[from], h)
					got[from] = slices.Delete(got[from], j, j+1)
				}
				e = from
			}
			return true
		}
		for _, h := range got[e] {
			if old != nil && slices.Contains(old[int(h)*rf:int(h+1)*rf], uint16(e)) {
				continue
			}
			for i := range n {
				if !seen[i] && !a.owns(int(h), uint16(i), 0, rf) {
					seen[i] = true
					via[i] = step{hole: h, from: e}
					queue = append(queue, i)
				}
			}
		}
	}
	// No chain from here reaches a member with room, nor will one later: the members seen
	// have none, and holes only ever move to members with room.
	copy(dead, seen)
	return false
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

// WithRF returns a with replication factor rf (0 means 1). a is not changed. Raising it adds
// ranks of replicas, each balanced by its quota; lowering it drops the highest ranks. The
// primaries and the replicas of the ranks kept stay where they are. It returns ErrConfig for
// an rf out of range.
func WithRF(a *Assignment, rf int) (*Assignment, error) {
	a = a.orEmpty()
	cfg := a.cfg
	cfg.RF = rf
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Assignment{cfg: cfg, members: slices.Clone(a.members), owners: make([]uint16, NumSlots*cfg.RF)}
	keep := min(a.cfg.RF, cfg.RF)
	for s := range NumSlots {
		for k := range cfg.RF {
			i := uint16(none)
			if k < keep {
				i = a.at(s, k)
			}
			b.set(s, k, i)
		}
	}
	for k := a.active(); k < b.active(); k++ {
		b.fill(newRing(b.members, b.cfg.VNodes, k), k, nil)
	}
	return b, nil
}
