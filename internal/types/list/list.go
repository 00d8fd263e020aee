// Package list implements Redis's list value as Redis's quicklist does: a
// sequence of compact nodes, each holding many elements in one byte slice,
// bounded in size by the list-max-listpack-size rule the caller passes in.
// Pushing and popping at either end is O(1); reaching the i-th element walks
// the nodes, then the entries of one node.
//
// Byte slices handed out (Front, Back, Index, Iter.Next) point into the
// list and stay valid only until the list next changes; slices passed in are
// copied. Nothing here is safe for concurrent use: callers hold the key's
// lock.
package list

import (
	"slices"

	"github.com/larderdb/larder/internal/engine"
)

// safetyLimit is the most bytes a node holds when the fill rule counts
// entries (positive list-max-listpack-size), as Redis's SIZE_SAFETY_LIMIT.
const safetyLimit = 8192

// sizeLimits are the node byte limits of list-max-listpack-size -1 to -5.
var sizeLimits = [5]int{4096, 8192, 16384, 32768, 65536}

// Sizes used by MemoryUsage: the List struct and one node in the nodes
// slice.
const (
	listStructSize = 48
	nodeStructSize = 40
)

// List is a list value. The zero value is not usable; call New.
type List struct {
	nodes []node
	count int
	fill  int   // list-max-listpack-size when the list was made
	mem   int64 // sum of cap(buf) over the nodes
}

var _ engine.Object = (*List)(nil)

// New returns an empty list whose nodes follow fill, Redis's
// list-max-listpack-size rule: a positive fill is the most elements a node
// holds (within 8 KB), -1 to -5 cap a node at 4, 8, 16, 32 or 64 KB. Values
// out of range are clamped as Redis clamps them.
func New(fill int) *List {
	switch {
	case fill < -5:
		fill = -5
	case fill > 1<<15:
		fill = 1 << 15
	case fill == 0:
		fill = 1
	}
	return &List{fill: fill}
}

// Kind returns engine.KindList.
func (l *List) Kind() engine.Kind { return engine.KindList }

// Encoding returns "quicklist", the encoding Redis 7.0 reports for every
// list.
func (l *List) Encoding() string { return "quicklist" }

// Nodes returns the number of nodes, for tests and statistics.
func (l *List) Nodes() int { return len(l.nodes) }

// MemoryUsage returns the bytes the list holds: its struct, the node array
// and every node's buffer (capacity, not length).
func (l *List) MemoryUsage() int64 {
	return listStructSize + int64(cap(l.nodes))*nodeStructSize + l.mem
}

// Len returns the number of elements.
func (l *List) Len() int { return l.count }

// Copy returns a deep copy of the list (COPY).
func (l *List) Copy() engine.Object {
	c := &List{count: l.count, fill: l.fill, nodes: make([]node, len(l.nodes))}
	for i := range l.nodes {
		nd := &l.nodes[i]
		c.nodes[i] = newNode(nd.buf[nd.off:], nd.n)
		c.mem += int64(cap(c.nodes[i].buf))
	}
	return c
}

// maxBytes returns the byte limit of a node.
func (l *List) maxBytes() int {
	if l.fill < 0 {
		return sizeLimits[-l.fill-1]
	}
	return safetyLimit
}

// fits reports whether an entry of sz bytes may join nd: a node always
// takes its first entry, however big.
func (l *List) fits(nd *node, sz int) bool {
	if nd.n == 0 {
		return true
	}
	if nd.size()+sz > l.maxBytes() {
		return false
	}
	return l.fill < 0 || nd.n < l.fill
}

// setBuf replaces nd's buffer, keeping the memory count.
func (l *List) setBuf(nd *node, b []byte) {
	l.mem += int64(cap(b) - cap(nd.buf))
	nd.buf = b
}

// growCap returns the capacity for a node buffer that must hold need
// bytes: doubling, within the node limit, so that pushes cost O(1)
// amortized and a full node wastes little.
func (l *List) growCap(old, need int) int {
	c := max(2*old, 16)
	if lim := l.maxBytes(); c > lim {
		c = lim
	}
	return max(c, need)
}

// PushFront adds v at the head of the list.
func (l *List) PushFront(v []byte) {
	sz := entrySize(len(v))
	if len(l.nodes) == 0 || !l.fits(&l.nodes[0], sz) {
		l.nodes = slices.Insert(l.nodes, 0, node{})
	}
	nd := &l.nodes[0]
	if nd.off < sz {
		live := nd.size()
		c := l.growCap(cap(nd.buf), live+sz)
		b := make([]byte, c)
		copy(b[c-live:], nd.buf[nd.off:])
		l.setBuf(nd, b)
		nd.off = c - live
	}
	nd.off -= sz
	putEntry(nd.buf[nd.off:nd.off+sz], v)
	nd.n++
	l.count++
}

// PushBack adds v at the tail of the list.
func (l *List) PushBack(v []byte) {
	sz := entrySize(len(v))
	if len(l.nodes) == 0 || !l.fits(&l.nodes[len(l.nodes)-1], sz) {
		l.nodes = append(l.nodes, node{})
	}
	nd := &l.nodes[len(l.nodes)-1]
	n := len(nd.buf)
	if cap(nd.buf)-n < sz {
		live := nd.size()
		b := make([]byte, live, l.growCap(cap(nd.buf), live+sz))
		copy(b, nd.buf[nd.off:])
		l.setBuf(nd, b)
		nd.off, n = 0, live
	}
	nd.buf = nd.buf[:n+sz]
	putEntry(nd.buf[n:], v)
	nd.n++
	l.count++
}

// Front returns the first element, or nil when the list is empty.
func (l *List) Front() []byte {
	if l.count == 0 {
		return nil
	}
	nd := &l.nodes[0]
	v, _ := entryAt(nd.buf, nd.off)
	return v
}

// Back returns the last element, or nil when the list is empty.
func (l *List) Back() []byte {
	if l.count == 0 {
		return nil
	}
	nd := &l.nodes[len(l.nodes)-1]
	v, _ := entryBefore(nd.buf, len(nd.buf))
	return v
}

// RemoveFront removes the first element, if any.
func (l *List) RemoveFront() {
	if l.count == 0 {
		return
	}
	nd := &l.nodes[0]
	_, nd.off = entryAt(nd.buf, nd.off)
	nd.n--
	l.count--
	if nd.n == 0 {
		l.dropNode(0)
		return
	}
	l.shrink(nd)
}

// RemoveBack removes the last element, if any.
func (l *List) RemoveBack() {
	if l.count == 0 {
		return
	}
	last := len(l.nodes) - 1
	nd := &l.nodes[last]
	_, start := entryBefore(nd.buf, len(nd.buf))
	nd.buf = nd.buf[:start]
	nd.n--
	l.count--
	if nd.n == 0 {
		l.dropNode(last)
		return
	}
	l.shrink(nd)
}

// dropNode removes node i, which must be empty of elements.
func (l *List) dropNode(i int) {
	l.mem -= int64(cap(l.nodes[i].buf))
	l.nodes = slices.Delete(l.nodes, i, i+1)
	if cap(l.nodes) > 8 && len(l.nodes) < cap(l.nodes)/4 {
		l.nodes = slices.Clip(slices.Clone(l.nodes))
	}
}

// shrink gives back most of nd's buffer when its entries use a quarter of
// it or less, as a listpack shrinks on deletion.
func (l *List) shrink(nd *node) {
	live := nd.size()
	if cap(nd.buf) <= 64 || live*4 > cap(nd.buf) {
		return
	}
	b := make([]byte, live, live*2)
	copy(b, nd.buf[nd.off:])
	l.setBuf(nd, b)
	nd.off = 0
}
