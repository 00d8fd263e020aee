package command

import (
	"bytes"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/list"
)

// parseWhere parses LEFT or RIGHT (left reports LEFT); on anything else it
// replies with a syntax error.
func parseWhere(x *Ctx, b []byte) (left, ok bool) {
	switch {
	case eqFold(b, "left"):
		return true, true
	case eqFold(b, "right"):
		return false, true
	}
	x.Err(errSyntax)
	return false, false
}

// moveElement pops an element from an end of src's list se (non-empty) and
// pushes it to an end of dst, creating dst when needed, with Redis's
// notifications. It returns a copy of the element, or wrong when dst holds
// another kind of value (nothing is changed then).
func moveElement(x *Ctx, src, dst []byte, se *engine.Entry, fromLeft, toLeft bool) (v []byte, wrong bool) {
	sl := se.Obj.(*list.List)
	de := x.Txn.Lookup(dst)
	if de != nil && de.Kind() != engine.KindList {
		return nil, true
	}
	if fromLeft {
		v = append([]byte(nil), sl.Front()...)
		sl.RemoveFront()
	} else {
		v = append([]byte(nil), sl.Back()...)
		sl.RemoveBack()
	}
	same := bytes.Equal(src, dst)
	if same {
		// The list is its own destination: it keeps its length.
		if toLeft {
			sl.PushFront(v)
		} else {
			sl.PushBack(v)
		}
	} else {
		pushTo(x, dst, de, toLeft, v)
	}
	if toLeft {
		x.Notify('l', "lpush", dst)
	} else {
		x.Notify('l', "rpush", dst)
	}
	if fromLeft {
		x.Notify('l', "lpop", src)
	} else {
		x.Notify('l', "rpop", src)
	}
	listChanged(x, src, se, sl)
	return v, false
}

// lmove runs the non-blocking move of LMOVE, RPOPLPUSH and of BLMOVE when
// the source has elements.
func lmove(x *Ctx, fromLeft, toLeft bool) {
	src, dst := x.Args[1], x.Args[2]
	se, _, ok := listAt(x, src, false)
	if !ok {
		return
	}
	if se == nil {
		x.W.Null()
		return
	}
	v, wrong := moveElement(x, src, dst, se, fromLeft, toLeft)
	if wrong {
		x.ErrWrongType()
		return
	}
	x.W.Bulk(v)
}

// cmdLMove runs LMOVE source destination LEFT|RIGHT LEFT|RIGHT.
func cmdLMove(x *Ctx) {
	from, ok := parseWhere(x, x.Args[3])
	if !ok {
		return
	}
	to, ok := parseWhere(x, x.Args[4])
	if !ok {
		return
	}
	lmove(x, from, to)
}

// cmdRPopLPush runs RPOPLPUSH source destination.
func cmdRPopLPush(x *Ctx) { lmove(x, false, true) }

// mpopArgs are the parsed arguments of LMPOP and BLMPOP.
type mpopArgs struct {
	keys  [][]byte
	left  bool
	count int64
}

// parseMPop parses numkeys key [key ...] LEFT|RIGHT [COUNT count] starting
// at argument i; on an error it replies and returns ok false.
func parseMPop(x *Ctx, i int) (a mpopArgs, ok bool) {
	args := x.Args
	n, okN := parseInt(args[i])
	if !okN || n <= 0 {
		x.Err("ERR numkeys should be greater than 0")
		return a, false
	}
	if n >= int64(len(args)) || int64(i)+n+1 >= int64(len(args)) {
		x.Err(errSyntax)
		return a, false
	}
	where := i + int(n) + 1
	a.keys = args[i+1 : where]
	if a.left, ok = parseWhere(x, args[where]); !ok {
		return a, false
	}
	a.count = -1
	for j := where + 1; j < len(args); j++ {
		if a.count == -1 && eqFold(args[j], "count") && j+1 < len(args) {
			j++
			c, okC := parseInt(args[j])
			if !okC || c <= 0 {
				x.Err("ERR count should be greater than 0")
				return a, false
			}
			a.count = c
			continue
		}
		x.Err(errSyntax)
		return a, false
	}
	if a.count == -1 {
		a.count = 1
	}
	return a, true
}

// mpopFirst pops up to a.count elements from the first non-empty list of
// a.keys and replies [key, [elements]]. It reports whether it found one;
// on a key of another kind it replies WRONGTYPE and reports true.
func mpopFirst(x *Ctx, a mpopArgs) bool {
	for _, key := range a.keys {
		e, l, ok := listAt(x, key, false)
		if !ok {
			return true
		}
		if e == nil {
			continue
		}
		x.W.Array(2)
		x.W.Bulk(key)
		replyPopRange(x, l, a.left, int(min(a.count, int64(l.Len()))))
		if a.left {
			x.Notify('l', "lpop", key)
		} else {
			x.Notify('l', "rpop", key)
		}
		listChanged(x, key, e, l)
		return true
	}
	return false
}

// cmdLMPop runs LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count].
func cmdLMPop(x *Ctx) {
	a, ok := parseMPop(x, 1)
	if !ok {
		return
	}
	if !mpopFirst(x, a) {
		x.W.NullArray()
	}
}
