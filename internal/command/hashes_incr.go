package command

import "strconv"

// cmdHIncrBy implements HINCRBY key field increment.
func cmdHIncrBy(x *Ctx) {
	by, ok := x.ArgInt(3)
	if !ok {
		return
	}
	key, field := x.Args[1], x.Args[2]
	e, h, ok := hashForWrite(x, key)
	if !ok {
		return
	}
	var v int64
	if cur, found := h.Get(field); found {
		if v, ok = parseInt(cur); !ok {
			x.Err("ERR hash value is not an integer")
			return
		}
	}
	if (by < 0 && v < 0 && by < minInt64-v) || (by > 0 && v > 0 && by > maxInt64-v) {
		x.Err(errOverflow)
		return
	}
	v += by
	var buf [20]byte
	h, _ = h.Set(field, strconv.AppendInt(buf[:0], v, 10), hashLimits(x))
	storeHash(x, key, e, h)
	x.W.Int(v)
	x.Notify('h', "hincrby", key)
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// cmdHIncrByFloat implements HINCRBYFLOAT key field increment, in long
// double arithmetic as Redis (see longDouble).
func cmdHIncrByFloat(x *Ctx) {
	var v, by longDouble
	if !by.parse(x.Args[3]) {
		x.Err(errNotFloat)
		return
	}
	if by.f.IsInf() {
		x.Err("ERR value is NaN or Infinity")
		return
	}
	key, field := x.Args[1], x.Args[2]
	e, h, ok := hashForWrite(x, key)
	if !ok {
		return
	}
	if cur, found := h.Get(field); found {
		if !v.parse(cur) {
			x.Err("ERR hash value is not a float")
			return
		}
	}
	if !v.add(&by) {
		x.Err("ERR increment would produce NaN or Infinity")
		return
	}
	var buf [64]byte
	out := v.appendHuman(buf[:0])
	h, _ = h.Set(field, out, hashLimits(x))
	storeHash(x, key, e, h)
	x.W.Bulk(out)
	x.Notify('h', "hincrbyfloat", key)
}
