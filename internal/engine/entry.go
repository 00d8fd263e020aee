package engine

import "errors"

// Kind is the type of a key's value, as the TYPE command reports it.
type Kind uint8

// The kinds of value a key can hold.
const (
	KindString Kind = iota + 1
	KindList
	KindSet
	KindZSet
	KindHash
)

// String returns the name TYPE replies with: "string", "list", "set", "zset" or "hash".
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	}
	return "none"
}

// Object is a collection value (hash, list, set, sorted set). The data-type packages implement
// it; the engine needs only these methods, which it calls with the key's shard locked.
type Object interface {
	// Kind returns the kind of the value; never KindString.
	Kind() Kind
	// Encoding returns the OBJECT ENCODING name: "listpack", "hashtable", "quicklist", "intset", "skiplist".
	Encoding() string
	// MemoryUsage returns the bytes the value costs, for memory accounting.
	MemoryUsage() int64
	// Len returns the number of elements, for lazy-free decisions.
	Len() int
}

// Compact is implemented by an Object that has a compact byte encoding (a small hash, set or
// sorted set). While CompactLen is not negative, the engine keeps the bytes WriteCompact writes
// in the key's record instead of the object, and Options.Thaw rebuilds the object when the key
// is read: a small collection then costs no Go heap object while it rests.
type Compact interface {
	// CompactLen returns the length of the compact encoding, or -1 when the object is in its
	// full structure.
	CompactLen() int
	// WriteCompact writes the compact encoding, CompactLen bytes, to dst.
	WriteCompact(dst []byte)
}

// ErrWrongType is the error of a command applied to a key holding another kind of value.
var ErrWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")

// ErrOOM is returned by DB.CheckMemory when used memory is above MaxMemory and the policy
// cannot evict anything.
var ErrOOM = errors.New("OOM command not allowed when used memory > 'maxmemory'.")

// EntryOverhead is the bytes MEMORY USAGE adds to a key's record for its cell in the slot's
// index (8 bytes at a load between 3/8 and 3/4).
const EntryOverhead = 14

// Entry is a view of one key's record, handed out by a Txn. Callers may read Str and Obj, and
// mutate them in place (append to Str, change the object), only inside the Txn that returned
// the entry, then call Txn.Changed. An entry is valid until the Txn ends; its Str aliases the
// arena and must be copied to be kept.
type Entry struct {
	// Str is the value of a KindString key. Its capacity is the record's value area, so an
	// append that fits writes the arena directly; Txn.Changed stores what does not fit.
	Str []byte
	// Obj is the value of any other kind of key.
	Obj Object

	expireAt int64  // unix ms; 0 = no TTL
	size     int64  // bytes of the record and its object
	atime    uint32 // last access, unix seconds
	kind     Kind
	lfu      uint8  // LFU counter
	decay    uint16 // lfu-decay-time in minutes
}

// lfuInitVal is the LFU counter of a new key, so that new keys are not evicted at once.
const lfuInitVal = 5

// Kind returns the kind of the value.
func (e *Entry) Kind() Kind { return e.kind }

// ExpireAt returns the expiry time in unix milliseconds, or 0 when the key has no TTL.
func (e *Entry) ExpireAt() int64 { return e.expireAt }

// Encoding returns the OBJECT ENCODING name of the value. A string is "int" when it is the
// canonical form of an int64 (at most 20 characters), "embstr" when it has at most 44 bytes and
// "raw" otherwise.
func (e *Entry) Encoding() string {
	if e.kind != KindString {
		if e.Obj == nil {
			return ""
		}
		return e.Obj.Encoding()
	}
	if isCanonicalInt(e.Str) {
		return "int"
	}
	if len(e.Str) <= 44 {
		return "embstr"
	}
	return "raw"
}

// isCanonicalInt reports whether b is an int64 written the way strconv.FormatInt writes it.
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if b[0] == '0' {
		return len(b) == 1
	}
	s := b
	if s[0] == '-' {
		s = s[1:]
		if len(s) == 0 || s[0] == '0' {
			return false
		}
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	if len(s) < 19 {
		return true
	}
	limit := "9223372036854775807" // math.MaxInt64; one more for a negative number
	if b[0] == '-' {
		limit = "9223372036854775808"
	}
	return len(s) == 19 && string(s) <= limit // same length: compare as strings, no allocation
}

// IdleTime returns the seconds since the key was last accessed (OBJECT IDLETIME).
func (e *Entry) IdleTime(now int64) int64 {
	if d := now/1000 - int64(e.atime); d > 0 {
		return d
	}
	return 0
}

// Freq returns the key's LFU counter after decay (OBJECT FREQ). It does not change the entry.
func (e *Entry) Freq(now int64) int {
	return int(lfuDecayed(e.lfu, e.atime, e.decay, now))
}

// MemoryUsage estimates the bytes a key costs (MEMORY USAGE): its record in the arena (header,
// key and value area), its object when it has one, and EntryOverhead for the index.
func MemoryUsage(key []byte, e *Entry) int64 {
	_ = key
	return e.size + EntryOverhead
}
