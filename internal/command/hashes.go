package command

import (
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/hash"
)

// hashCommands are the commands on hash values.
var hashCommands = []*Command{
	hashCmd("hset", -4, FlagWrite|FlagDenyOOM|FlagFast, "2.0.0",
		"O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
		"Sets fields of a hash to values, creating the hash when needed.", cmdHSet),
	hashCmd("hmset", -4, FlagWrite|FlagDenyOOM|FlagFast, "2.0.0",
		"O(N) where N is the number of fields being set.",
		"Sets fields of a hash to values (deprecated form of HSET replying OK).", cmdHSet),
	hashCmd("hsetnx", 4, FlagWrite|FlagDenyOOM|FlagFast, "2.0.0", "O(1)",
		"Sets a field of a hash only when the field does not exist.", cmdHSetNX),
	hashCmd("hget", 3, FlagReadOnly|FlagFast, "2.0.0", "O(1)",
		"Returns the value of a field of a hash.", cmdHGet),
	hashCmd("hmget", -3, FlagReadOnly|FlagFast, "2.0.0",
		"O(N) where N is the number of fields being requested.",
		"Returns the values of several fields of a hash.", cmdHMGet),
	hashCmd("hdel", -3, FlagWrite|FlagFast, "2.0.0",
		"O(N) where N is the number of fields to be removed.",
		"Removes fields from a hash, deleting the hash when it becomes empty.", cmdHDel),
	hashCmd("hlen", 2, FlagReadOnly|FlagFast, "2.0.0", "O(1)",
		"Returns the number of fields of a hash.", cmdHLen),
	hashCmd("hexists", 3, FlagReadOnly|FlagFast, "2.0.0", "O(1)",
		"Reports whether a field exists in a hash.", cmdHExists),
	hashCmd("hstrlen", 3, FlagReadOnly|FlagFast, "3.2.0", "O(1)",
		"Returns the length of the value of a field of a hash.", cmdHStrlen),
	hashCmd("hkeys", 2, FlagReadOnly, "2.0.0", "O(N) where N is the size of the hash.",
		"Returns the fields of a hash.", cmdHKeys),
	hashCmd("hvals", 2, FlagReadOnly, "2.0.0", "O(N) where N is the size of the hash.",
		"Returns the values of a hash.", cmdHVals),
	hashCmd("hgetall", 2, FlagReadOnly, "2.0.0", "O(N) where N is the size of the hash.",
		"Returns every field and value of a hash.", cmdHGetAll),
	hashCmd("hincrby", 4, FlagWrite|FlagDenyOOM|FlagFast, "2.0.0", "O(1)",
		"Adds an integer to the integer value of a field of a hash.", cmdHIncrBy),
	hashCmd("hincrbyfloat", 4, FlagWrite|FlagDenyOOM|FlagFast, "2.6.0", "O(1)",
		"Adds a floating point number to the numeric value of a field of a hash.", cmdHIncrByFloat),
	hashCmd("hrandfield", -2, FlagReadOnly, "6.2.0",
		"O(N) where N is the number of fields returned",
		"Returns random fields of a hash, optionally with their values.", cmdHRandField),
	hashCmd("hscan", -3, FlagReadOnly, "2.8.0", collScanComplexity,
		"Iterates over the fields and values of a hash.", cmdHScan),
}

const collScanComplexity = "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."

// hashCmd builds a command of the hash group on the key at position 1,
// deriving its ACL categories from its flags as Redis does.
func hashCmd(name string, arity int, flags Flag, since, complexity, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: typeACL(flags, "hash"), Group: "hash", Since: since, Complexity: complexity,
		Summary: summary, Handler: h}
}

// hashLimits returns the compact-encoding thresholds from the settings.
func hashLimits(x *Ctx) hash.Limits {
	h := &x.Srv.hot
	return hash.Limits{
		MaxEntries: int(min(h.hashEntries.Load(), 1<<30)),
		MaxValue:   int(min(h.hashValue.Load(), 1<<30)),
	}
}

// hashAt returns the hash in e (nil when e is nil). When e holds another
// type it replies WRONGTYPE and returns false.
func hashAt(x *Ctx, e *engine.Entry) (hash.Hash, bool) {
	if e == nil {
		return nil, true
	}
	if e.Kind() != engine.KindHash {
		x.ErrWrongType()
		return nil, false
	}
	return e.Obj.(hash.Hash), true
}

// hashForWrite returns the hash at key for a change, a new empty one when
// the key is absent (e nil), or replies WRONGTYPE and returns false.
func hashForWrite(x *Ctx, key []byte) (*engine.Entry, hash.Hash, bool) {
	e := x.Txn.Lookup(key)
	h, ok := hashAt(x, e)
	if ok && h == nil {
		h = hash.New()
	}
	return e, h, ok
}

// storeHash stores h, changed, at key: a new key when e is nil.
func storeHash(x *Ctx, key []byte, e *engine.Entry, h hash.Hash) {
	if e == nil {
		x.Txn.SetObject(key, h, 0)
		return
	}
	e.Obj = h
	x.Txn.Changed(key, e)
}

// cmdHSet implements HSET and HMSET key field value [field value ...].
func cmdHSet(x *Ctx) {
	if len(x.Args)%2 == 1 {
		x.ErrArity()
		return
	}
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	h, ok := hashAt(x, e)
	if !ok {
		return
	}
	if h == nil {
		h = hash.NewSized(x.Args[2:]) // one allocation for all the pairs
	}
	lim := hashLimits(x)
	created := 0
	for i := 2; i < len(x.Args); i += 2 {
		var added bool
		h, added = h.Set(x.Args[i], x.Args[i+1], lim)
		if added {
			created++
		}
	}
	storeHash(x, key, e, h)
	if x.Cmd.Name == "hset" {
		x.W.Int(int64(created))
	} else {
		x.OK()
	}
	x.Notify('h', "hset", key)
}

func cmdHSetNX(x *Ctx) {
	key := x.Args[1]
	e, h, ok := hashForWrite(x, key)
	if !ok {
		return
	}
	if _, exists := h.Get(x.Args[2]); exists {
		x.W.Int(0)
		return
	}
	h, _ = h.Set(x.Args[2], x.Args[3], hashLimits(x))
	storeHash(x, key, e, h)
	x.W.Int(1)
	x.Notify('h', "hset", key)
}

func cmdHGet(x *Ctx) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(x.Args[2]); found {
			x.W.Bulk(v)
			return
		}
	}
	x.W.Null()
}

func cmdHMGet(x *Ctx) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	x.W.Array(len(x.Args) - 2)
	for _, f := range x.Args[2:] {
		if h != nil {
			if v, found := h.Get(f); found {
				x.W.Bulk(v)
				continue
			}
		}
		x.W.Null()
	}
}

func cmdHDel(x *Ctx) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	h, ok := hashAt(x, e)
	if !ok {
		return
	}
	if h == nil {
		x.W.Int(0)
		return
	}
	deleted, removed := 0, false
	for _, f := range x.Args[2:] {
		var found bool
		if h, found = h.Delete(f); found {
			deleted++
			if h.Len() == 0 {
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		if removed {
			x.Txn.Delete(key)
		} else {
			storeHash(x, key, e, h)
		}
		x.Notify('h', "hdel", key)
		if removed {
			x.Notify('g', "del", key)
		}
	}
	x.W.Int(int64(deleted))
}

func cmdHLen(x *Ctx) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if h == nil {
		x.W.Int(0)
		return
	}
	x.W.Int(int64(h.Len()))
}

func cmdHExists(x *Ctx) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if h != nil {
		if _, found := h.Get(x.Args[2]); found {
			x.W.Int(1)
			return
		}
	}
	x.W.Int(0)
}

func cmdHStrlen(x *Ctx) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	var n int
	if h != nil {
		v, _ := h.Get(x.Args[2])
		n = len(v)
	}
	x.W.Int(int64(n))
}

func cmdHKeys(x *Ctx)   { hashGetAll(x, true, false) }
func cmdHVals(x *Ctx)   { hashGetAll(x, false, true) }
func cmdHGetAll(x *Ctx) { hashGetAll(x, true, true) }

// hashGetAll replies with the fields, the values or both (a map) of a hash.
func hashGetAll(x *Ctx, fields, values bool) {
	h, ok := hashAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		x.W.Map(n)
	} else {
		x.W.Array(n)
	}
	if h == nil {
		return
	}
	h.Range(func(f, v []byte) bool {
		if fields {
			x.W.Bulk(f)
		}
		if values {
			x.W.Bulk(v)
		}
		return true
	})
}
