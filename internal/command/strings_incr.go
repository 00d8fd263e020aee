package command

import (
	"math"
	"strconv"

	"github.com/larderdb/larder/internal/engine"
)

func cmdIncr(x *Ctx) { incrDecr(x, 1) }

func cmdDecr(x *Ctx) { incrDecr(x, -1) }

func cmdIncrBy(x *Ctx) {
	if by, ok := x.ArgInt(2); ok {
		incrDecr(x, by)
	}
}

func cmdDecrBy(x *Ctx) {
	by, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if by == math.MinInt64 {
		x.Err("ERR decrement would overflow")
		return
	}
	incrDecr(x, -by)
}

// incrDecr adds by to the integer value of x.Args[1] (0 when missing),
// keeping the key's TTL, and replies with the result.
func incrDecr(x *Ctx, by int64) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	var v int64
	if e != nil {
		if e.Kind() != engine.KindString {
			x.ErrWrongType()
			return
		}
		var ok bool
		if v, ok = parseInt(e.Str); !ok {
			x.Err(errNotInt)
			return
		}
	}
	if (by < 0 && v < 0 && by < math.MinInt64-v) || (by > 0 && v > 0 && by > math.MaxInt64-v) {
		x.Err(errOverflow)
		return
	}
	v += by
	if e != nil {
		e.Str = strconv.AppendInt(e.Str[:0], v, 10)
		x.Txn.Changed(key, e)
	} else {
		var buf [20]byte
		x.Txn.SetString(key, strconv.AppendInt(buf[:0], v, 10), 0)
	}
	x.Notify('$', "incrby", key)
	x.W.Int(v)
}

// cmdIncrByFloat is INCRBYFLOAT key increment. Redis computes in C's long
// double and stores the result printed as "%.17Lf" with trailing zeros
// removed; Larder reproduces that with 64-bit-mantissa arithmetic (see
// longDouble), so results are the same digits as Redis's on x86-64.
func cmdIncrByFloat(x *Ctx) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	var v, by longDouble
	if e != nil {
		if e.Kind() != engine.KindString {
			x.ErrWrongType()
			return
		}
		if !v.parse(e.Str) {
			x.Err(errNotFloat)
			return
		}
	}
	if !by.parse(x.Args[2]) {
		x.Err(errNotFloat)
		return
	}
	if !v.add(&by) {
		x.Err("ERR increment would produce NaN or Infinity")
		return
	}
	var buf [64]byte
	out := v.appendHuman(buf[:0])
	if e != nil {
		e.Str = append(e.Str[:0], out...)
		x.Txn.Changed(key, e)
	} else {
		e = x.Txn.SetString(key, out, 0)
	}
	x.Notify('$', "incrbyfloat", key)
	x.W.Bulk(e.Str)
}
