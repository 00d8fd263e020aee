package command

import (
	"bytes"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds the commands that give a value another name: RENAME,
// RENAMENX and COPY, and the database-moving commands MOVE and SWAPDB,
// which only report errors since Larder serves database 0 alone.

func cmdRename(x *Ctx)   { renameKey(x, false) }
func cmdRenameNX(x *Ctx) { renameKey(x, true) }

// renameKey moves the value and TTL of Args[1] to Args[2]. Renaming a key
// onto itself succeeds without change when the key exists (RENAMENX then
// replies 0), as in Redis 7.
func renameKey(x *Ctx, nx bool) {
	src, dst := x.Args[1], x.Args[2]
	e := x.Txn.Lookup(src)
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			x.W.Int(0)
		} else {
			x.OK()
		}
		return
	}
	if nx && x.Txn.Lookup(dst) != nil {
		x.W.Int(0)
		return
	}
	if e.Kind() == engine.KindString {
		x.Txn.SetString(dst, e.Str, e.ExpireAt())
	} else {
		x.Txn.SetObject(dst, e.Obj, e.ExpireAt())
		x.KeyReady(dst) // clients blocked on dst may pop from it now
	}
	x.Txn.Delete(src)
	x.Notify('g', "rename_from", src)
	x.Notify('g', "rename_to", dst)
	if nx {
		x.W.Int(1)
	} else {
		x.OK()
	}
}

// cmdCopy implements COPY source destination [DB 0] [REPLACE].
func cmdCopy(x *Ctx) {
	replace := false
	for j := 3; j < len(x.Args); j++ {
		switch a := x.Args[j]; {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "db") && j+1 < len(x.Args):
			db, ok := argDBIndex(x, j+1, "")
			if !ok {
				return
			}
			if db != 0 {
				x.Err(errKeysDBRange)
				return
			}
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	src, dst := x.Args[1], x.Args[2]
	if bytes.Equal(src, dst) {
		x.Err(errKeysSameObject)
		return
	}
	e := x.Txn.Get(src)
	if e == nil {
		x.W.Int(0)
		return
	}
	if !replace && x.Txn.Lookup(dst) != nil {
		x.W.Int(0)
		return
	}
	if e.Kind() == engine.KindString {
		x.Txn.SetString(dst, e.Str, e.ExpireAt()) // SetString copies the bytes
	} else {
		c, ok := e.Obj.(keysCopyable)
		if !ok {
			// TODO: every collection type should implement keysCopyable.
			x.Err("ERR COPY of this type is not supported yet")
			return
		}
		x.Txn.SetObject(dst, c.Copy(), e.ExpireAt())
		x.KeyReady(dst) // clients blocked on dst may pop from it now
	}
	x.Notify('g', "copy_to", dst)
	x.W.Int(1)
}

// cmdMove implements MOVE key db: with database 0 alone, any other index is
// out of range and 0 is the source itself.
func cmdMove(x *Ctx) {
	if x.Srv.cfg.Bool("cluster-enabled") {
		x.Err("ERR MOVE is not allowed in cluster mode")
		return
	}
	db, ok := argDBIndex(x, 2, "")
	if !ok {
		return
	}
	if db != 0 {
		x.Err(errKeysDBRange)
		return
	}
	x.Err(errKeysSameObject)
}

// cmdSwapDB implements SWAPDB db1 db2: swapping database 0 with itself is
// the only valid request, and changes nothing.
func cmdSwapDB(x *Ctx) {
	if x.Srv.cfg.Bool("cluster-enabled") {
		x.Err("ERR SWAPDB is not allowed in cluster mode")
		return
	}
	a, ok := argDBIndex(x, 1, "ERR invalid first DB index")
	if !ok {
		return
	}
	b, ok := argDBIndex(x, 2, "ERR invalid second DB index")
	if !ok {
		return
	}
	if a != 0 || b != 0 {
		x.Err(errKeysDBRange)
		return
	}
	x.OK()
}
