package command

import "math"

// cmdSPop implements SPOP key [count].
func cmdSPop(x *Ctx) {
	switch {
	case len(x.Args) == 3:
		spopCount(x)
		return
	case len(x.Args) > 3:
		x.Err(errSyntax)
		return
	}
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	s, ok := setAt(x, e)
	if !ok {
		return
	}
	if s == nil {
		x.W.Null()
		return
	}
	var buf [64]byte
	s, m := s.Pop(buf[:0])
	x.Notify('s', "spop", key)
	x.W.Bulk(m)
	setChangedOrDeleted(x, key, e, s)
	if s.Len() == 0 {
		x.Notify('g', "del", key)
	}
}

// spopCount implements SPOP key count: the reply is a set.
func spopCount(x *Ctx) {
	n, ok := parseInt(x.Args[2])
	if !ok || n < 0 {
		x.Err(errNotPositive)
		return
	}
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	s, ok := setAt(x, e)
	if !ok {
		return
	}
	if s == nil || n == 0 {
		x.W.Set(0)
		return
	}
	x.Notify('s', "spop", key)
	if size := s.Len(); n >= int64(size) {
		x.W.Set(size)
		s.Range(func(m []byte) bool { x.W.Bulk(m); return true })
		x.Txn.Delete(key)
		x.Notify('g', "del", key)
		return
	}
	x.W.Set(int(n))
	var buf []byte
	for ; n > 0; n-- {
		s, buf = s.Pop(buf[:0])
		x.W.Bulk(buf)
	}
	storeSet(x, key, e, s)
}

// cmdSRandMember implements SRANDMEMBER key [count]. A negative count
// allows repeats; the reply is an array.
func cmdSRandMember(x *Ctx) {
	switch {
	case len(x.Args) > 3:
		x.Err(errSyntax)
		return
	case len(x.Args) == 2:
		s, ok := setAt(x, x.Txn.Get(x.Args[1]))
		if !ok {
			return
		}
		if s == nil {
			x.W.Null()
			return
		}
		s.Random(1, func(m []byte) { x.W.Bulk(m) })
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
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if s == nil || l == 0 {
		x.W.Array(0)
		return
	}
	reply := func(m []byte) { x.W.Bulk(m) }
	if l < 0 || l == 1 {
		count := max(l, -l)
		x.W.Array(int(count))
		s.Random(int(count), reply)
		return
	}
	if size := s.Len(); l >= int64(size) {
		x.W.Array(size)
		s.Range(func(m []byte) bool { reply(m); return true })
		return
	}
	x.W.Array(int(l))
	s.Sample(int(l), reply)
}
