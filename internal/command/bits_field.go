package command

import (
	"math"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds BITFIELD and BITFIELD_RO: signed (i1..i64) and unsigned
// (u1..u63) integers stored big-endian at any bit offset of a string,
// read, written and incremented with WRAP, SAT or FAIL overflow handling.

// fieldOpcode is a BITFIELD operation.
type fieldOpcode uint8

const (
	fieldGet fieldOpcode = iota
	fieldSet
	fieldIncr
)

// overflowMode is the OVERFLOW behaviour of BITFIELD SET and INCRBY.
type overflowMode uint8

const (
	overflowWrap overflowMode = iota
	overflowSat
	overflowFail
)

// fieldOp is one parsed BITFIELD operation.
type fieldOp struct {
	offset uint64
	arg    int64 // the SET value or INCRBY increment
	op     fieldOpcode
	mode   overflowMode
	width  uint8
	signed bool
}

// cmdBitField is BITFIELD key [GET type offset] [SET type offset value]
// [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
func cmdBitField(x *Ctx) { bitField(x, false) }

// cmdBitFieldRO is BITFIELD_RO key [GET type offset] ...: BITFIELD
// restricted to GET.
func cmdBitFieldRO(x *Ctx) { bitField(x, true) }

// bitField runs BITFIELD, or BITFIELD_RO when readOnly: every operation
// is parsed and checked before any runs, as in Redis.
func bitField(x *Ctx, readOnly bool) {
	var stack [8]fieldOp
	ops, writes, highest, ok := parseFieldOps(x, stack[:0])
	if !ok {
		return
	}
	key := x.Args[1]
	if !writes {
		var src []byte
		if e := x.Txn.Get(key); e != nil {
			if e.Kind() != engine.KindString {
				x.ErrWrongType()
				return
			}
			src = e.Str
		}
		x.W.Array(len(ops))
		for i := range ops {
			x.W.Int(readField(src, &ops[i]))
		}
		return
	}
	if readOnly {
		x.Err(errBitfieldRO)
		return
	}
	t, ok := openBitTarget(x, key, highest)
	if !ok {
		return
	}
	x.W.Array(len(ops))
	changed := false
	for i := range ops {
		op := &ops[i]
		if op.op == fieldGet {
			x.W.Int(readField(t.buf, op))
			continue
		}
		old, stored, reply, ok := applyField(t.buf, op)
		if !ok {
			x.W.Null()
			continue
		}
		x.W.Int(reply)
		// As in Redis, a write counts as a change when it alters the
		// field or when the string was created or grew for it.
		changed = changed || old != stored || t.dirty
	}
	t.commit(x, key, changed)
	if changed {
		x.Notify('$', "setbit", key)
	}
}

// parseFieldOps parses the operations of BITFIELD from x.Args[2:] into
// ops. It reports whether any writes and the highest bit a write reaches;
// on error it replies and returns false.
func parseFieldOps(x *Ctx, ops []fieldOp) (_ []fieldOp, writes bool, highest uint64, ok bool) {
	mode := overflowWrap
	args := x.Args
	for j := 2; j < len(args); j++ {
		rest := len(args) - j - 1
		var code fieldOpcode
		switch sub := args[j]; {
		case eqFold(sub, "get") && rest >= 2:
			code = fieldGet
		case eqFold(sub, "set") && rest >= 3:
			code = fieldSet
		case eqFold(sub, "incrby") && rest >= 3:
			code = fieldIncr
		case eqFold(sub, "overflow") && rest >= 1:
			j++
			switch m := args[j]; {
			case eqFold(m, "wrap"):
				mode = overflowWrap
			case eqFold(m, "sat"):
				mode = overflowSat
			case eqFold(m, "fail"):
				mode = overflowFail
			default:
				x.Err(errBitOverflow)
				return nil, false, 0, false
			}
			continue
		default:
			x.Err(errSyntax)
			return nil, false, 0, false
		}
		signed, width, ok := fieldTypeArg(args[j+1])
		if !ok {
			x.Err(errBitfieldType)
			return nil, false, 0, false
		}
		off, ok := bitOffsetArg(x, args[j+2], int64(width))
		if !ok {
			return nil, false, 0, false
		}
		op := fieldOp{offset: off, op: code, mode: mode, width: width, signed: signed}
		if code != fieldGet {
			writes = true
			highest = max(highest, off+uint64(width)-1)
			if op.arg, ok = x.ArgInt(j + 3); !ok {
				return nil, false, 0, false
			}
			j++
		}
		ops = append(ops, op)
		j += 2
	}
	return ops, writes, highest, true
}

// fieldTypeArg parses a bitfield type: i1 to i64 or u1 to u63.
func fieldTypeArg(b []byte) (signed bool, width uint8, ok bool) {
	if len(b) < 2 || (b[0] != 'i' && b[0] != 'u') {
		return false, 0, false
	}
	signed = b[0] == 'i'
	n, ok := parseInt(b[1:])
	if !ok || n < 1 || n > 64 || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, uint8(n), true
}

// readField returns the field op addresses in src, which reads as padded
// with zero bytes; src may be nil.
func readField(src []byte, op *fieldOp) int64 {
	u := getBits(src, op.offset, op.width)
	if op.signed {
		return signExtend(u, op.width)
	}
	return int64(u)
}

// applyField runs a SET or INCRBY op on buf, which reaches the field. It
// returns the field's value before and after (as stored bits) and the
// reply: the old value for SET, the new one for INCRBY. ok is false when
// the value overflows under OVERFLOW FAIL; nothing is written then.
func applyField(buf []byte, op *fieldOp) (old, stored uint64, reply int64, ok bool) {
	old = getBits(buf, op.offset, op.width)
	var val int64
	var over bool
	if op.signed {
		cur := signExtend(old, op.width)
		if op.op == fieldIncr {
			val, over = signedOverflow(cur, op.arg, op.width, op.mode)
			reply = val
		} else {
			val, over = signedOverflow(op.arg, 0, op.width, op.mode)
			reply = cur
		}
	} else {
		var u uint64
		if op.op == fieldIncr {
			u, over = unsignedOverflow(old, op.arg, op.width, op.mode)
			reply = int64(u)
		} else {
			u, over = unsignedOverflow(uint64(op.arg), 0, op.width, op.mode)
			reply = int64(old)
		}
		val = int64(u)
	}
	if over && op.mode == overflowFail {
		return old, old, 0, false
	}
	stored = uint64(val) & widthMask(op.width)
	setBits(buf, op.offset, op.width, stored)
	return old, stored, reply, true
}

// widthMask returns a mask of the low width bits.
func widthMask(width uint8) uint64 {
	if width == 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// signExtend interprets the low width bits of u as a two's complement
// integer.
func signExtend(u uint64, width uint8) int64 {
	shift := 64 - width
	return int64(u<<shift) >> shift
}

// unsignedOverflow adds incr to value, an unsigned field of width bits
// (value may exceed the width for SET). It returns the result under mode
// (wrapped, or saturated; unchanged sum for FAIL) and whether it
// overflowed or underflowed, as Redis's checkUnsignedBitfieldOverflow.
func unsignedOverflow(value uint64, incr int64, width uint8, mode overflowMode) (uint64, bool) {
	limit := widthMask(width)
	switch {
	case value > limit || (incr > 0 && uint64(incr) > limit-value):
		if mode == overflowSat {
			return limit, true
		}
	case incr < 0 && uint64(-incr) > value:
		// -incr wraps for math.MinInt64 and is then exactly 1<<63, still
		// larger than any value of at most 63 bits.
		if mode == overflowSat {
			return 0, true
		}
	default:
		return value + uint64(incr), false
	}
	return (value + uint64(incr)) & limit, true
}

// signedOverflow adds incr to value as a signed field of width bits. It
// returns the result under mode (wrapped to the width, or saturated) and
// whether it overflowed, as Redis's checkSignedBitfieldOverflow, whose
// tests it follows to the letter: they wrap in 64 bits, so a SET of a value
// below the minimum by more than MaxInt64 saturates to the maximum.
func signedOverflow(value, incr int64, width uint8, mode overflowMode) (int64, bool) {
	hi := int64(math.MaxInt64)
	if width < 64 {
		hi = 1<<(width-1) - 1
	}
	lo := -hi - 1
	maxIncr := int64(uint64(hi) - uint64(value)) // may wrap, as in Redis
	minIncr := lo - value                        // may wrap, as in Redis
	switch {
	case value > hi || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		if mode == overflowSat {
			return hi, true
		}
	case value < lo || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		if mode == overflowSat {
			return lo, true
		}
	default:
		return value + incr, false
	}
	return signExtend(uint64(value+incr), width), true
}

// getBits reads width bits (at most 64) at bit offset off of p, big-endian
// with bit 0 the most significant of p[0]; bits past the end of p read as
// zero.
func getBits(p []byte, off uint64, width uint8) uint64 {
	// Load the up to 9 bytes covering the field into a 128-bit window.
	first := off >> 3
	var hi, lo uint64 // window bytes 0-7 and byte 8 (in lo's top byte)
	for i := uint64(0); i < 9; i++ {
		var b uint64
		if first+i < uint64(len(p)) {
			b = uint64(p[first+i])
		}
		if i < 8 {
			hi |= b << (56 - 8*i)
		} else {
			lo = b << 56
		}
	}
	s := off & 7
	v := hi << s
	if s > 0 {
		v |= lo >> (64 - s)
	}
	return v >> (64 - uint64(width))
}

// setBits writes the low width bits of v at bit offset off of p, which is
// long enough to hold them.
func setBits(p []byte, off uint64, width uint8, v uint64) {
	for j := uint64(0); j < uint64(width); j++ {
		pos := off + j
		mask := byte(0x80) >> (pos & 7)
		if v>>(uint64(width)-1-j)&1 != 0 {
			p[pos>>3] |= mask
		} else {
			p[pos>>3] &^= mask
		}
	}
}
