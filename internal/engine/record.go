package engine

import "unsafe"

// hdr is the fixed header of a record: one key and its value, stored in a shard's arena. The
// arena is pointer-free memory, so a record costs the garbage collector nothing; a record is
// addressed by a ref (see arena.go) and lives, 8-byte aligned, as
//
//	hdr (32 bytes) | key (keyLen bytes) | value area (valCap bytes) | padding to 8
//
// A string's bytes are in the value area; a collection is either in the shard's object table
// (flagTable, valLen is its index) or, in its compact encoding, in the value area (flagFrozen).
type hdr struct {
	expireAt int64  // unix ms; 0 = no TTL
	valLen   uint32 // length of the value in the value area, or the object index (flagTable)
	valCap   uint32 // size of the value area
	keyLen   uint32
	ttlIdx   uint32 // 1 + index in the shard's TTL list; 0 = no TTL
	atime    uint32 // last access, unix seconds (LRU clock; also the LFU decrement time)
	slot     uint16 // Slot(key)
	kind     uint8  // Kind | flags; 0 marks a dead record
	lfu      uint8  // LFU counter (logarithmic, as Redis's)
}

const (
	hdrSize = int(unsafe.Sizeof(hdr{}))

	kindMask   = 0x0f
	flagTable  = 0x40 // the value is the shard's objs[valLen]
	flagFrozen = 0x80 // the value area holds an Object's compact encoding
)

// recSize returns the bytes a record with these lengths occupies in the arena.
func recSize(keyLen, valCap int) int { return (hdrSize + keyLen + valCap + 7) &^ 7 }

// size returns the bytes h's record occupies in the arena.
func (h *hdr) size() int { return recSize(int(h.keyLen), int(h.valCap)) }

// Kind returns the kind of the record's value.
func (h *hdr) Kind() Kind { return Kind(h.kind & kindMask) }

// key returns the record's key, aliasing the arena.
func (h *hdr) key() []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize)), h.keyLen)
}

// value returns the value area, with length valLen and capacity valCap, aliasing the arena.
func (h *hdr) value() []byte {
	p := (*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize+int(h.keyLen)))
	return unsafe.Slice(p, h.valCap)[:h.valLen]
}

// valuePtr returns the address of the value area, to tell whether a slice still aliases it.
func (h *hdr) valuePtr() *byte {
	return (*byte)(unsafe.Add(unsafe.Pointer(h), hdrSize+int(h.keyLen)))
}
