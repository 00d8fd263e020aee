package command

import (
	"slices"

	"github.com/larderdb/larder/internal/types/set"
)

// This file holds the commands combining sets: SINTER, SUNION, SDIFF,
// their STORE forms, and SINTERCARD.

func cmdSInter(x *Ctx)      { setsInter(x, x.Args[1:], nil, false, 0) }
func cmdSInterStore(x *Ctx) { setsInter(x, x.Args[2:], x.Args[1], false, 0) }
func cmdSUnion(x *Ctx)      { setsUnionDiff(x, x.Args[1:], nil, false) }
func cmdSUnionStore(x *Ctx) { setsUnionDiff(x, x.Args[2:], x.Args[1], false) }
func cmdSDiff(x *Ctx)       { setsUnionDiff(x, x.Args[1:], nil, true) }
func cmdSDiffStore(x *Ctx)  { setsUnionDiff(x, x.Args[2:], x.Args[1], true) }

// cmdSInterCard implements SINTERCARD numkeys key [key ...] [LIMIT limit].
func cmdSInterCard(x *Ctx) {
	n, ok := parseInt(x.Args[1])
	if !ok || n < 1 {
		x.Err("ERR numkeys should be greater than 0")
		return
	}
	if n > int64(len(x.Args)-2) {
		x.Err("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(n); j < len(x.Args); j++ {
		if eqFold(x.Args[j], "limit") && j+1 < len(x.Args) {
			j++
			l, ok := parseInt(x.Args[j])
			if !ok || l < 0 {
				x.Err("ERR LIMIT can't be negative")
				return
			}
			limit = l
			continue
		}
		x.Err(errSyntax)
		return
	}
	setsInter(x, x.Args[2:2+n], nil, true, limit)
}

// loadSets returns the sets at keys, nil for a missing key, or replies
// WRONGTYPE and returns false if any key holds another type.
func loadSets(x *Ctx, keys [][]byte) ([]set.Set, bool) {
	sets := make([]set.Set, len(keys))
	for i, k := range keys {
		s, ok := setAt(x, x.Txn.Get(k))
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setsInter computes the intersection of the sets at keys and replies
// with it, with its size (cardOnly, counting up to limit when limit > 0),
// or stores it at dst.
func setsInter(x *Ctx, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, ok := loadSets(x, keys)
	if !ok {
		return
	}
	if slices.Contains(sets, nil) {
		switch {
		case dst != nil:
			storeSetResult(x, dst, nil, "")
		case cardOnly:
			x.W.Int(0)
		default:
			x.W.Set(0)
		}
		return
	}
	slices.SortStableFunc(sets, func(a, b set.Set) int { return a.Len() - b.Len() })
	var (
		res   set.Set
		out   [][]byte
		card  int64
		maxIS = setMaxIntset(x)
	)
	if dst != nil {
		res = set.NewIntset()
	}
	sets[0].Range(func(m []byte) bool {
		for _, o := range sets[1:] {
			if o != sets[0] && !o.Has(m) {
				return true
			}
		}
		card++
		switch {
		case cardOnly:
			return limit == 0 || card < limit
		case dst != nil:
			res, _ = res.Add(m, maxIS)
		default:
			out = append(out, append([]byte(nil), m...))
		}
		return true
	})
	switch {
	case cardOnly:
		x.W.Int(card)
	case dst != nil:
		storeSetResult(x, dst, res, "sinterstore")
	default:
		x.W.Set(len(out))
		for _, m := range out {
			x.W.Bulk(m)
		}
	}
}

// setsUnionDiff computes the union (or, with diff, the difference) of the
// sets at keys and replies with it or stores it at dst.
func setsUnionDiff(x *Ctx, keys [][]byte, dst []byte, diff bool) {
	sets, ok := loadSets(x, keys)
	if !ok {
		return
	}
	maxIS := setMaxIntset(x)
	res := set.NewIntset()
	add := func(m []byte) bool { res, _ = res.Add(m, maxIS); return true }
	switch {
	case !diff:
		for _, s := range sets {
			if s != nil {
				s.Range(add)
			}
		}
	case sets[0] == nil || slices.Contains(sets[1:], sets[0]):
		// Nothing minus anything, or a set minus itself, is empty.
	case diffByLookup(sets):
		sets[0].Range(func(m []byte) bool {
			for _, o := range sets[1:] {
				if o != nil && o.Has(m) {
					return true
				}
			}
			return add(m)
		})
	default:
		sets[0].Range(add)
		for _, o := range sets[1:] {
			if o == nil {
				continue
			}
			o.Range(func(m []byte) bool {
				res, _ = res.Remove(m)
				return res.Len() > 0
			})
			if res.Len() == 0 {
				break
			}
		}
	}
	if dst != nil {
		event := "sunionstore"
		if diff {
			event = "sdiffstore"
		}
		storeSetResult(x, dst, res, event)
		return
	}
	x.W.Set(res.Len())
	res.Range(func(m []byte) bool { x.W.Bulk(m); return true })
}

// diffByLookup chooses Redis's first SDIFF algorithm (look each member of
// the first set up in the others) over the second (copy the first set,
// remove the others' members), by the same estimate of work as Redis.
func diffByLookup(sets []set.Set) bool {
	var one, two int
	for _, s := range sets {
		if s != nil {
			one += sets[0].Len()
			two += s.Len()
		}
	}
	return one/2 <= two
}

// storeSetResult stores res at dst and replies with its size, or, when res
// is empty (or nil), deletes dst and replies 0.
func storeSetResult(x *Ctx, dst []byte, res set.Set, event string) {
	if res == nil || res.Len() == 0 {
		if x.Txn.Delete(dst) {
			x.Notify('g', "del", dst)
		}
		x.W.Int(0)
		return
	}
	x.Txn.SetObject(dst, res, 0)
	x.W.Int(int64(res.Len()))
	x.Notify('s', event, dst)
}
