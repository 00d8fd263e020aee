package command

import (
	"math"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds the bitmap commands' table, SETBIT and GETBIT, and the
// helpers shared by the commands that address bits of a string: offset
// parsing and the lookup that creates or zero-pads the string to reach a
// bit. Bit 0 is the most significant bit of the first byte, as in Redis.

// bitCommands are the commands that treat string values as bitmaps.
var bitCommands = []*Command{
	bitCmd("setbit", 4, FlagWrite|FlagDenyOOM, 1, 1, "2.2.0", "O(1)",
		"Sets or clears the bit at an offset of a string value, creating the key when needed.", cmdSetBit),
	bitCmd("getbit", 3, FlagReadOnly|FlagFast, 1, 1, "2.2.0", "O(1)",
		"Returns the bit value at an offset of a string value.", cmdGetBit),
	bitCmd("bitcount", -2, FlagReadOnly, 1, 1, "2.6.0", "O(N)",
		"Counts the set bits of a string value, optionally within a byte or bit range.", cmdBitCount),
	bitCmd("bitpos", -3, FlagReadOnly, 1, 1, "2.8.7", "O(N)",
		"Finds the first set or clear bit of a string value, optionally within a byte or bit range.", cmdBitPos),
	bitCmd("bitop", -4, FlagWrite|FlagDenyOOM, 2, -1, "2.6.0", "O(N)",
		"Combines string values bitwise (AND, OR, XOR, NOT) and stores the result in a key.", cmdBitOp),
	bitCmd("bitfield", -2, FlagWrite|FlagDenyOOM, 1, 1, "3.2.0", "O(1) for each subcommand specified",
		"Reads, writes and increments integer fields of any width at any bit offset of a string value.", cmdBitField),
	bitCmd("bitfield_ro", -2, FlagReadOnly|FlagFast, 1, 1, "6.0.0", "O(1) for each subcommand specified",
		"Reads integer fields of any width at any bit offset of a string value (read-only BITFIELD).", cmdBitFieldRO),
}

// bitCmd builds a command of the bitmap group, deriving its ACL categories
// from its flags as Redis does (read or write, bitmap, fast or slow).
func bitCmd(name string, arity int, flags Flag, first, last int, since, complexity, summary string, h func(*Ctx)) *Command {
	c := strCmd(name, arity, flags, first, last, 1, since, complexity, summary, h)
	c.Group = "bitmap"
	for i, cat := range c.ACL {
		if cat == "string" {
			c.ACL[i] = "bitmap"
		}
	}
	return c
}

// Error replies of the bitmap commands, worded as Redis 7.0's bitops.c.
const (
	errBitOffset    = "ERR bit offset is not an integer or out of range"
	errBitValue     = "ERR bit is not an integer or out of range"
	errBitArg       = "ERR The bit argument must be 1 or 0."
	errBitOpNot     = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitOverflow  = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO   = "ERR BITFIELD_RO only supports the GET subcommand"
)

// bitOffsetArg parses arg as a bit offset, as Redis's
// getBitOffsetFromArgument: a non-negative integer whose byte lies within
// proto-max-bulk-len. When width > 0 the form "#n" is accepted too and
// means n*width (BITFIELD). On error it replies and returns false.
func bitOffsetArg(x *Ctx, arg []byte, width int64) (uint64, bool) {
	hash := width > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if ok && hash {
		if n > math.MaxInt64/width || n < math.MinInt64/width {
			ok = false
		} else {
			n *= width
		}
	}
	if !ok || n < 0 || n>>3 >= x.Srv.hot.maxBulkLen.Load() {
		x.Err(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

// bitTarget is the string a bit-writing command (SETBIT, BITFIELD) works
// on, long enough to address its highest bit. For a new key buf is a fresh
// zeroed slice stored by commit; for an existing one it is the entry's own
// buffer, already grown in place.
type bitTarget struct {
	e     *engine.Entry // nil when the key is new
	buf   []byte
	dirty bool // the key is new or its string grew
}

// openBitTarget looks key up for a write and makes its string at least
// maxbit/8+1 bytes long, as Redis's lookupStringForBitCommand. It replies
// WRONGTYPE and returns false when key holds another kind of value.
func openBitTarget(x *Ctx, key []byte, maxbit uint64) (bitTarget, bool) {
	need := int(maxbit>>3) + 1
	e := x.Txn.Lookup(key)
	if e == nil {
		return bitTarget{buf: make([]byte, need), dirty: true}, true
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return bitTarget{}, false
	}
	t := bitTarget{e: e}
	if need > len(e.Str) {
		e.Str = growZero(e.Str, need)
		t.dirty = true
	}
	t.buf = e.Str
	return t, true
}

// commit stores a new key's string, or re-accounts an existing one when
// it grew or changed. A new key is stored even when nothing changed, as
// Redis creates it before running the command.
func (t *bitTarget) commit(x *Ctx, key []byte, changed bool) {
	if t.e == nil {
		x.Txn.SetString(key, t.buf, 0)
		return
	}
	if t.dirty || changed {
		x.Txn.Changed(key, t.e)
	}
}

// cmdSetBit is SETBIT key offset value: it sets or clears one bit,
// creating or zero-padding the string, and replies with the bit's old
// value.
func cmdSetBit(x *Ctx) {
	off, ok := bitOffsetArg(x, x.Args[2], 0)
	if !ok {
		return
	}
	on, ok := parseInt(x.Args[3])
	if !ok || on&^1 != 0 {
		x.Err(errBitValue)
		return
	}
	key := x.Args[1]
	t, ok := openBitTarget(x, key, off)
	if !ok {
		return
	}
	byteIdx, mask := off>>3, byte(0x80)>>(off&7)
	old := t.buf[byteIdx]&mask != 0
	changed := old != (on == 1)
	if changed {
		t.buf[byteIdx] ^= mask
	}
	t.commit(x, key, changed)
	if changed || t.dirty {
		x.Notify('$', "setbit", key)
	}
	if old {
		x.W.Int(1)
	} else {
		x.W.Int(0)
	}
}

// cmdGetBit is GETBIT key offset: the bit's value, 0 past the end of the
// string or for a missing key.
func cmdGetBit(x *Ctx) {
	off, ok := bitOffsetArg(x, x.Args[2], 0)
	if !ok {
		return
	}
	e := x.Txn.Get(x.Args[1])
	if e == nil {
		x.W.Int(0)
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	if i := off >> 3; i < uint64(len(e.Str)) && e.Str[i]&(0x80>>(off&7)) != 0 {
		x.W.Int(1)
		return
	}
	x.W.Int(0)
}
