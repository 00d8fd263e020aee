package list

// Iter walks a list from one element toward the tail or the head. It is a
// value (no allocation) and is invalid once the list changes.
type Iter struct {
	l       *List
	ni      int // current node
	pos     int // forward: start of the next entry; backward: its end
	left    int // elements still to return
	reverse bool
}

// Iter returns an iterator starting at element start (negative counts from
// the tail) and moving toward the tail, or toward the head with reverse.
// A start outside the list gives an empty iterator.
func (l *List) Iter(start int, reverse bool) Iter {
	i, ok := l.norm(start)
	if !ok {
		return Iter{}
	}
	ni, j := l.locate(i)
	nd := &l.nodes[ni]
	it := Iter{l: l, ni: ni, reverse: reverse}
	if reverse {
		it.pos = nd.offsetOf(j + 1)
		it.left = i + 1
	} else {
		it.pos = nd.offsetOf(j)
		it.left = l.count - i
	}
	return it
}

// Next returns the next element, or false when the walk is over.
func (it *Iter) Next() ([]byte, bool) {
	if it.left <= 0 {
		return nil, false
	}
	it.left--
	nd := &it.l.nodes[it.ni]
	if it.reverse {
		if it.pos == nd.off {
			it.ni--
			nd = &it.l.nodes[it.ni]
			it.pos = len(nd.buf)
		}
		v, start := entryBefore(nd.buf, it.pos)
		it.pos = start
		return v, true
	}
	if it.pos == len(nd.buf) {
		it.ni++
		nd = &it.l.nodes[it.ni]
		it.pos = nd.off
	}
	v, next := entryAt(nd.buf, it.pos)
	it.pos = next
	return v, true
}
