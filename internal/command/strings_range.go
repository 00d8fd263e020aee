package command

import "github.com/larderdb/larder/internal/engine"

// errStringTooBig is Redis's reply to a string that would outgrow
// proto-max-bulk-len.
const errStringTooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

// checkStringLength reports whether a string of size bytes may grow by add
// bytes within proto-max-bulk-len, replying with Redis's error if not.
func checkStringLength(x *Ctx, size, add int64) bool {
	total := int64(uint64(size) + uint64(add))
	if total > x.Srv.hot.maxBulkLen.Load() || total < size || total < add {
		x.Err(errStringTooBig)
		return false
	}
	return true
}

func cmdAppend(x *Ctx) {
	key, val := x.Args[1], x.Args[2]
	e := x.Txn.Lookup(key)
	if e == nil {
		x.Txn.SetString(key, val, 0)
		x.Notify('$', "append", key)
		x.W.Int(int64(len(val)))
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	if !checkStringLength(x, int64(len(e.Str)), int64(len(val))) {
		return
	}
	e.Str = append(e.Str, val...)
	x.Txn.Changed(key, e)
	x.Notify('$', "append", key)
	x.W.Int(int64(len(e.Str)))
}

// cmdGetRange is GETRANGE (and SUBSTR) key start end: negative offsets
// count from the end, and the range is clipped to the string.
func cmdGetRange(x *Ctx) {
	start, ok := x.ArgInt(2)
	if !ok {
		return
	}
	end, ok := x.ArgInt(3)
	if !ok {
		return
	}
	e := x.Txn.Get(x.Args[1])
	if e == nil {
		x.W.Bulk(nil)
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	s := e.Str
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		x.W.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		x.W.Bulk(nil)
		return
	}
	x.W.Bulk(s[start : end+1])
}

// cmdSetRange is SETRANGE key offset value: it overwrites the string from
// offset, padding with zero bytes, and replies with the new length.
func cmdSetRange(x *Ctx) {
	offset, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if offset < 0 {
		x.Err("ERR offset is out of range")
		return
	}
	key, val := x.Args[1], x.Args[3]
	e := x.Txn.Lookup(key)
	if e == nil {
		if len(val) == 0 {
			x.W.Int(0)
			return
		}
		if !checkStringLength(x, offset, int64(len(val))) {
			return
		}
		buf := make([]byte, offset+int64(len(val)))
		copy(buf[offset:], val)
		e = x.Txn.SetString(key, buf, 0)
		x.Notify('$', "setrange", key)
		x.W.Int(int64(len(e.Str)))
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	if len(val) == 0 {
		x.W.Int(int64(len(e.Str)))
		return
	}
	if !checkStringLength(x, offset, int64(len(val))) {
		return
	}
	if need := int(offset) + len(val); need > len(e.Str) {
		e.Str = growZero(e.Str, need)
	}
	copy(e.Str[offset:], val)
	x.Txn.Changed(key, e)
	x.Notify('$', "setrange", key)
	x.W.Int(int64(len(e.Str)))
}

// growZero extends b to n bytes with zeros, keeping its content.
func growZero(b []byte, n int) []byte {
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	return append(b, make([]byte, n-len(b))...)
}
