// Package set implements Redis's set value: an intset (sorted integers of
// the smallest width that fits, in one allocation) while every member is an
// integer and there are at most set-max-intset-entries of them, and a hash
// table (hash.Table) otherwise, as in Redis 7.0. Nothing here is safe for
// concurrent use; callers hold the key's lock.
package set

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/hash"
)

// Set is a set value. The methods that change it return the Set to use
// afterwards, which may differ from the receiver; byte slices it hands out
// are valid only until the next change (or, for fn arguments, until fn
// returns).
type Set interface {
	engine.Object
	// Has reports whether member is in the set.
	Has(member []byte) bool
	// Add adds member and reports whether it was new. maxIntset is
	// set-max-intset-entries.
	Add(member []byte, maxIntset int) (Set, bool)
	// Remove removes member and reports whether it was present.
	Remove(member []byte) (Set, bool)
	// Pop removes a uniformly chosen member and returns it appended to
	// buf. The set must not be empty.
	Pop(buf []byte) (Set, []byte)
	// Range calls fn with each member until fn returns false.
	Range(fn func(member []byte) bool)
	// Random calls fn count times with a uniformly chosen member, repeats
	// allowed, in O(count).
	Random(count int, fn func(member []byte))
	// Sample calls fn with min(count, Len) distinct members chosen at random.
	Sample(count int, fn func(member []byte))
	// Scan continues a scan at cursor (see hash.Table.Scan) and returns the
	// next cursor; an intset is visited whole and returns 0.
	Scan(cursor uint64, count int, fn func(member []byte)) uint64
	// Copy returns an independent copy with the same encoding.
	Copy() engine.Object
}

// New returns an empty set of the encoding Redis would create for a set
// whose first member is first: an intset when it is an integer.
func New(first []byte) Set {
	if _, ok := ParseInt(first); ok {
		return intset{}
	}
	return &table{}
}

// NewSized returns an empty set of the encoding New would choose, with
// room for members, so that adding them to a new set allocates once. An
// intset is sized for the members' widest integer; maxIntset is
// set-max-intset-entries.
func NewSized(members [][]byte, maxIntset int) Set {
	if len(members) == 0 {
		return intset{}
	}
	if _, ok := ParseInt(members[0]); !ok {
		t := &table{}
		t.t.Reserve(len(members))
		return t
	}
	w := 2
	for _, m := range members {
		v, ok := ParseInt(m)
		if !ok {
			break // Add converts to a table at this member
		}
		w = max(w, widthOf(v))
	}
	b := isAlloc(w, max(1, min(len(members), maxIntset, isMaxEntries)))
	binary.LittleEndian.PutUint32(b[4:8], 0)
	return intset{p: &b[0]}
}

// NewIntset returns an empty intset, the start of a computed set (SUNION,
// SINTERSTORE...) in Redis.
func NewIntset() Set { return intset{} }

// intset is the "intset" encoding. The zero intset is empty.
type intset struct{ p *byte }

var _ Set = intset{}

func (intset) Kind() engine.Kind    { return engine.KindSet }
func (intset) Encoding() string     { return "intset" }
func (s intset) MemoryUsage() int64 { return int64(len(isView(s.p))) }

func (s intset) Len() int {
	if s.p == nil {
		return 0
	}
	return isLen(isView(s.p))
}

func (s intset) Copy() engine.Object {
	b := isView(s.p)
	if b == nil {
		return intset{}
	}
	n := isLen(b)
	nb := isAlloc(isWidth(b), n)
	copy(nb[isHeader:], b[isHeader:isHeader+n*isWidth(b)])
	return intset{p: &nb[0]}
}

func (s intset) Has(member []byte) bool {
	v, ok := ParseInt(member)
	if !ok {
		return false
	}
	_, found := isSearch(isView(s.p), v)
	return found
}

// HasInt reports whether the integer v is in the set.
func (s intset) HasInt(v int64) bool {
	_, found := isSearch(isView(s.p), v)
	return found
}

func (s intset) Add(member []byte, maxIntset int) (Set, bool) {
	v, ok := ParseInt(member)
	if !ok {
		return s.toTable().Add(member, maxIntset)
	}
	i, found := isSearch(isView(s.p), v)
	if found {
		return s, false
	}
	if s.Len()+1 > min(maxIntset, isMaxEntries) {
		return s.toTable().Add(member, maxIntset)
	}
	return intset{p: isInsert(s.p, i, v)}, true
}

func (s intset) Remove(member []byte) (Set, bool) {
	v, ok := ParseInt(member)
	if !ok {
		return s, false
	}
	i, found := isSearch(isView(s.p), v)
	if !found {
		return s, false
	}
	return intset{p: isRemove(s.p, i)}, true
}

func (s intset) Pop(buf []byte) (Set, []byte) {
	b := isView(s.p)
	i := rand.IntN(isLen(b))
	buf = strconv.AppendInt(buf, isGet(b, isWidth(b), i), 10)
	return intset{p: isRemove(s.p, i)}, buf
}

func (s intset) Range(fn func(member []byte) bool) {
	b := isView(s.p)
	if b == nil {
		return
	}
	var buf [20]byte
	w, n := isWidth(b), isLen(b)
	for i := range n {
		if !fn(strconv.AppendInt(buf[:0], isGet(b, w, i), 10)) {
			return
		}
	}
}

func (s intset) Random(count int, fn func(member []byte)) {
	b := isView(s.p)
	if b == nil {
		return
	}
	var buf [20]byte
	w, n := isWidth(b), isLen(b)
	for ; count > 0; count-- {
		fn(strconv.AppendInt(buf[:0], isGet(b, w, rand.IntN(n)), 10))
	}
}

func (s intset) Sample(count int, fn func(member []byte)) {
	b := isView(s.p)
	if b == nil {
		return
	}
	w, n := isWidth(b), isLen(b)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	var buf [20]byte
	for i := 0; i < count && i < n; i++ {
		j := i + rand.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
		fn(strconv.AppendInt(buf[:0], isGet(b, w, int(idx[i])), 10))
	}
}

func (s intset) Scan(_ uint64, _ int, fn func(member []byte)) uint64 {
	s.Range(func(m []byte) bool { fn(m); return true })
	return 0
}

func (s intset) toTable() *table {
	t := &table{}
	t.t.Reserve(s.Len() + 1)
	s.Range(func(m []byte) bool {
		t.t.Put(m, struct{}{})
		return true
	})
	return t
}

// table is the "hashtable" encoding. It never converts back to an intset,
// as in Redis.
type table struct{ t hash.Table[struct{}] }

var _ Set = (*table)(nil)

func (*table) Kind() engine.Kind { return engine.KindSet }
func (*table) Encoding() string  { return "hashtable" }
func (s *table) Len() int        { return s.t.Len() }

func (s *table) MemoryUsage() int64 {
	return int64(unsafe.Sizeof(*s)) + s.t.MemoryUsage()
}

func (s *table) Copy() engine.Object {
	c := &table{}
	c.t.Reserve(s.t.Len())
	s.t.Range(func(k string, _ *struct{}) bool {
		c.t.PutString(k, struct{}{})
		return true
	})
	return c
}

// bytesOf returns the bytes of s without copying; they must not be changed.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func (s *table) Has(member []byte) bool { return s.t.Has(member) }

func (s *table) Add(member []byte, _ int) (Set, bool) {
	return s, s.t.Put(member, struct{}{})
}

func (s *table) Remove(member []byte) (Set, bool) { return s, s.t.Delete(member) }

func (s *table) Pop(buf []byte) (Set, []byte) {
	k, _ := s.t.Random()
	buf = append(buf, k...)
	s.t.Delete(bytesOf(k))
	return s, buf
}

func (s *table) Range(fn func(member []byte) bool) {
	s.t.Range(func(k string, _ *struct{}) bool { return fn(bytesOf(k)) })
}

func (s *table) Random(count int, fn func(member []byte)) {
	if s.t.Len() == 0 {
		return
	}
	for ; count > 0; count-- {
		k, _ := s.t.Random()
		fn(bytesOf(k))
	}
}

// Sample picks distinct members as Redis's SRANDMEMBER does: when count is
// close to Len it shuffles all the members, otherwise it draws random ones
// and skips repeats.
func (s *table) Sample(count int, fn func(member []byte)) {
	n := s.t.Len()
	count = min(count, n)
	if count*3 > n {
		keys := make([]string, 0, n)
		s.t.Range(func(k string, _ *struct{}) bool {
			keys = append(keys, k)
			return true
		})
		for i := range count {
			j := i + rand.IntN(n-i)
			keys[i], keys[j] = keys[j], keys[i]
			fn(bytesOf(keys[i]))
		}
		return
	}
	seen := make(map[string]struct{}, count)
	for len(seen) < count {
		k, _ := s.t.Random()
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		fn(bytesOf(k))
	}
}

func (s *table) Scan(cursor uint64, count int, fn func(member []byte)) uint64 {
	return s.t.Scan(cursor, count, func(k string, _ *struct{}) { fn(bytesOf(k)) })
}

// CompactLen returns the bytes of the intset (header and integers, without spare room), which
// WriteCompact writes and Thaw reads back: the engine keeps an intset in its arena as these
// bytes.
func (s intset) CompactLen() int {
	b := isView(s.p)
	if b == nil {
		return 0
	}
	return isHeader + isWidth(b)*isLen(b)
}

// WriteCompact writes the intset to dst, which has CompactLen bytes.
func (s intset) WriteCompact(dst []byte) { copy(dst, isView(s.p)) }

// Thaw returns the intset whose bytes WriteCompact wrote, copying b.
func Thaw(b []byte) Set {
	if len(b) < isHeader {
		return intset{}
	}
	c := isAlloc(isWidth(b), isLen(b))
	copy(c[isHeader:], b[isHeader:])
	return intset{p: &c[0]}
}
