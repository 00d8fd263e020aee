package command

import (
	"strings"
	"sync/atomic"
)

// Flag describes a command's behaviour, as the flags COMMAND INFO reports.
type Flag uint32

// Command flags, named as Redis 7 names them in COMMAND INFO.
const (
	FlagWrite Flag = 1 << iota
	FlagReadOnly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagNoMandatoryKeys
	FlagAllowBusy
	// FlagNoLock marks a command with key positions whose handler takes the
	// engine's locks itself (or needs none), instead of Dispatch locking the
	// shards of its keys before calling it.
	FlagNoLock
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagWrite, "write"}, {FlagReadOnly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"}, {FlagLoading, "loading"}, {FlagStale, "stale"},
	{FlagSkipMonitor, "skip_monitor"}, {FlagSkipSlowlog, "skip_slowlog"}, {FlagFast, "fast"},
	{FlagNoAuth, "no_auth"}, {FlagMayReplicate, "may_replicate"},
	{FlagNoMandatoryKeys, "no_mandatory_keys"}, {FlagAllowBusy, "allow_busy"},
}

// typeACL returns the ACL categories Redis derives for a command of a data
// type: write and/or read, the type's category, fast or slow, and blocking.
func typeACL(flags Flag, typ string) []string {
	acl := make([]string, 0, 4)
	if flags&FlagWrite != 0 {
		acl = append(acl, "write")
	}
	if flags&FlagReadOnly != 0 {
		acl = append(acl, "read")
	}
	acl = append(acl, typ)
	if flags&FlagFast != 0 {
		acl = append(acl, "fast")
	} else {
		acl = append(acl, "slow")
	}
	if flags&FlagBlocking != 0 {
		acl = append(acl, "blocking")
	}
	return acl
}

// Names returns the COMMAND INFO names of the flags set in f.
func (f Flag) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// Command is one entry of the command table: its name, arity, flags, key
// positions, documentation and handler. Commands are built once, when the
// table is, and never change afterwards except for their statistics.
type Command struct {
	Name  string // lower case; "client|kill" style for subcommands is FullName
	Arity int    // Redis convention: n > 0 exactly n arguments, n < 0 at least -n (the name counts)
	Flags Flag
	// FirstKey, LastKey and Step give the key positions as COMMAND INFO does:
	// FirstKey 0 means no keys; LastKey -1 means the last argument.
	FirstKey, LastKey, Step int
	// Keys, when set, finds the key positions of commands whose keys do not
	// follow FirstKey/LastKey/Step (for example a numkeys argument). It
	// appends to dst and returns it.
	Keys func(args [][]byte, dst [][]byte) [][]byte
	// ACL lists the ACL categories, without the '@'.
	ACL        []string
	Group      string // COMMAND DOCS group: "string", "generic", "connection", "server", ...
	Summary    string
	Since      string
	Complexity string
	// Handler runs the command. When the command has keys and not FlagNoLock,
	// the shards of its keys are locked (x.Txn) while it runs.
	Handler func(x *Ctx)
	// Sub holds the subcommands of a container command (CLIENT, CONFIG, ...)
	// by lower-case name.
	Sub map[string]*Command

	parent *Command
	stats  commandStats
}

// FullName returns the name as Redis reports it: "get", or "client|kill"
// for a subcommand.
func (c *Command) FullName() string {
	if c.parent != nil {
		return c.parent.Name + "|" + c.Name
	}
	return c.Name
}

// commandStats are the INFO commandstats counters of one command.
type commandStats struct {
	calls, usec, rejected, failed atomic.Int64
}

// clone returns a copy of c with zeroed statistics.
func (c *Command) clone() *Command {
	return &Command{
		Name: c.Name, Arity: c.Arity, Flags: c.Flags,
		FirstKey: c.FirstKey, LastKey: c.LastKey, Step: c.Step, Keys: c.Keys,
		ACL: c.ACL, Group: c.Group, Summary: c.Summary, Since: c.Since,
		Complexity: c.Complexity, Handler: c.Handler, Sub: c.Sub,
	}
}

// Table is the set of commands a server knows. It is read-only once built.
type Table struct {
	cmds map[string]*Command
}

// newTable builds the table from every group of commands.
func newTable(groups ...[]*Command) *Table {
	t := &Table{cmds: make(map[string]*Command)}
	for _, g := range groups {
		for _, proto := range g {
			if _, dup := t.cmds[proto.Name]; dup {
				panic("command: duplicate command " + proto.Name)
			}
			// Each table gets its own copies, so that two servers in one
			// process keep separate statistics.
			c := proto.clone()
			if proto.Sub != nil {
				c.Sub = make(map[string]*Command, len(proto.Sub))
				for name, ps := range proto.Sub {
					s := ps.clone()
					s.parent = c
					if s.Group == "" {
						s.Group = c.Group
					}
					c.Sub[name] = s
				}
			}
			t.cmds[c.Name] = c
		}
	}
	return t
}

// Lookup finds a command by name, in any case, without allocating for
// names of up to 32 bytes.
func (t *Table) Lookup(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t.cmds[strings.ToLower(string(name))]
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t.cmds[string(buf[:len(name)])]
}

// All returns every top-level command, in no particular order.
func (t *Table) All() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	return out
}

// keysOf appends the key arguments of args for c to dst.
func (c *Command) keysOf(args [][]byte, dst [][]byte) [][]byte {
	if c.Keys != nil {
		return c.Keys(args, dst)
	}
	if c.FirstKey <= 0 || c.FirstKey >= len(args) {
		return dst
	}
	last := c.LastKey
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step := max(c.Step, 1)
	for i := c.FirstKey; i <= last; i += step {
		dst = append(dst, args[i])
	}
	return dst
}
