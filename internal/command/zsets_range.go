package command

import "github.com/larderdb/larder/internal/types/zset"

// zrangeType is how ZRANGE reads its min and max: ranks, scores or members.
type zrangeType uint8

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeDir is ZRANGE's direction; auto means REV may be given.
type zrangeDir uint8

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

// cmdZRange implements ZRANGE key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES].
func cmdZRange(x *Ctx) { zrangeGeneric(x, 1, false, zrangeAuto, zdirAuto) }

// cmdZRangeStore implements ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count].
func cmdZRangeStore(x *Ctx) { zrangeGeneric(x, 2, true, zrangeAuto, zdirAuto) }

// cmdZRevRange implements ZREVRANGE key start stop [WITHSCORES].
func cmdZRevRange(x *Ctx) { zrangeGeneric(x, 1, false, zrangeRank, zdirReverse) }

// cmdZRangeByScore implements ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count].
func cmdZRangeByScore(x *Ctx) { zrangeGeneric(x, 1, false, zrangeScore, zdirForward) }

// cmdZRevRangeByScore implements ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count].
func cmdZRevRangeByScore(x *Ctx) { zrangeGeneric(x, 1, false, zrangeScore, zdirReverse) }

// cmdZRangeByLex implements ZRANGEBYLEX key min max [LIMIT offset count].
func cmdZRangeByLex(x *Ctx) { zrangeGeneric(x, 1, false, zrangeLex, zdirForward) }

// cmdZRevRangeByLex implements ZREVRANGEBYLEX key max min [LIMIT offset count].
func cmdZRevRangeByLex(x *Ctx) { zrangeGeneric(x, 1, false, zrangeLex, zdirReverse) }

// zrangeGeneric is every ZRANGE variant, as Redis's zrangeGenericCommand:
// options, their conflicts, the range, then the key. src is the index of
// the source key; store writes the result to args[1] instead of replying.
func zrangeGeneric(x *Ctx, src int, store bool, typ zrangeType, dir zrangeDir) {
	args := x.Args
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := src + 3; j < len(args); j++ {
		a := args[j]
		left := len(args) - j - 1
		switch {
		case !store && eqFold(a, "withscores"):
			withScores = true
		case eqFold(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = x.ArgInt(j + 1); !ok {
				return
			}
			if limit, ok = x.ArgInt(j + 2); !ok {
				return
			}
			j += 2
		case dir == zdirAuto && eqFold(a, "rev"):
			dir = zdirReverse
		case typ == zrangeAuto && eqFold(a, "bylex"):
			typ = zrangeLex
		case typ == zrangeAuto && eqFold(a, "byscore"):
			typ = zrangeScore
		default:
			x.Err(errSyntax)
			return
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if typ == zrangeAuto {
		typ = zrangeRank
	}
	if limit != -1 && typ == zrangeRank {
		x.Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
		return
	}
	if withScores && typ == zrangeLex {
		x.Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
		return
	}
	reverse := dir == zdirReverse
	minArg, maxArg := args[src+1], args[src+2]
	if reverse && typ != zrangeRank {
		minArg, maxArg = maxArg, minArg
	}
	var (
		start, stop int64
		sr          zset.ScoreRange
		lr          zset.LexRange
		ok          bool
	)
	switch typ {
	case zrangeRank:
		if start, ok = x.ArgInt(src + 1); !ok {
			return
		}
		if stop, ok = x.ArgInt(src + 2); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(minArg, maxArg); !ok {
			x.Err(errZMinMax)
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(minArg, maxArg); !ok {
			x.Err(errZLexRange)
			return
		}
	}

	z, ok := zsetRead(x, args[src])
	if !ok {
		return
	}
	if z == nil {
		if store {
			zrangeStore(x, nil)
		} else {
			x.W.Array(0)
		}
		return
	}
	// first is the ascending rank of the first member to return, n how
	// many; the walk goes down from first when reverse.
	var first, n int
	switch typ {
	case zrangeRank:
		first, n = rankSpan(z.Len(), start, stop, reverse)
	case zrangeScore:
		lo, hi := z.ScoreSpan(sr)
		first, n = limitSpan(lo, hi, offset, limit, reverse)
	case zrangeLex:
		lo, hi := z.LexSpan(lr)
		first, n = limitSpan(lo, hi, offset, limit, reverse)
	}
	if store {
		pairs := make([]zset.Pair, 0, n)
		z.Walk(first, n, reverse, func(m []byte, s float64) bool {
			pairs = append(pairs, zset.Pair{Member: string(m), Score: s})
			return true
		})
		zrangeStore(x, pairs)
		return
	}
	zsetReplyLen(x, n, withScores)
	z.Walk(first, n, reverse, func(m []byte, s float64) bool {
		zsetReplyMember(x, m, s, withScores)
		return true
	})
}

// rankSpan turns ZRANGE's start and stop (negative from the end, in the
// walk's direction) into the ascending rank to start from and a count.
func rankSpan(llen int, start, stop int64, reverse bool) (first, n int) {
	l := int64(llen)
	if start < 0 {
		start += l
	}
	if stop < 0 {
		stop += l
	}
	start = max(start, 0)
	if start > stop || start >= l {
		return 0, 0
	}
	stop = min(stop, l-1)
	n = int(stop - start + 1)
	if reverse {
		return int(l - 1 - start), n
	}
	return int(start), n
}

// limitSpan applies LIMIT offset count to the members of ascending ranks
// [lo, hi): a negative offset selects nothing, a negative count everything.
func limitSpan(lo, hi int, offset, limit int64, reverse bool) (first, n int) {
	avail := int64(hi-lo) - offset
	if offset < 0 || avail <= 0 {
		return 0, 0
	}
	if limit >= 0 {
		avail = min(avail, limit)
	}
	if reverse {
		return hi - 1 - int(offset), int(avail)
	}
	return lo + int(offset), int(avail)
}

// zrangeStore stores ZRANGESTORE's result in args[1] and replies with its
// size; an empty result deletes the destination.
func zrangeStore(x *Ctx, pairs []zset.Pair) {
	zsetStore(x, x.Args[1], pairs, "zrangestore")
}

// zsetStore replaces key with the set of pairs (distinct members), or
// deletes it when there are none, notifies event and replies with the
// set's size.
func zsetStore(x *Ctx, key []byte, pairs []zset.Pair, event string) {
	if len(pairs) == 0 {
		if x.Txn.Delete(key) {
			x.Notify('g', "del", key)
		}
		x.W.Int(0)
		return
	}
	z := zset.FromPairs(pairs, zsetLimits(x))
	x.Txn.SetObject(key, z, 0)
	x.Notify('z', event, key)
	x.KeyReady(key)
	x.W.Int(int64(z.Len()))
}

// cmdZRemRangeByRank implements ZREMRANGEBYRANK key start stop.
func cmdZRemRangeByRank(x *Ctx) { zremrangeGeneric(x, zrangeRank) }

// cmdZRemRangeByScore implements ZREMRANGEBYSCORE key min max.
func cmdZRemRangeByScore(x *Ctx) { zremrangeGeneric(x, zrangeScore) }

// cmdZRemRangeByLex implements ZREMRANGEBYLEX key min max.
func cmdZRemRangeByLex(x *Ctx) { zremrangeGeneric(x, zrangeLex) }

func zremrangeGeneric(x *Ctx, typ zrangeType) {
	var (
		start, stop int64
		sr          zset.ScoreRange
		lr          zset.LexRange
		ok          bool
		event       string
	)
	switch typ {
	case zrangeRank:
		event = "zremrangebyrank"
		if start, ok = x.ArgInt(2); !ok {
			return
		}
		if stop, ok = x.ArgInt(3); !ok {
			return
		}
	case zrangeScore:
		event = "zremrangebyscore"
		if sr, ok = parseScoreRange(x.Args[2], x.Args[3]); !ok {
			x.Err(errZMinMax)
			return
		}
	case zrangeLex:
		event = "zremrangebylex"
		if lr, ok = parseLexRange(x.Args[2], x.Args[3]); !ok {
			x.Err(errZLexRange)
			return
		}
	}
	key := x.Args[1]
	z, e, ok := zsetWrite(x, key)
	if !ok {
		return
	}
	if z == nil {
		x.W.Int(0)
		return
	}
	var lo, hi int
	switch typ {
	case zrangeRank:
		first, n := rankSpan(z.Len(), start, stop, false)
		lo, hi = first, first+n
	case zrangeScore:
		lo, hi = z.ScoreSpan(sr)
	case zrangeLex:
		lo, hi = z.LexSpan(lr)
	}
	deleted := z.RemoveRange(lo, hi-1)
	if deleted > 0 {
		x.Notify('z', event, key)
		zsetChanged(x, key, e, z)
	}
	x.W.Int(int64(deleted))
}
