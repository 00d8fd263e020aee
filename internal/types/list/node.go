package list

import "encoding/binary"

// A node is one compact segment of a list: its entries laid out back to
// back in buf[off:], as Redis's listpack lays them out, so that a node costs
// one allocation however many elements it holds. Each entry is
//
//	uvarint(len(v)) | v | backlen
//
// where backlen encodes the size of the first two parts so that the entries
// can be walked from either end. The free space before off lets elements be
// pushed at the front without moving the others.
type node struct {
	buf []byte
	off int // first byte of the first entry
	n   int // number of entries
}

// size returns the bytes the node's entries take.
func (nd *node) size() int { return len(nd.buf) - nd.off }

// uvarintLen returns the bytes binary.PutUvarint writes for v.
func uvarintLen(v int) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// entrySize returns the bytes an entry holding a value of vlen bytes takes.
func entrySize(vlen int) int {
	h := uvarintLen(vlen) + vlen
	return h + uvarintLen(h)
}

// putEntry writes the entry for v into dst, which is exactly
// entrySize(len(v)) bytes long.
func putEntry(dst []byte, v []byte) {
	k := binary.PutUvarint(dst, uint64(len(v)))
	k += copy(dst[k:], v)
	// backlen: 7 bits a byte, least significant byte last; every byte but
	// the first (leftmost) has its high bit set, so that a reader coming
	// from the right knows when to stop.
	i := len(dst) - 1
	for h := k; ; i-- {
		b := byte(h & 0x7f)
		h >>= 7
		if h > 0 {
			b |= 0x80
		}
		dst[i] = b
		if h == 0 {
			break
		}
	}
}

// entryAt returns the value of the entry starting at pos and the position
// just past the entry.
func entryAt(b []byte, pos int) (v []byte, next int) {
	l, k := binary.Uvarint(b[pos:])
	start := pos + k
	end := start + int(l)
	return b[start:end:end], end + uvarintLen(end-pos)
}

// entryBefore returns the value of the entry ending at end and the position
// where the entry starts.
func entryBefore(b []byte, end int) (v []byte, start int) {
	h, shift, i := 0, 0, end-1
	for {
		c := b[i]
		h |= int(c&0x7f) << shift
		if c&0x80 == 0 {
			break
		}
		shift += 7
		i--
	}
	start = i - h
	v, _ = entryAt(b, start)
	return v, start
}

// offsetOf returns the position in buf of the node's j-th entry
// (0 <= j <= n; j == n gives the end), walking from the nearer end.
func (nd *node) offsetOf(j int) int {
	if j <= nd.n/2 {
		pos := nd.off
		for ; j > 0; j-- {
			_, pos = entryAt(nd.buf, pos)
		}
		return pos
	}
	pos := len(nd.buf)
	for k := nd.n - j; k > 0; k-- {
		_, pos = entryBefore(nd.buf, pos)
	}
	return pos
}

// newNode returns a node holding the entries in data (n of them), copied
// into a buffer of exactly their size.
func newNode(data []byte, n int) node {
	return node{buf: append([]byte(nil), data...), n: n}
}
