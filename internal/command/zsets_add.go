package command

import "github.com/larderdb/larder/internal/types/zset"

// cmdZAdd implements ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...
func cmdZAdd(x *Ctx) { zaddGeneric(x, 0) }

// cmdZIncrBy implements ZINCRBY key increment member.
func cmdZIncrBy(x *Ctx) { zaddGeneric(x, zset.Incr) }

// zaddGeneric is ZADD and ZINCRBY, as Redis's zaddGenericCommand: options,
// then every score checked before anything changes.
func zaddGeneric(x *Ctx, flags zset.Flags) {
	args := x.Args
	key := args[1]
	ch := false
	i := 2
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "nx"):
			flags |= zset.NX
		case eqFold(a, "xx"):
			flags |= zset.XX
		case eqFold(a, "ch"):
			ch = true
		case eqFold(a, "incr"):
			flags |= zset.Incr
		case eqFold(a, "gt"):
			flags |= zset.GT
		case eqFold(a, "lt"):
			flags |= zset.LT
		default:
			goto pairs
		}
	}
pairs:
	n := len(args) - i
	if n == 0 || n%2 != 0 {
		x.Err(errSyntax)
		return
	}
	n /= 2
	has := func(f zset.Flags) bool { return flags&f != 0 }
	if has(zset.NX) && has(zset.XX) {
		x.Err("ERR XX and NX options at the same time are not compatible")
		return
	}
	if (has(zset.GT) && has(zset.NX)) || (has(zset.LT) && has(zset.NX)) || (has(zset.GT) && has(zset.LT)) {
		x.Err("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	incr := has(zset.Incr)
	if incr && n > 1 {
		x.Err("ERR INCR option supports a single increment-element pair")
		return
	}
	var buf [16]float64
	scores := buf[:0]
	for j := range n {
		s, ok := parseScore(args[i+2*j])
		if !ok {
			x.Err(errNotFloat)
			return
		}
		scores = append(scores, s)
	}

	z, e, ok := zsetWrite(x, key)
	if !ok {
		return
	}
	created := false
	if z == nil {
		if has(zset.XX) {
			zaddReply(x, incr, ch, 0, 0, 0, 0)
			return
		}
		z = zset.New()
		created = true
	}
	lim := zsetLimits(x)
	var added, updated, processed int
	var score float64
	failed := false
	for j := range n {
		s, res := z.Add(args[i+2*j+1], scores[j], flags, lim)
		switch res {
		case zset.NaN:
			x.Err(errZNaN)
			failed = true
		case zset.Added:
			added++
		case zset.Updated:
			updated++
		}
		if failed {
			break
		}
		if res != zset.Skipped {
			processed++
		}
		score = s
	}
	if added+updated > 0 {
		if created {
			x.Txn.SetObject(key, z, 0)
		} else {
			x.Txn.Changed(key, e)
		}
		event := "zadd"
		if incr {
			event = "zincr"
		}
		x.Notify('z', event, key)
		if added > 0 {
			x.KeyReady(key)
		}
	}
	if !failed {
		zaddReply(x, incr, ch, added, updated, processed, score)
	}
}

// zaddReply writes ZADD's reply: the score (or nil when skipped) with
// INCR, otherwise the number of members added, plus updated with CH.
func zaddReply(x *Ctx, incr, ch bool, added, updated, processed int, score float64) {
	switch {
	case incr && processed > 0:
		x.W.Double(score)
	case incr:
		x.W.Null()
	case ch:
		x.W.Int(int64(added + updated))
	default:
		x.W.Int(int64(added))
	}
}

// cmdZRem implements ZREM key member [member ...].
func cmdZRem(x *Ctx) {
	key := x.Args[1]
	z, e, ok := zsetWrite(x, key)
	if !ok {
		return
	}
	if z == nil {
		x.W.Int(0)
		return
	}
	deleted := 0
	for _, m := range x.Args[2:] {
		if z.Remove(m) {
			deleted++
		}
		if z.Len() == 0 {
			break
		}
	}
	if deleted > 0 {
		x.Notify('z', "zrem", key)
		zsetChanged(x, key, e, z)
	}
	x.W.Int(int64(deleted))
}
