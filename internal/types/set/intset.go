package set

import (
	"encoding/binary"
	"slices"
	"sort"
	"unsafe"
)

// An intset block is the intset form's single allocation, reached through
// a bare *byte so that the value holding it is pointer-shaped. Its layout,
// as Redis's intset plus a capacity:
//
//	[0:4]  width of each integer in bytes: 2, 4 or 8 (uint32, little endian)
//	[4:8]  number of integers
//	[8:12] capacity of the allocation in bytes
//	[12:]  the integers, sorted ascending, little endian, each width bytes
const (
	isHeader     = 12
	isMaxEntries = 1 << 30
)

func isView(p *byte) []byte {
	if p == nil {
		return nil
	}
	h := unsafe.Slice(p, isHeader)
	return unsafe.Slice(p, binary.LittleEndian.Uint32(h[8:12]))
}

func isWidth(b []byte) int { return int(binary.LittleEndian.Uint32(b[0:4])) }
func isLen(b []byte) int   { return int(binary.LittleEndian.Uint32(b[4:8])) }

// isGet returns the i-th integer of the block b.
func isGet(b []byte, w, i int) int64 {
	off := isHeader + i*w
	switch w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b[off:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b[off:])))
	}
	return int64(binary.LittleEndian.Uint64(b[off:]))
}

func isPut(b []byte, w, i int, v int64) {
	off := isHeader + i*w
	switch w {
	case 2:
		binary.LittleEndian.PutUint16(b[off:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b[off:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(b[off:], uint64(v))
	}
}

// widthOf returns the smallest width that holds v.
func widthOf(v int64) int {
	switch {
	case v >= -1<<15 && v < 1<<15:
		return 2
	case v >= -1<<31 && v < 1<<31:
		return 4
	}
	return 8
}

// isSearch returns the position of v in the block b and whether it is there.
func isSearch(b []byte, v int64) (int, bool) {
	if b == nil {
		return 0, false
	}
	w, n := isWidth(b), isLen(b)
	i := sort.Search(n, func(i int) bool { return isGet(b, w, i) >= v })
	return i, i < n && isGet(b, w, i) == v
}

// isAlloc allocates a block for n integers of width w.
func isAlloc(w, n int) []byte {
	b := slices.Grow([]byte(nil), isHeader+w*n)
	b = b[:cap(b)]
	binary.LittleEndian.PutUint32(b[0:4], uint32(w))
	binary.LittleEndian.PutUint32(b[4:8], uint32(n))
	binary.LittleEndian.PutUint32(b[8:12], uint32(len(b)))
	return b
}

// isInsert inserts v, absent, at position i of the block at p and returns
// the block, reallocated (and widened) when needed.
func isInsert(p *byte, i int, v int64) *byte {
	b := isView(p)
	w, n := 2, 0
	if b != nil {
		w, n = isWidth(b), isLen(b)
	}
	nw := max(w, widthOf(v))
	if nw != w || isHeader+nw*(n+1) > len(b) {
		nb := isAlloc(nw, n+1)
		for j := range n {
			x := isGet(b, w, j)
			if j < i {
				isPut(nb, nw, j, x)
			} else {
				isPut(nb, nw, j+1, x)
			}
		}
		isPut(nb, nw, i, v)
		return &nb[0]
	}
	copy(b[isHeader+(i+1)*w:isHeader+(n+1)*w], b[isHeader+i*w:isHeader+n*w])
	isPut(b, w, i, v)
	binary.LittleEndian.PutUint32(b[4:8], uint32(n+1))
	return p
}

// isRemove removes the integer at position i of the block at p and returns
// the block, reallocated when it has become mostly empty.
func isRemove(p *byte, i int) *byte {
	b := isView(p)
	w, n := isWidth(b), isLen(b)
	if n == 1 {
		return nil
	}
	if len(b) > 64 && isHeader+w*(n-1) < len(b)/2 {
		nb := isAlloc(w, n-1)
		copy(nb[isHeader:], b[isHeader:isHeader+i*w])
		copy(nb[isHeader+i*w:], b[isHeader+(i+1)*w:isHeader+n*w])
		return &nb[0]
	}
	copy(b[isHeader+i*w:], b[isHeader+(i+1)*w:isHeader+n*w])
	binary.LittleEndian.PutUint32(b[4:8], uint32(n-1))
	return p
}

// ParseInt parses b as Redis's string2ll does, and so decides whether a
// member can live in an intset: the canonical decimal form of an int64,
// without '+', leading zeros or spaces.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
