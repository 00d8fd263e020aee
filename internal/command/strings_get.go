package command

import "github.com/larderdb/larder/internal/engine"

func cmdGet(x *Ctx) {
	e := x.Txn.Get(x.Args[1])
	switch {
	case e == nil:
		x.W.Null()
	case e.Kind() != engine.KindString:
		x.ErrWrongType()
	default:
		x.W.Bulk(e.Str)
	}
}

func cmdGetSet(x *Ctx) {
	if _, ok := getGeneric(x, x.Args[1]); ok {
		x.Txn.SetString(x.Args[1], x.Args[2], 0)
		x.Notify('$', "set", x.Args[1])
	}
}

func cmdGetDel(x *Ctx) {
	if e, ok := getGeneric(x, x.Args[1]); ok && e != nil {
		x.Txn.Delete(x.Args[1])
		x.Notify('g', "del", x.Args[1])
	}
}

// cmdGetEX is GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]. As
// in Redis, option syntax is checked before the lookup and the expire value
// after it; an absolute time already past deletes the key once its value
// has been replied.
func cmdGetEX(x *Ctx) {
	f, expire, ok := parseStrOpts(x, 2, false)
	if !ok {
		return
	}
	key := x.Args[1]
	e := x.Txn.Get(key)
	if e == nil {
		x.W.Null()
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	var at int64
	if expire != nil {
		if at, ok = expireAt(x, expire, f); !ok {
			return
		}
	}
	x.W.Bulk(e.Str)
	switch {
	case f&(optEXAT|optPXAT) != 0 && at <= x.Now:
		x.Txn.Delete(key)
		x.Notify('g', "del", key)
	case expire != nil:
		x.Txn.SetExpire(key, e, at)
		x.Notify('g', "expire", key)
	case f&optPersist != 0 && e.ExpireAt() != 0:
		x.Txn.SetExpire(key, e, 0)
		x.Notify('g', "persist", key)
	}
}

func cmdMGet(x *Ctx) {
	keys := x.Args[1:]
	x.W.Array(len(keys))
	for _, k := range keys {
		e := x.Txn.Get(k)
		if e == nil || e.Kind() != engine.KindString {
			x.W.Null()
		} else {
			x.W.Bulk(e.Str)
		}
	}
}

func cmdStrlen(x *Ctx) {
	e := x.Txn.Get(x.Args[1])
	switch {
	case e == nil:
		x.W.Int(0)
	case e.Kind() != engine.KindString:
		x.ErrWrongType()
	default:
		x.W.Int(int64(len(e.Str)))
	}
}
