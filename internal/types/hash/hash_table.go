package hash

import (
	"math/rand/v2"
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
)

// table is the "hashtable"-encoded hash. It never converts back to the
// compact form, as in Redis.
type table struct {
	t      Table[string]
	vbytes int64 // heap bytes of the values
}

var _ Hash = (*table)(nil)

func (*table) Kind() engine.Kind { return engine.KindHash }
func (*table) Encoding() string  { return "hashtable" }
func (h *table) Len() int        { return h.t.Len() }

func (h *table) MemoryUsage() int64 {
	return int64(unsafe.Sizeof(*h)) + h.t.MemoryUsage() + h.vbytes
}

func (h *table) Copy() engine.Object {
	c := &table{vbytes: h.vbytes}
	c.t.Reserve(h.t.Len())
	h.t.Range(func(k string, v *string) bool {
		c.t.PutString(k, *v)
		return true
	})
	return c
}

// bytesOf returns the bytes of s without copying; they must not be changed.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (h *table) Get(field []byte) ([]byte, bool) {
	v := h.t.Get(field)
	if v == nil {
		return nil, false
	}
	return bytesOf(*v), true
}

func (h *table) Set(field, value []byte, _ Limits) (Hash, bool) {
	if v := h.t.Get(field); v != nil {
		h.vbytes += StringSize(len(value)) - StringSize(len(*v))
		*v = string(value)
		return h, false
	}
	h.t.Put(field, string(value))
	h.vbytes += StringSize(len(value))
	return h, true
}

func (h *table) Delete(field []byte) (Hash, bool) {
	v := h.t.Get(field)
	if v == nil {
		return h, false
	}
	h.vbytes -= StringSize(len(*v))
	h.t.Delete(field)
	return h, true
}

func (h *table) Range(fn func(field, value []byte) bool) {
	h.t.Range(func(k string, v *string) bool { return fn(bytesOf(k), bytesOf(*v)) })
}

func (h *table) Random(count int, fn func(field, value []byte)) {
	if h.t.Len() == 0 {
		return
	}
	for ; count > 0; count-- {
		k, v := h.t.Random()
		fn(bytesOf(k), bytesOf(*v))
	}
}

// Sample picks distinct entries as Redis's HRANDFIELD does: when count is
// close to Len it shuffles all the entries, otherwise it draws random ones
// and skips repeats.
func (h *table) Sample(count int, fn func(field, value []byte)) {
	n := h.t.Len()
	count = min(count, n)
	if count*3 > n {
		keys := make([]string, 0, n)
		vals := make([]string, 0, n)
		h.t.Range(func(k string, v *string) bool {
			keys, vals = append(keys, k), append(vals, *v)
			return true
		})
		for i := range count {
			j := i + rand.IntN(n-i)
			keys[i], keys[j] = keys[j], keys[i]
			vals[i], vals[j] = vals[j], vals[i]
			fn(bytesOf(keys[i]), bytesOf(vals[i]))
		}
		return
	}
	seen := make(map[string]struct{}, count)
	for len(seen) < count {
		k, v := h.t.Random()
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		fn(bytesOf(k), bytesOf(*v))
	}
}

func (h *table) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	return h.t.Scan(cursor, count, func(k string, v *string) { fn(bytesOf(k), bytesOf(*v)) })
}
