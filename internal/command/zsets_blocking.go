package command

import (
	"time"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/zset"
)

// The blocking pops serve at once when one of their keys holds a sorted
// set, exactly as ZPOPMIN/ZMPOP do; otherwise they wait (blocking.go)
// until a ZADD, ZINCRBY or *STORE creates one. Inside MULTI they never
// wait: they reply as on a timeout.

// cmdBZPopMin implements BZPOPMIN key [key ...] timeout.
func cmdBZPopMin(x *Ctx) { bzpop(x, false) }

// cmdBZPopMax implements BZPOPMAX key [key ...] timeout.
func cmdBZPopMax(x *Ctx) { bzpop(x, true) }

func bzpop(x *Ctx, max bool) {
	timeout, ok := parseTimeout(x, x.Args[len(x.Args)-1])
	if !ok {
		return
	}
	zblockGeneric(x, x.Args[1:len(x.Args)-1], max, timeout, -1, false)
}

// cmdBZMPop implements BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count].
func cmdBZMPop(x *Ctx) {
	keys, max, count, ok := zmpopArgs(x, 2)
	if !ok {
		return
	}
	timeout, ok := parseTimeout(x, x.Args[1])
	if !ok {
		return
	}
	zblockGeneric(x, keys, max, timeout, count, true)
}

// zpopped is a member popped for a blocked client, copied out of the set.
type zpopped struct {
	m []byte
	s float64
}

// zblockGeneric pops from the first non-empty key of keys, or waits for
// one; count -1 is BZPOP*'s single pop with a flat reply, otherwise the
// reply is BZMPOP's [key, [[member, score] ...]].
func zblockGeneric(x *Ctx, keys [][]byte, max bool, timeout time.Duration, count int64, nested bool) {
	for i, k := range keys {
		z, _, ok := zsetWrite(x, k)
		if !ok {
			return
		}
		if z == nil || z.Len() == 0 {
			continue
		}
		zpopGeneric(x, keys[i:i+1], max, true, count, nested, nested)
		return
	}
	if x.InMulti() {
		x.W.NullArray()
		return
	}
	var (
		gotKey []byte
		got    []zpopped
	)
	op := func(sx *Ctx, key []byte) bool {
		e := sx.Txn.Lookup(key)
		if e == nil || e.Kind() != engine.KindZSet {
			return false
		}
		z, isZ := e.Obj.(*zset.ZSet)
		if !isZ || z.Len() == 0 {
			return false
		}
		n := 1
		if count > 0 {
			n = int(min(count, int64(z.Len())))
		}
		gotKey = append([]byte(nil), key...)
		z.Pop(max, n, func(m []byte, s float64) {
			got = append(got, zpopped{append([]byte(nil), m...), s})
		})
		event := "zpopmin"
		if max {
			event = "zpopmax"
		}
		sx.Notify('z', event, key)
		zsetChanged(sx, key, e, z)
		return true
	}
	switch x.Srv.block(x, keys, nil, timeout, op) {
	case blockServed:
		if !nested {
			x.W.Array(3)
			x.W.Bulk(gotKey)
			x.W.Bulk(got[0].m)
			x.W.Double(got[0].s)
			return
		}
		x.W.Array(2)
		x.W.Bulk(gotKey)
		x.W.Array(len(got))
		for _, p := range got {
			x.W.Array(2)
			x.W.Bulk(p.m)
			x.W.Double(p.s)
		}
	case blockTimedOut:
		x.W.NullArray()
	case blockUnblocked:
		x.Err(errUnblocked)
	}
}
