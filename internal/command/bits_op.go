package command

import (
	"encoding/binary"

	"github.com/larderdb/larder/internal/engine"
)

// bitOpKind is the operation of BITOP.
type bitOpKind uint8

const (
	bitAnd bitOpKind = iota
	bitOr
	bitXor
	bitNot
)

// cmdBitOp is BITOP AND|OR|XOR|NOT destkey key [key ...]: it combines the
// source strings, shorter ones padded with zero bytes and missing keys
// read as empty, stores the result in destkey (deleting it when the result
// is empty) and replies with the result's length.
func cmdBitOp(x *Ctx) {
	var op bitOpKind
	switch name := x.Args[1]; {
	case eqFold(name, "and"):
		op = bitAnd
	case eqFold(name, "or"):
		op = bitOr
	case eqFold(name, "xor"):
		op = bitXor
	case eqFold(name, "not"):
		op = bitNot
	default:
		x.Err(errSyntax)
		return
	}
	if op == bitNot && len(x.Args) != 4 {
		x.Err(errBitOpNot)
		return
	}
	var stack [8][]byte
	srcs := stack[:0]
	maxLen := 0
	for _, k := range x.Args[3:] {
		e := x.Txn.Get(k)
		if e == nil {
			srcs = append(srcs, nil)
			continue
		}
		if e.Kind() != engine.KindString {
			x.ErrWrongType()
			return
		}
		srcs = append(srcs, e.Str)
		maxLen = max(maxLen, len(e.Str))
	}
	dest := x.Args[2]
	if maxLen == 0 {
		if x.Txn.Delete(dest) {
			x.Notify('g', "del", dest)
		}
		x.W.Int(0)
		return
	}
	res := make([]byte, maxLen)
	combineBits(res, srcs, op)
	x.Txn.SetString(dest, res, 0)
	x.Notify('$', "set", dest)
	x.W.Int(int64(maxLen))
}

// combineBits computes op over srcs into res, which is as long as the
// longest source and zeroed; shorter sources count as padded with zeros.
func combineBits(res []byte, srcs [][]byte, op bitOpKind) {
	copy(res, srcs[0])
	if op == bitNot {
		notBytes(res)
		return
	}
	for _, s := range srcs[1:] {
		switch op {
		case bitAnd:
			andBytes(res[:len(s)], s)
			clear(res[len(s):])
		case bitOr:
			orBytes(res, s)
		case bitXor:
			xorBytes(res, s)
		}
	}
}

// notBytes inverts every bit of d.
func notBytes(d []byte) {
	for len(d) >= 8 {
		binary.LittleEndian.PutUint64(d, ^binary.LittleEndian.Uint64(d))
		d = d[8:]
	}
	for i := range d {
		d[i] = ^d[i]
	}
}

// andBytes sets d to d AND s, over len(s) bytes; len(d) >= len(s).
func andBytes(d, s []byte) {
	for len(s) >= 8 {
		binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(d)&binary.LittleEndian.Uint64(s))
		d, s = d[8:], s[8:]
	}
	for i := range s {
		d[i] &= s[i]
	}
}

// orBytes sets d to d OR s, over len(s) bytes; len(d) >= len(s).
func orBytes(d, s []byte) {
	for len(s) >= 8 {
		binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(d)|binary.LittleEndian.Uint64(s))
		d, s = d[8:], s[8:]
	}
	for i := range s {
		d[i] |= s[i]
	}
}

// xorBytes sets d to d XOR s, over len(s) bytes; len(d) >= len(s).
func xorBytes(d, s []byte) {
	for len(s) >= 8 {
		binary.LittleEndian.PutUint64(d, binary.LittleEndian.Uint64(d)^binary.LittleEndian.Uint64(s))
		d, s = d[8:], s[8:]
	}
	for i := range s {
		d[i] ^= s[i]
	}
}
