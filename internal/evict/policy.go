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
	s            store
	sk           sketch
	capacity     int64
	total        int64 // bytes in all lists
	windowMax    int64
	protectedMax int64
	frac         float64 // the window's share of the capacity
	counting     bool    // the sketch counts: the policy has been at least half full
	rng          uint64  // xorshift state for admit
	tune         *tuner  // nil in a shadow
}

// New returns an empty policy that holds at most capacity bytes.
func New(capacity int64) *Policy {
	p := newPolicy(capacity, initialWindow)
	p.tune = newTuner(p)
	return p
}

// newPolicy returns a policy whose window takes frac of the capacity, and that does not tune it.
func newPolicy(capacity int64, frac float64) *Policy {
	p := &Policy{rng: 0x9e3779b97f4a7c15}
	p.s.init(int(numLists))
	p.capacity = max(capacity, 0)
	p.setWindow(frac)
	return p
}

// setWindow sets the window's share of the capacity and the limits that follow from it.
func (p *Policy) setWindow(frac float64) {
	p.frac = min(max(frac, minWindow), maxWindow)
	p.windowMax = max(int64(p.frac*float64(p.capacity)), 1)
	w0 := max(int64(initialWindow*float64(p.capacity)), 1)
	p.protectedMax = max(int64(protectedShare*float64(p.capacity-w0))-(p.windowMax-w0), 0)
}

// Len returns the number of keys the policy tracks.
func (p *Policy) Len() int { return p.s.index.n }

// Bytes returns the sum of the sizes of the keys the policy tracks.
func (p *Policy) Bytes() int64 { return p.total }

// Capacity returns the most bytes the policy keeps.
func (p *Policy) Capacity() int64 { return p.capacity }

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
		p.s.bytes[n.queue] += diff
		p.total += diff
		n.size = sz
		p.touch(i)
	default:
		i = p.s.add(h, sz)
		if int64(sz) > p.windowMax {
			p.s.pushBack(window, i) // first out of the window: it must not flush it
		} else {
			p.s.pushFront(window, i)
		}
		p.total += int64(sz)
		p.startCounting()
	}
	if p.counting {
		p.sk.increment(m)
	}
	return p.makeRoom(victims)
}

// startCounting sizes the sketch, once the policy is half full, for twice the keys it holds then,
// and grows it when the keys outnumber its words by a fifth (so that a policy at its capacity,
// briefly one key over before it evicts, does not double it). Frequencies seen while the cache
// fills (when nothing is evicted) are not counted: they would weigh the first keys against the
// later ones.
func (p *Policy) startCounting() {
	n := p.s.index.n
	switch {
	case p.counting:
		p.sk.ensure(n - n/5)
	case 2*p.total >= p.capacity:
		p.counting = true
		p.sk.init(2 * n)
	}
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
	old := p.windowMax
	p.capacity = max(capacity, 0)
	p.setWindow(p.frac)
	p.transfer(old)
	if p.tune != nil {
		p.tune.resize()
	}
	return p.makeRoom(victims)
}

// touch moves node i to the front of its list after a hit; a hit on probation promotes the key to
// the protected segment, which pushes its oldest keys back to probation when it is full.
func (p *Policy) touch(i uint32) {
	s := &p.s
	switch q := s.nodes[i].queue; q {
	case window:
		s.moveFront(window, i)
	case probation, protected:
		s.moveFront(protected, i)
		p.demote() // the segment may have grown by a key, or by a key's new size
	}
}

// demote moves the oldest protected keys to probation until the protected segment fits.
func (p *Policy) demote() {
	s := &p.s
	for s.bytes[protected] > p.protectedMax {
		s.moveFront(probation, s.oldest(protected))
	}
}

// drop forgets node i.
func (p *Policy) drop(i uint32) {
	p.total -= int64(p.s.nodes[i].size)
	p.s.drop(i)
}

// evict forgets node i and appends its hash to victims.
func (p *Policy) evict(i uint32, victims []uint64) []uint64 {
	victims = append(victims, p.s.nodes[i].hash)
	p.drop(i)
	return victims
}

// makeRoom moves the keys the window cannot hold to probation as candidates, then, while the
// policy holds more than its capacity, lets each candidate in turn, oldest first, duel with the
// keys it would displace. With no candidate left, the oldest key of the window duels instead.
func (p *Policy) makeRoom(victims []uint64) []uint64 {
	s := &p.s
	cand := uint32(0) // the oldest candidate; those newer than it on probation are candidates too
	for s.bytes[window] > p.windowMax {
		i := s.oldest(window)
		s.moveFront(probation, i)
		if cand == 0 {
			cand = i
		}
	}
	for p.total > p.capacity {
		if cand != 0 {
			next := s.newer(cand)
			if next == uint32(probation) {
				next = 0
			}
			victims = p.duel(cand, victims)
			cand = next
			continue
		}
		if w := s.oldest(window); w != uint32(window) {
			victims = p.duel(w, victims)
			continue
		}
		victims = p.evict(p.oldestMain(), victims)
	}
	return victims
}

// oldestMain returns the oldest key on probation, else the oldest protected one.
func (p *Policy) oldestMain() uint32 {
	if i := p.s.oldest(probation); i != uint32(probation) {
		return i
	}
	if i := p.s.oldest(protected); i != uint32(protected) {
		return i
	}
	panic("evict: over capacity with no keys")
}

// nextVictim returns the key after i (0: the first) in the order a candidate displaces keys:
// probation from its oldest key up to the candidates (cand and the keys newer than it), then the
// protected segment from its oldest key. It returns 0 after the last.
func (p *Policy) nextVictim(i, cand uint32) uint32 {
	s := &p.s
	var next uint32
	switch {
	case i == 0:
		next = s.oldest(probation)
	case s.nodes[i].queue == probation:
		next = s.newer(i)
	default:
		next = s.newer(i)
		if next == uint32(protected) {
			return 0
		}
		return next
	}
	if next == cand || next == uint32(probation) {
		if next = s.oldest(protected); next == uint32(protected) {
			return 0
		}
	}
	return next
}

// duel decides between candidate cand and the oldest keys of the main space that hold the bytes
// the policy must free (at most the candidate's size): the candidate stays only if it was
// requested more often than each of them, and then they go; otherwise the candidate goes.
func (p *Policy) duel(cand uint32, victims []uint64) []uint64 {
	s := &p.s
	need := min(p.total-p.capacity, int64(s.nodes[cand].size))
	freq := p.sk.estimate(mix(s.nodes[cand].hash))
	var freed int64
	n, top := 0, -1
	for i := p.nextVictim(0, cand); i != 0 && freed < need; i = p.nextVictim(i, cand) {
		f := p.sk.estimate(mix(s.nodes[i].hash))
		top = max(top, f)
		freed += int64(s.nodes[i].size)
		n++
		if f >= freq {
			break
		}
	}
	if freed < need || !p.admit(freq, top) {
		return p.evict(cand, victims)
	}
	for ; n > 0; n-- {
		victims = p.evict(p.nextVictim(0, cand), victims)
	}
	return victims
}

// admit reports whether a candidate requested freq times beats victims requested at most top
// times. Ties go to the victims. A candidate that is popular but not more than the victims still
// gets in once in 128 duels, so an attacker who makes a victim look popular (by colliding hashes
// in the sketch) cannot keep everything else out.
func (p *Policy) admit(freq, top int) bool {
	if freq > top {
		return true
	}
	if freq < hashDoSFreq {
		return false
	}
	p.rng ^= p.rng << 13
	p.rng ^= p.rng >> 7
	p.rng ^= p.rng << 17
	return p.rng&127 == 0
}

// transfer moves keys between the window and the main space after the window's limit changed
// from old bytes: a larger window takes the oldest keys of probation (then of the protected
// segment) up to its new room, a smaller one gives its oldest keys to probation until it fits.
func (p *Policy) transfer(old int64) {
	s := &p.s
	p.demote()
	for s.bytes[window] > p.windowMax {
		s.moveFront(probation, s.oldest(window))
	}
	for quota := p.windowMax - max(old, s.bytes[window]); quota > 0; {
		i := s.oldest(probation)
		if i == uint32(probation) || int64(s.nodes[i].size) > quota {
			i = s.oldest(protected)
		}
		if i == uint32(protected) || int64(s.nodes[i].size) > quota {
			return
		}
		quota -= int64(s.nodes[i].size)
		s.moveFront(window, i)
	}
}
