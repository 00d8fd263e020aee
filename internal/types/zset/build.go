package zset

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Pair is a member and its score, the unit FromPairs builds sets from.
type Pair struct {
	Member string
	Score  float64
}

// FromPairs builds a sorted set of the distinct members of pairs (which it
// sorts in place), compact when they fit within lim, as Redis stores the
// result of ZUNIONSTORE or ZRANGESTORE. Scores must not be NaN.
func FromPairs(pairs []Pair, lim Limits) *ZSet {
	slices.SortFunc(pairs, func(a, b Pair) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Member, b.Member)
	})
	fits := len(pairs) <= lim.MaxEntries
	size := 0
	for _, p := range pairs {
		if len(p.Member) > lim.MaxValue {
			fits = false
		}
		size += encodedLen(view(p.Member), p.Score)
	}
	z := &ZSet{}
	if fits {
		z.lp = make([]byte, 0, size)
		for _, p := range pairs {
			n := len(z.lp)
			z.lp = z.lp[:n+encodedLen(view(p.Member), p.Score)]
			putEntry(z.lp[n:], view(p.Member), p.Score)
		}
		z.n = len(pairs)
		return z
	}
	z.f = &full{dict: make(map[string]float64, len(pairs))}
	for _, p := range pairs {
		z.f.add(p.Member, p.Score)
	}
	return z
}

// Scan calls fn for members from cursor on and returns the cursor of the
// next call, 0 when the scan is complete. A compact set is returned whole.
// In the full form the cursor encodes a score: a call returns at least
// count members (when there are that many left) and every member of the
// last score it returns, then a cursor for the next score, so every member
// present with an unchanged score for the whole scan is returned exactly
// once, however the set changes in between. A score shared by very many
// members is returned in one call.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member []byte, score float64)) uint64 {
	if z.f == nil {
		z.Each(func(m []byte, s float64) bool { fn(m, s); return true })
		return 0
	}
	var p pos
	if cursor == 0 {
		p = z.f.t.first()
	} else {
		from := cursorScore(cursor)
		if math.IsNaN(from) {
			return 0
		}
		_, p = z.f.t.seek(func(it *item) bool { return it.score < from })
	}
	n := 0
	for ; p.ok(); p = p.next() {
		it := p.item()
		if n >= count && it.score != scoreOf(p.prev()) {
			return scoreCursor(it.score)
		}
		fn(view(it.member), it.score)
		n++
	}
	return 0
}

func scoreOf(p pos) float64 {
	if !p.ok() {
		return math.NaN()
	}
	return p.item().score
}

// scoreCursor maps a score to a cursor, preserving order; it is never 0.
func scoreCursor(s float64) uint64 {
	if s == 0 {
		s = 0 // -0 and 0 are the same score
	}
	b := math.Float64bits(s)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// cursorScore inverts scoreCursor.
func cursorScore(c uint64) float64 {
	if c>>63 == 1 {
		return math.Float64frombits(c &^ (1 << 63))
	}
	return math.Float64frombits(^c)
}
