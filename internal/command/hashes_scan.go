package command

import (
	"strconv"

	"github.com/larderdb/larder/internal/glob"
)

// This file holds HSCAN and the option parsing and reply that SSCAN shares
// with it.

// cmdHScan implements HSCAN key cursor [MATCH pattern] [COUNT count].
func cmdHScan(x *Ctx) {
	cursor, ok := parseScanCursor(x.Args[2])
	if !ok {
		x.Err("ERR invalid cursor")
		return
	}
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if h == nil {
		collScanReply(x, 0, nil)
		return
	}
	count, pat, _, ok := scanOptions(x, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	next := h.Scan(cursor, count, func(f, v []byte) {
		if pat == nil || glob.Match(pat, f, false) {
			items = append(items, f, v)
		}
	})
	collScanReply(x, next, items)
}

// collScanReply writes a scan reply: the next cursor and the items.
func collScanReply(x *Ctx, next uint64, items [][]byte) {
	x.W.Array(2)
	x.W.BulkString(strconv.FormatUint(next, 10))
	x.W.Array(len(items))
	for _, it := range items {
		x.W.Bulk(it)
	}
}
