package engine

// refSet is the set of the refs of a shard's records that have a TTL: open addressing with
// linear probing over uint32 cells (0 is empty), so a record needs no field for its place in
// it. It is sampled at random by active expiry and the volatile-* policies.
type refSet struct {
	cells []uint32 // len is 0 or a power of two
	n     int
}

// home returns the cell a ref probes from.
func (s *refSet) home(ref uint32) int { return int((ref * 0x9e3779b1) >> 7 & uint32(len(s.cells)-1)) }

// find returns the position of ref, or -1.
func (s *refSet) find(ref uint32) int {
	if s.n == 0 {
		return -1
	}
	mask := len(s.cells) - 1
	for i := s.home(ref); ; i = (i + 1) & mask {
		switch s.cells[i] {
		case ref:
			return i
		case 0:
			return -1
		}
	}
}

// add inserts ref, which must be absent.
func (s *refSet) add(ref uint32) {
	if (s.n+1)*4 > len(s.cells)*3 {
		s.resize(max(minTable, 2*len(s.cells)))
	}
	mask := len(s.cells) - 1
	i := s.home(ref)
	for s.cells[i] != 0 {
		i = (i + 1) & mask
	}
	s.cells[i] = ref
	s.n++
}

// remove deletes ref if present and reports whether it was.
func (s *refSet) remove(ref uint32) bool {
	i := s.find(ref)
	if i < 0 {
		return false
	}
	mask := len(s.cells) - 1
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		c := s.cells[j]
		if c == 0 {
			break
		}
		k := s.home(c)
		if (i <= j && i < k && k <= j) || (i > j && (i < k || k <= j)) {
			continue
		}
		s.cells[i] = c
		i = j
	}
	s.cells[i] = 0
	s.n--
	switch {
	case s.n == 0:
		s.cells = nil
	case len(s.cells) > 64 && s.n*8 < len(s.cells):
		s.resize(len(s.cells) / 2)
	}
	return true
}

// resize rehashes the set into n cells.
func (s *refSet) resize(n int) {
	old := s.cells
	s.cells = make([]uint32, n)
	mask := n - 1
	for _, c := range old {
		if c == 0 {
			continue
		}
		i := s.home(c)
		for s.cells[i] != 0 {
			i = (i + 1) & mask
		}
		s.cells[i] = c
	}
}

// random returns the first ref at or after position start (taken modulo the size), or 0 when
// the set is empty.
func (s *refSet) random(start int) uint32 {
	if s.n == 0 {
		return 0
	}
	mask := len(s.cells) - 1
	for i := start & mask; ; i = (i + 1) & mask {
		if c := s.cells[i]; c != 0 {
			return c
		}
	}
}
