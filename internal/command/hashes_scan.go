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
	count, pat, ok := collScanOptions(x)
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

// collScanOptions parses the [MATCH pattern] [COUNT count] options of
// HSCAN, SSCAN and ZSCAN from Args[3:]. A "*" pattern is returned as nil.
// On error it replies and returns false.
func collScanOptions(x *Ctx) (count int, pat []byte, ok bool) {
	count = 10
	for i := 3; i < len(x.Args); i += 2 {
		a := x.Args[i]
		more := i+1 < len(x.Args)
		switch {
		case eqFold(a, "count") && more:
			n, ok := x.ArgInt(i + 1)
			if !ok {
				return 0, nil, false
			}
			if n < 1 {
				x.Err(errSyntax)
				return 0, nil, false
			}
			count = int(min(n, 1<<30))
		case eqFold(a, "match") && more:
			pat = x.Args[i+1]
			if len(pat) == 1 && pat[0] == '*' {
				pat = nil
			}
		default:
			x.Err(errSyntax)
			return 0, nil, false
		}
	}
	return count, pat, true
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
