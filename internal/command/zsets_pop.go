package command

import (
	"math"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/zset"
)

// cmdZPopMin implements ZPOPMIN key [count].
func cmdZPopMin(x *Ctx) { zpopMinMax(x, false) }

// cmdZPopMax implements ZPOPMAX key [count].
func cmdZPopMax(x *Ctx) { zpopMinMax(x, true) }

func zpopMinMax(x *Ctx, max bool) {
	if len(x.Args) > 3 {
		x.Err(errSyntax)
		return
	}
	count := int64(-1)
	if len(x.Args) == 3 {
		n, ok := x.ArgInt(2)
		if !ok {
			return
		}
		if n < 0 {
			x.Err(errNotPositive)
			return
		}
		count = n
	}
	// RESP3 nests [member, score] pairs only when a count was given.
	nested := x.W.Protocol() > 2 && count != -1
	zpopGeneric(x, x.Args[1:2], max, false, count, nested, false)
}

// zpopGeneric pops from the first existing key of keys, as Redis's
// genericZpopCommand: count -1 is a plain single pop; emitKey puts the key
// in the reply (BZPOP*, ZMPOP); nested replies [member, score] pairs;
// nilWhenEmpty replies a null array rather than an empty one when no key
// exists. It reports whether it popped anything.
func zpopGeneric(x *Ctx, keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) bool {
	var (
		key []byte
		z   *zset.ZSet
		e   *engine.Entry
	)
	for _, k := range keys {
		var ok bool
		z, e, ok = zsetWrite(x, k)
		if !ok {
			return false
		}
		if z != nil {
			key = k
			break
		}
	}
	if z == nil {
		if nilWhenEmpty {
			x.W.NullArray()
		} else {
			x.W.Array(0)
		}
		return false
	}
	if count == 0 {
		x.W.Array(0)
		return false
	}
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	switch {
	case !nested && !emitKey:
		x.W.Array(2 * n)
	case nested && !emitKey:
		x.W.Array(n)
	case !nested && emitKey:
		x.W.Array(2*n + 1)
		x.W.Bulk(key)
	default:
		x.W.Array(2)
		x.W.Bulk(key)
		x.W.Array(n)
	}
	z.Pop(max, n, func(m []byte, s float64) {
		if nested {
			x.W.Array(2)
		}
		x.W.Bulk(m)
		x.W.Double(s)
	})
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	x.Notify('z', event, key)
	zsetChanged(x, key, e, z)
	return true
}

// zmpopArgs parses [B]ZMPOP's numkeys key ... MIN|MAX [COUNT count], with
// numkeys at index idx, replying with the error when it fails.
func zmpopArgs(x *Ctx, idx int) (keys [][]byte, max bool, count int64, ok bool) {
	numkeys, ok := argRangeInt(x, idx, 1, math.MaxInt64, errZNumKeys)
	if !ok {
		return nil, false, 0, false
	}
	if numkeys >= int64(len(x.Args)-idx-1) {
		x.Err(errSyntax)
		return nil, false, 0, false
	}
	where := idx + int(numkeys) + 1
	switch {
	case eqFold(x.Args[where], "min"):
	case eqFold(x.Args[where], "max"):
		max = true
	default:
		x.Err(errSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := where + 1; j < len(x.Args); j++ {
		if count == -1 && eqFold(x.Args[j], "count") && j+1 < len(x.Args) {
			j++
			if count, ok = argRangeInt(x, j, 1, math.MaxInt64, errZCount); !ok {
				return nil, false, 0, false
			}
			continue
		}
		x.Err(errSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return x.Args[idx+1 : where], max, count, true
}

// cmdZMPop implements ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
func cmdZMPop(x *Ctx) {
	keys, max, count, ok := zmpopArgs(x, 1)
	if !ok {
		return
	}
	zpopGeneric(x, keys, max, true, count, true, true)
}
