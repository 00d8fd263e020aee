package engine

import "unsafe"

// hdr is the fixed header of a record: one key and its value, stored in a shard's arena. The
// arena is pointer-free memory, so a record costs the garbage collector nothing; a record is
// addressed by a ref (see arena.go) and lives, 8-byte aligned, as
//
//	hdr (24 bytes) | key | value area (valCap bytes) | padding to 8
//
// A key shorter than longKey bytes has its length in keyLen; a longer one has keyLen longKey
// and its length in the first 4 bytes of the key area. A string's bytes are in the value area; a collection is either in the shard's object table
// (flagTable, valLen is its index) or, in its compact encoding, in the value area (flagFrozen).
type hdr struct {
	expireAt int64  // unix ms; 0 = no TTL
	valLen   uint32 // length of the value in the value area, or the object index (flagTable)
	valCap   uint32 // size of the value area
	atime    uint32 // last access, unix seconds (LRU clock; also the LFU decrement time)
	keyLen   uint16 // the key's length, or longKey
	kind     uint8  // Kind | flags; 0 marks a dead record
	lfu      uint8  // LFU counter (logarithmic, as Redis's)
}

const (
	hdrSize = int(unsafe.Sizeof(hdr{}))

	kindMask   = 0x0f
	flagTable  = 0x40 // the value is the shard's objs[valLen]
	flagFrozen = 0x80 // the value area holds an Object's compact encoding

	longKey = 1<<16 - 1
)

// keyArea returns the bytes a key of n bytes takes in a record.
func keyArea(n int) int {
	if n >= longKey {
		return 4 + n
	}
	return n
}

// recSize returns the bytes a record for a key of keyLen bytes and a value area of valCap
// bytes occupies in the arena.
func recSize(keyLen, valCap int) int { return (hdrSize + keyArea(keyLen) + valCap + 7) &^ 7 }

// size returns the bytes h's record occupies in the arena.
func (h *hdr) size() int { return (hdrSize + h.keyAreaLen() + int(h.valCap) + 7) &^ 7 }

// keyLength returns the length of the record's key.
func (h *hdr) keyLength() int {
	if h.keyLen != longKey {
		return int(h.keyLen)
	}
	return int(*(*uint32)(unsafe.Add(unsafe.Pointer(h), hdrSize)))
}

// keyAreaLen returns the bytes the record's key takes.
func (h *hdr) keyAreaLen() int {
	if h.keyLen != longKey {
		return int(h.keyLen)
	}
	return 4 + h.keyLength()
}

// setKey writes key into the record, whose value area must not hold anything yet.
func (h *hdr) setKey(key []byte) {
	p := unsafe.Add(unsafe.Pointer(h), hdrSize)
	if len(key) < longKey {
		h.keyLen = uint16(len(key))
	} else {
		h.keyLen = longKey
		*(*uint32)(p) = uint32(len(key))
		p = unsafe.Add(p, 4)
	}
	copy(unsafe.Slice((*byte)(p), len(key)), key)
}

// Kind returns the kind of the record's value.
func (h *hdr) Kind() Kind { return Kind(h.kind & kindMask) }

// key returns the record's key, aliasing the arena.
func (h *hdr) key() []byte {
	if h.keyLen != longKey {
		return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize)), h.keyLen)
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize+4)), h.keyLength())
}

// value returns the value area, with length valLen and capacity valCap, aliasing the arena.
func (h *hdr) value() []byte {
	return unsafe.Slice(h.valuePtr(), h.valCap)[:h.valLen]
}

// valuePtr returns the address of the value area, to tell whether a slice still aliases it.
func (h *hdr) valuePtr() *byte {
	return (*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize+h.keyAreaLen()))
}
