package hash

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"
)

// A block is the compact form's single allocation, reached through a bare
// *byte so that the value holding it is pointer-shaped (storing it in an
// interface does not allocate). Its layout:
//
//	[0:4]  used bytes, header included (uint32, little endian)
//	[4:8]  capacity of the allocation
//	[8:10] number of entries (uint16)
//	[10:]  entries, each a uvarint length followed by that many bytes
//
// The same layout serves hashes (entries alternate field and value) and can
// serve any compact list of byte strings.
const (
	blockHeader  = 10
	blockMaxLen  = 1<<16 - 1 // entries a block can count
	blockMaxSize = 1 << 30   // bytes a block may grow to
)

// blockView returns the whole allocation of the block at p (nil for none).
func blockView(p *byte) []byte {
	if p == nil {
		return nil
	}
	h := unsafe.Slice(p, blockHeader)
	return unsafe.Slice(p, binary.LittleEndian.Uint32(h[4:8]))
}

// blockUsed returns the used part of the block at p, header included.
func blockUsed(p *byte) []byte {
	if p == nil {
		return nil
	}
	h := unsafe.Slice(p, blockHeader)
	return unsafe.Slice(p, binary.LittleEndian.Uint32(h[0:4]))
}

// blockCount returns the number of entries of the block at p.
func blockCount(p *byte) int {
	if p == nil {
		return 0
	}
	return int(binary.LittleEndian.Uint16(unsafe.Slice(p, blockHeader)[8:10]))
}

// blockCap returns the size of the block's allocation.
func blockCap(p *byte) int { return len(blockView(p)) }

// newBlock allocates a block able to hold size bytes (header included),
// copies src (a used block, or nil) into it and returns it.
func newBlock(size int, src []byte) *byte {
	b := slices.Grow([]byte(nil), max(size, blockHeader))
	b = b[:cap(b)]
	if src != nil {
		copy(b, src)
	} else {
		binary.LittleEndian.PutUint32(b[0:4], blockHeader)
	}
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)))
	return &b[0]
}

func setBlockUsed(b []byte, used int) { binary.LittleEndian.PutUint32(b[0:4], uint32(used)) }
func setBlockCount(b []byte, n int)   { binary.LittleEndian.PutUint16(b[8:10], uint16(n)) }

// blockEntrySize returns the bytes an entry of n bytes takes in a block.
func blockEntrySize(n int) int { return (bits.Len64(uint64(n)|1)+6)/7 + n }

// blockEntry decodes the entry at pos of the used block b and returns it
// and the position of the next entry.
func blockEntry(b []byte, pos int) ([]byte, int) {
	n, k := binary.Uvarint(b[pos:])
	start := pos + k
	end := start + int(n)
	return b[start:end], end
}

// blockEach calls fn with each entry of the used block b in order, until
// fn returns false.
func blockEach(b []byte, fn func(i int, e []byte) bool) {
	for pos, i := blockHeader, 0; pos < len(b); i++ {
		e, next := blockEntry(b, pos)
		if !fn(i, e) {
			return
		}
		pos = next
	}
}

// blockSplice replaces the used bytes [from, to) of the block at p with
// the encodings of ents, adjusting the count by dn, and returns the block,
// reallocated when it must grow or has become mostly empty.
func blockSplice(p *byte, from, to int, dn int, ents ...[]byte) *byte {
	add := 0
	for _, e := range ents {
		add += blockEntrySize(len(e))
	}
	used := blockUsed(p)
	if p == nil {
		used = make([]byte, blockHeader)
		setBlockUsed(used, blockHeader)
		from, to = blockHeader, blockHeader
	}
	size := len(used) - (to - from) + add
	count := blockCount(p) + dn
	buf := blockView(p)
	if size > len(buf) || (size < len(used) && len(buf) > 64 && size < len(buf)/2) {
		np := newBlock(size, nil)
		nb := blockView(np)
		copy(nb, used[:from])
		copy(nb[from+add:], used[to:])
		binary.LittleEndian.PutUint32(nb[4:8], uint32(len(nb)))
		p, buf = np, nb
	} else {
		copy(buf[from+add:], used[to:])
	}
	pos := from
	for _, e := range ents {
		pos += binary.PutUvarint(buf[pos:], uint64(len(e)))
		pos += copy(buf[pos:], e)
	}
	setBlockUsed(buf, size)
	setBlockCount(buf, count)
	return p
}
