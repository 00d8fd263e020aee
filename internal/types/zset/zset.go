package zset

import (
	"bytes"
	"encoding/binary"
	"maps"
	"math"
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
)

// Limits are the thresholds of the compact form, as Redis's
// zset-max-listpack-entries and zset-max-listpack-value: a sorted set stays
// compact while it has at most MaxEntries members of at most MaxValue bytes.
type Limits struct {
	MaxEntries int
	MaxValue   int
}

// Flags select how Add treats a member, as ZADD's options.
type Flags uint8

// The options of Add.
const (
	NX   Flags = 1 << iota // only add new members
	XX                     // only update existing members
	GT                     // update only when the new score is greater
	LT                     // update only when the new score is less
	Incr                   // add the score to the current one (0 when new)
)

// Result says what Add did.
type Result uint8

// The results of Add.
const (
	Unchanged Result = iota // the member was there with that score
	Added                   // a new member was added
	Updated                 // the member's score changed
	Skipped                 // NX, XX, GT or LT prevented the change
	NaN                     // the resulting score would be NaN; nothing changed
)

// ZSet is a sorted set: distinct members (byte strings) ordered by a
// float64 score, then by member bytes. Small sets are one compact byte
// slice; larger ones an order-statistics B+tree plus a member -> score map.
// Member slices passed to callbacks alias the set's storage: they must not
// be modified, and are valid only until the set next changes. A ZSet is not
// safe for concurrent use.
type ZSet struct {
	lp []byte // compact form, when f is nil
	n  int    // members in the compact form
	f  *full
}

// full is the large form.
type full struct {
	t     tree
	dict  map[string]float64
	bytes int64 // estimated bytes held for the members, see itemCost
}

var _ engine.Object = (*ZSet)(nil)

// New returns an empty sorted set in the compact form.
func New() *ZSet { return &ZSet{} }

// structSize is the size of the ZSet struct's allocation.
const structSize = 48

// itemCost estimates the bytes one member costs in the full form besides
// its own bytes: 44 for its share of the B+tree (24-byte items in leaves
// about 70% full, and the inner nodes; measured by BenchmarkOrderIndex)
// and 38 for its map slot (24 bytes and a control byte at the map's
// average load).
const itemCost = 44 + 38

// Kind returns engine.KindZSet.
func (z *ZSet) Kind() engine.Kind { return engine.KindZSet }

// Encoding returns "listpack" for the compact form, "skiplist" otherwise,
// the names Redis reports.
func (z *ZSet) Encoding() string {
	if z.f == nil {
		return "listpack"
	}
	return "skiplist"
}

// MemoryUsage returns an estimate of the bytes the set holds. It is O(1).
func (z *ZSet) MemoryUsage() int64 {
	if z.f == nil {
		return structSize + int64(cap(z.lp))
	}
	return structSize + 128 + z.f.bytes
}

// Len returns the number of members.
func (z *ZSet) Len() int {
	if z.f == nil {
		return z.n
	}
	return z.f.t.len()
}

// Compact reports whether the set is in the compact form.
func (z *ZSet) Compact() bool { return z.f == nil }

// Copy returns a deep copy of z in the same form.
func (z *ZSet) Copy() engine.Object {
	if z.f == nil {
		return &ZSet{lp: bytes.Clone(z.lp), n: z.n}
	}
	c := &ZSet{f: &full{dict: maps.Clone(z.f.dict), bytes: z.f.bytes}}
	for p := z.f.t.first(); p.ok(); p = p.next() {
		c.f.t.insert(*p.item())
	}
	return c
}

// view returns the bytes of s without copying; they must not be modified.
func view(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// str returns b as a string without copying, for lookups that do not keep it.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Score returns member's score.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.f == nil {
		off, s := lpFind(z.lp, member)
		return s, off >= 0
	}
	s, ok := z.f.dict[string(member)]
	return s, ok
}

// Add adds member with score or updates its score, following f, and
// returns the member's score afterwards and what happened. A new member
// that would take the set past lim converts it to the full form first.
// score must not be NaN (Add then returns NaN).
func (z *ZSet) Add(member []byte, score float64, f Flags, lim Limits) (float64, Result) {
	if math.IsNaN(score) {
		return 0, NaN
	}
	var (
		cur    float64
		exists bool
		own    = -1
		ins    int
	)
	if z.f == nil {
		own, cur, ins = lpLocate(z.lp, member, score)
		exists = own >= 0
	} else {
		cur, exists = z.f.dict[string(member)]
	}
	if !exists {
		if f&XX != 0 {
			return 0, Skipped
		}
		if z.f == nil && (z.n+1 > lim.MaxEntries || len(member) > lim.MaxValue) {
			z.toFull()
		}
		if z.f == nil {
			z.lp = lpInsert(z.lp, ins, member, score)
			z.n++
		} else {
			z.f.add(string(member), score)
		}
		return score, Added
	}
	if f&NX != 0 {
		return cur, Skipped
	}
	if f&Incr != 0 {
		score += cur
		if math.IsNaN(score) {
			return cur, NaN
		}
	}
	if (f&LT != 0 && score >= cur) || (f&GT != 0 && score <= cur) {
		return cur, Skipped
	}
	if score == cur {
		return score, Unchanged
	}
	if z.f == nil {
		if f&Incr != 0 {
			ins = lpInsertPos(z.lp, member, score, own)
		}
		z.lp = lpReplace(z.lp, own, ins, member, score)
	} else {
		old := z.f.t.remove(item{score: cur, member: str(member)})
		old.score = score
		z.f.t.insert(old)
		z.f.dict[old.member] = score
	}
	return score, Updated
}

// add inserts a member known to be absent.
func (f *full) add(member string, score float64) {
	f.t.insert(item{score: score, member: member})
	f.dict[member] = score
	f.bytes += itemCost + int64(len(member)+7)&^7
}

// del removes a member known to be present with score.
func (f *full) del(member string, score float64) {
	old := f.t.remove(item{score: score, member: member})
	delete(f.dict, old.member)
	f.bytes -= itemCost + int64(len(old.member)+7)&^7
}

// toFull converts the compact form to the full form.
func (z *ZSet) toFull() {
	f := &full{dict: make(map[string]float64, z.n+1)}
	for off := 0; off < len(z.lp); {
		m, s, next := entryAt(z.lp, off)
		f.add(string(m), s)
		off = next
	}
	z.f, z.lp, z.n = f, nil, 0
}

// Remove deletes member and reports whether it was there.
func (z *ZSet) Remove(member []byte) bool {
	if z.f == nil {
		off, _ := lpFind(z.lp, member)
		if off < 0 {
			return false
		}
		_, next := memberAt(z.lp, off)
		z.lp = lpDelete(z.lp, off, next)
		z.n--
		return true
	}
	s, ok := z.f.dict[string(member)]
	if ok {
		z.f.del(str(member), s)
	}
	return ok
}

// Rank returns member's 0-based rank in ascending order.
func (z *ZSet) Rank(member []byte) (int, bool) {
	if z.f == nil {
		r := 0
		for off := 0; off < len(z.lp); r++ {
			var m []byte
			m, off = memberAt(z.lp, off)
			if bytes.Equal(m, member) {
				return r, true
			}
		}
		return 0, false
	}
	s, ok := z.f.dict[string(member)]
	if !ok {
		return 0, false
	}
	return z.f.t.rank(&item{score: s, member: str(member)}), true
}

// CompactLen returns the bytes of the compact form (a 4-byte member count, then the
// listpack), which WriteCompact writes and Thaw reads back, or -1 for the full form: the
// engine keeps a compact sorted set in its arena as these bytes.
func (z *ZSet) CompactLen() int {
	if z.f != nil {
		return -1
	}
	return 4 + len(z.lp)
}

// WriteCompact writes the compact form to dst, which has CompactLen bytes.
func (z *ZSet) WriteCompact(dst []byte) {
	binary.LittleEndian.PutUint32(dst, uint32(z.n))
	copy(dst[4:], z.lp)
}

// Thaw returns the sorted set whose bytes WriteCompact wrote, copying b.
func Thaw(b []byte) *ZSet {
	if len(b) < 4 {
		return New()
	}
	return &ZSet{n: int(binary.LittleEndian.Uint32(b)), lp: bytes.Clone(b[4:])}
}
