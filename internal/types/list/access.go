package list

import "slices"

// norm turns a Redis index (negative counts from the tail) into a position
// from the head, reporting whether it falls inside the list.
func (l *List) norm(i int) (int, bool) {
	if i < 0 {
		i += l.count
	}
	return i, i >= 0 && i < l.count
}

// locate returns the node holding element i (0 <= i < Len) and the index
// of the element within it, walking from the nearer end of the list.
func (l *List) locate(i int) (ni, j int) {
	if i < l.count/2 {
		for ni = range l.nodes {
			n := l.nodes[ni].n
			if i < n {
				return ni, i
			}
			i -= n
		}
	}
	r := l.count - 1 - i
	for ni = len(l.nodes) - 1; ni > 0; ni-- {
		n := l.nodes[ni].n
		if r < n {
			return ni, n - 1 - r
		}
		r -= n
	}
	return 0, l.nodes[0].n - 1 - r
}

// Index returns element i (negative counts from the tail) and whether it
// exists.
func (l *List) Index(i int) ([]byte, bool) {
	i, ok := l.norm(i)
	if !ok {
		return nil, false
	}
	ni, j := l.locate(i)
	nd := &l.nodes[ni]
	v, _ := entryAt(nd.buf, nd.offsetOf(j))
	return v, true
}

// Set replaces element i (negative counts from the tail) with v and
// reports whether the element exists.
func (l *List) Set(i int, v []byte) bool {
	i, ok := l.norm(i)
	if !ok {
		return false
	}
	ni, j := l.locate(i)
	nd := &l.nodes[ni]
	pos := nd.offsetOf(j)
	_, next := entryAt(nd.buf, pos)
	osz, nsz := next-pos, entrySize(len(v))
	if osz == nsz {
		putEntry(nd.buf[pos:next], v)
		return true
	}
	// Take the old entry out, then insert as LINSERT would: in place when
	// the node has room, else splitting it.
	copy(nd.buf[pos:], nd.buf[next:])
	nd.buf = nd.buf[:len(nd.buf)-osz]
	nd.n--
	l.count--
	l.insertAt(ni, j, pos, v)
	return true
}

// Insert puts v just before (or after, with after) the first element equal
// to pivot, and reports whether pivot was found.
func (l *List) Insert(pivot, v []byte, after bool) bool {
	for ni := range l.nodes {
		nd := &l.nodes[ni]
		pos := nd.off
		for j := 0; j < nd.n; j++ {
			e, next := entryAt(nd.buf, pos)
			if string(e) == string(pivot) {
				if after {
					l.insertAt(ni, j+1, next, v)
				} else {
					l.insertAt(ni, j, pos, v)
				}
				return true
			}
			pos = next
		}
	}
	return false
}

// insertAt inserts v into node ni so that it becomes the node's j-th
// entry, at byte position pos. A full node has its neighbour take v when v
// goes at the node's edge, or is split in two around v.
func (l *List) insertAt(ni, j, pos int, v []byte) {
	sz := entrySize(len(v))
	nd := &l.nodes[ni]
	l.count++
	if l.fits(nd, sz) {
		if cap(nd.buf)-len(nd.buf) < sz {
			live := nd.size()
			b := make([]byte, live, l.growCap(cap(nd.buf), live+sz))
			copy(b, nd.buf[nd.off:])
			l.setBuf(nd, b)
			pos -= nd.off
			nd.off = 0
		}
		n := len(nd.buf)
		nd.buf = nd.buf[:n+sz]
		copy(nd.buf[pos+sz:], nd.buf[pos:n])
		putEntry(nd.buf[pos:pos+sz], v)
		nd.n++
		return
	}
	if j == nd.n && ni+1 < len(l.nodes) && l.fits(&l.nodes[ni+1], sz) {
		l.nodes[ni+1].pushFront(l, v)
		return
	}
	if j == 0 && ni > 0 && l.fits(&l.nodes[ni-1], sz) {
		l.nodes[ni-1].pushBack(l, v)
		return
	}
	// Split: left part, v, right part; v joins a part that has room.
	left := newNode(nd.buf[nd.off:pos], j)
	right := newNode(nd.buf[pos:], nd.n-j)
	mid := node{}
	l.mem += int64(cap(left.buf) + cap(right.buf) - cap(nd.buf))
	switch {
	case left.n > 0 && l.fits(&left, sz):
		left.pushBack(l, v)
	case right.n > 0 && l.fits(&right, sz):
		right.pushFront(l, v)
	default:
		mid.pushBack(l, v)
	}
	parts := make([]node, 0, 3)
	for _, p := range []node{left, mid, right} {
		if p.n > 0 {
			parts = append(parts, p)
		}
	}
	l.nodes = slices.Replace(l.nodes, ni, ni+1, parts...)
}

// pushFront and pushBack add v at an end of node nd of l without the
// fill check, keeping l's memory count. They do not count the element in
// l.count.
func (nd *node) pushFront(l *List, v []byte) {
	sz := entrySize(len(v))
	if nd.off < sz {
		live := nd.size()
		c := live + sz
		b := make([]byte, c)
		copy(b[sz:], nd.buf[nd.off:])
		l.setBuf(nd, b)
		nd.off = sz
	}
	nd.off -= sz
	putEntry(nd.buf[nd.off:nd.off+sz], v)
	nd.n++
}

func (nd *node) pushBack(l *List, v []byte) {
	sz := entrySize(len(v))
	n := len(nd.buf)
	if cap(nd.buf)-n < sz {
		live := nd.size()
		b := make([]byte, live, live+sz)
		copy(b, nd.buf[nd.off:])
		l.setBuf(nd, b)
		nd.off, n = 0, live
	}
	nd.buf = nd.buf[:n+sz]
	putEntry(nd.buf[n:], v)
	nd.n++
}

// Remove removes elements equal to v: the first count of them from the
// head when count > 0, the last -count from the tail when count < 0, all
// of them when count is 0. It returns how many it removed.
func (l *List) Remove(v []byte, count int) int {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	removed := 0
	var spans []int // start, end pairs of the matching entries of one node
	for k := range l.nodes {
		ni := k
		if count < 0 {
			ni = len(l.nodes) - 1 - k
		}
		nd := &l.nodes[ni]
		spans = spans[:0]
		if count >= 0 {
			for pos := nd.off; pos < len(nd.buf); {
				e, next := entryAt(nd.buf, pos)
				if string(e) == string(v) && (limit == 0 || removed < limit) {
					spans = append(spans, pos, next)
					removed++
				}
				pos = next
			}
		} else {
			for end := len(nd.buf); end > nd.off && removed < limit; {
				e, start := entryBefore(nd.buf, end)
				if string(e) == string(v) {
					spans = append(spans, start, end)
					removed++
				}
				end = start
			}
			// Put the spans in ascending order for the compaction below.
			for a, b := 0, len(spans)-2; a < b; a, b = a+2, b-2 {
				spans[a], spans[a+1], spans[b], spans[b+1] = spans[b], spans[b+1], spans[a], spans[a+1]
			}
		}
		if len(spans) > 0 {
			l.cutSpans(nd, spans)
		}
		if limit != 0 && removed >= limit {
			break
		}
	}
	if removed > 0 {
		l.compact()
	}
	return removed
}

// cutSpans removes from nd the entries in spans (ascending start, end
// pairs), moving the others down.
func (l *List) cutSpans(nd *node, spans []int) {
	w := spans[0]
	for i := 0; i < len(spans); i += 2 {
		nextStart := len(nd.buf)
		if i+2 < len(spans) {
			nextStart = spans[i+2]
		}
		w += copy(nd.buf[w:], nd.buf[spans[i+1]:nextStart])
	}
	nd.buf = nd.buf[:w]
	nd.n -= len(spans) / 2
	l.count -= len(spans) / 2
}

// DeleteRange removes n elements starting at position start (from the
// head, 0 <= start); a range past the end is cut to the list.
func (l *List) DeleteRange(start, n int) {
	if start < 0 || start >= l.count || n <= 0 {
		return
	}
	n = min(n, l.count-start)
	ni, j := l.locate(start)
	for n > 0 {
		nd := &l.nodes[ni]
		take := min(n, nd.n-j)
		switch {
		case take == nd.n:
			nd.buf, nd.off = nd.buf[:0], 0
		case j == 0:
			nd.off = nd.offsetOf(take)
		case j+take == nd.n:
			nd.buf = nd.buf[:nd.offsetOf(j)]
		default:
			from, to := nd.offsetOf(j), nd.offsetOf(j+take)
			nd.buf = nd.buf[:from+copy(nd.buf[from:], nd.buf[to:])]
		}
		nd.n -= take
		l.count -= take
		n -= take
		ni, j = ni+1, 0
	}
	l.compact()
}

// compact drops empty nodes, merges neighbours that fit in one node and
// gives back unused buffer space, after deletions inside the list.
func (l *List) compact() {
	out := l.nodes[:0]
	for i := range l.nodes {
		nd := l.nodes[i]
		if nd.n == 0 {
			l.mem -= int64(cap(nd.buf))
			continue
		}
		if len(out) > 0 {
			prev := &out[len(out)-1]
			if prev.size()+nd.size() <= l.maxBytes() && (l.fill < 0 || prev.n+nd.n <= l.fill) {
				live := prev.size()
				b := make([]byte, live+nd.size())
				copy(b, prev.buf[prev.off:])
				copy(b[live:], nd.buf[nd.off:])
				l.setBuf(prev, b)
				prev.off = 0
				prev.n += nd.n
				l.mem -= int64(cap(nd.buf))
				continue
			}
		}
		out = append(out, nd)
		l.shrink(&out[len(out)-1])
	}
	clear(l.nodes[len(out):])
	l.nodes = out
}
