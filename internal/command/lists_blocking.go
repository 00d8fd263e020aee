package command

import (
	"time"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/list"
)

// The blocking list commands first try to serve at once, exactly as their
// non-blocking forms; when every key is missing they wait (blocking.go).
// Inside MULTI they never wait: they reply as on a timeout.

func cmdBLPop(x *Ctx) { bpopCommand(x, true) }
func cmdBRPop(x *Ctx) { bpopCommand(x, false) }

// bpopCommand runs B[LR]POP key [key ...] timeout.
func bpopCommand(x *Ctx, left bool) {
	timeout, ok := parseTimeout(x, x.Args[len(x.Args)-1])
	if !ok {
		return
	}
	keys := x.Args[1 : len(x.Args)-1]
	for _, key := range keys {
		e, l, ok := listAt(x, key, false)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		x.W.Array(2)
		x.W.Bulk(key)
		if left {
			x.W.Bulk(l.Front())
			l.RemoveFront()
			x.Notify('l', "lpop", key)
		} else {
			x.W.Bulk(l.Back())
			l.RemoveBack()
			x.Notify('l', "rpop", key)
		}
		listChanged(x, key, e, l)
		return
	}
	if x.InMulti() {
		x.W.NullArray()
		return
	}
	var gotKey, gotVal []byte
	op := func(sx *Ctx, key []byte) bool {
		e := sx.Txn.Lookup(key)
		if e == nil || e.Kind() != engine.KindList {
			return false
		}
		l := e.Obj.(*list.List)
		gotKey = append([]byte(nil), key...)
		if left {
			gotVal = append([]byte(nil), l.Front()...)
			l.RemoveFront()
			sx.Notify('l', "lpop", key)
		} else {
			gotVal = append([]byte(nil), l.Back()...)
			l.RemoveBack()
			sx.Notify('l', "rpop", key)
		}
		listChanged(sx, key, e, l)
		return true
	}
	switch x.Srv.block(x, keys, nil, timeout, op) {
	case blockServed:
		x.W.Array(2)
		x.W.Bulk(gotKey)
		x.W.Bulk(gotVal)
	case blockTimedOut:
		x.W.NullArray()
	case blockUnblocked:
		x.Err(errUnblocked)
	}
}

// cmdBLMPop runs BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count].
func cmdBLMPop(x *Ctx) {
	a, ok := parseMPop(x, 2)
	if !ok {
		return
	}
	timeout, ok := parseTimeout(x, x.Args[1])
	if !ok {
		return
	}
	if mpopFirst(x, a) {
		return
	}
	if x.InMulti() {
		x.W.NullArray()
		return
	}
	var gotKey []byte
	var gotVals [][]byte
	op := func(sx *Ctx, key []byte) bool {
		e := sx.Txn.Lookup(key)
		if e == nil || e.Kind() != engine.KindList {
			return false
		}
		l := e.Obj.(*list.List)
		gotKey = append([]byte(nil), key...)
		n := int(min(a.count, int64(l.Len())))
		start := 0
		if !a.left {
			start = -1
		}
		it := l.Iter(start, !a.left)
		for range n {
			v, _ := it.Next()
			gotVals = append(gotVals, append([]byte(nil), v...))
		}
		if a.left {
			l.DeleteRange(0, n)
			sx.Notify('l', "lpop", key)
		} else {
			l.DeleteRange(l.Len()-n, n)
			sx.Notify('l', "rpop", key)
		}
		listChanged(sx, key, e, l)
		return true
	}
	switch x.Srv.block(x, a.keys, nil, timeout, op) {
	case blockServed:
		x.W.Array(2)
		x.W.Bulk(gotKey)
		x.W.Array(len(gotVals))
		for _, v := range gotVals {
			x.W.Bulk(v)
		}
	case blockTimedOut:
		x.W.NullArray()
	case blockUnblocked:
		x.Err(errUnblocked)
	}
}

// cmdBLMove runs BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
func cmdBLMove(x *Ctx) {
	from, ok := parseWhere(x, x.Args[3])
	if !ok {
		return
	}
	to, ok := parseWhere(x, x.Args[4])
	if !ok {
		return
	}
	timeout, ok := parseTimeout(x, x.Args[5])
	if !ok {
		return
	}
	blmove(x, from, to, timeout)
}

// cmdBRPopLPush runs BRPOPLPUSH source destination timeout.
func cmdBRPopLPush(x *Ctx) {
	timeout, ok := parseTimeout(x, x.Args[3])
	if !ok {
		return
	}
	blmove(x, false, true, timeout)
}

// blmove moves an element as LMOVE does when the source exists, or waits
// for the source to be pushed to. When served, a destination holding
// another kind of value gets the waiter a WRONGTYPE error and leaves the
// element in the source, as in Redis.
func blmove(x *Ctx, fromLeft, toLeft bool, timeout time.Duration) {
	src, dst := x.Args[1], x.Args[2]
	se, _, ok := listAt(x, src, false)
	if !ok {
		return
	}
	if se != nil {
		lmove(x, fromLeft, toLeft)
		return
	}
	if x.InMulti() {
		x.W.Null()
		return
	}
	dst = append([]byte(nil), dst...) // op runs in the pushing client's goroutine
	var got []byte
	var wrong bool
	op := func(sx *Ctx, key []byte) bool {
		e := sx.Txn.Lookup(key)
		if e == nil || e.Kind() != engine.KindList {
			return false
		}
		got, wrong = moveElement(sx, key, dst, e, fromLeft, toLeft)
		return true
	}
	switch x.Srv.block(x, [][]byte{src}, dst, timeout, op) {
	case blockServed:
		if wrong {
			x.ErrWrongType()
		} else {
			x.W.Bulk(got)
		}
	case blockTimedOut:
		x.W.Null()
	case blockUnblocked:
		x.Err(errUnblocked)
	}
}
