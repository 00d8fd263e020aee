package engine

// refSet is the set of the refs of a shard's records that have a TTL, but those in expiry
// groups' segments, whose tables list them (expirygroup.go): open addressing with
// linear probing over uint32 cells (0 is empty), so a record needs no field for its place in
// it. It is swept by active expiry and sampled at random by the volatile-* policies.
//
// Beside each cell it keeps a hint of the record's expiry time: the second of it, modulo
// 2^16, so that the sweep tells the keys that cannot have expired yet without reading their
// records, each a random access into the arena (2 bytes a cell; see mayHaveExpired).
type refSet struct {
	cells []uint32 // len is 0 or a power of two
	hints []uint16 // hints[i] is the expiry hint of cells[i]
	n     int
}

// expiryHint returns the hint of expiry time at (unix ms): its second, modulo 2^16.
func expiryHint(at int64) uint16 { return uint16(at / 1000) }

// mayHaveExpired reports whether the record of cell i may have expired at now (unix ms): false
// when the second of its expiry hint is later than now's, at most 2^15 seconds (9 hours)
// later. A hint older than its record's expiry time, left by a TTL made longer, only costs a
// read of the record. A record that expired more than 9 hours before now looks unexpired
// until the hint comes round again (another 9 hours), so the sweep reads every record in a
// round that follows a long gap (see endRound).
func (s *refSet) mayHaveExpired(i int, now int64) bool {
	return int16(expiryHint(now)-s.hints[i]) >= 0
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

// add inserts ref, which must be absent, with expiry time at.
func (s *refSet) add(ref uint32, at int64) {
	if (s.n+1)*4 > len(s.cells)*3 {
		s.resize(max(minTable, 2*len(s.cells)))
	}
	mask := len(s.cells) - 1
	i := s.home(ref)
	for s.cells[i] != 0 {
		i = (i + 1) & mask
	}
	s.cells[i] = ref
	s.hints[i] = expiryHint(at)
	s.n++
}

// setExpiry updates the hint of ref, which must be present, to expiry time at.
func (s *refSet) setExpiry(ref uint32, at int64) {
	s.hints[s.find(ref)] = expiryHint(at)
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
		s.cells[i], s.hints[i] = c, s.hints[j]
		i = j
	}
	s.cells[i] = 0
	s.n--
	switch {
	case s.n == 0:
		s.cells, s.hints = nil, nil
	case len(s.cells) > 64 && s.n*8 < len(s.cells):
		s.resize(len(s.cells) / 2)
	}
	return true
}

// resize rehashes the set into n cells.
func (s *refSet) resize(n int) {
	old, oldHints := s.cells, s.hints
	s.cells, s.hints = make([]uint32, n), make([]uint16, n)
	mask := n - 1
	for j, c := range old {
		if c == 0 {
			continue
		}
		i := s.home(c)
		for s.cells[i] != 0 {
			i = (i + 1) & mask
		}
		s.cells[i], s.hints[i] = c, oldHints[j]
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
