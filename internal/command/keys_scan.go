package command

import (
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/glob"
)

// This file holds the commands on the keyspace as a whole: KEYS, SCAN,
// RANDOMKEY, DBSIZE, FLUSHDB and FLUSHALL. They have no key positions, so
// Dispatch locks nothing and they call the DB methods, which lock shard by
// shard; inside EXEC, which holds every shard, the Ctx helpers of multi.go
// use the Txn instead.

// keysBatch is the number of keys KEYS asks DB.Scan for at a time, which
// bounds how long one shard stays locked.
const keysBatch = 1024

// cmdKeys lists the live keys matching the pattern. A lone "*" matches
// every key, the empty key included, as in Redis.
func cmdKeys(x *Ctx) {
	pat := x.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	var (
		batch  []engine.KeyInfo
		keys   [][]byte
		cursor uint64
	)
	for {
		batch, cursor = x.scanKeys(cursor, keysBatch, batch[:0])
		for _, k := range batch {
			if all || glob.Match(pat, k.Key, false) {
				keys = append(keys, k.Key)
			}
		}
		if cursor == 0 {
			break
		}
	}
	x.W.Array(len(keys))
	for _, k := range keys {
		x.W.Bulk(k)
	}
}

// cmdScan implements SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
// The cursor is the engine's: the slot the next call starts at.
func cmdScan(x *Ctx) {
	cursor, ok := parseScanCursor(x.Args[1])
	if !ok {
		x.Err("ERR invalid cursor")
		return
	}
	n, pat, typ, ok := scanOptions(x, 2, true)
	if !ok {
		return
	}
	count := int64(n)
	count = min(count, engine.NumSlots*keysBatch) // any larger count scans everything anyway
	found, next := x.scanKeys(cursor, int(count), nil)
	keys := found[:0]
	for _, k := range found {
		if pat != nil && !glob.Match(pat, k.Key, false) {
			continue
		}
		if typ != nil && !eqFold(typ, k.Kind.String()) {
			continue
		}
		keys = append(keys, k)
	}
	x.W.Array(2)
	x.W.BulkInt(int64(next)) // below NumSlots
	x.W.Array(len(keys))
	for _, k := range keys {
		x.W.Bulk(k.Key)
	}
}

// parseScanCursor parses a cursor as Redis's strtoul-based check does: no
// leading space, an optional sign, decimal digits to the end, no overflow.
// The empty string is cursor 0; a negative number wraps around, as in C.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i = 1
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

func cmdRandomKey(x *Ctx) {
	k, ok := x.randomKey()
	if !ok {
		x.W.Null()
		return
	}
	x.W.Bulk(k)
}

// cmdDBSize counts the keys, including expired keys not yet reclaimed, as
// Redis does.
func cmdDBSize(x *Ctx) { x.W.Int(int64(x.Srv.db.Len())) }

// cmdFlush implements FLUSHDB and FLUSHALL [ASYNC|SYNC]: with one database
// they do the same.
func cmdFlush(x *Ctx) {
	var async bool
	switch {
	case len(x.Args) == 1:
		async = x.Srv.cfg.Bool("lazyfree-lazy-user-flush")
	case len(x.Args) == 2 && eqFold(x.Args[1], "sync"):
	case len(x.Args) == 2 && eqFold(x.Args[1], "async"):
		async = true
	default:
		x.Err(errSyntax)
		return
	}
	x.flushKeys(async)
	x.OK()
}
