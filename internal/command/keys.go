package command

import "github.com/larderdb/larder/internal/engine"

// keyCommands are the generic commands on keys, whatever their type, and on
// the keyspace as a whole.
var keyCommands = []*Command{
	{Name: "del", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1,
		ACL: []string{"keyspace", "write", "slow"}, Group: "generic", Since: "1.0.0",
		Complexity: "O(N) where N is the number of keys that will be removed.",
		Summary:    "Deletes one or more keys.", Handler: cmdDel},
	{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
		ACL: []string{"keyspace", "write", "fast"}, Group: "generic", Since: "4.0.0",
		Complexity: "O(1) for each key removed regardless of its size.",
		Summary:    "Deletes one or more keys, reclaiming their memory in the background.", Handler: cmdDel},
	{Name: "exists", Arity: -2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
		ACL: []string{"keyspace", "read", "fast"}, Group: "generic", Since: "1.0.0",
		Complexity: "O(N) where N is the number of keys to check.",
		Summary:    "Counts how many of the given keys exist.", Handler: cmdExists},
	{Name: "type", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"keyspace", "read", "fast"}, Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Reports the type of the value stored at a key.", Handler: cmdType},
	{Name: "touch", Arity: -2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
		ACL: []string{"keyspace", "read", "fast"}, Group: "generic", Since: "3.2.1",
		Complexity: "O(N) where N is the number of keys that will be touched.",
		Summary:    "Marks keys as recently accessed and counts those that exist.", Handler: cmdTouch},
	{Name: "rename", Arity: 3, Flags: FlagWrite, FirstKey: 1, LastKey: 2, Step: 1,
		ACL: []string{"keyspace", "write", "slow"}, Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Gives a key a new name, overwriting any key of that name.", Handler: cmdRename},
	{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1,
		ACL: []string{"keyspace", "write", "fast"}, Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Gives a key a new name only when no key has that name yet.", Handler: cmdRenameNX},
	{Name: "copy", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1,
		ACL: []string{"keyspace", "write", "slow"}, Group: "generic", Since: "6.2.0",
		Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
		Summary:    "Duplicates the value and TTL of a key under another name.", Handler: cmdCopy},
	{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"keyspace", "write", "fast"}, Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Moves a key to another database (Larder has only database 0).", Handler: cmdMove},
	{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast,
		ACL: []string{"keyspace", "write", "fast", "dangerous"}, Group: "server", Since: "4.0.0",
		Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
		Summary:    "Exchanges two databases (Larder has only database 0).", Handler: cmdSwapDB},
	{Name: "keys", Arity: 2, Flags: FlagReadOnly,
		ACL: []string{"keyspace", "read", "slow", "dangerous"}, Group: "generic", Since: "1.0.0",
		Complexity: "O(N) with N being the number of keys in the database.",
		Summary:    "Lists every key whose name matches a glob pattern.", Handler: cmdKeys},
	{Name: "scan", Arity: -2, Flags: FlagReadOnly,
		ACL: []string{"keyspace", "read", "slow"}, Group: "generic", Since: "2.8.0",
		Complexity: "O(1) for every call. O(N) for a complete iteration.",
		Summary:    "Walks the keyspace a few keys at a time with a cursor.", Handler: cmdScan},
	{Name: "randomkey", Arity: 1, Flags: FlagReadOnly,
		ACL: []string{"keyspace", "read", "slow"}, Group: "generic", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Picks a key at random.", Handler: cmdRandomKey},
	{Name: "dbsize", Arity: 1, Flags: FlagReadOnly | FlagFast,
		ACL: []string{"keyspace", "read", "fast"}, Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Counts the keys in the database.", Handler: cmdDBSize},
	{Name: "flushdb", Arity: -1, Flags: FlagWrite,
		ACL: []string{"keyspace", "write", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Complexity: "O(N) where N is the number of keys in the selected database",
		Summary:    "Deletes every key of the database.", Handler: cmdFlush},
	{Name: "flushall", Arity: -1, Flags: FlagWrite,
		ACL: []string{"keyspace", "write", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Complexity: "O(N) where N is the total number of keys in all databases",
		Summary:    "Deletes every key of every database.", Handler: cmdFlush},
	objectCommand,
}

// Errors of the keyspace commands, worded as Redis words them.
const (
	errKeysSameObject = "ERR source and destination objects are the same"
	errKeysDBRange    = "ERR DB index is out of range"
)

// cmdDel implements DEL and UNLINK: deleting is cheap for every value, so
// both free the value at once (the garbage collector reclaims it).
func cmdDel(x *Ctx) {
	var n int64
	for _, k := range x.Args[1:] {
		if x.Txn.Delete(k) {
			x.Notify('g', "del", k)
			n++
		}
	}
	x.W.Int(n)
}

// cmdExists counts the existing keys among the arguments, a repeated key
// once per occurrence, without touching them.
func cmdExists(x *Ctx) {
	var n int64
	for _, k := range x.Args[1:] {
		if x.Txn.Peek(k) != nil {
			n++
		}
	}
	x.W.Int(n)
}

// cmdTouch records an access to each existing key and counts them.
func cmdTouch(x *Ctx) {
	var n int64
	for _, k := range x.Args[1:] {
		if x.Txn.Get(k) != nil {
			n++
		}
	}
	x.W.Int(n)
}

func cmdType(x *Ctx) {
	e := x.Txn.Peek(x.Args[1])
	if e == nil {
		x.W.Simple("none")
		return
	}
	x.W.Simple(e.Kind().String())
}

// argDBIndex parses args[i] as a database index (a C int, as Redis's
// getIntFromObjectOrReply); on failure it replies msg, or the generic
// integer error when msg is empty, and returns false.
func argDBIndex(x *Ctx, i int, msg string) (int64, bool) {
	n, ok := parseInt(x.Args[i])
	if !ok || n < -1<<31 || n > 1<<31-1 {
		if msg == "" {
			msg = errNotInt
		}
		x.Err(msg)
		return 0, false
	}
	return n, true
}

// keysCopyable is implemented by collection values that COPY can duplicate.
// Copy returns a deep copy that shares no mutable state with the receiver.
type keysCopyable interface {
	Copy() engine.Object
}
