package engine

import (
	"unsafe"

	"github.com/larderdb/larder/internal/evict"
)

// hdr is the fixed header of a record: one key and its value, stored in a shard's arena. The
// arena is pointer-free memory, so a record costs the garbage collector nothing; a record is
// addressed by a ref (see arena.go) and lives, 8-byte aligned, as
//
//	hdr (24 bytes) | expiry (8 bytes, flagTTL only) | key | value area (valCap bytes) | padding to 8
//
// A record has the expiry area only once its key has had a TTL (flagTTL), so a key that never
// expires pays nothing for it; the area then stays (0 = no TTL) until the record is rewritten.
// A key shorter than longKey bytes has its length in keyLen; a longer one has keyLen longKey
// and its length in the first 4 bytes of the key area. A string's bytes are in the value area; a
// collection is either in the shard's object table (flagTable, valLen is its index) or, in its
// compact encoding, in the value area (flagFrozen). links place the record in one of the lists
// of its shard's eviction policy (evict.Core), and the queue bits of kind say which.
type hdr struct {
	valLen uint32     // length of the value in the value area, or the object index (flagTable)
	valCap uint32     // size of the value area
	atime  uint32     // last access, unix seconds (LRU clock; also the LFU decrement time)
	links  evict.Link // neighbours in the shard's eviction list (refs, or list numbers)
	keyLen uint16     // the key's length, or longKey
	kind   uint8      // Kind | flags; a dead record has no Kind
	lfu    uint8      // LFU counter (logarithmic, as Redis's)
}

const (
	hdrSize = int(unsafe.Sizeof(hdr{}))

	kindMask = 0x07
	// flagTTL: the record has an expiry area after the header; its value is the area's size.
	flagTTL = 0x08
	// The queue bits hold 1 + the eviction list the record is in, or 0 when it is in none.
	queueShift = 4
	queueMask  = 0x30
	flagTable  = 0x40 // the value is the shard's objs[valLen]
	flagFrozen = 0x80 // the value area holds an Object's compact encoding
	// keepBits are the bits of kind that describe the record rather than its value.
	keepBits = flagTTL | queueMask

	ttlArea = 8

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
// bytes occupies in the arena, with an expiry area when ttl.
func recSize(keyLen, valCap int, ttl bool) int {
	n := hdrSize + keyArea(keyLen) + valCap + 7
	if ttl {
		n += ttlArea
	}
	return n &^ 7
}

// size returns the bytes h's record occupies in the arena.
func (h *hdr) size() int {
	return (hdrSize + int(h.kind&flagTTL) + h.keyAreaLen() + int(h.valCap) + 7) &^ 7
}

// live reports whether the record holds a key (releaseLocked clears its kind).
func (h *hdr) live() bool { return h.kind&kindMask != 0 }

// setKind sets the kind and the value flags (flagTable, flagFrozen), keeping the record's own.
func (h *hdr) setKind(k uint8) { h.kind = h.kind&keepBits | k }

// body returns the address after the header and the expiry area: the key area.
func (h *hdr) body() unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(h), hdrSize+int(h.kind&flagTTL))
}

// expireAt returns the record's expiry time in unix ms, or 0 when it has no TTL.
func (h *hdr) expireAt() int64 {
	if h.kind&flagTTL == 0 {
		return 0
	}
	return *(*int64)(unsafe.Add(unsafe.Pointer(h), hdrSize))
}

// setExpireAt sets the expiry time (0 = none); the record must have an expiry area unless at
// is 0.
func (h *hdr) setExpireAt(at int64) {
	if h.kind&flagTTL == 0 {
		if at == 0 {
			return
		}
		panic("engine: TTL set on a record without an expiry area")
	}
	*(*int64)(unsafe.Add(unsafe.Pointer(h), hdrSize)) = at
}

// queue returns the eviction list the record is in, or -1.
func (h *hdr) queue() int { return int(h.kind&queueMask>>queueShift) - 1 }

// keyLength returns the length of the record's key.
func (h *hdr) keyLength() int {
	if h.keyLen != longKey {
		return int(h.keyLen)
	}
	return int(*(*uint32)(h.body()))
}

// keyAreaLen returns the bytes the record's key takes.
func (h *hdr) keyAreaLen() int {
	if h.keyLen != longKey {
		return int(h.keyLen)
	}
	return 4 + h.keyLength()
}

// setKey writes key into the record, whose value area must not hold anything yet and whose
// flagTTL must already be set as it will stay.
func (h *hdr) setKey(key []byte) {
	p := h.body()
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
		return unsafe.Slice((*byte)(h.body()), h.keyLen)
	}
	return unsafe.Slice((*byte)(unsafe.Add(h.body(), 4)), h.keyLength())
}

// value returns the value area, with length valLen and capacity valCap, aliasing the arena.
func (h *hdr) value() []byte {
	return unsafe.Slice(h.valuePtr(), h.valCap)[:h.valLen]
}

// valuePtr returns the address of the value area, to tell whether a slice still aliases it.
func (h *hdr) valuePtr() *byte {
	return (*byte)(unsafe.Add(h.body(), h.keyAreaLen()))
}
