package evict

// The lists of an S3FIFO policy; each constant is also the index of the list's sentinel node.
const (
	small uint8 = iota // new keys, in FIFO order
	mainq              // keys hit while in small or remembered by ghost, in FIFO order
	ghost              // hashes recently evicted from small, no bytes charged
	s3fifoLists
)

// smallPercent is the share of the capacity S3-FIFO gives its small queue.
const smallPercent = 10

// S3FIFO is the S3-FIFO eviction policy (Yang et al., SOSP 2023) for a cache of a capacity in
// bytes: new keys enter a small FIFO queue; a key hit while there moves to the main FIFO queue
// when it reaches the end of the small one, others leave and are remembered in a ghost queue, and
// a key the ghost remembers goes straight to main when it comes back. Main reinserts keys that
// were hit since they last passed its end.
//
// An S3FIFO is not safe for concurrent use: the caller holds one lock around every call.
type S3FIFO struct {
	s        store
	capacity int64
	total    int64 // bytes in small and main
	smallMax int64
}

// NewS3FIFO returns an empty S3FIFO policy holding at most capacity bytes.
func NewS3FIFO(capacity int64) *S3FIFO {
	p := &S3FIFO{}
	p.s.init(int(s3fifoLists))
	p.SetCapacity(capacity, nil)
	return p
}

// Len returns the number of keys the policy holds (not counting the ghost's).
func (p *S3FIFO) Len() int { return p.s.count[small] + p.s.count[mainq] }

// Bytes returns the sum of the sizes of the keys the policy holds.
func (p *S3FIFO) Bytes() int64 { return p.total }

// Access records a hit on h and reports whether the policy holds h; it never evicts.
func (p *S3FIFO) Access(h uint64) bool {
	i := p.s.lookup(h)
	if i == 0 || p.s.nodes[i].queue == ghost {
		return false
	}
	if n := &p.s.nodes[i]; n.mark < 3 {
		n.mark++
	}
	return true
}

// Insert records a write of h with the given size in bytes and appends to victims the hashes the
// caller must delete; see TinyLFU.Insert.
func (p *S3FIFO) Insert(h uint64, size int64, victims []uint64) []uint64 {
	sz := clampSize(size)
	s := &p.s
	i := s.lookup(h)
	if int64(sz) > p.capacity {
		if i != 0 {
			if s.nodes[i].queue != ghost {
				p.total -= int64(s.nodes[i].size)
			}
			s.drop(i)
		}
		return append(victims, h)
	}
	switch {
	case i == 0:
		i = s.add(h, sz)
		s.pushFront(small, i)
	case s.nodes[i].queue == ghost:
		s.unlink(i)
		s.nodes[i].size = sz
		s.nodes[i].mark = 0
		s.pushFront(mainq, i)
	default:
		n := &s.nodes[i]
		diff := int64(sz) - int64(n.size)
		s.bytes[n.queue] += diff
		p.total += diff
		n.size = sz
		if n.mark < 3 {
			n.mark++
		}
		return p.makeRoom(victims)
	}
	p.total += int64(sz)
	return p.makeRoom(victims)
}

// Remove forgets h and frees its bytes; it reports whether the policy held h.
func (p *S3FIFO) Remove(h uint64) bool {
	i := p.s.lookup(h)
	if i == 0 {
		return false
	}
	held := p.s.nodes[i].queue != ghost
	if held {
		p.total -= int64(p.s.nodes[i].size)
	}
	p.s.drop(i)
	return held
}

// SetCapacity changes the capacity in bytes and appends to victims the hashes the caller must
// delete to fit in it.
func (p *S3FIFO) SetCapacity(capacity int64, victims []uint64) []uint64 {
	p.capacity = max(capacity, 0)
	p.smallMax = max(p.capacity*smallPercent/100, 1)
	return p.makeRoom(victims)
}

func (p *S3FIFO) makeRoom(victims []uint64) []uint64 {
	s := &p.s
	for p.total > p.capacity {
		if s.bytes[small] >= p.smallMax || s.count[mainq] == 0 {
			i := s.oldest(small)
			if s.nodes[i].mark > 0 {
				s.nodes[i].mark = 0
				s.moveFront(mainq, i)
				continue
			}
			victims = append(victims, s.nodes[i].hash)
			p.total -= int64(s.nodes[i].size)
			s.moveFront(ghost, i)
			for s.bytes[ghost] > p.capacity-p.smallMax {
				s.drop(s.oldest(ghost))
			}
			continue
		}
		i := s.oldest(mainq)
		if s.nodes[i].mark > 0 {
			s.nodes[i].mark--
			s.moveFront(mainq, i)
			continue
		}
		victims = append(victims, s.nodes[i].hash)
		p.total -= int64(s.nodes[i].size)
		s.drop(i)
	}
	return victims
}
