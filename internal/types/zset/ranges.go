package zset

import "bytes"

// ScoreRange is an interval of scores; MinEx and MaxEx make an end open.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

// GteMin reports whether s is not below the range's start.
func (r *ScoreRange) GteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

// LteMax reports whether s is not above the range's end.
func (r *ScoreRange) LteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// LexBound is one end of a range of members: Value, open when Ex, or one of
// the infinities ("-" when Inf < 0, "+" when Inf > 0).
type LexBound struct {
	Value []byte
	Ex    bool
	Inf   int8
}

// LexRange is an interval of members, compared bytewise.
type LexRange struct {
	Min, Max LexBound
}

// cmpLex compares member v with bound b.
func cmpLex(v []byte, b *LexBound) int {
	switch {
	case b.Inf < 0:
		return 1
	case b.Inf > 0:
		return -1
	}
	return bytes.Compare(v, b.Value)
}

// GteMin reports whether v is not below the range's start.
func (r *LexRange) GteMin(v []byte) bool {
	c := cmpLex(v, &r.Min)
	return c > 0 || (c == 0 && !r.Min.Ex)
}

// LteMax reports whether v is not above the range's end.
func (r *LexRange) LteMax(v []byte) bool {
	c := cmpLex(v, &r.Max)
	return c < 0 || (c == 0 && !r.Max.Ex)
}

// countWhile returns how many members, in ascending order, satisfy before,
// which must hold for a prefix of them only.
func (z *ZSet) countWhile(before func(member []byte, score float64) bool) int {
	if z.f == nil {
		n := 0
		for off := 0; off < len(z.lp); n++ {
			m, s, next := entryAt(z.lp, off)
			if !before(m, s) {
				break
			}
			off = next
		}
		return n
	}
	n, _ := z.f.t.seek(func(it *item) bool { return before(view(it.member), it.score) })
	return n
}

// ScoreSpan returns the ascending ranks [lo, hi) of the members in r.
func (z *ZSet) ScoreSpan(r ScoreRange) (lo, hi int) {
	if r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx)) {
		return 0, 0
	}
	lo = z.countWhile(func(_ []byte, s float64) bool { return !r.GteMin(s) })
	hi = z.countWhile(func(_ []byte, s float64) bool { return r.LteMax(s) })
	return lo, max(lo, hi)
}

// LexSpan returns the ascending ranks [lo, hi) of the members in r. As in
// Redis, it assumes all members have the same score.
func (z *ZSet) LexSpan(r LexRange) (lo, hi int) {
	if lexEmpty(&r) {
		return 0, 0
	}
	lo = z.countWhile(func(m []byte, _ float64) bool { return !r.GteMin(m) })
	hi = z.countWhile(func(m []byte, _ float64) bool { return r.LteMax(m) })
	return lo, max(lo, hi)
}

// lexEmpty reports whether no member can be in r.
func lexEmpty(r *LexRange) bool {
	var c int
	switch {
	case r.Min.Inf != 0 && r.Min.Inf == r.Max.Inf:
		c = 0
	case r.Min.Inf < 0 || r.Max.Inf > 0:
		c = -1
	case r.Min.Inf > 0 || r.Max.Inf < 0:
		c = 1
	default:
		c = bytes.Compare(r.Min.Value, r.Max.Value)
	}
	return c > 0 || (c == 0 && (r.Min.Ex || r.Max.Ex))
}

// Walk calls fn for count members starting at ascending rank start, going
// up, or down when reverse, until fn returns false. start and count must
// stay within [0, Len).
func (z *ZSet) Walk(start, count int, reverse bool, fn func(member []byte, score float64) bool) {
	if count <= 0 {
		return
	}
	if z.f != nil {
		p := z.f.t.at(start)
		for ; count > 0 && p.ok(); count-- {
			it := p.item()
			if !fn(view(it.member), it.score) {
				return
			}
			if reverse {
				p = p.prev()
			} else {
				p = p.next()
			}
		}
		return
	}
	if !reverse {
		off := lpSkip(z.lp, 0, start)
		for ; count > 0 && off < len(z.lp); count-- {
			m, s, next := entryAt(z.lp, off)
			if !fn(m, s) {
				return
			}
			off = next
		}
		return
	}
	var buf [128]int32
	offs := lpOffsets(z.lp, buf[:0])
	for i := start; count > 0 && i >= 0; i, count = i-1, count-1 {
		m, s, _ := entryAt(z.lp, int(offs[i]))
		if !fn(m, s) {
			return
		}
	}
}

// At returns the member of ascending rank r, which must be below Len. It
// is O(log n) in the full form and O(n) in the compact one.
func (z *ZSet) At(r int) (member []byte, score float64) {
	if z.f != nil {
		it := z.f.t.at(r).item()
		return view(it.member), it.score
	}
	m, s, _ := entryAt(z.lp, lpSkip(z.lp, 0, r))
	return m, s
}

// Each calls fn for every member in ascending order until it returns false.
func (z *ZSet) Each(fn func(member []byte, score float64) bool) {
	z.Walk(0, z.Len(), false, fn)
}

// RemoveRange deletes the members of ascending ranks [start, stop] (within
// [0, Len)) and returns how many it deleted.
func (z *ZSet) RemoveRange(start, stop int) int {
	if start > stop {
		return 0
	}
	n := stop - start + 1
	if z.f == nil {
		from := lpSkip(z.lp, 0, start)
		to := lpSkip(z.lp, from, n)
		z.lp = lpDelete(z.lp, from, to)
		z.n -= n
		return n
	}
	for range n {
		it := z.f.t.at(start).item()
		z.f.del(it.member, it.score)
	}
	return n
}

// Pop removes up to count members from the low end, or the high end when
// max, calling fn for each in pop order before it is removed, and returns
// how many it removed.
func (z *ZSet) Pop(max bool, count int, fn func(member []byte, score float64)) int {
	count = min(count, z.Len())
	if count <= 0 {
		return 0
	}
	if z.f != nil {
		for range count {
			var p pos
			if max {
				p = z.f.t.last()
			} else {
				p = z.f.t.first()
			}
			it := *p.item()
			fn(view(it.member), it.score)
			z.f.del(it.member, it.score)
		}
		return count
	}
	start := 0
	if max {
		start = z.n - 1
	}
	z.Walk(start, count, max, func(m []byte, s float64) bool { fn(m, s); return true })
	if max {
		z.RemoveRange(z.n-count, z.n-1)
	} else {
		z.RemoveRange(0, count-1)
	}
	return count
}
