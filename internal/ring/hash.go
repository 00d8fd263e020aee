package ring

import (
	"slices"
)

// The ring is the unsigned 64-bit integers, read clockwise (upwards, wrapping at 2^64).
//
// Slot s sits at slotPos(s): the slots are spread evenly around the ring in slot order, so the
// arc just before a virtual node holds consecutive slots and a joiner takes whole runs of
// them, which keeps CLUSTER SLOTS short. Virtual nodes sit at hash positions computed from the
// node ID with FNV-1a 64 and a SplitMix64 finaliser: fixed functions, the same on every
// machine and in every process (hash/maphash would not be).

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

// vnodePos returns the ring position of virtual node v of the node with the given ID.
func vnodePos(id string, v int) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= prime
	}
	for i := 0; i < 4; i++ {
		h ^= uint64(byte(v >> (8 * i)))
		h *= prime
	}
	return mix64(h)
}

// points returns the sorted ring positions of the virtual nodes of m: vnodes per unit of
// weight.
func points(m Member, vnodes int) []uint64 {
	p := make([]uint64, vnodes*m.Weight)
	for v := range p {
		p[v] = vnodePos(m.ID, v)
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

// ring holds the virtual-node positions of an assignment's members, computed on first use.
// Not safe for concurrent use; it lives for one transition.
type ring struct {
	members []Member
	vnodes  int
	pts     [][]uint64
}

func newRing(members []Member, vnodes int) *ring {
	return &ring{members: members, vnodes: vnodes, pts: make([][]uint64, len(members))}
}

// dist returns the clockwise distance from slot s to member i's nearest virtual node.
func (r *ring) dist(s int, i int) uint64 {
	if r.pts[i] == nil {
		r.pts[i] = points(r.members[i], r.vnodes)
	}
	return dist(slotPos(s), r.pts[i])
}
