package command

import (
	"strconv"

	"github.com/larderdb/larder/internal/glob"
)

// cmdZScore implements ZSCORE key member.
func cmdZScore(x *Ctx) {
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Null()
		return
	}
	if s, found := z.Score(x.Args[2]); found {
		x.W.Double(s)
	} else {
		x.W.Null()
	}
}

// cmdZMScore implements ZMSCORE key member [member ...]; a missing key is
// an empty set.
func cmdZMScore(x *Ctx) {
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	x.W.Array(len(x.Args) - 2)
	for _, m := range x.Args[2:] {
		if z == nil {
			x.W.Null()
		} else if s, found := z.Score(m); found {
			x.W.Double(s)
		} else {
			x.W.Null()
		}
	}
}

// cmdZCard implements ZCARD key.
func cmdZCard(x *Ctx) {
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Int(0)
		return
	}
	x.W.Int(int64(z.Len()))
}

// cmdZRank implements ZRANK key member.
func cmdZRank(x *Ctx) { zrankGeneric(x, false) }

// cmdZRevRank implements ZREVRANK key member.
func cmdZRevRank(x *Ctx) { zrankGeneric(x, true) }

func zrankGeneric(x *Ctx, reverse bool) {
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Null()
		return
	}
	r, found := z.Rank(x.Args[2])
	if !found {
		x.W.Null()
		return
	}
	if reverse {
		r = z.Len() - 1 - r
	}
	x.W.Int(int64(r))
}

// cmdZCount implements ZCOUNT key min max.
func cmdZCount(x *Ctx) {
	r, ok := parseScoreRange(x.Args[2], x.Args[3])
	if !ok {
		x.Err(errZMinMax)
		return
	}
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Int(0)
		return
	}
	lo, hi := z.ScoreSpan(r)
	x.W.Int(int64(hi - lo))
}

// cmdZLexCount implements ZLEXCOUNT key min max.
func cmdZLexCount(x *Ctx) {
	r, ok := parseLexRange(x.Args[2], x.Args[3])
	if !ok {
		x.Err(errZLexRange)
		return
	}
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Int(0)
		return
	}
	lo, hi := z.LexSpan(r)
	x.W.Int(int64(hi - lo))
}

// cmdZScan implements ZSCAN key cursor [MATCH pattern] [COUNT count]. A
// compact set is returned whole with cursor 0; a full one is walked by
// score (see zset.ZSet.Scan).
func cmdZScan(x *Ctx) {
	cursor, ok := parseScanCursor(x.Args[2])
	if !ok {
		x.Err("ERR invalid cursor")
		return
	}
	z, ok := zsetRead(x, x.Args[1])
	if !ok {
		return
	}
	if z == nil {
		x.W.Array(2)
		x.W.BulkString("0")
		x.W.Array(0)
		return
	}
	n, pat, _, ok := scanOptions(x, 3, false)
	if !ok {
		return
	}
	count := int64(n)
	type pair struct {
		m []byte
		s float64
	}
	var found []pair
	next := z.Scan(cursor, int(min(count, 1<<30)), func(m []byte, s float64) {
		if pat == nil || glob.Match(pat, m, false) {
			found = append(found, pair{m, s})
		}
	})
	var num [32]byte
	x.W.Array(2)
	x.W.Bulk(strconv.AppendUint(num[:0], next, 10))
	x.W.Array(2 * len(found))
	for _, p := range found {
		x.W.Bulk(p.m)
		x.W.Bulk(appendScore(num[:0], p.s))
	}
}
