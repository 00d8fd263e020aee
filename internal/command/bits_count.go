package command

import (
	"encoding/binary"
	"math/bits"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds BITCOUNT and BITPOS: both take an optional range of
// bytes, or of bits with the BIT option, with negative indexes counting
// from the end of the string.

// bitRange converts the range [start, end] of a string of n bytes, in
// bytes or (isBit) in bits, into an inclusive range of bit positions
// [lo, hi], clipped to the string as Redis clips it. empty reports a range
// holding no bit.
func bitRange(start, end, n int64, isBit bool) (lo, hi int64, empty bool) {
	total := n
	if isBit {
		total = n << 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if start > end {
		return 0, 0, true
	}
	if isBit {
		return start, end, false
	}
	return start << 3, end<<3 | 7, false
}

// unitArg parses the BYTE|BIT option; on a syntax error it replies and
// returns false.
func unitArg(x *Ctx, arg []byte) (isBit, ok bool) {
	switch {
	case eqFold(arg, "bit"):
		return true, true
	case eqFold(arg, "byte"):
		return false, true
	}
	x.Err(errSyntax)
	return false, false
}

// cmdBitCount is BITCOUNT key [start end [BYTE|BIT]].
func cmdBitCount(x *Ctx) {
	e := x.Txn.Get(x.Args[1])
	if e == nil {
		x.W.Int(0)
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	p := e.Str
	switch len(x.Args) {
	case 2:
		x.W.Int(popcount(p))
		return
	case 4, 5:
	default:
		x.Err(errSyntax)
		return
	}
	start, ok := x.ArgInt(2)
	if !ok {
		return
	}
	end, ok := x.ArgInt(3)
	if !ok {
		return
	}
	if start < 0 && end < 0 && start > end {
		x.W.Int(0)
		return
	}
	isBit := false
	if len(x.Args) == 5 {
		if isBit, ok = unitArg(x, x.Args[4]); !ok {
			return
		}
	}
	lo, hi, empty := bitRange(start, end, int64(len(p)), isBit)
	if empty {
		x.W.Int(0)
		return
	}
	x.W.Int(countBits(p, lo, hi))
}

// countBits counts the set bits of p at positions lo to hi inclusive.
func countBits(p []byte, lo, hi int64) int64 {
	first, last := lo>>3, hi>>3
	n := popcount(p[first : last+1])
	n -= int64(bits.OnesCount8(p[first] & ^(0xff >> byte(lo&7))))
	n -= int64(bits.OnesCount8(p[last] & (0x7f >> byte(hi&7))))
	return n
}

// popcount counts the set bits of p.
func popcount(p []byte) int64 {
	var n int
	for len(p) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(p[24:]))
		p = p[32:]
	}
	for len(p) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for _, b := range p {
		n += bits.OnesCount8(b)
	}
	return int64(n)
}

// cmdBitPos is BITPOS key bit [start [end [BYTE|BIT]]]: the position of
// the first bit equal to bit within the range. A missing key is all
// zeros. Without an explicit end the string counts as padded with zeros
// on the right, so a search for 0 finds the bit after its end; with an
// end, or for a 1, nothing found is -1.
func cmdBitPos(x *Ctx) {
	bit, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		x.Err(errBitArg)
		return
	}
	e := x.Txn.Get(x.Args[1])
	if e == nil {
		x.W.Int(-bit) // 0 for a clear bit, -1 for a set one
		return
	}
	if e.Kind() != engine.KindString {
		x.ErrWrongType()
		return
	}
	p := e.Str
	n := int64(len(p))
	start, end, isBit, endGiven := int64(0), n-1, false, false
	switch len(x.Args) {
	case 3:
	case 4, 5, 6:
		if start, ok = x.ArgInt(3); !ok {
			return
		}
		if len(x.Args) == 6 {
			if isBit, ok = unitArg(x, x.Args[5]); !ok {
				return
			}
		}
		if len(x.Args) >= 5 {
			if end, ok = x.ArgInt(4); !ok {
				return
			}
			endGiven = true
		} else if isBit {
			end = n<<3 - 1
		}
	default:
		x.Err(errSyntax)
		return
	}
	lo, hi, empty := bitRange(start, end, n, isBit)
	if empty {
		x.W.Int(-1)
		return
	}
	pos := findBit(p, lo, hi, byte(bit))
	if pos < 0 && bit == 0 && !endGiven {
		pos = hi + 1
	}
	x.W.Int(pos)
}

// findBit returns the position of the first bit equal to bit (0 or 1) in
// p at positions lo to hi inclusive, or -1.
func findBit(p []byte, lo, hi int64, bit byte) int64 {
	var flip byte // XORed with each byte so that the wanted bits become 1s
	var skip uint64
	if bit == 0 {
		flip, skip = 0xff, ^uint64(0)
	}
	for i := lo; i <= hi; {
		b := (p[i>>3] ^ flip) & (0xff >> byte(i&7))
		byteEnd := i | 7
		if byteEnd > hi {
			b &= ^(0x7f >> byte(hi&7))
			byteEnd = hi
		}
		if b != 0 {
			return i&^7 + int64(bits.LeadingZeros8(b))
		}
		i = byteEnd + 1
		// Whole words of unwanted bits are skipped eight bytes at a time.
		for i+63 <= hi && binary.LittleEndian.Uint64(p[i>>3:]) == skip {
			i += 64
		}
	}
	return -1
}
