package evict

// Link is a node's place in its list: Prev is its newer neighbour, Next its older one. Lists are
// circular through a sentinel per list, whose id is the list's number (below NumLists): a
// sentinel's Next is its list's newest node and its Prev the oldest.
type Link struct {
	Prev uint32
	Next uint32
}

// NumLists is the number of lists a policy keeps (window, probation, protected). Node ids below
// NumLists name the lists' sentinels; every other id is a node.
const NumLists = int(numLists)

// Nodes is where a [Core]'s nodes live: a node is an id (a uint32 of at least NumLists) that the
// implementation maps to its links, its list, its size and its key's hash. The hash-based
// [Policy] keeps its nodes in a slice; the engine keeps them in its records, so that a key
// costs the policy no memory beyond the links in its record.
//
// Link must also serve the sentinels (ids 0 to NumLists-1). A Core calls these methods with the
// caller's lock held, and never keeps a *Link across a call that may add a node.
type Nodes interface {
	// Link returns node i's links.
	Link(i uint32) *Link
	// Queue returns the list node i is in (of a sentinel: its own id).
	Queue(i uint32) uint8
	// SetQueue records that node i is in list q.
	SetQueue(i uint32, q uint8)
	// Size returns the bytes node i is charged; it may change only through Core.Resized.
	Size(i uint32) uint32
	// Hash returns the hash of node i's key, which the frequency sketch counts.
	Hash(i uint32) uint64
	// Victim returns what the Core appends to its victims for node i when it evicts it.
	Victim(i uint32) uint64
	// Free is called once node i is out of every list: it is no longer the Core's.
	Free(i uint32)
}

// lists are a policy's three LRU lists, with the bytes and the nodes each holds.
type lists[N Nodes] struct {
	n     N
	bytes [numLists]int64
	count [numLists]int
}

// initLists makes every list empty.
func (l *lists[N]) initLists() {
	for q := range numLists {
		*l.n.Link(uint32(q)) = Link{Prev: uint32(q), Next: uint32(q)}
	}
	l.bytes = [numLists]int64{}
	l.count = [numLists]int{}
}

// pushFront links node i as the newest node of list q.
func (l *lists[N]) pushFront(q uint8, i uint32) {
	s := l.n.Link(uint32(q))
	newest := s.Next
	s.Next = i
	l.n.Link(newest).Prev = i
	*l.n.Link(i) = Link{Prev: uint32(q), Next: newest}
	l.n.SetQueue(i, q)
	l.bytes[q] += int64(l.n.Size(i))
	l.count[q]++
}

// pushBack links node i as the oldest node of list q.
func (l *lists[N]) pushBack(q uint8, i uint32) {
	s := l.n.Link(uint32(q))
	oldest := s.Prev
	s.Prev = i
	l.n.Link(oldest).Next = i
	*l.n.Link(i) = Link{Prev: oldest, Next: uint32(q)}
	l.n.SetQueue(i, q)
	l.bytes[q] += int64(l.n.Size(i))
	l.count[q]++
}

// unlink takes node i out of its list.
func (l *lists[N]) unlink(i uint32) {
	x := *l.n.Link(i)
	l.n.Link(x.Prev).Next = x.Next
	l.n.Link(x.Next).Prev = x.Prev
	q := l.n.Queue(i)
	l.bytes[q] -= int64(l.n.Size(i))
	l.count[q]--
}

// moveFront moves node i to the front (newest end) of list q.
func (l *lists[N]) moveFront(q uint8, i uint32) {
	l.unlink(i)
	l.pushFront(q, i)
}

// bump moves node i, in list q, to the front of q: moveFront without the bookkeeping.
func (l *lists[N]) bump(q uint8, i uint32) {
	x := l.n.Link(i)
	p, nx := x.Prev, x.Next
	s := l.n.Link(uint32(q))
	newest := s.Next
	if newest == i {
		return
	}
	l.n.Link(p).Next = nx
	l.n.Link(nx).Prev = p
	*x = Link{Prev: uint32(q), Next: newest}
	s.Next = i
	l.n.Link(newest).Prev = i
}

// oldest returns the oldest node of list q, or q itself (its sentinel) when the list is empty.
func (l *lists[N]) oldest(q uint8) uint32 { return l.n.Link(uint32(q)).Prev }

// newer returns the neighbour of node i towards the front of its list; a sentinel ends the list.
func (l *lists[N]) newer(i uint32) uint32 { return l.n.Link(i).Prev }

// keys returns the number of nodes in the lists.
func (l *lists[N]) keys() int { return l.count[window] + l.count[probation] + l.count[protected] }

// ListLen returns the number of nodes in list q.
func (l *lists[N]) ListLen(q uint8) int { return l.count[q] }

// ListBytes returns the bytes of the nodes in list q.
func (l *lists[N]) ListBytes(q uint8) int64 { return l.bytes[q] }
