package zset

import (
	"encoding/binary"
	"math"
)

// The compact form ("listpack") is one byte slice of entries sorted by score
// then member. An entry is
//
//	uvarint(len(member)<<1 | kind)  member bytes  score
//
// where kind 0 means the score is an integer (in ±2^53, not -0) written as a
// zigzag varint, and kind 1 means it is a float64 written as 8 little-endian
// bytes. Small integer scores thus cost one byte, and no entry needs a Go
// heap object of its own.

const (
	kindInt   = 0
	kindFloat = 1
	// maxExactInt bounds the integers a float64 holds exactly.
	maxExactInt = 1 << 53
)

// encodedLen returns the size of the entry for member and score.
func encodedLen(member []byte, score float64) int {
	n := uvarintLen(uint64(len(member))<<1) + len(member)
	if v, ok := intScore(score); ok {
		return n + uvarintLen(zigzag(v))
	}
	return n + 8
}

// intScore reports whether score is stored as an integer, and which.
func intScore(score float64) (int64, bool) {
	if score >= -maxExactInt && score <= maxExactInt && score == math.Trunc(score) {
		if score == 0 && math.Signbit(score) {
			return 0, false // keep the sign of -0
		}
		return int64(score), true
	}
	return 0, false
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// putEntry writes the entry for member and score at the start of dst, which
// must have room for encodedLen bytes, and returns the bytes written.
func putEntry(dst []byte, member []byte, score float64) int {
	v, isInt := intScore(score)
	h := uint64(len(member)) << 1
	if !isInt {
		h |= kindFloat
	}
	n := binary.PutUvarint(dst, h)
	n += copy(dst[n:], member)
	if isInt {
		return n + binary.PutUvarint(dst[n:], zigzag(v))
	}
	binary.LittleEndian.PutUint64(dst[n:], math.Float64bits(score))
	return n + 8
}

// entryAt decodes the entry at off and returns its member (aliasing lp),
// score and the offset of the next entry. lp is trusted: it was written by
// putEntry.
func entryAt(lp []byte, off int) (member []byte, score float64, next int) {
	h, n := uvarint(lp[off:])
	off += n
	mlen := int(h >> 1)
	member = lp[off : off+mlen : off+mlen]
	off += mlen
	if h&1 == kindInt {
		u, n := uvarint(lp[off:])
		return member, float64(unzigzag(u)), off + n
	}
	return member, math.Float64frombits(binary.LittleEndian.Uint64(lp[off:])), off + 8
}

// memberAt decodes only the member of the entry at off and the offset of
// the next entry.
func memberAt(lp []byte, off int) (member []byte, next int) {
	h, n := uvarint(lp[off:])
	off += n
	mlen := int(h >> 1)
	member = lp[off : off+mlen : off+mlen]
	off += mlen
	if h&1 == kindInt {
		_, n := uvarint(lp[off:])
		return member, off + n
	}
	return member, off + 8
}

// uvarint is binary.Uvarint with the one-byte case inlined.
func uvarint(b []byte) (uint64, int) {
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

// lpFind returns the offset of member's entry and its score, or -1. It
// decodes only the headers on the way, the hot loop of the compact form.
func lpFind(lp []byte, member []byte) (off int, score float64) {
	for off < len(lp) {
		h, n := uint64(lp[off]), 1
		if h >= 0x80 {
			h, n = binary.Uvarint(lp[off:])
		}
		start := off
		off += n
		mlen := int(h >> 1)
		if mlen == len(member) && string(lp[off:off+mlen]) == string(member) {
			_, s, _ := entryAt(lp, start)
			return start, s
		}
		off += mlen
		if h&1 == kindFloat {
			off += 8
		} else {
			for lp[off] >= 0x80 {
				off++
			}
			off++
		}
	}
	return -1, 0
}

// lpLocate scans lp once for member and for the place of (score, member):
// own is the offset of member's entry (-1 when absent) and cur its score;
// ins is where an entry for (score, member) goes, ignoring member's own
// entry.
func lpLocate(lp []byte, member []byte, score float64) (own int, cur float64, ins int) {
	own, ins = -1, -1
	for off := 0; off < len(lp); {
		m, s, next := entryAt(lp, off)
		if own < 0 && string(m) == string(member) {
			own, cur = off, s
		} else if ins < 0 && (s > score || (s == score && string(m) > string(member))) {
			ins = off
		}
		if own >= 0 && ins >= 0 {
			return own, cur, ins
		}
		off = next
	}
	if ins < 0 {
		ins = len(lp)
	}
	return own, cur, ins
}

// lpInsertPos returns the offset where an entry for (score, member) goes,
// ignoring the entry at offset skip (or none when skip is -1).
func lpInsertPos(lp []byte, member []byte, score float64, skip int) int {
	for off := 0; off < len(lp); {
		m, s, next := entryAt(lp, off)
		if off != skip && (s > score || (s == score && string(m) > string(member))) {
			return off
		}
		off = next
	}
	return len(lp)
}

// lpReplace moves member's entry at own to the place ins (as lpLocate or
// lpInsertPos found it) with score, and returns the new slice.
func lpReplace(lp []byte, own, ins int, member []byte, score float64) []byte {
	_, ownEnd := memberAt(lp, own)
	if ins == own || ins == ownEnd {
		if encodedLen(member, score) == ownEnd-own {
			putEntry(lp[own:], member, score)
			return lp
		}
		ins = own
	}
	lp = lpDelete(lp, own, ownEnd)
	if ins > own {
		ins -= ownEnd - own
	}
	return lpInsert(lp, ins, member, score)
}

// lpInsert inserts the entry for (score, member) at off and returns the new
// slice. It grows the slice by about an eighth when full, to keep its
// capacity close to its length.
func lpInsert(lp []byte, off int, member []byte, score float64) []byte {
	sz := encodedLen(member, score)
	need := len(lp) + sz
	if need > cap(lp) {
		grown := make([]byte, len(lp), need+need/8)
		copy(grown, lp)
		lp = grown
	}
	lp = lp[:need]
	copy(lp[off+sz:], lp[off:need-sz])
	putEntry(lp[off:], member, score)
	return lp
}

// lpDelete removes the bytes [from, to) and returns the new slice, shrunk
// when it has become much smaller than its capacity.
func lpDelete(lp []byte, from, to int) []byte {
	n := copy(lp[from:], lp[to:])
	lp = lp[:from+n]
	if cap(lp) > 64 && len(lp) < cap(lp)/2 {
		lp = append(make([]byte, 0, len(lp)+len(lp)/8), lp...)
	}
	return lp
}

// lpOffsets appends the offset of every entry of lp to dst.
func lpOffsets(lp []byte, dst []int32) []int32 {
	for off := 0; off < len(lp); {
		dst = append(dst, int32(off))
		_, off = memberAt(lp, off)
	}
	return dst
}

// lpSkip returns the offset of the entry after skipping n entries from off.
func lpSkip(lp []byte, off, n int) int {
	for ; n > 0 && off < len(lp); n-- {
		_, off = memberAt(lp, off)
	}
	return off
}
