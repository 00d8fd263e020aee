// Package hash implements Redis's hash value: a compact "listpack" form
// for small hashes, converted to a hash table (Table) past the thresholds
// the caller passes in, as Redis does with hash-max-listpack-entries and
// hash-max-listpack-value. It also provides Table, the hash table that the
// set package uses too. Nothing here is safe for concurrent use; callers
// hold the key's lock.
package hash

import (
	"math/rand/v2"

	"github.com/larderdb/larder/internal/engine"
)

// Limits are the thresholds past which a compact hash becomes a table.
type Limits struct {
	// MaxEntries is the most field-value pairs a compact hash holds
	// (hash-max-listpack-entries).
	MaxEntries int
	// MaxValue is the longest field or value a compact hash holds
	// (hash-max-listpack-value).
	MaxValue int
}

// Hash is a hash value. The methods that change it return the Hash to use
// afterwards, which may differ from the receiver (the compact form moves
// when it grows, and becomes a table past its Limits); byte slices it hands
// out are valid only until the next change.
type Hash interface {
	engine.Object
	// Get returns the value of field.
	Get(field []byte) ([]byte, bool)
	// Set sets field to value and reports whether the field is new.
	Set(field, value []byte, lim Limits) (Hash, bool)
	// Delete removes field and reports whether it was present.
	Delete(field []byte) (Hash, bool)
	// Range calls fn with each field and value until fn returns false.
	Range(fn func(field, value []byte) bool)
	// Random calls fn count times with a uniformly chosen pair, repeats
	// allowed, in O(count) for a table and O(count+Len) when compact.
	Random(count int, fn func(field, value []byte))
	// Sample calls fn with count distinct pairs chosen at random;
	// count must be less than Len.
	Sample(count int, fn func(field, value []byte))
	// Scan continues a scan at cursor (see Table.Scan) and returns the next
	// cursor; a compact hash is visited whole and returns 0.
	Scan(cursor uint64, count int, fn func(field, value []byte)) uint64
	// Copy returns an independent copy with the same encoding.
	Copy() engine.Object
}

// New returns an empty compact hash.
func New() Hash { return compact{} }

// NewSized returns an empty compact hash with room for the field-value
// pairs in args (alternating fields and values), so that setting them in a
// new hash allocates once.
func NewSized(args [][]byte) Hash {
	size := blockHeader
	for _, a := range args {
		size += blockEntrySize(len(a))
	}
	if size > blockMaxSize {
		return compact{}
	}
	return compact{p: newBlock(size, nil)}
}

// compact is the listpack-encoded hash: one block whose entries alternate
// field and value. The zero compact is empty.
type compact struct{ p *byte }

var _ Hash = compact{}

func (compact) Kind() engine.Kind     { return engine.KindHash }
func (compact) Encoding() string      { return "listpack" }
func (h compact) Len() int            { return blockCount(h.p) / 2 }
func (h compact) MemoryUsage() int64  { return int64(blockCap(h.p)) }
func (h compact) Copy() engine.Object { return compact{p: copyBlock(h.p)} }

func copyBlock(p *byte) *byte {
	if p == nil {
		return nil
	}
	u := blockUsed(p)
	return newBlock(len(u), u)
}

// find returns the position of field's entry, of its value's entry and
// of the entry after it, or -1s.
func (h compact) find(field []byte) (fpos, vpos, end int) {
	b := blockUsed(h.p)
	for pos := blockHeader; pos < len(b); {
		f, vp := blockEntry(b, pos)
		_, next := blockEntry(b, vp)
		if string(f) == string(field) {
			return pos, vp, next
		}
		pos = next
	}
	return -1, -1, -1
}

func (h compact) Get(field []byte) ([]byte, bool) {
	_, vpos, _ := h.find(field)
	if vpos < 0 {
		return nil, false
	}
	v, _ := blockEntry(blockUsed(h.p), vpos)
	return v, true
}

func (h compact) Set(field, value []byte, lim Limits) (Hash, bool) {
	if len(field) > lim.MaxValue || len(value) > lim.MaxValue {
		return h.toTable().Set(field, value, lim)
	}
	_, vpos, end := h.find(field)
	if vpos >= 0 {
		size := len(blockUsed(h.p)) - (end - vpos) + blockEntrySize(len(value))
		if size > blockMaxSize {
			return h.toTable().Set(field, value, lim)
		}
		return compact{p: blockSplice(h.p, vpos, end, 0, value)}, false
	}
	n := h.Len() + 1
	size := len(blockUsed(h.p)) + blockEntrySize(len(field)) + blockEntrySize(len(value))
	if n > lim.MaxEntries || 2*n > blockMaxLen || size > blockMaxSize {
		return h.toTable().Set(field, value, lim)
	}
	end = len(blockUsed(h.p))
	if h.p == nil {
		end = blockHeader
	}
	return compact{p: blockSplice(h.p, end, end, 2, field, value)}, true
}

func (h compact) Delete(field []byte) (Hash, bool) {
	fpos, _, end := h.find(field)
	if fpos < 0 {
		return h, false
	}
	if h.Len() == 1 {
		return compact{}, true
	}
	return compact{p: blockSplice(h.p, fpos, end, -2)}, true
}

func (h compact) Range(fn func(field, value []byte) bool) {
	b := blockUsed(h.p)
	for pos := blockHeader; pos < len(b); {
		f, vp := blockEntry(b, pos)
		v, next := blockEntry(b, vp)
		if !fn(f, v) {
			return
		}
		pos = next
	}
}

// pairs returns the fields and values of h, in order.
func (h compact) pairs() (fields, values [][]byte) {
	n := h.Len()
	fields, values = make([][]byte, 0, n), make([][]byte, 0, n)
	h.Range(func(f, v []byte) bool {
		fields, values = append(fields, f), append(values, v)
		return true
	})
	return fields, values
}

func (h compact) Random(count int, fn func(field, value []byte)) {
	if h.Len() == 0 {
		return
	}
	fields, values := h.pairs()
	for ; count > 0; count-- {
		i := rand.IntN(len(fields))
		fn(fields[i], values[i])
	}
}

func (h compact) Sample(count int, fn func(field, value []byte)) {
	fields, values := h.pairs()
	for i := 0; i < count && i < len(fields); i++ {
		j := i + rand.IntN(len(fields)-i)
		fields[i], fields[j] = fields[j], fields[i]
		values[i], values[j] = values[j], values[i]
		fn(fields[i], values[i])
	}
}

func (h compact) Scan(_ uint64, _ int, fn func(field, value []byte)) uint64 {
	h.Range(func(f, v []byte) bool { fn(f, v); return true })
	return 0
}

// toTable converts h to the table encoding.
func (h compact) toTable() *table {
	t := &table{}
	h.Range(func(f, v []byte) bool {
		t.t.Put(f, string(v))
		t.vbytes += StringSize(len(v))
		return true
	})
	return t
}

// CompactLen returns the bytes of the listpack form, which WriteCompact writes and Thaw
// reads back: the engine keeps a compact hash in its arena as these bytes.
func (h compact) CompactLen() int { return len(blockUsed(h.p)) }

// WriteCompact writes the listpack form to dst, which has CompactLen bytes.
func (h compact) WriteCompact(dst []byte) { copy(dst, blockUsed(h.p)) }

// Thaw returns the compact hash whose bytes WriteCompact wrote, copying b.
func Thaw(b []byte) Hash {
	if len(b) == 0 {
		return compact{}
	}
	return compact{p: newBlock(len(b), b)}
}
