package command

import (
	"bytes"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/glob"
	"github.com/larderdb/larder/internal/types/set"
)

// setCommands are the commands on set values.
var setCommands = []*Command{
	setCmd("sadd", -3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, "1.0.0",
		"O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
		"Adds members to a set, creating the set when needed.", cmdSAdd),
	setCmd("srem", -3, FlagWrite|FlagFast, 1, 1, "1.0.0",
		"O(N) where N is the number of members to be removed.",
		"Removes members from a set, deleting the set when it becomes empty.", cmdSRem),
	setCmd("smembers", 2, FlagReadOnly, 1, 1, "1.0.0", "O(N) where N is the set cardinality.",
		"Returns every member of a set.", cmdSMembers),
	setCmd("sismember", 3, FlagReadOnly|FlagFast, 1, 1, "1.0.0", "O(1)",
		"Reports whether a value is a member of a set.", cmdSIsMember),
	setCmd("smismember", -3, FlagReadOnly|FlagFast, 1, 1, "6.2.0",
		"O(N) where N is the number of elements being checked for membership",
		"Reports whether each of several values is a member of a set.", cmdSMIsMember),
	setCmd("scard", 2, FlagReadOnly|FlagFast, 1, 1, "1.0.0", "O(1)",
		"Returns the number of members of a set.", cmdSCard),
	setCmd("spop", -2, FlagWrite|FlagFast, 1, 1, "1.0.0",
		"Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
		"Removes and returns random members of a set.", cmdSPop),
	setCmd("srandmember", -2, FlagReadOnly, 1, 1, "1.0.0",
		"Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
		"Returns random members of a set, with repeats for a negative count.", cmdSRandMember),
	setCmd("smove", 4, FlagWrite|FlagFast, 1, 2, "1.0.0", "O(1)",
		"Moves a member from one set to another.", cmdSMove),
	setCmd("sinter", -2, FlagReadOnly, 1, -1, "1.0.0",
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		"Returns the intersection of sets.", cmdSInter),
	setCmd("sinterstore", -3, FlagWrite|FlagDenyOOM, 1, -1, "1.0.0",
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		"Stores the intersection of sets in a key.", cmdSInterStore),
	sinterCardCmd(),
	setCmd("sunion", -2, FlagReadOnly, 1, -1, "1.0.0",
		"O(N) where N is the total number of elements in all given sets.",
		"Returns the union of sets.", cmdSUnion),
	setCmd("sunionstore", -3, FlagWrite|FlagDenyOOM, 1, -1, "1.0.0",
		"O(N) where N is the total number of elements in all given sets.",
		"Stores the union of sets in a key.", cmdSUnionStore),
	setCmd("sdiff", -2, FlagReadOnly, 1, -1, "1.0.0",
		"O(N) where N is the total number of elements in all given sets.",
		"Returns the members of the first set that are in none of the others.", cmdSDiff),
	setCmd("sdiffstore", -3, FlagWrite|FlagDenyOOM, 1, -1, "1.0.0",
		"O(N) where N is the total number of elements in all given sets.",
		"Stores the difference of sets in a key.", cmdSDiffStore),
	setCmd("sscan", -3, FlagReadOnly, 1, 1, "2.8.0", collScanComplexity,
		"Iterates over the members of a set.", cmdSScan),
}

// setCmd builds a command of the set group with keys first..last.
func setCmd(name string, arity int, flags Flag, first, last int, since, complexity, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: 1,
		ACL: typeACL(flags, "set"), Group: "set", Since: since, Complexity: complexity,
		Summary: summary, Handler: h}
}

// sinterCardCmd builds SINTERCARD numkeys key [key ...] [LIMIT limit],
// whose keys follow their count.
func sinterCardCmd() *Command {
	c := setCmd("sintercard", -3, FlagReadOnly, 2, 2, "7.0.0",
		"O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
		"Returns the number of members in the intersection of sets.", cmdSInterCard)
	c.Keys = func(args [][]byte, dst [][]byte) [][]byte {
		n, ok := parseInt(args[1])
		if !ok || n < 1 || n > int64(len(args)-2) {
			return dst
		}
		return append(dst, args[2:2+n]...)
	}
	return c
}

// setMaxIntset returns set-max-intset-entries.
func setMaxIntset(x *Ctx) int { return int(min(x.Srv.hot.intsetEntries.Load(), 1<<30)) }

// setAt returns the set in e (nil when e is nil). When e holds another
// type it replies WRONGTYPE and returns false.
func setAt(x *Ctx, e *engine.Entry) (set.Set, bool) {
	if e == nil {
		return nil, true
	}
	if e.Kind() != engine.KindSet {
		x.ErrWrongType()
		return nil, false
	}
	return e.Obj.(set.Set), true
}

// storeSet stores s, changed, at key: a new key when e is nil.
func storeSet(x *Ctx, key []byte, e *engine.Entry, s set.Set) {
	if e == nil {
		x.Txn.SetObject(key, s, 0)
		return
	}
	e.Obj = s
	x.Txn.Changed(key, e)
}

func cmdSAdd(x *Ctx) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	s, ok := setAt(x, e)
	if !ok {
		return
	}
	limit := setMaxIntset(x)
	if s == nil {
		s = set.NewSized(x.Args[2:], limit) // one allocation for all the members
	}
	added := 0
	for _, m := range x.Args[2:] {
		var isNew bool
		if s, isNew = s.Add(m, limit); isNew {
			added++
		}
	}
	if added > 0 {
		storeSet(x, key, e, s)
		x.Notify('s', "sadd", key)
	}
	x.W.Int(int64(added))
}

func cmdSRem(x *Ctx) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	s, ok := setAt(x, e)
	if !ok {
		return
	}
	if s == nil {
		x.W.Int(0)
		return
	}
	deleted, removed := 0, false
	for _, m := range x.Args[2:] {
		var found bool
		if s, found = s.Remove(m); found {
			deleted++
			if s.Len() == 0 {
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		setChangedOrDeleted(x, key, e, s)
		x.Notify('s', "srem", key)
		if removed {
			x.Notify('g', "del", key)
		}
	}
	x.W.Int(int64(deleted))
}

// setChangedOrDeleted stores s at key's entry e after a removal, or
// deletes the key when s is empty.
func setChangedOrDeleted(x *Ctx, key []byte, e *engine.Entry, s set.Set) {
	if s.Len() == 0 {
		x.Txn.Delete(key)
		return
	}
	storeSet(x, key, e, s)
}

func cmdSMembers(x *Ctx) {
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if s == nil {
		x.W.Set(0)
		return
	}
	x.W.Set(s.Len())
	s.Range(func(m []byte) bool { x.W.Bulk(m); return true })
}

func cmdSIsMember(x *Ctx) {
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if s != nil && s.Has(x.Args[2]) {
		x.W.Int(1)
		return
	}
	x.W.Int(0)
}

func cmdSMIsMember(x *Ctx) {
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	x.W.Array(len(x.Args) - 2)
	for _, m := range x.Args[2:] {
		if s != nil && s.Has(m) {
			x.W.Int(1)
		} else {
			x.W.Int(0)
		}
	}
}

func cmdSCard(x *Ctx) {
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if s == nil {
		x.W.Int(0)
		return
	}
	x.W.Int(int64(s.Len()))
}

// cmdSMove implements SMOVE source destination member.
func cmdSMove(x *Ctx) {
	srcKey, dstKey, m := x.Args[1], x.Args[2], x.Args[3]
	se := x.Txn.Lookup(srcKey)
	de := x.Txn.Lookup(dstKey)
	if se == nil {
		x.W.Int(0)
		return
	}
	src, ok := setAt(x, se)
	if !ok {
		return
	}
	dst, ok := setAt(x, de)
	if !ok {
		return
	}
	if bytes.Equal(srcKey, dstKey) {
		if src.Has(m) {
			x.W.Int(1)
		} else {
			x.W.Int(0)
		}
		return
	}
	src, found := src.Remove(m)
	if !found {
		x.W.Int(0)
		return
	}
	setChangedOrDeleted(x, srcKey, se, src)
	x.Notify('s', "srem", srcKey)
	if src.Len() == 0 {
		x.Notify('g', "del", srcKey)
	}
	if dst == nil {
		dst = set.New(m)
	}
	dst, added := dst.Add(m, setMaxIntset(x))
	if added {
		storeSet(x, dstKey, de, dst)
		x.Notify('s', "sadd", dstKey)
	}
	x.W.Int(1)
}

// cmdSScan implements SSCAN key cursor [MATCH pattern] [COUNT count].
func cmdSScan(x *Ctx) {
	cursor, ok := parseScanCursor(x.Args[2])
	if !ok {
		x.Err("ERR invalid cursor")
		return
	}
	s, ok := setAt(x, x.Txn.Get(x.Args[1]))
	if !ok {
		return
	}
	if s == nil {
		collScanReply(x, 0, nil)
		return
	}
	count, pat, _, ok := scanOptions(x, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	next := s.Scan(cursor, count, func(m []byte) {
		if pat == nil || glob.Match(pat, m, false) {
			items = append(items, append([]byte(nil), m...)) // intset members are temporary
		}
	})
	collScanReply(x, next, items)
}
