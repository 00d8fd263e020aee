package command

import (
	"math"
	"strings"
)

// objectCommand is OBJECT, whose subcommands inspect how a key is stored
// without counting as an access to it.
var objectCommand = &Command{
	Name: "object", Arity: -2, Group: "generic", Since: "2.2.3",
	Complexity: "Depends on subcommand.",
	Summary:    "A container for commands that inspect how keys are stored.",
	Handler:    cmdObjectUnknown,
	Sub: map[string]*Command{
		"encoding": objectSub("encoding", "2.2.3", "Reports the internal representation of a key's value.", cmdObjectEncoding),
		"freq":     objectSub("freq", "4.0.0", "Reports the logarithmic access frequency counter of a key.", cmdObjectFreq),
		"idletime": objectSub("idletime", "2.2.3", "Reports the seconds since a key was last accessed.", cmdObjectIdleTime),
		"refcount": objectSub("refcount", "2.2.3", "Reports the reference count of a key's value.", cmdObjectRefCount),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
			ACL: []string{"keyspace", "slow"}, Since: "6.2.0", Complexity: "O(1)",
			Summary: "Lists the OBJECT subcommands.", Handler: cmdObjectHelp},
	},
}

// objectSub builds an OBJECT subcommand taking one key.
func objectSub(name, since, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: 3, Flags: FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1,
		ACL: []string{"keyspace", "read", "slow"}, Since: since, Complexity: "O(1)",
		Summary: summary, Handler: h}
}

// Errors of OBJECT FREQ and OBJECT IDLETIME under the wrong eviction policy.
const (
	errObjectNoLFU = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errObjectLFU = "ERR An LFU maxmemory policy is selected, idle time not tracked. " +
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: values from 0 below this
// are shared objects, whose reference count OBJECT REFCOUNT reports as
// INT_MAX.
const sharedIntegers = 10000

// cmdObjectUnknown is never reached through Dispatch, which routes to the
// subcommands; it answers as Redis does to a subcommand it does not know.
func cmdObjectUnknown(x *Ctx) {
	x.Err("ERR unknown subcommand or wrong number of arguments for '" +
		clip(string(x.Args[1]), 128) + "'. Try OBJECT HELP.")
}

// objectLFU reports whether the maxmemory-policy is an LFU one.
func objectLFU(x *Ctx) bool {
	return strings.HasSuffix(x.Srv.cfg.String("maxmemory-policy"), "-lfu")
}

func cmdObjectEncoding(x *Ctx) {
	e := x.Txn.Peek(x.Args[2])
	if e == nil {
		x.W.Null()
		return
	}
	x.W.BulkString(e.Encoding())
}

func cmdObjectFreq(x *Ctx) {
	e := x.Txn.Peek(x.Args[2])
	if e == nil {
		x.W.Null()
		return
	}
	if !objectLFU(x) {
		x.Err(errObjectNoLFU)
		return
	}
	x.W.Int(int64(e.Freq(x.Now)))
}

func cmdObjectIdleTime(x *Ctx) {
	e := x.Txn.Peek(x.Args[2])
	if e == nil {
		x.W.Null()
		return
	}
	if objectLFU(x) {
		x.Err(errObjectLFU)
		return
	}
	x.W.Int(e.IdleTime(x.Now))
}

// cmdObjectRefCount replies 1, or INT_MAX for the small integers Redis
// would store as shared objects (when no LRU or LFU policy needs per-key
// access data), so that clients see the counts Redis reports.
func cmdObjectRefCount(x *Ctx) {
	e := x.Txn.Peek(x.Args[2])
	if e == nil {
		x.W.Null()
		return
	}
	if e.Encoding() == "int" {
		n, _ := parseInt(e.Str)
		pol := x.Srv.cfg.String("maxmemory-policy")
		shareable := x.Srv.cfg.Int("maxmemory") == 0 ||
			!(strings.HasSuffix(pol, "-lru") || strings.HasSuffix(pol, "-lfu"))
		if shareable && n >= 0 && n < sharedIntegers {
			x.W.Int(math.MaxInt32)
			return
		}
	}
	x.W.Int(1)
}

// objectHelp is the body of OBJECT HELP, between Redis's usual header and
// footer lines.
var objectHelp = []string{
	"ENCODING <key>",
	"    Return the internal representation of the value stored at <key>.",
	"FREQ <key>",
	"    Return the access frequency counter of <key>, which grows with the logarithm",
	"    of recent accesses (needs an LFU maxmemory-policy).",
	"IDLETIME <key>",
	"    Return the approximate number of seconds since <key> was last accessed",
	"    (not available with an LFU maxmemory-policy).",
	"REFCOUNT <key>",
	"    Return the number of references to the value stored at <key>.",
}

func cmdObjectHelp(x *Ctx) {
	x.W.Array(len(objectHelp) + 3)
	x.W.Simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range objectHelp {
		x.W.Simple(l)
	}
	x.W.Simple("HELP")
	x.W.Simple("    Prints this help.")
}
