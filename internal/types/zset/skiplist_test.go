package zset

import "math/rand/v2"

// This file holds a Redis-style skip list (levels with spans, p = 1/4, at
// most 32 levels), used only by the benchmarks that chose the B+tree of
// the full form over it (see doc.go).

type slLevel struct {
	forward *slNode
	span    int
}

type slNode struct {
	it       item
	backward *slNode
	level    []slLevel
}

type skiplist struct {
	header *slNode
	tail   *slNode
	length int
	level  int
}

const slMaxLevel = 32

func newSkiplist() *skiplist {
	return &skiplist{header: &slNode{level: make([]slLevel, slMaxLevel)}, level: 1}
}

func slRandomLevel() int {
	l := 1
	for l < slMaxLevel && rand.Uint32()&0xFFFF < 0xFFFF/4 {
		l++
	}
	return l
}

func (s *skiplist) insert(it item) {
	var update [slMaxLevel]*slNode
	var rank [slMaxLevel]int
	x := s.header
	for i := s.level - 1; i >= 0; i-- {
		if i != s.level-1 {
			rank[i] = rank[i+1]
		}
		for x.level[i].forward != nil && less(&x.level[i].forward.it, &it) {
			rank[i] += x.level[i].span
			x = x.level[i].forward
		}
		update[i] = x
	}
	lvl := slRandomLevel()
	if lvl > s.level {
		for i := s.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = s.header
			update[i].level[i].span = s.length
		}
		s.level = lvl
	}
	x = &slNode{it: it, level: make([]slLevel, lvl)}
	for i := range lvl {
		x.level[i].forward = update[i].level[i].forward
		update[i].level[i].forward = x
		x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < s.level; i++ {
		update[i].level[i].span++
	}
	if update[0] != s.header {
		x.backward = update[0]
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x
	} else {
		s.tail = x
	}
	s.length++
}

// rank returns the 0-based rank of it, which must be present.
func (s *skiplist) rank(it *item) int {
	r := 0
	x := s.header
	for i := s.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && !less(it, &x.level[i].forward.it) {
			r += x.level[i].span
			x = x.level[i].forward
		}
		if x != s.header && x.it.member == it.member {
			return r - 1
		}
	}
	return -1
}

// firstGE returns the first node with a score not below min.
func (s *skiplist) firstGE(min float64) *slNode {
	x := s.header
	for i := s.level - 1; i >= 0; i-- {
		for x.level[i].forward != nil && x.level[i].forward.it.score < min {
			x = x.level[i].forward
		}
	}
	return x.level[0].forward
}
