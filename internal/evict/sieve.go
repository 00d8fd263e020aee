package evict

// The one list of a Sieve policy.
const sieveList uint8 = 0

// Sieve is the SIEVE eviction policy (Zhang et al., NSDI 2024) for a cache of a capacity in
// bytes: one FIFO queue and a hand that moves from its oldest key towards the newest, sparing
// and clearing keys hit since the hand last passed, and evicting the first key that was not.
//
// A Sieve is not safe for concurrent use: the caller holds one lock around every call.
type Sieve struct {
	s        store
	capacity int64
	total    int64
	hand     uint32 // the next node the hand looks at; 0 (the sentinel) means the oldest
}

// NewSieve returns an empty Sieve policy holding at most capacity bytes.
func NewSieve(capacity int64) *Sieve {
	p := &Sieve{capacity: max(capacity, 0)}
	p.s.init(1)
	return p
}

// Len returns the number of keys the policy holds.
func (p *Sieve) Len() int { return p.s.index.n }

// Bytes returns the sum of the sizes of the keys the policy holds.
func (p *Sieve) Bytes() int64 { return p.total }

// Access records a hit on h and reports whether the policy holds h; it never evicts.
func (p *Sieve) Access(h uint64) bool {
	i := p.s.lookup(h)
	if i == 0 {
		return false
	}
	p.s.nodes[i].mark = 1
	return true
}

// Insert records a write of h with the given size in bytes and appends to victims the hashes the
// caller must delete; see TinyLFU.Insert.
func (p *Sieve) Insert(h uint64, size int64, victims []uint64) []uint64 {
	sz := clampSize(size)
	s := &p.s
	i := s.lookup(h)
	if int64(sz) > p.capacity {
		if i != 0 {
			p.drop(i)
		}
		return append(victims, h)
	}
	if i != 0 {
		n := &s.nodes[i]
		diff := int64(sz) - int64(n.size)
		s.bytes[sieveList] += diff
		p.total += diff
		n.size = sz
		n.mark = 1
	} else {
		i = s.add(h, sz)
		s.pushFront(sieveList, i)
		p.total += int64(sz)
	}
	for p.total > p.capacity {
		i := p.hand
		if i == 0 {
			i = s.oldest(sieveList)
		}
		for s.nodes[i].mark != 0 {
			s.nodes[i].mark = 0
			if i = s.newer(i); i == 0 {
				i = s.oldest(sieveList)
			}
		}
		victims = append(victims, s.nodes[i].hash)
		p.drop(i)
	}
	return victims
}

// Remove forgets h and frees its bytes; it reports whether the policy held h.
func (p *Sieve) Remove(h uint64) bool {
	i := p.s.lookup(h)
	if i == 0 {
		return false
	}
	p.drop(i)
	return true
}

func (p *Sieve) drop(i uint32) {
	if p.hand == i {
		p.hand = p.s.newer(i)
	}
	p.total -= int64(p.s.nodes[i].size)
	p.s.drop(i)
}
