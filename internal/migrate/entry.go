package migrate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/hash"
	"github.com/larderdb/larder/internal/types/list"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/internal/types/zset"
)

// This file is the serialized form of one value, as DUMP's payload is Redis's: a version byte,
// the kind, the body, and a CRC-32C of all of it.
//
//	version (1) | kind (1) | body | crc32c (4, little endian)
//
// Bodies, with n and lengths as unsigned varints:
//
//	string: the bytes
//	list:   n, then n times (len, element), head first
//	set:    n, then n times (len, member)
//	hash:   n, then n times (len, field, len, value)
//	zset:   n, then n times (len, member, score as 8 bytes of float64 bits, little endian),
//	        in ascending order
//
// The form is independent of the engine's encodings (listpack, intset...), which the
// decoding side chooses again from its own Limits, so nodes of different versions or settings
// can exchange values.

// EntryVersion is the version of the serialized form AppendValue writes.
const EntryVersion = 1

// ErrBadEntry is returned by DecodeValue for bytes that are not a serialized value: a wrong
// checksum, an unknown version or kind, or a body that does not parse.
var ErrBadEntry = errors.New("migrate: bad serialized value")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Limits are the thresholds the decoding side builds values with, its settings of the same
// names. The zero value of each field selects Redis's default.
type Limits struct {
	Hash     hash.Limits // hash-max-listpack-entries (128) and -value (64)
	ZSet     zset.Limits // zset-max-listpack-entries (128) and -value (64)
	Intset   int         // set-max-intset-entries (512)
	ListFill int         // list-max-listpack-size (-2)
}

func (l Limits) withDefaults() Limits {
	if l.Hash.MaxEntries == 0 {
		l.Hash.MaxEntries = 128
	}
	if l.Hash.MaxValue == 0 {
		l.Hash.MaxValue = 64
	}
	if l.ZSet.MaxEntries == 0 {
		l.ZSet.MaxEntries = 128
	}
	if l.ZSet.MaxValue == 0 {
		l.ZSet.MaxValue = 64
	}
	if l.Intset == 0 {
		l.Intset = 512
	}
	if l.ListFill == 0 {
		l.ListFill = -2
	}
	return l
}

// AppendValue appends the serialized form of e's value to dst and returns it. The entry is
// read only. It fails only for an Object of a type it does not know.
func AppendValue(dst []byte, e *engine.Entry) ([]byte, error) {
	start := len(dst)
	dst = append(dst, EntryVersion, byte(e.Kind()))
	switch e.Kind() {
	case engine.KindString:
		dst = append(dst, e.Str...)
	case engine.KindList:
		l, ok := e.Obj.(*list.List)
		if !ok {
			return dst[:start], fmt.Errorf("migrate: list value of type %T", e.Obj)
		}
		dst = binary.AppendUvarint(dst, uint64(l.Len()))
		it := l.Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			dst = appendBytes(dst, v)
		}
	case engine.KindSet:
		s, ok := e.Obj.(set.Set)
		if !ok {
			return dst[:start], fmt.Errorf("migrate: set value of type %T", e.Obj)
		}
		dst = binary.AppendUvarint(dst, uint64(s.Len()))
		s.Range(func(m []byte) bool { dst = appendBytes(dst, m); return true })
	case engine.KindHash:
		h, ok := e.Obj.(hash.Hash)
		if !ok {
			return dst[:start], fmt.Errorf("migrate: hash value of type %T", e.Obj)
		}
		dst = binary.AppendUvarint(dst, uint64(h.Len()))
		h.Range(func(f, v []byte) bool {
			dst = appendBytes(dst, f)
			dst = appendBytes(dst, v)
			return true
		})
	case engine.KindZSet:
		z, ok := e.Obj.(*zset.ZSet)
		if !ok {
			return dst[:start], fmt.Errorf("migrate: zset value of type %T", e.Obj)
		}
		dst = binary.AppendUvarint(dst, uint64(z.Len()))
		z.Each(func(m []byte, score float64) bool {
			dst = appendBytes(dst, m)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(score))
			return true
		})
	default:
		return dst[:start], fmt.Errorf("migrate: value of kind %d", e.Kind())
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli)), nil
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// Value is a decoded value: Str for a string (Kind KindString), Obj otherwise.
type Value struct {
	Kind engine.Kind
	Str  []byte
	Obj  engine.Object
}

// DecodeValue checks and decodes a serialized value, building collections in the encodings
// lim selects. Str does not alias b. Bytes that are not a valid serialized value give an error
// wrapping ErrBadEntry.
func DecodeValue(b []byte, lim Limits) (Value, error) {
	if len(b) < 6 {
		return Value{}, fmt.Errorf("%w: %d bytes", ErrBadEntry, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return Value{}, fmt.Errorf("%w: checksum mismatch", ErrBadEntry)
	}
	if body[0] != EntryVersion {
		return Value{}, fmt.Errorf("%w: version %d (this node reads %d)", ErrBadEntry, body[0], EntryVersion)
	}
	lim = lim.withDefaults()
	kind := engine.Kind(body[1])
	d := decoder{b: body[2:]}
	var v Value
	v.Kind = kind
	switch kind {
	case engine.KindString:
		v.Str = append(make([]byte, 0, len(d.b)), d.b...)
		d.b = nil
	case engine.KindList:
		n := d.count(1)
		l := list.New(lim.ListFill)
		for range n {
			l.PushBack(d.bytes())
		}
		v.Obj = l
	case engine.KindSet:
		n := d.count(1)
		var s set.Set = set.NewIntset()
		for range n {
			var added bool
			if s, added = s.Add(d.bytes(), lim.Intset); !added && d.err == nil {
				d.fail("duplicate set member")
			}
		}
		v.Obj = s
	case engine.KindHash:
		n := d.count(2)
		h := hash.New()
		for range n {
			f := d.bytes()
			var added bool
			if h, added = h.Set(f, d.bytes(), lim.Hash); !added && d.err == nil {
				d.fail("duplicate hash field")
			}
		}
		v.Obj = h
	case engine.KindZSet:
		n := d.count(9)
		pairs := make([]zset.Pair, 0, n)
		for range n {
			m := d.bytes()
			s := math.Float64frombits(d.uint64())
			if math.IsNaN(s) && d.err == nil {
				d.fail("NaN score")
			}
			pairs = append(pairs, zset.Pair{Member: string(m), Score: s})
		}
		if d.err == nil {
			z := zset.FromPairs(pairs, lim.ZSet)
			if z.Len() != len(pairs) {
				d.fail("duplicate zset member")
			}
			v.Obj = z
		}
	default:
		return Value{}, fmt.Errorf("%w: kind %d", ErrBadEntry, kind)
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return Value{}, d.err
	}
	if v.Obj != nil && v.Obj.Len() == 0 {
		return Value{}, fmt.Errorf("%w: empty %s", ErrBadEntry, kind)
	}
	return v, nil
}

// decoder reads a body; after the first error every read returns zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(why string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrBadEntry, why)
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad length")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an element count, each element taking at least min bytes.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.fail("count larger than the body")
		return 0
	}
	return int(n)
}

// bytes returns the next length-prefixed bytes, aliasing the body.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("element longer than the body")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail("short score")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}
