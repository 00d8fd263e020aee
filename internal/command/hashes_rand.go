package command

import "math"

// cmdHRandField implements HRANDFIELD key [count [WITHVALUES]]. A negative
// count allows repeats; RESP3 nests each field-value pair in an array.
func cmdHRandField(x *Ctx) {
	if len(x.Args) == 2 {
		h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
		if !ok {
			return
		}
		if h == nil {
			x.W.Null()
			return
		}
		h.Random(1, func(f, _ []byte) { x.W.Bulk(f) })
		return
	}
	l, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if l < -math.MaxInt64 {
		x.Err(errRangeLong)
		return
	}
	withValues := false
	if len(x.Args) > 4 || (len(x.Args) == 4 && !eqFold(x.Args[3], "withvalues")) {
		x.Err(errSyntax)
		return
	}
	if len(x.Args) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			x.Err("ERR value is out of range")
			return
		}
	}
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if h == nil || l == 0 {
		x.W.Array(0)
		return
	}
	resp3 := x.W.Protocol() == 3
	reply := func(f, v []byte) {
		if withValues && resp3 {
			x.W.Array(2)
		}
		x.W.Bulk(f)
		if withValues {
			x.W.Bulk(v)
		}
	}
	header := func(n int64) {
		if withValues && !resp3 {
			n *= 2
		}
		x.W.Array(int(n))
	}
	if l < 0 || l == 1 {
		count := max(l, -l)
		header(count)
		h.Random(int(count), reply)
		return
	}
	size := int64(h.Len())
	if l >= size {
		header(size)
		h.Range(func(f, v []byte) bool { reply(f, v); return true })
		return
	}
	header(l)
	h.Sample(int(l), reply)
}

// errRangeLong is getRangeLongFromObjectOrReply's error for a count below
// -LONG_MAX.
const errRangeLong = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
