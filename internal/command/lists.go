package command

import (
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/list"
)

// listCommands are the commands on list values; the blocking ones are in
// lists_blocking.go.
var listCommands = []*Command{
	listCmd("lpush", -3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", pushComplexity,
		"Prepends elements to a list, creating it when the key does not exist.", cmdLPush),
	listCmd("rpush", -3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", pushComplexity,
		"Appends elements to a list, creating it when the key does not exist.", cmdRPush),
	listCmd("lpushx", -3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "2.2.0", pushComplexity,
		"Prepends elements to a list only when the list exists.", cmdLPushX),
	listCmd("rpushx", -3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "2.2.0", pushComplexity,
		"Appends elements to a list only when the list exists.", cmdRPushX),
	listCmd("lpop", -2, FlagWrite|FlagFast, 1, 1, 1, "1.0.0", "O(N) where N is the number of elements returned",
		"Removes and returns the first elements of a list, deleting the list when it empties.", cmdLPop),
	listCmd("rpop", -2, FlagWrite|FlagFast, 1, 1, 1, "1.0.0", "O(N) where N is the number of elements returned",
		"Removes and returns the last elements of a list, deleting the list when it empties.", cmdRPop),
	listCmd("lrange", 4, FlagReadOnly, 1, 1, 1, "1.0.0",
		"O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
		"Returns the elements of a list between two indexes.", cmdLRange),
	listCmd("llen", 2, FlagReadOnly|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Returns the number of elements of a list.", cmdLLen),
	listCmd("lindex", 3, FlagReadOnly, 1, 1, 1, "1.0.0",
		"O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
		"Returns the element of a list at an index.", cmdLIndex),
	listCmd("lset", 4, FlagWrite|FlagDenyOOM, 1, 1, 1, "1.0.0",
		"O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
		"Replaces the element of a list at an index.", cmdLSet),
	listCmd("linsert", 5, FlagWrite|FlagDenyOOM, 1, 1, 1, "2.2.0",
		"O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
		"Inserts an element before or after the first occurrence of a pivot element.", cmdLInsert),
	listCmd("lrem", 4, FlagWrite, 1, 1, 1, "1.0.0",
		"O(N+M) where N is the length of the list and M is the number of elements removed.",
		"Removes occurrences of an element from a list.", cmdLRem),
	listCmd("ltrim", 4, FlagWrite, 1, 1, 1, "1.0.0",
		"O(N) where N is the number of elements to be removed by the operation.",
		"Keeps only the elements of a list between two indexes.", cmdLTrim),
	listCmd("lpos", -3, FlagReadOnly, 1, 1, 1, "6.0.6",
		"O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
		"Returns the indexes of the elements of a list equal to a value.", cmdLPos),
	listCmd("lmove", 5, FlagWrite|FlagDenyOOM, 1, 2, 1, "6.2.0", "O(1)",
		"Pops an element from one end of a list and pushes it to an end of another, returning it.", cmdLMove),
	listCmd("rpoplpush", 3, FlagWrite|FlagDenyOOM, 1, 2, 1, "1.2.0", "O(1)",
		"Pops the last element of a list and prepends it to another, returning it (deprecated: LMOVE).", cmdRPopLPush),
	withKeys(listCmd("lmpop", -4, FlagWrite, 0, 0, 0, "7.0.0",
		"O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		"Pops elements from the first non-empty list among several keys.", cmdLMPop), numkeysAt(1)),
	listCmd("blpop", -3, FlagWrite|FlagNoScript|FlagBlocking, 1, -2, 1, "2.0.0",
		"O(N) where N is the number of provided keys.",
		"Removes and returns the first element of the first non-empty list, or blocks until one is pushed.", cmdBLPop),
	listCmd("brpop", -3, FlagWrite|FlagNoScript|FlagBlocking, 1, -2, 1, "2.0.0",
		"O(N) where N is the number of provided keys.",
		"Removes and returns the last element of the first non-empty list, or blocks until one is pushed.", cmdBRPop),
	listCmd("blmove", 6, FlagWrite|FlagDenyOOM|FlagNoScript|FlagBlocking, 1, 2, 1, "6.2.0", "O(1)",
		"Moves an element from one list to another as LMOVE, or blocks until the source has one.", cmdBLMove),
	listCmd("brpoplpush", 4, FlagWrite|FlagDenyOOM|FlagNoScript|FlagBlocking, 1, 2, 1, "2.2.0", "O(1)",
		"Moves the last element of a list to the head of another, or blocks until there is one (deprecated: BLMOVE).", cmdBRPopLPush),
	withKeys(listCmd("blmpop", -5, FlagWrite|FlagBlocking, 0, 0, 0, "7.0.0",
		"O(N+M) where N is the number of provided keys and M is the number of elements returned.",
		"Pops elements from the first non-empty list among several keys, or blocks until one is pushed.", cmdBLMPop), numkeysAt(2)),
}

const pushComplexity = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."

// listCmd builds a command of the list group, deriving its ACL categories
// from its flags as Redis does.
func listCmd(name string, arity int, flags Flag, first, last, step int, since, complexity, summary string, h func(*Ctx)) *Command {
	acl := typeACL(flags, "list")
	return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
		ACL: acl, Group: "list", Since: since, Complexity: complexity, Summary: summary, Handler: h}
}

// withKeys sets c's key finder and returns c.
func withKeys(c *Command, keys func(args, dst [][]byte) [][]byte) *Command {
	c.Keys = keys
	return c
}

// numkeysAt returns a key finder for commands whose argument i is the
// number of keys that follow it (LMPOP, BLMPOP). A bad count yields no
// keys: the handler then replies with the error.
func numkeysAt(i int) func(args, dst [][]byte) [][]byte {
	return func(args, dst [][]byte) [][]byte {
		if i >= len(args) {
			return dst
		}
		n, ok := parseInt(args[i])
		if !ok || n <= 0 {
			return dst
		}
		n = min(n, int64(len(args)-i-1))
		return append(dst, args[i+1:i+1+int(n)]...)
	}
}

// listFill returns the node rule new lists get (list-max-listpack-size).
func (x *Ctx) listFill() int { return int(x.Srv.hot.listFill.Load()) }

// listAt returns key's entry and list for a write (or a read with read),
// nil when the key does not exist. On a key of another kind it replies
// WRONGTYPE and returns ok false.
func listAt(x *Ctx, key []byte, read bool) (e *engine.Entry, l *list.List, ok bool) {
	if read {
		e = x.Txn.Get(key)
	} else {
		e = x.Txn.Lookup(key)
	}
	if e == nil {
		return nil, nil, true
	}
	if e.Kind() != engine.KindList {
		x.ErrWrongType()
		return nil, nil, false
	}
	return e, e.Obj.(*list.List), true
}

// listChanged finishes a change of the list l at key: the key is deleted
// when the list is empty (with a "del" notification), re-accounted
// otherwise.
func listChanged(x *Ctx, key []byte, e *engine.Entry, l *list.List) {
	if l.Len() == 0 {
		x.Txn.Delete(key)
		x.Notify('g', "del", key)
		return
	}
	x.Txn.Changed(key, e)
}

// pushTo pushes v at the head (left) or tail of key's list e (nil: the key
// is created) and returns the entry. A created key is signalled to
// blocked clients.
func pushTo(x *Ctx, key []byte, e *engine.Entry, left bool, vals ...[]byte) *engine.Entry {
	var l *list.List
	if e == nil {
		l = list.New(x.listFill())
	} else {
		l = e.Obj.(*list.List)
	}
	for _, v := range vals {
		if left {
			l.PushFront(v)
		} else {
			l.PushBack(v)
		}
	}
	if e == nil {
		e = x.Txn.SetObject(key, l, 0)
		x.KeyReady(key)
	} else {
		x.Txn.Changed(key, e)
	}
	return e
}

func cmdLPush(x *Ctx)  { pushCommand(x, true, false) }
func cmdRPush(x *Ctx)  { pushCommand(x, false, false) }
func cmdLPushX(x *Ctx) { pushCommand(x, true, true) }
func cmdRPushX(x *Ctx) { pushCommand(x, false, true) }

// pushCommand runs [LR]PUSH[X] key element [element ...]; with xx the
// list must exist.
func pushCommand(x *Ctx, left, xx bool) {
	key := x.Args[1]
	e, _, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil && xx {
		x.W.Int(0)
		return
	}
	e = pushTo(x, key, e, left, x.Args[2:]...)
	x.W.Int(int64(e.Obj.Len()))
	if left {
		x.Notify('l', "lpush", key)
	} else {
		x.Notify('l', "rpush", key)
	}
}

func cmdLPop(x *Ctx) { popCommand(x, true) }
func cmdRPop(x *Ctx) { popCommand(x, false) }

// popCommand runs [LR]POP key [count].
func popCommand(x *Ctx, left bool) {
	if len(x.Args) > 3 {
		x.ErrArity()
		return
	}
	count := int64(-1)
	if len(x.Args) == 3 {
		n, ok := x.ArgInt(2)
		if !ok {
			return
		}
		if n < 0 {
			x.Err(errNotPositive)
			return
		}
		count = n
	}
	key := x.Args[1]
	e, l, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil {
		if count >= 0 {
			x.W.NullArray()
		} else {
			x.W.Null()
		}
		return
	}
	switch {
	case count == 0:
		x.W.Array(0)
		return
	case count < 0:
		if left {
			x.W.Bulk(l.Front())
			l.RemoveFront()
		} else {
			x.W.Bulk(l.Back())
			l.RemoveBack()
		}
	default:
		replyPopRange(x, l, left, int(min(count, int64(l.Len()))))
	}
	if left {
		x.Notify('l', "lpop", key)
	} else {
		x.Notify('l', "rpop", key)
	}
	listChanged(x, key, e, l)
}

// replyPopRange replies with the n first (left) or last elements of l, in
// pop order, and removes them.
func replyPopRange(x *Ctx, l *list.List, left bool, n int) {
	x.W.Array(n)
	start := 0
	if !left {
		start = -1
	}
	it := l.Iter(start, !left)
	for range n {
		v, _ := it.Next()
		x.W.Bulk(v)
	}
	if left {
		l.DeleteRange(0, n)
	} else {
		l.DeleteRange(l.Len()-n, n)
	}
}

// cmdLLen runs LLEN key.
func cmdLLen(x *Ctx) {
	e, l, ok := listAt(x, x.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.W.Int(0)
		return
	}
	x.W.Int(int64(l.Len()))
}

// cmdLIndex runs LINDEX key index.
func cmdLIndex(x *Ctx) {
	e, l, ok := listAt(x, x.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.W.Null()
		return
	}
	i, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if v, found := l.Index(clampIndex(i)); found {
		x.W.Bulk(v)
	} else {
		x.W.Null()
	}
}

// clampIndex fits an int64 index into an int without changing whether it
// is inside a list.
func clampIndex(i int64) int {
	const lim = 1 << 62
	return int(max(min(i, lim), -lim))
}

// cmdLSet runs LSET key index element.
func cmdLSet(x *Ctx) {
	key := x.Args[1]
	e, l, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	i, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if !l.Set(clampIndex(i), x.Args[3]) {
		x.Err("ERR index out of range")
		return
	}
	x.Txn.Changed(key, e)
	x.OK()
	x.Notify('l', "lset", key)
}

// listRange turns Redis's start and stop (negative counting from the
// tail) into a first position and a length for a list of n elements.
func listRange(start, stop int64, n int) (int, int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	start = max(start, 0)
	if start > stop || start >= ln {
		return 0, 0
	}
	stop = min(stop, ln-1)
	return int(start), int(stop - start + 1)
}

// cmdLRange runs LRANGE key start stop.
func cmdLRange(x *Ctx) {
	start, ok := x.ArgInt(2)
	if !ok {
		return
	}
	stop, ok := x.ArgInt(3)
	if !ok {
		return
	}
	e, l, ok := listAt(x, x.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		x.W.Array(0)
		return
	}
	from, n := listRange(start, stop, l.Len())
	x.W.Array(n)
	if n == 0 {
		return
	}
	it := l.Iter(from, false)
	for range n {
		v, _ := it.Next()
		x.W.Bulk(v)
	}
}

// cmdLTrim runs LTRIM key start stop.
func cmdLTrim(x *Ctx) {
	start, ok := x.ArgInt(2)
	if !ok {
		return
	}
	stop, ok := x.ArgInt(3)
	if !ok {
		return
	}
	key := x.Args[1]
	e, l, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil {
		x.OK()
		return
	}
	from, n := listRange(start, stop, l.Len())
	if n == 0 {
		l.DeleteRange(0, l.Len())
	} else {
		l.DeleteRange(from+n, l.Len())
		l.DeleteRange(0, from)
	}
	x.Notify('l', "ltrim", key)
	listChanged(x, key, e, l)
	x.OK()
}
