package command

import (
	"math"
	"math/rand/v2"
)

// cmdZRandMember implements ZRANDMEMBER key [count [WITHSCORES]].
func cmdZRandMember(x *Ctx) {
	if len(x.Args) >= 3 {
		l, ok := argRangeInt(x, 2, -math.MaxInt64, math.MaxInt64, "")
		if !ok {
			return
		}
		withScores := false
		if len(x.Args) > 4 || (len(x.Args) == 4 && !eqFold(x.Args[3], "withscores")) {
			x.Err(errSyntax)
			return
		} else if len(x.Args) == 4 {
			withScores = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				x.Err(errZOutOfRange)
				return
			}
		}
		zrandWithCount(x, l, withScores)
		return
	}
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Null()
		return
	}
	m, _ := z.At(rand.IntN(z.Len()))
	x.W.Bulk(m)
}

// zrandEntry is a member (aliasing the set) and its score.
type zrandEntry struct {
	m []byte
	s float64
}

// zrandWithCount replies with count distinct random members, or with -count
// members drawn with replacement when count is negative, as Redis does.
// Every path costs O(count) member lookups, O(log n) each in the full form.
func zrandWithCount(x *Ctx, l int64, withScores bool) {
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil || l == 0 {
		x.W.Array(0)
		return
	}
	size := z.Len()
	uniq := l > 0
	count := l
	if !uniq {
		count = -l
	}
	// A compact set is small: index it once, as its At is linear.
	var at func(i int) ([]byte, float64)
	if z.Compact() {
		entries := make([]zrandEntry, 0, size)
		z.Each(func(m []byte, s float64) bool {
			entries = append(entries, zrandEntry{m, s})
			return true
		})
		at = func(i int) ([]byte, float64) { return entries[i].m, entries[i].s }
	} else {
		at = z.At
	}

	if !uniq || count == 1 {
		zsetReplyLen(x, int(count), withScores)
		for range count {
			m, s := at(rand.IntN(size))
			zsetReplyMember(x, m, s, withScores)
			if x.W.Err() != nil {
				return
			}
		}
		return
	}
	if count >= int64(size) {
		zsetReplyLen(x, size, withScores)
		z.Each(func(m []byte, s float64) bool {
			zsetReplyMember(x, m, s, withScores)
			return true
		})
		return
	}
	n := int(count)
	zsetReplyLen(x, n, withScores)
	if n*3 > size {
		// Close to the whole set: shuffle the first n of all ranks.
		ranks := make([]int, size)
		for i := range ranks {
			ranks[i] = i
		}
		for i := range n {
			j := i + rand.IntN(size-i)
			ranks[i], ranks[j] = ranks[j], ranks[i]
			m, s := at(ranks[i])
			zsetReplyMember(x, m, s, withScores)
		}
		return
	}
	// Much smaller than the set: draw ranks until n distinct ones.
	seen := make(map[int]struct{}, n)
	for len(seen) < n {
		r := rand.IntN(size)
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		m, s := at(r)
		zsetReplyMember(x, m, s, withScores)
	}
}
