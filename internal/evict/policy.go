package evict

import "unsafe"

// The lists of a Policy; each constant is also the index of the list's sentinel node.
const (
	window    uint8 = iota // new keys, in LRU order
	probation              // main space: keys admitted from the window or demoted, in LRU order
	protected              // main space: keys hit while on probation, in LRU order
	numLists
)

const (
	// protectedShare is the part of the main space the protected segment may fill while the
	// window has its initial size; a larger window takes its bytes from the protected segment.
	protectedShare = 0.80
	// hashDoSFreq: a candidate seen this often that loses a duel still gets in once in 128 (see admit).
	hashDoSFreq = 6
)

// Core is the W-TinyLFU logic of a Policy over nodes that live wherever N keeps them: the
// lists, the frequency sketch and the limits of the window and the protected segment, without an
// index from keys to nodes or a tuner. A [Policy] is a Core over nodes in a slice, found by
// hash; the engine runs a Core per shard over its records. Not safe for concurrent use.
type Core[N Nodes] struct {
	lists[N]
	sk           sketch
	capacity     int64
	total        int64 // bytes in all lists
	windowMax    int64
	protectedMax int64
	frac         float64 // the window's share of the capacity
	counting     bool    // the sketch counts: the policy has been at least half full
	rng          uint64  // xorshift state for admit
	sketchDiv    int     // the sketch has 1/sketchDiv of the words startCounting gives it
}

// SetSketchShare makes the frequency sketch 1/div of its usual size (about one 8-byte word per
// key of capacity, as Caffeine's): a smaller sketch saves memory for more collisions. Call it
// before the core counts.
func (c *Core[N]) SetSketchShare(div int) { c.sketchDiv = max(div, 1) }

// Init makes c an empty core over n that holds at most capacity bytes, with its window at
// frac of the capacity (clamped to the tuner's bounds).
func (c *Core[N]) Init(n N, capacity int64, frac float64) {
	c.n = n
	c.initLists()
	c.sk = sketch{}
	c.total = 0
	c.counting = false
	c.rng = 0x9e3779b97f4a7c15
	c.sketchDiv = max(c.sketchDiv, 1)
	c.capacity = max(capacity, 0)
	c.setWindow(frac)
}

// setWindow sets the window's share of the capacity and the limits that follow from it.
func (c *Core[N]) setWindow(frac float64) {
	c.frac = ClampWindow(frac)
	c.windowMax = max(int64(c.frac*float64(c.capacity)), 1)
	w0 := max(int64(initialWindow*float64(c.capacity)), 1)
	c.protectedMax = max(int64(protectedShare*float64(c.capacity-w0))-(c.windowMax-w0), 0)
}

// Len returns the number of nodes in the lists.
func (c *Core[N]) Len() int { return c.keys() }

// Bytes returns the sum of the sizes of the nodes in the lists.
func (c *Core[N]) Bytes() int64 { return c.total }

// Capacity returns the capacity in bytes the window and protected limits are computed from.
func (c *Core[N]) Capacity() int64 { return c.capacity }

// SketchBytes returns the memory the frequency sketch takes.
func (c *Core[N]) SketchBytes() int { return c.sk.bytes() }

// Add links node i, new, into the window and counts a request for it; Size(i) must be its size.
// It evicts nothing: the caller calls Evict when it must free memory.
func (c *Core[N]) Add(i uint32) {
	c.add(i)
	if c.counting {
		c.sk.increment(mix(c.n.Hash(i)))
	}
}

func (c *Core[N]) add(i uint32) {
	sz := c.n.Size(i)
	if int64(sz) > c.windowMax {
		c.pushBack(window, i) // first out of the window: it must not flush it
	} else {
		c.pushFront(window, i)
	}
	c.total += int64(sz)
	c.startCounting()
}

// Access counts a request for node i, whose key hashes to h (Hash(i)), and moves it as a hit does.
func (c *Core[N]) Access(i uint32, h uint64) {
	if c.counting {
		c.sk.increment(mix(h))
	}
	c.touch(i)
}

// Count counts a request for the key whose hash is h in the frequency sketch alone: a hit on a
// node the caller knows is near the front of its window or protected list, which Access would
// barely move.
func (c *Core[N]) Count(h uint64) {
	if c.counting {
		c.sk.increment(mix(h))
	}
}

// Remove takes node i out of its list and frees it (Free); the caller deleted its key.
func (c *Core[N]) Remove(i uint32) { c.drop(i) }

// Resized records that node i's size changed by diff bytes (Size(i) already says the new size).
func (c *Core[N]) Resized(i uint32, diff int64) {
	c.bytes[c.n.Queue(i)] += diff
	c.total += diff
}

// Moved records that the node once at id old now lives at id nw, with the same links, list and size (the
// caller copied them): its neighbours are pointed at nw.
func (c *Core[N]) Moved(old, nw uint32) {
	_ = old
	x := *c.n.Link(nw)
	c.n.Link(x.Prev).Next = nw
	c.n.Link(x.Next).Prev = nw
}

// Frac returns the window's share of the capacity.
func (c *Core[N]) Frac() float64 { return c.frac }

// SetFrac sets the window's share of the capacity (clamped by ClampWindow), moving keys between
// the window and the main space to fit, without evicting.
func (c *Core[N]) SetFrac(frac float64) {
	old := c.windowMax
	c.setWindow(frac)
	c.transfer(old)
}

// SetCapacity changes the capacity the window and protected limits are computed from, moving
// keys between the window and the main space to fit, without evicting.
func (c *Core[N]) SetCapacity(capacity int64) {
	old := c.windowMax
	c.capacity = max(capacity, 0)
	c.setWindow(c.frac)
	c.transfer(old)
	if !c.counting && c.keys() > 0 {
		c.startCounting() // a smaller capacity may find the policy half full
	}
}

// Evict frees at least need bytes (fewer when the lists hold fewer) as a write of that many
// bytes to a full W-TinyLFU cache would: candidates from the window duel with the keys of the
// main space they would displace. It appends Victim(i) of each evicted node to victims, and
// has freed each of them (Free) before it returns.
func (c *Core[N]) Evict(need int64, victims []uint64) []uint64 {
	return c.makeRoom(max(c.total-max(need, 1), 0), victims)
}

// startCounting sizes the sketch, once the policy is half full, for twice the keys it holds then,
// and grows it when the keys outnumber its words by a fifth (so that a policy at its capacity,
// briefly one key over before it evicts, does not double it). Frequencies seen while the cache
// fills (when nothing is evicted) are not counted: they would weigh the first keys against the
// later ones.
func (c *Core[N]) startCounting() {
	n := c.keys()
	switch {
	case c.counting:
		c.sk.ensure((n - n/5) / c.sketchDiv)
	case 2*c.total >= c.capacity:
		c.counting = true
		c.sk.init(2 * n / c.sketchDiv)
	}
}

// touch moves node i to the front of its list after a hit; a hit on probation promotes the key to
// the protected segment, which pushes its oldest keys back to probation when it is full.
func (c *Core[N]) touch(i uint32) {
	switch q := c.n.Queue(i); q {
	case window:
		c.bump(window, i)
	case probation:
		c.moveFront(protected, i)
		c.demote() // the segment may have grown by a key
	case protected:
		c.bump(protected, i)
		c.demote() // a key's size may have grown
	}
}

// demote moves the oldest protected keys to probation until the protected segment fits.
func (c *Core[N]) demote() {
	for c.bytes[protected] > c.protectedMax {
		c.moveFront(probation, c.oldest(protected))
	}
}

// drop forgets node i.
func (c *Core[N]) drop(i uint32) {
	c.total -= int64(c.n.Size(i))
	c.unlink(i)
	c.n.Free(i)
}

// evict forgets node i and appends its victim value to victims.
func (c *Core[N]) evict(i uint32, victims []uint64) []uint64 {
	victims = append(victims, c.n.Victim(i))
	c.drop(i)
	return victims
}

// makeRoom moves the keys the window cannot hold to probation as candidates, then, while the
// policy holds more than target bytes, lets each candidate in turn, oldest first, duel with the
// keys it would displace. With no candidate left, the oldest key of the window duels instead.
func (c *Core[N]) makeRoom(target int64, victims []uint64) []uint64 {
	cand := uint32(0) // the oldest candidate; those newer than it on probation are candidates too
	for c.bytes[window] > c.windowMax {
		i := c.oldest(window)
		c.moveFront(probation, i)
		if cand == 0 {
			cand = i
		}
	}
	for c.total > target {
		if cand != 0 {
			next := c.newer(cand)
			if next == uint32(probation) {
				next = 0
			}
			victims = c.duel(cand, target, victims)
			cand = next
			continue
		}
		if w := c.oldest(window); w != uint32(window) {
			victims = c.duel(w, target, victims)
			continue
		}
		victims = c.evict(c.oldestMain(), victims)
	}
	return victims
}

// oldestMain returns the oldest key on probation, else the oldest protected one.
func (c *Core[N]) oldestMain() uint32 {
	if i := c.oldest(probation); i != uint32(probation) {
		return i
	}
	if i := c.oldest(protected); i != uint32(protected) {
		return i
	}
	panic("evict: over capacity with no keys")
}

// nextVictim returns the key after i (0: the first) in the order a candidate displaces keys:
// probation from its oldest key up to the candidates (cand and the keys newer than it), then the
// protected segment from its oldest key. It returns 0 after the last.
func (c *Core[N]) nextVictim(i, cand uint32) uint32 {
	var next uint32
	switch {
	case i == 0:
		next = c.oldest(probation)
	case c.n.Queue(i) == probation:
		next = c.newer(i)
	default:
		next = c.newer(i)
		if next == uint32(protected) {
			return 0
		}
		return next
	}
	if next == cand || next == uint32(probation) {
		if next = c.oldest(protected); next == uint32(protected) {
			return 0
		}
	}
	return next
}

// duel decides between candidate cand and the oldest keys of the main space that hold the bytes
// the policy must free to get down to target (at most the candidate's size): the candidate stays
// only if it was requested more often than each of them, and then they go; otherwise the
// candidate goes.
func (c *Core[N]) duel(cand uint32, target int64, victims []uint64) []uint64 {
	need := min(c.total-target, int64(c.n.Size(cand)))
	freq := c.sk.estimate(mix(c.n.Hash(cand)))
	var freed int64
	n, top := 0, -1
	for i := c.nextVictim(0, cand); i != 0 && freed < need; i = c.nextVictim(i, cand) {
		f := c.sk.estimate(mix(c.n.Hash(i)))
		top = max(top, f)
		freed += int64(c.n.Size(i))
		n++
		if f >= freq {
			break
		}
	}
	if freed < need || !c.admit(freq, top) {
		return c.evict(cand, victims)
	}
	for ; n > 0; n-- {
		victims = c.evict(c.nextVictim(0, cand), victims)
	}
	return victims
}

// admit reports whether a candidate requested freq times beats victims requested at most top
// times. Ties go to the victims. A candidate that is popular but not more than the victims still
// gets in once in 128 duels, so an attacker who makes a victim look popular (by colliding hashes
// in the sketch) cannot keep everything else out.
func (c *Core[N]) admit(freq, top int) bool {
	if freq > top {
		return true
	}
	if freq < hashDoSFreq {
		return false
	}
	c.rng ^= c.rng << 13
	c.rng ^= c.rng >> 7
	c.rng ^= c.rng << 17
	return c.rng&127 == 0
}

// transfer moves keys between the window and the main space after the window's limit changed
// from old bytes: a larger window takes the oldest keys of probation (then of the protected
// segment) up to its new room, a smaller one gives its oldest keys to probation until it fits.
func (c *Core[N]) transfer(old int64) {
	c.demote()
	for c.bytes[window] > c.windowMax {
		c.moveFront(probation, c.oldest(window))
	}
	for quota := c.windowMax - max(old, c.bytes[window]); quota > 0; {
		i := c.oldest(probation)
		if i == uint32(probation) || int64(c.n.Size(i)) > quota {
			i = c.oldest(protected)
		}
		if i == uint32(protected) || int64(c.n.Size(i)) > quota {
			return
		}
		quota -= int64(c.n.Size(i))
		c.moveFront(window, i)
	}
}

// Policy is Larder's eviction policy: W-TinyLFU with a window tuned by shadow caches, for a
// cache whose capacity is counted in bytes. The caller keeps the keys and their values; the
// policy knows each key by a 64-bit hash and a size, and says which keys to evict.
//
// New keys enter a small LRU window. A key pushed out of the window is a candidate for the main
// space, a segmented LRU (probation and protected), and is admitted only if a frequency sketch
// says it was requested more often recently than each of the keys whose bytes it would take; so
// one-hit wonders and scans pass through the window without flushing the main space, and one
// large value cannot push out many small popular ones. The window's share of the capacity is
// tuned while the cache runs (see tuner).
//
// A Policy is not safe for concurrent use: the caller holds one lock around every call. It
// allocates only when it grows (its node slice, index and sketch double); in a steady state no
// call allocates. Its memory holds no pointers per key, so it costs the garbage collector
// nothing however many keys it tracks.
type Policy struct {
	Core[*store]
	s    store
	tune *tuner // nil in a shadow
}

// New returns an empty policy that holds at most capacity bytes.
func New(capacity int64) *Policy {
	p := newPolicy(capacity, initialWindow)
	p.tune = newTuner(policyTarget{p})
	return p
}

// policyTarget is a Policy as its tuner's target.
type policyTarget struct{ p *Policy }

func (t policyTarget) TuneKeys() int            { return t.p.s.index.n }
func (t policyTarget) TuneCapacity() int64      { return t.p.capacity }
func (t policyTarget) TuneFrac() float64        { return t.p.frac }
func (t policyTarget) SetTuneFrac(frac float64) { t.p.SetFrac(frac) }

// newPolicy returns a policy whose window takes frac of the capacity, and that does not tune it.
func newPolicy(capacity int64, frac float64) *Policy {
	p := &Policy{}
	p.s.init(int(numLists))
	p.Init(&p.s, capacity, frac)
	return p
}

// Len returns the number of keys the policy tracks.
func (p *Policy) Len() int { return p.s.index.n }

// Contains reports whether the policy tracks h, without counting an access.
func (p *Policy) Contains(h uint64) bool { return p.s.lookup(h) != 0 }

// Overhead returns the bytes of memory the policy itself takes: its nodes, index and sketch,
// and those of its shadow caches.
func (p *Policy) Overhead() int64 {
	n := int64(unsafe.Sizeof(*p)) + int64(cap(p.s.nodes))*int64(unsafe.Sizeof(node{})) +
		int64(p.s.index.bytes()) + int64(p.sk.bytes())
	if p.tune != nil {
		n += int64(unsafe.Sizeof(*p.tune))
		for _, sh := range p.tune.shadows {
			n += sh.Overhead()
		}
	}
	return n
}

// Access records a hit on h and reports whether the policy tracks h; false means the caller does
// not hold the key either, and the request is a miss. Access never evicts.
func (p *Policy) Access(h uint64) bool {
	m := mix(h)
	_, i := p.s.index.find(p.s.nodes, h, m)
	if i == 0 {
		return false
	}
	if p.counting {
		p.sk.increment(m)
	}
	p.touch(i)
	if p.tune != nil {
		p.tune.request(h, m, p.s.nodes[i].size, false)
	}
	return true
}

// Insert records a write of h with the given size in bytes and appends to victims the hashes
// the caller must now delete to stay within the capacity. A new key counts as a miss. The
// victims may include h itself: a key larger than the capacity, or a new key that the policy
// judged less valuable than the keys it would displace. If h is already tracked, its size is
// updated and the write counts as an access. Sizes below 1 count as 1, sizes above 4 GiB-1 as
// 4 GiB-1.
func (p *Policy) Insert(h uint64, size int64, victims []uint64) []uint64 {
	sz := clampSize(size)
	m := mix(h)
	_, i := p.s.index.find(p.s.nodes, h, m)
	if p.tune != nil {
		p.tune.request(h, m, sz, true)
	}
	switch {
	case int64(sz) > p.capacity:
		if i != 0 {
			p.drop(i)
		}
		return append(victims, h)
	case i != 0:
		n := &p.s.nodes[i]
		diff := int64(sz) - int64(n.size)
		n.size = sz
		p.Resized(i, diff)
		p.touch(i)
	default:
		p.add(p.s.add(h, sz))
	}
	if p.counting {
		p.sk.increment(m)
	}
	return p.makeRoom(p.capacity, victims)
}

// Remove forgets h, if the policy tracks it, and frees its bytes; the caller deleted the key.
// It reports whether h was tracked.
func (p *Policy) Remove(h uint64) bool {
	m := mix(h)
	if p.tune != nil {
		p.tune.remove(h, m)
	}
	_, i := p.s.index.find(p.s.nodes, h, m)
	if i == 0 {
		return false
	}
	p.drop(i)
	return true
}

// SetCapacity changes the capacity in bytes and appends to victims the hashes the caller must
// delete to fit in it.
func (p *Policy) SetCapacity(capacity int64, victims []uint64) []uint64 {
	p.Core.SetCapacity(capacity)
	if p.tune != nil {
		p.tune.resize()
	}
	return p.makeRoom(p.capacity, victims)
}
