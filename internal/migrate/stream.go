package migrate

import (
	"encoding/binary"
	"fmt"
)

// This file is the layout of the records a Batch carries, one after another:
//
//	set:   1 | uvarint key length | key | uvarint expiry (unix ms, 0 = none) | uvarint value length | value
//	del:   2 | uvarint key length | key
//	flush: 3 | slot (2 bytes, little endian)
//
// A value is AppendValue's serialized form. Each record states the key's whole state as the
// source read it (its value and TTL, or its absence), so applying records in order leaves the
// target with the source's last read of every key.

// ProtocolVersion is the version of the migration stream (Begin.version).
const ProtocolVersion = 1

const (
	recSet   = 1
	recDel   = 2
	recFlush = 3
)

func appendSet(dst, key []byte, expireAt int64, val []byte) []byte {
	dst = append(dst, recSet)
	dst = appendBytes(dst, key)
	dst = binary.AppendUvarint(dst, uint64(max(expireAt, 0)))
	return appendBytes(dst, val)
}

func appendDel(dst, key []byte) []byte {
	dst = append(dst, recDel)
	return appendBytes(dst, key)
}

func appendFlush(dst []byte, slot uint16) []byte {
	return binary.LittleEndian.AppendUint16(append(dst, recFlush), slot)
}

// record is one parsed record; its slices alias the batch.
type record struct {
	op       byte
	key      []byte
	expireAt int64
	val      []byte
	slot     uint16
}

// nextRecord parses the record at the start of b and returns it and the rest of b.
func nextRecord(b []byte) (record, []byte, error) {
	d := decoder{b: b[1:]}
	r := record{op: b[0]}
	switch r.op {
	case recSet:
		r.key = d.bytes()
		at := d.uvarint()
		r.val = d.bytes()
		if at > 1<<62 {
			d.fail("expiry out of range")
		}
		r.expireAt = int64(at)
	case recDel:
		r.key = d.bytes()
	case recFlush:
		if len(d.b) < 2 {
			d.fail("short flush record")
		} else {
			r.slot = binary.LittleEndian.Uint16(d.b)
			d.b = d.b[2:]
		}
	default:
		return r, nil, fmt.Errorf("%w: record type %d", ErrBadEntry, r.op)
	}
	if d.err != nil {
		return r, nil, d.err
	}
	return r, d.b, nil
}
