package evict

import (
	"math"
	"math/bits"
)

// node is one tracked key: 24 bytes, no pointers. Nodes live in one slice and link to each other
// by index, in the circular doubly linked lists of lists.go, whose sentinels are the first nodes
// of the slice.
type node struct {
	hash  uint64 // the caller's key hash
	size  uint32 // bytes charged for the key
	link  Link   // neighbours in the node's list
	queue uint8  // the list the node is in: its sentinel's index
	mark  uint8  // policy specific: a frequency or a visited bit
	_     [2]uint8
}

// maxSize is the largest size a node records; larger sizes are charged as maxSize.
const maxSize = math.MaxUint32

// clampSize turns a caller's size into the size a node charges: at least 1, at most maxSize.
func clampSize(size int64) uint32 {
	switch {
	case size < 1:
		return 1
	case size > maxSize:
		return maxSize
	}
	return uint32(size)
}

// mix spreads the bits of a key hash over all 64 bits (the finaliser of MurmurHash3). Callers'
// hashes may share their low bits (the engine picks a shard by h&255), so every index below is
// taken from mix(h), never from h itself.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// store holds the nodes of a hash-based policy and an index from key hash to node; it is the
// Nodes of a Policy. The first NumLists nodes are the lists' sentinels; a free node is linked
// through link.Next into the free list.
type store struct {
	nodes []node
	free  uint32 // first free node, 0 when none (node 0 is a sentinel, never free)
	index table
}

var _ Nodes = (*store)(nil)

func (s *store) init(sentinels int) {
	s.nodes = make([]node, sentinels, sentinels+8)
	for i := range s.nodes {
		s.nodes[i].link = Link{Prev: uint32(i), Next: uint32(i)}
		s.nodes[i].queue = uint8(i)
	}
	s.free = 0
	s.index.init()
}

func (s *store) Link(i uint32) *Link        { return &s.nodes[i].link }
func (s *store) Queue(i uint32) uint8       { return s.nodes[i].queue }
func (s *store) SetQueue(i uint32, q uint8) { s.nodes[i].queue = q }
func (s *store) Size(i uint32) uint32       { return s.nodes[i].size }
func (s *store) Hash(i uint32) uint64       { return s.nodes[i].hash }
func (s *store) Victim(i uint32) uint64     { return s.nodes[i].hash }

// Free removes node i, out of its list, from the index and puts it on the free list.
func (s *store) Free(i uint32) {
	s.index.remove(s.nodes, s.nodes[i].hash, mix(s.nodes[i].hash))
	s.nodes[i] = node{link: Link{Next: s.free}}
	s.free = i
}

// lookup returns the node holding h, or 0.
func (s *store) lookup(h uint64) uint32 {
	_, i := s.index.find(s.nodes, h, mix(h))
	return i
}

// add takes a free node for h, indexes it and returns it. The node is in no list yet.
func (s *store) add(h uint64, size uint32) uint32 {
	i := s.free
	if i != 0 {
		s.free = s.nodes[i].link.Next
	} else {
		if len(s.nodes) > math.MaxUint32-1 {
			panic("evict: more than 2^32 nodes")
		}
		s.nodes = append(s.nodes, node{})
		i = uint32(len(s.nodes) - 1)
	}
	s.nodes[i] = node{hash: h, size: size}
	s.index.insert(s.nodes, i, mix(h))
	return i
}

// table is an open-addressing index from key hash to node: linear probing, backward-shift
// deletion, at most 3/4 full. A slot holds a node index; 0 is empty (node 0 is a sentinel).
type table struct {
	slots []uint32
	shift uint8 // 64 - log2(len(slots)): a slot's home is mix(h) >> shift
	n     int
}

const minSlots = 8

func (t *table) init() {
	t.slots = make([]uint32, minSlots)
	t.shift = uint8(64 - bits.TrailingZeros(minSlots))
	t.n = 0
}

// find returns the slot holding h and its node, or the empty slot where the probe ended and 0.
func (t *table) find(nodes []node, h, m uint64) (slot uint64, i uint32) {
	mask := uint64(len(t.slots) - 1)
	for s := m >> t.shift; ; s = (s + 1) & mask {
		i := t.slots[s]
		if i == 0 || nodes[i].hash == h {
			return s, i
		}
	}
}

// insert indexes node i, whose hash mixes to m; the hash must not be indexed yet.
func (t *table) insert(nodes []node, i uint32, m uint64) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow(nodes)
	}
	mask := uint64(len(t.slots) - 1)
	s := m >> t.shift
	for t.slots[s] != 0 {
		s = (s + 1) & mask
	}
	t.slots[s] = i
	t.n++
}

func (t *table) grow(nodes []node) {
	old := t.slots
	t.slots = make([]uint32, 2*len(old))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for _, i := range old {
		if i == 0 {
			continue
		}
		s := mix(nodes[i].hash) >> t.shift
		for t.slots[s] != 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = i
	}
}

// remove takes h out of the index, if it is there, and shifts the rest of its run back so
// that no probe sequence has a hole.
func (t *table) remove(nodes []node, h, m uint64) {
	s, i := t.find(nodes, h, m)
	if i == 0 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	hole := s
	for j := (s + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		home := mix(nodes[t.slots[j]].hash) >> t.shift
		// The entry at j may fill the hole unless its home lies cyclically in (hole, j].
		if (j-home)&mask >= (j-hole)&mask {
			t.slots[hole] = t.slots[j]
			hole = j
		}
	}
	t.slots[hole] = 0
	t.n--
}

// bytes returns the memory the table's slots take.
func (t *table) bytes() int { return 4 * len(t.slots) }
