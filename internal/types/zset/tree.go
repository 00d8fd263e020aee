package zset

// The full form orders the members in a B+tree whose inner nodes know how
// many items each subtree holds (an order-statistics tree), so that a rank
// is found or reached in O(log n). Leaves are linked both ways for range
// walks. See doc.go for why a B+tree rather than a skip list.

const (
	// degree is the most items a leaf, or children an inner node, holds.
	degree = 64
	// minFill is the size below which a node is merged with or refilled
	// from a sibling.
	minFill = degree / 4
)

// item is one member and its score.
type item struct {
	score  float64
	member string
}

// less orders items by score, then member bytes.
func less(a, b *item) bool {
	return a.score < b.score || (a.score == b.score && a.member < b.member)
}

// node is a leaf (items, prev/next) or an inner node (kids, keys). For an
// inner node keys[i] is greater than every item under kids[i] and at most
// every item under kids[i+1] (deletes may leave it stale, never wrong).
type node struct {
	n          int // items in the subtree
	leaf       bool
	items      []item
	kids       []*node
	keys       []item
	prev, next *node
}

func (x *node) size() int {
	if x.leaf {
		return len(x.items)
	}
	return len(x.kids)
}

// tree is an order-statistics B+tree of distinct items. The zero value is
// an empty tree. It is not safe for concurrent use.
type tree struct {
	root       *node
	head, tail *node // first and last leaf
}

func newLeaf() *node { return &node{leaf: true, items: make([]item, 0, degree+1)} }

// len returns the number of items.
func (t *tree) len() int {
	if t.root == nil {
		return 0
	}
	return t.root.n
}

// insert adds it, which must not be in the tree.
func (t *tree) insert(it item) {
	if t.root == nil {
		t.root = newLeaf()
		t.head, t.tail = t.root, t.root
	}
	if right, sep := t.insertAt(t.root, &it); right != nil {
		old := t.root
		t.root = &node{n: old.n + right.n, kids: make([]*node, 2, degree+1), keys: make([]item, 1, degree)}
		t.root.kids[0], t.root.kids[1] = old, right
		t.root.keys[0] = sep
	}
}

// insertAt inserts it under x and returns the new right sibling of x and
// its separator when x had to split.
func (t *tree) insertAt(x *node, it *item) (*node, item) {
	x.n++
	if x.leaf {
		i := leafSearch(x.items, it)
		x.items = append(x.items, item{})
		copy(x.items[i+1:], x.items[i:])
		x.items[i] = *it
		if len(x.items) <= degree {
			return nil, item{}
		}
		return t.splitLeaf(x)
	}
	i := keySearch(x.keys, it)
	right, sep := t.insertAt(x.kids[i], it)
	if right == nil {
		return nil, item{}
	}
	x.kids = append(x.kids, nil)
	copy(x.kids[i+2:], x.kids[i+1:])
	x.kids[i+1] = right
	x.keys = append(x.keys, item{})
	copy(x.keys[i+1:], x.keys[i:])
	x.keys[i] = sep
	if len(x.kids) <= degree {
		return nil, item{}
	}
	return splitInner(x)
}

// leafSearch returns the index of the first item of items not less than it.
func leafSearch(items []item, it *item) int {
	lo, hi := 0, len(items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if less(&items[m], it) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// keySearch returns the child of an inner node whose subtree holds it: the
// number of keys not greater than it.
func keySearch(keys []item, it *item) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !less(it, &keys[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (t *tree) splitLeaf(x *node) (*node, item) {
	mid := len(x.items) / 2
	r := newLeaf()
	r.items = append(r.items, x.items[mid:]...)
	clear(x.items[mid:])
	x.items = x.items[:mid]
	r.n, x.n = len(r.items), mid
	r.prev, r.next = x, x.next
	if x.next != nil {
		x.next.prev = r
	} else {
		t.tail = r
	}
	x.next = r
	return r, r.items[0]
}

func splitInner(x *node) (*node, item) {
	mid := len(x.kids) / 2
	r := &node{kids: make([]*node, 0, degree+1), keys: make([]item, 0, degree)}
	r.kids = append(r.kids, x.kids[mid:]...)
	r.keys = append(r.keys, x.keys[mid:]...)
	sep := x.keys[mid-1]
	clear(x.kids[mid:])
	clear(x.keys[mid-1:])
	x.kids, x.keys = x.kids[:mid], x.keys[:mid-1]
	for _, k := range r.kids {
		r.n += k.n
	}
	x.n -= r.n
	return r, sep
}

// remove deletes it, which must be in the tree, and returns the item the
// tree held (whose member string may be the one stored elsewhere).
func (t *tree) remove(it item) item {
	old := t.removeAt(t.root, &it)
	for !t.root.leaf && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	if t.root.n == 0 {
		t.root, t.head, t.tail = nil, nil, nil
	}
	return old
}

func (t *tree) removeAt(x *node, it *item) item {
	x.n--
	if x.leaf {
		i := leafSearch(x.items, it)
		old := x.items[i]
		copy(x.items[i:], x.items[i+1:])
		x.items[len(x.items)-1] = item{}
		x.items = x.items[:len(x.items)-1]
		return old
	}
	i := keySearch(x.keys, it)
	old := t.removeAt(x.kids[i], it)
	if x.kids[i].size() < minFill && len(x.kids) > 1 {
		t.rebalance(x, i)
	}
	return old
}

// rebalance merges the underfull child i of x with a sibling, or moves
// items from the sibling when both do not fit in one node.
func (t *tree) rebalance(x *node, i int) {
	if i == len(x.kids)-1 {
		i--
	}
	l, r := x.kids[i], x.kids[i+1]
	if l.size()+r.size() <= degree {
		if l.leaf {
			l.items = append(l.items, r.items...)
			l.next = r.next
			if r.next != nil {
				r.next.prev = l
			} else {
				t.tail = l
			}
		} else {
			l.keys = append(l.keys, x.keys[i])
			l.keys = append(l.keys, r.keys...)
			l.kids = append(l.kids, r.kids...)
		}
		l.n += r.n
		copy(x.kids[i+1:], x.kids[i+2:])
		x.kids[len(x.kids)-1] = nil
		x.kids = x.kids[:len(x.kids)-1]
		copy(x.keys[i:], x.keys[i+1:])
		x.keys[len(x.keys)-1] = item{}
		x.keys = x.keys[:len(x.keys)-1]
		return
	}
	if l.leaf {
		all := append(append(make([]item, 0, len(l.items)+len(r.items)), l.items...), r.items...)
		mid := len(all) / 2
		clear(l.items)
		clear(r.items)
		l.items = append(l.items[:0], all[:mid]...)
		r.items = append(r.items[:0], all[mid:]...)
		l.n, r.n = len(l.items), len(r.items)
		x.keys[i] = r.items[0]
		return
	}
	keys := make([]item, 0, len(l.keys)+len(r.keys)+1)
	keys = append(append(append(keys, l.keys...), x.keys[i]), r.keys...)
	kids := append(append(make([]*node, 0, len(l.kids)+len(r.kids)), l.kids...), r.kids...)
	mid := len(kids) / 2
	clear(l.kids)
	clear(r.kids)
	clear(l.keys)
	clear(r.keys)
	l.kids = append(l.kids[:0], kids[:mid]...)
	r.kids = append(r.kids[:0], kids[mid:]...)
	l.keys = append(l.keys[:0], keys[:mid-1]...)
	x.keys[i] = keys[mid-1]
	r.keys = append(r.keys[:0], keys[mid:]...)
	l.n, r.n = 0, 0
	for _, k := range l.kids {
		l.n += k.n
	}
	for _, k := range r.kids {
		r.n += k.n
	}
}

// pos is a position in the tree: an item of a leaf, or the end when leaf
// is nil.
type pos struct {
	leaf *node
	i    int
}

func (p pos) ok() bool    { return p.leaf != nil }
func (p pos) item() *item { return &p.leaf.items[p.i] }
func (p pos) next() pos {
	if p.i++; p.i < len(p.leaf.items) {
		return p
	}
	return pos{leaf: p.leaf.next}
}
func (p pos) prev() pos {
	if p.i--; p.i >= 0 {
		return p
	}
	if l := p.leaf.prev; l != nil {
		return pos{leaf: l, i: len(l.items) - 1}
	}
	return pos{}
}

// at returns the position of the item of rank r (0-based), which must be
// below len.
func (t *tree) at(r int) pos {
	x := t.root
	for !x.leaf {
		for _, k := range x.kids {
			if r < k.n {
				x = k
				break
			}
			r -= k.n
		}
	}
	return pos{leaf: x, i: r}
}

// seek returns the number of items for which before is true, and the
// position of the first item for which it is false. before must be true
// for a prefix of the items in order and false after it.
func (t *tree) seek(before func(*item) bool) (int, pos) {
	if t.root == nil {
		return 0, pos{}
	}
	rank := 0
	x := t.root
	for !x.leaf {
		lo, hi := 0, len(x.keys)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(&x.keys[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		for _, k := range x.kids[:lo] {
			rank += k.n
		}
		x = x.kids[lo]
	}
	lo, hi := 0, len(x.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if before(&x.items[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	rank += lo
	if lo == len(x.items) {
		return rank, pos{leaf: x.next}
	}
	return rank, pos{leaf: x, i: lo}
}

// rank returns the 0-based rank of it, which must be in the tree.
func (t *tree) rank(it *item) int {
	r := 0
	x := t.root
	for !x.leaf {
		i := keySearch(x.keys, it)
		for _, k := range x.kids[:i] {
			r += k.n
		}
		x = x.kids[i]
	}
	return r + leafSearch(x.items, it)
}

// first and last return the ends of the tree.
func (t *tree) first() pos { return pos{leaf: t.head} }

func (t *tree) last() pos {
	if t.tail == nil {
		return pos{}
	}
	return pos{leaf: t.tail, i: len(t.tail.items) - 1}
}
