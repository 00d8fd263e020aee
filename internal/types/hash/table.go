package hash

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// Table is a chained hash table from string keys to values of type V, the
// full ("hashtable") encoding of hashes and sets. Unlike a Go map it
// supports what Redis's dict does for its commands: a SCAN cursor that
// survives resizes (the reverse-binary cursor of Redis's dictScan) and a
// uniformly random entry in O(1) expected time.
//
// Entries live in one slice, with freed slots kept on a free list; buckets
// hold indices into it, so there is no Go object per entry besides the key
// itself. The slice is compacted when it is mostly holes, which keeps a
// random probe likely to hit a live entry.
//
// The zero Table is empty and ready to use. A Table is not safe for
// concurrent use.
type Table[V any] struct {
	buckets []int32 // 1 + index in ents of the chain's first entry; 0 = empty
	ents    []tentry[V]
	free    int32 // 1 + index of the first free slot of ents; 0 = none
	n       int
	bytes   int64 // heap bytes held by the keys
}

// tentry is one slot of Table.ents. A live slot has next >= 0 (1 + index of
// the next entry of its chain, 0 at the end); a free slot has next < 0:
// -1 - (1 + index of the next free slot), so -1 ends the free list.
type tentry[V any] struct {
	key  string
	val  V
	hash uint32
	next int32
}

// minBuckets is the smallest bucket array a non-empty Table has.
const minBuckets = 8

var seed = maphash.MakeSeed()

func hashOf(key []byte) uint32 {
	h := maphash.Bytes(seed, key)
	return uint32(h) ^ uint32(h>>32)
}

// Len returns the number of entries.
func (t *Table[V]) Len() int { return t.n }

// find returns the index of key's entry, or -1.
func (t *Table[V]) find(key []byte) int {
	if t.n == 0 {
		return -1
	}
	h := hashOf(key)
	for i := t.buckets[h&uint32(len(t.buckets)-1)]; i != 0; {
		e := &t.ents[i-1]
		if e.hash == h && e.key == string(key) {
			return int(i - 1)
		}
		i = e.next
	}
	return -1
}

// Get returns a pointer to key's value, valid until the next change of t,
// or nil when key is absent.
func (t *Table[V]) Get(key []byte) *V {
	if i := t.find(key); i >= 0 {
		return &t.ents[i].val
	}
	return nil
}

// Has reports whether key is present.
func (t *Table[V]) Has(key []byte) bool { return t.find(key) >= 0 }

// Put sets key's value to v and reports whether key was added (false: an
// existing value was replaced). The key is copied.
func (t *Table[V]) Put(key []byte, v V) bool {
	if i := t.find(key); i >= 0 {
		t.ents[i].val = v
		return false
	}
	t.insert(string(key), hashOf(key), v)
	return true
}

// PutString is Put with a string key, which the table keeps without
// copying (strings are immutable).
func (t *Table[V]) PutString(key string, v V) bool {
	b := unsafe.Slice(unsafe.StringData(key), len(key))
	if i := t.find(b); i >= 0 {
		t.ents[i].val = v
		return false
	}
	t.insert(key, hashOf(b), v)
	return true
}

// Reserve makes room for n entries without further resizing.
func (t *Table[V]) Reserve(n int) {
	if n > len(t.buckets) {
		t.rehash(bucketsFor(n), false)
	}
	if n > cap(t.ents) {
		t.ents = append(make([]tentry[V], 0, n), t.ents...)
	}
}

// insert adds an entry for a key known to be absent.
func (t *Table[V]) insert(key string, h uint32, v V) {
	if t.n+1 > len(t.buckets) {
		t.rehash(max(minBuckets, 2*len(t.buckets)), false)
	}
	var i int32
	if t.free != 0 {
		i = t.free - 1
		t.free = -1 - t.ents[i].next
	} else {
		t.ents = append(t.ents, tentry[V]{})
		i = int32(len(t.ents) - 1)
	}
	b := h & uint32(len(t.buckets)-1)
	t.ents[i] = tentry[V]{key: key, val: v, hash: h, next: t.buckets[b]}
	t.buckets[b] = i + 1
	t.n++
	t.bytes += StringSize(len(key))
}

// Delete removes key and reports whether it was present.
func (t *Table[V]) Delete(key []byte) bool {
	if t.n == 0 {
		return false
	}
	h := hashOf(key)
	b := h & uint32(len(t.buckets)-1)
	prev := &t.buckets[b]
	for i := *prev; i != 0; {
		e := &t.ents[i-1]
		if e.hash == h && e.key == string(key) {
			*prev = e.next
			t.release(i - 1)
			return true
		}
		prev = &e.next
		i = e.next
	}
	return false
}

// release frees slot i, already unlinked from its chain, and shrinks the
// table when it has become sparse.
func (t *Table[V]) release(i int32) {
	t.bytes -= StringSize(len(t.ents[i].key))
	t.ents[i] = tentry[V]{next: -1 - t.free}
	t.free = i + 1
	t.n--
	switch {
	case t.n == 0:
		*t = Table[V]{}
	case len(t.ents) > 4*minBuckets && t.n < len(t.ents)/4:
		t.rehash(bucketsFor(t.n), true)
	case len(t.buckets) > minBuckets && t.n < len(t.buckets)/8:
		t.rehash(bucketsFor(t.n), false)
	}
}

// bucketsFor returns the bucket count for n entries: the power of two at
// least n, at least minBuckets.
func bucketsFor(n int) int {
	if n <= minBuckets {
		return minBuckets
	}
	return 1 << bits.Len(uint(n-1))
}

// rehash rebuilds the chains over nb buckets; with compact it first moves
// the live entries to a new slice without holes.
func (t *Table[V]) rehash(nb int, compact bool) {
	if compact {
		ents := make([]tentry[V], 0, t.n+t.n/2)
		for i := range t.ents {
			if t.ents[i].next >= 0 {
				ents = append(ents, t.ents[i])
			}
		}
		t.ents, t.free = ents, 0
	}
	if cap(t.buckets) >= nb && nb >= len(t.buckets) {
		t.buckets = t.buckets[:nb]
		clear(t.buckets)
	} else {
		t.buckets = make([]int32, nb)
	}
	mask := uint32(nb - 1)
	for i := range t.ents {
		e := &t.ents[i]
		if e.next < 0 {
			continue
		}
		b := e.hash & mask
		e.next = t.buckets[b]
		t.buckets[b] = int32(i + 1)
	}
}

// Range calls fn for each entry until fn returns false. fn must not change t.
func (t *Table[V]) Range(fn func(key string, v *V) bool) {
	for i := range t.ents {
		if e := &t.ents[i]; e.next >= 0 {
			if !fn(e.key, &e.val) {
				return
			}
		}
	}
}

// Random returns a uniformly chosen entry's key and value pointer. t must
// not be empty. It costs O(1) expected time: the entry slice is at least a
// quarter full.
func (t *Table[V]) Random() (string, *V) {
	for {
		e := &t.ents[rand.IntN(len(t.ents))]
		if e.next >= 0 {
			return e.key, &e.val
		}
	}
}

// Scan visits the entries of the bucket cursor names, then of the next
// buckets in reverse-binary order, until it has visited at least count
// entries or 10*count buckets, and returns the cursor of the next call, 0
// when the scan is complete. As with Redis's dictScan, an entry present
// from the first call to the last is visited at least once however the
// table grows or shrinks in between; some may be visited twice.
func (t *Table[V]) Scan(cursor uint64, count int, fn func(key string, v *V)) uint64 {
	if t.n == 0 {
		return 0
	}
	mask := uint64(len(t.buckets) - 1)
	seen := 0
	for steps := 10 * count; ; steps-- {
		for i := t.buckets[cursor&mask]; i != 0; {
			e := &t.ents[i-1]
			fn(e.key, &e.val)
			seen++
			i = e.next
		}
		cursor |= ^mask
		cursor = bits.Reverse64(bits.Reverse64(cursor) + 1)
		if cursor == 0 || seen >= count || steps <= 1 {
			return cursor
		}
	}
}

// MemoryUsage returns the heap bytes held by the table and its keys (not
// by what the values point to).
func (t *Table[V]) MemoryUsage() int64 {
	var e tentry[V]
	return int64(cap(t.buckets))*4 + int64(cap(t.ents))*int64(unsafe.Sizeof(e)) + t.bytes
}

// StringSize returns the heap bytes a string or byte slice of n bytes
// occupies: n rounded up to the allocator's size class (approximated by 8
// bytes up to 32 and 16 bytes above).
func StringSize(n int) int64 {
	switch {
	case n == 0:
		return 0
	case n <= 32:
		return int64((n + 7) &^ 7)
	}
	return int64((n + 15) &^ 15)
}
