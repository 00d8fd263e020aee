package ring

import (
	"cmp"
	"slices"
)

// The ring is the unsigned 64-bit integers, read clockwise (upwards, wrapping at 2^64).
//
// Slot s sits at slotPos(s): the slots are spread evenly around the ring in slot order, so the
// arc just before a virtual node holds consecutive slots and a joiner takes whole runs of
// them, which keeps CLUSTER SLOTS short. Virtual nodes sit at hash positions computed from the
// node ID and the rank with FNV-1a 64 and a SplitMix64 finaliser: fixed functions, the same
// on every machine and in every process (hash/maphash would not be).

const slotShift = 64 - 14 // NumSlots is 1<<14

// slotPos returns the ring position of slot s: the middle of its 1/NumSlots arc.
func slotPos(s int) uint64 {
	return uint64(s)<<slotShift | 1<<(slotShift-1)
}

// mix64 is the SplitMix64 finaliser, a bijection that spreads every input bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// vnodePos returns the ring position of virtual node v of the node with the given ID.
func vnodePos(id string, v int) uint64 { return vnodeFrom(idHash(id), v) }

// idHash returns the FNV-1a 64 state after the bytes of id.
func idHash(id string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= fnvPrime
	}
	return h
}

// vnodeFrom continues idHash's state h with the 4 little-endian bytes of v and finalises it.
func vnodeFrom(h uint64, v int) uint64 {
	for i := 0; i < 4; i++ {
		h ^= uint64(byte(v >> (8 * i)))
		h *= fnvPrime
	}
	return mix64(h)
}

// points returns the sorted ring positions of the virtual nodes of m for the given rank:
// vnodes per unit of weight. Each rank has its own ring (the rank is hashed in with the
// virtual node's index, in the index's top byte), so that where a member holds primaries and
// where it holds replicas are independent: a member's primaries have their replicas on many
// members, and many of them can be promoted when it leaves.
func points(m Member, vnodes, rank int) []uint64 {
	p := make([]uint64, vnodes*m.Weight)
	h := idHash(m.ID)
	for v := range p {
		p[v] = vnodeFrom(h, v|rank<<24)
	}
	slices.Sort(p)
	return p
}

// dist returns the clockwise distance from pos to the first of the sorted points at or after
// it, wrapping around the ring. pts must not be empty.
func dist(pos uint64, pts []uint64) uint64 {
	i, _ := slices.BinarySearch(pts, pos)
	if i == len(pts) {
		i = 0
	}
	return pts[i] - pos // modulo 2^64: wraps when the point is past zero
}

// ring holds the virtual-node positions of an assignment's members for one rank, computed on
// first use. Not safe for concurrent use; it lives for one transition.
type ring struct {
	members []Member
	vnodes  int
	rank    int
	pts     [][]uint64 // per member
	every   []vnode    // all members', by position then member
}

// vnode is a virtual node: a ring position and the index of its member.
type vnode struct {
	pos uint64
	i   uint16
}

// all returns every member's virtual nodes, by position then member index.
func (r *ring) all() []vnode {
	if r.every == nil {
		n := 0
		for _, m := range r.members {
			n += r.vnodes * m.Weight
		}
		r.every = make([]vnode, 0, n)
		for i := range r.members {
			for _, p := range r.points(i) {
				r.every = append(r.every, vnode{pos: p, i: uint16(i)})
			}
		}
		slices.SortFunc(r.every, func(a, b vnode) int {
			if c := cmp.Compare(a.pos, b.pos); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
	}
	return r.every
}

func newRing(members []Member, vnodes, rank int) *ring {
	return &ring{members: members, vnodes: vnodes, rank: rank, pts: make([][]uint64, len(members))}
}

// points returns the sorted positions of member i's virtual nodes.
func (r *ring) points(i int) []uint64 {
	if r.pts[i] == nil {
		r.pts[i] = points(r.members[i], r.vnodes, r.rank)
	}
	return r.pts[i]
}

// dist returns the clockwise distance from slot s to member i's nearest virtual node.
func (r *ring) dist(s int, i int) uint64 {
	return dist(slotPos(s), r.points(i))
}

// below returns the number of slot positions at or before p on the ring, from 0.
func below(p uint64) int {
	const half = 1 << (slotShift - 1)
	if p < half {
		return 0
	}
	return int((p-half)>>slotShift) + 1
}

// arc is the run of slots just before one virtual node, walked from the nearest.
type arc struct {
	pt   uint64 // the virtual node's position
	s    int    // the next slot, walking counterclockwise
	left int    // slots still to walk
}

func (a arc) d() uint64 { return a.pt - slotPos(a.s) }

// nearest calls yield with every slot and its distance to the nearest of the sorted points
// clockwise from it, in ascending order of (distance, slot), until yield returns false. It
// merges the arcs before each point, so it costs little when stopped early.
func nearest(pts []uint64, yield func(s int, d uint64) bool) {
	h := minHeap[arc]{
		items: make([]arc, 0, len(pts)),
		less: func(x, y arc) bool {
			if dx, dy := x.d(), y.d(); dx != dy {
				return dx < dy
			}
			return x.s < y.s
		},
	}
	for j, p := range pts {
		var n int
		if j == 0 {
			n = below(p) + NumSlots - below(pts[len(pts)-1]) // the arc around zero
		} else {
			n = below(p) - below(pts[j-1])
		}
		if n > 0 {
			h.items = append(h.items, arc{pt: p, s: (below(p) - 1 + NumSlots) % NumSlots, left: n})
		}
	}
	h.init()
	for len(h.items) > 0 {
		a := &h.items[0]
		if !yield(a.s, a.d()) {
			return
		}
		if a.left--; a.left == 0 {
			h.pop()
			continue
		}
		a.s = (a.s - 1 + NumSlots) % NumSlots
		h.fixTop()
	}
}
