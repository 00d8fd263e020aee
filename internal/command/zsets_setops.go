package command

import (
	"cmp"
	"math"
	"slices"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/internal/types/zset"
)

// zsetOp is the operation of ZUNION, ZINTER and ZDIFF and their variants.
type zsetOp uint8

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

// zsetAggr is how AGGREGATE combines the scores of one member.
type zsetAggr uint8

const (
	aggrSum zsetAggr = iota
	aggrMin
	aggrMax
)

// zsrc is one input of a set operation: a sorted set or a plain set (whose
// members score 1), or nothing for a missing key.
type zsrc struct {
	z      *zset.ZSet
	s      set.Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

// each calls fn with every member and its score until fn returns false.
func (s *zsrc) each(fn func(m []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.Each(fn)
	case s.s != nil:
		s.s.Range(func(m []byte) bool { return fn(m, 1) })
	}
}

// find returns member's score in the input.
func (s *zsrc) find(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score(m)
	case s.s != nil:
		return 1, s.s.Has(m)
	}
	return 0, false
}

// aggregate combines v into *t as Redis does: a sum that is NaN (inf-inf)
// becomes 0.
func aggregate(t *float64, v float64, a zsetAggr) {
	switch a {
	case aggrSum:
		*t += v
		if math.IsNaN(*t) {
			*t = 0
		}
	case aggrMin:
		if v < *t {
			*t = v
		}
	case aggrMax:
		if v > *t {
			*t = v
		}
	}
}

// cmdZUnion implements ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES].
func cmdZUnion(x *Ctx) { zsetOpGeneric(x, nil, 1, zopUnion, false) }

// cmdZInter implements ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES].
func cmdZInter(x *Ctx) { zsetOpGeneric(x, nil, 1, zopInter, false) }

// cmdZDiff implements ZDIFF numkeys key [key ...] [WITHSCORES].
func cmdZDiff(x *Ctx) { zsetOpGeneric(x, nil, 1, zopDiff, false) }

// cmdZUnionStore implements ZUNIONSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX].
func cmdZUnionStore(x *Ctx) { zsetOpGeneric(x, x.Args[1], 2, zopUnion, false) }

// cmdZInterStore implements ZINTERSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX].
func cmdZInterStore(x *Ctx) { zsetOpGeneric(x, x.Args[1], 2, zopInter, false) }

// cmdZDiffStore implements ZDIFFSTORE dst numkeys key [key ...].
func cmdZDiffStore(x *Ctx) { zsetOpGeneric(x, x.Args[1], 2, zopDiff, false) }

// cmdZInterCard implements ZINTERCARD numkeys key [key ...] [LIMIT limit].
func cmdZInterCard(x *Ctx) { zsetOpGeneric(x, nil, 1, zopInter, true) }

// zsetOpGeneric is Redis's zunionInterDiffGenericCommand: numkeys at
// index idx, the keys (sorted sets or sets), options, then the operation,
// stored in dst when it is not nil, counted when cardOnly.
func zsetOpGeneric(x *Ctx, dst []byte, idx int, op zsetOp, cardOnly bool) {
	args := x.Args
	setnum, ok := x.ArgInt(idx)
	if !ok {
		return
	}
	if setnum < 1 {
		x.Err("ERR at least 1 input key is needed for '" + x.Cmd.FullName() + "' command")
		return
	}
	if setnum > int64(len(args)-idx-1) {
		x.Err(errSyntax)
		return
	}
	n := int(setnum)
	src := make([]zsrc, n)
	for i := range src {
		src[i].weight = 1
		e := x.Txn.Get(args[idx+1+i])
		if e == nil {
			continue
		}
		var isZ, isSet bool
		switch e.Kind() {
		case engine.KindZSet:
			src[i].z, isZ = e.Obj.(*zset.ZSet)
		case engine.KindSet:
			src[i].s, isSet = e.Obj.(set.Set)
		}
		if !isZ && !isSet {
			x.ErrWrongType()
			return
		}
	}
	aggr := aggrSum
	withScores := false
	limit := int64(0)
	for j := idx + 1 + n; j < len(args); {
		remaining := len(args) - j
		a := args[j]
		switch {
		case op != zopDiff && !cardOnly && remaining >= n+1 && eqFold(a, "weights"):
			j++
			for i := range src {
				w, ok := parseScore(args[j])
				if !ok {
					x.Err(errZWeight)
					return
				}
				src[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && eqFold(a, "aggregate"):
			switch b := args[j+1]; {
			case eqFold(b, "sum"):
				aggr = aggrSum
			case eqFold(b, "min"):
				aggr = aggrMin
			case eqFold(b, "max"):
				aggr = aggrMax
			default:
				x.Err(errSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && eqFold(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && eqFold(a, "limit"):
			if limit, ok = argRangeInt(x, j+1, 0, math.MaxInt64, errZLimitNeg); !ok {
				return
			}
			j += 2
		default:
			x.Err(errSyntax)
			return
		}
	}
	if op != zopDiff {
		slices.SortStableFunc(src, func(a, b zsrc) int { return cmp.Compare(a.len(), b.len()) })
	}

	var pairs []zset.Pair
	switch op {
	case zopInter:
		card := int64(0)
		if src[0].len() > 0 {
			src[0].each(func(m []byte, s float64) bool {
				score := src[0].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				for j := 1; j < n; j++ {
					v, found := src[j].find(m)
					if !found {
						return true
					}
					aggregate(&score, v*src[j].weight, aggr)
				}
				card++
				if !cardOnly {
					pairs = append(pairs, zset.Pair{Member: string(m), Score: score})
				}
				return limit == 0 || card < limit
			})
		}
		if cardOnly {
			x.W.Int(card)
			return
		}
	case zopUnion:
		acc := make(map[string]float64, src[n-1].len())
		for i := range src {
			src[i].each(func(m []byte, s float64) bool {
				score := src[i].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, found := acc[string(m)]; found {
					aggregate(&cur, score, aggr)
					acc[string(m)] = cur
				} else {
					acc[string(m)] = score
				}
				return true
			})
		}
		pairs = make([]zset.Pair, 0, len(acc))
		for m, s := range acc {
			pairs = append(pairs, zset.Pair{Member: m, Score: s})
		}
	case zopDiff:
		src[0].each(func(m []byte, s float64) bool {
			for j := 1; j < n; j++ {
				if _, found := src[j].find(m); found {
					return true
				}
			}
			pairs = append(pairs, zset.Pair{Member: string(m), Score: s})
			return true
		})
	}

	if dst != nil {
		event := [...]string{zopUnion: "zunionstore", zopInter: "zinterstore", zopDiff: "zdiffstore"}[op]
		zsetStore(x, dst, pairs, event)
		return
	}
	slices.SortFunc(pairs, func(a, b zset.Pair) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Member, b.Member)
	})
	zsetReplyLen(x, len(pairs), withScores)
	for _, p := range pairs {
		zsetReplyMember(x, zsetBytes(p.Member), p.Score, withScores)
	}
}
