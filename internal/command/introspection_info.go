package command

import "slices"

// aclCategoryOrder lists the ACL categories in the order Redis reports
// them.
var aclCategoryOrder = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
	"connection", "transaction", "scripting",
}

// aclCategories returns c's ACL categories, without the '@', in Redis's
// order: those listed in c.ACL plus those Redis derives from the flags
// (write, read, admin and dangerous, pubsub, fast, blocking, and slow for
// every command that is not fast).
func aclCategories(c *Command) []string {
	has := make(map[string]bool, len(c.ACL)+4)
	for _, a := range c.ACL {
		has[a] = true
	}
	f := c.Flags
	has["write"] = has["write"] || f&FlagWrite != 0
	has["read"] = has["read"] || f&FlagReadOnly != 0 && !has["scripting"]
	has["admin"] = has["admin"] || f&FlagAdmin != 0
	has["dangerous"] = has["dangerous"] || f&FlagAdmin != 0
	has["pubsub"] = has["pubsub"] || f&FlagPubSub != 0
	has["fast"] = has["fast"] || f&FlagFast != 0
	has["blocking"] = has["blocking"] || f&FlagBlocking != 0
	has["slow"] = has["slow"] || !has["fast"]
	out := make([]string, 0, len(has))
	for _, name := range aclCategoryOrder {
		if has[name] {
			out = append(out, name)
		}
	}
	for _, a := range c.ACL { // categories Redis does not know, kept last
		if !slices.Contains(aclCategoryOrder, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// infoFlags returns the flags COMMAND INFO shows for c: its flags but
// may_replicate (which Redis hides), and movablekeys when its keys are
// found by a function rather than by position.
func infoFlags(c *Command) []string {
	var out []string
	for _, n := range c.Flags.Names() {
		switch n {
		case "may_replicate":
			continue
		case "allow_busy":
			if c.Keys != nil {
				out = append(out, "movablekeys")
			}
		}
		out = append(out, n)
	}
	if c.Keys != nil && !slices.Contains(out, "movablekeys") {
		out = append(out, "movablekeys")
	}
	return out
}

// keyFlags returns the key-spec flags of c's keys. The table does not say
// how each command uses each key, so they follow the command's flags: a
// write command is taken to read and update its keys, any other command
// to only read them.
func keyFlags(c *Command) []string {
	if c.Flags&FlagWrite != 0 {
		return []string{"RW", "access", "update"}
	}
	return []string{"RO", "access"}
}

// replyStatusSet writes names as a set of simple strings, with prefix
// before each.
func replyStatusSet(x *Ctx, prefix string, names []string) {
	x.W.Set(len(names))
	for _, n := range names {
		x.W.Simple(prefix + n)
	}
}

// replyAllCommandInfo writes every top-level command's description.
func replyAllCommandInfo(x *Ctx) {
	all := sortedCommands(x.Srv.table)
	x.W.Array(len(all))
	for _, c := range all {
		replyCommandInfo(x, c)
	}
}

// replyCommandInfo writes c's description in Redis 7's ten-element shape:
// name, arity, flags, first key, last key, step, ACL categories, tips, key
// specs and subcommands. A nil c is written as a null.
func replyCommandInfo(x *Ctx, c *Command) {
	w := x.W
	if c == nil {
		w.Null()
		return
	}
	first, last, step := 0, 0, 0
	if c.FirstKey > 0 {
		first, last, step = c.FirstKey, c.LastKey, c.Step
	}
	w.Array(10)
	w.BulkString(c.FullName())
	w.Int(int64(c.Arity))
	replyStatusSet(x, "", infoFlags(c))
	w.Int(int64(first))
	w.Int(int64(last))
	w.Int(int64(step))
	replyStatusSet(x, "@", aclCategories(c))
	w.Set(0) // tips
	replyKeySpecs(x, c)
	if subs := sortedSubcommands(c); len(subs) > 0 {
		w.Array(len(subs))
		for _, s := range subs {
			replyCommandInfo(x, s)
		}
	} else {
		w.Set(0)
	}
}

// replyKeySpecs writes c's key specs, derived from its key positions: an
// index/range spec for FirstKey/LastKey/Step, and an incomplete spec of
// unknown shape when a Keys function finds (more) keys.
func replyKeySpecs(x *Ctx, c *Command) {
	w := x.W
	n := 0
	if c.FirstKey > 0 {
		n++
	}
	if c.Keys != nil {
		n++
	}
	w.Set(n)
	if c.FirstKey > 0 {
		last := c.LastKey
		if last >= 0 {
			last -= c.FirstKey // key specs count the last key from the first
		}
		w.Map(3)
		w.BulkString("flags")
		replyStatusSet(x, "", keyFlags(c))
		w.BulkString("begin_search")
		w.Map(2)
		w.BulkString("type")
		w.BulkString("index")
		w.BulkString("spec")
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(c.FirstKey))
		w.BulkString("find_keys")
		w.Map(2)
		w.BulkString("type")
		w.BulkString("range")
		w.BulkString("spec")
		w.Map(3)
		w.BulkString("lastkey")
		w.Int(int64(last))
		w.BulkString("keystep")
		w.Int(int64(max(c.Step, 1)))
		w.BulkString("limit")
		w.Int(0)
	}
	if c.Keys != nil {
		w.Map(3)
		w.BulkString("flags")
		replyStatusSet(x, "", append(keyFlags(c), "incomplete"))
		for _, part := range []string{"begin_search", "find_keys"} {
			w.BulkString(part)
			w.Map(2)
			w.BulkString("type")
			w.BulkString("unknown")
			w.BulkString("spec")
			w.Map(0)
		}
	}
}

// cmdCommandInfo runs COMMAND INFO [name ...].
func cmdCommandInfo(x *Ctx) {
	if len(x.Args) == 2 {
		replyAllCommandInfo(x)
		return
	}
	x.W.Array(len(x.Args) - 2)
	for _, name := range x.Args[2:] {
		replyCommandInfo(x, lookupFullName(x.Srv.table, name))
	}
}

// cmdCommandDocs runs COMMAND DOCS [name ...]: a map from each command
// found to its documentation; unknown names are left out.
func cmdCommandDocs(x *Ctx) {
	var cmds []*Command
	if len(x.Args) == 2 {
		cmds = sortedCommands(x.Srv.table)
	} else {
		for _, name := range x.Args[2:] {
			if c := lookupFullName(x.Srv.table, name); c != nil {
				cmds = append(cmds, c)
			}
		}
	}
	x.W.Map(len(cmds))
	for _, c := range cmds {
		x.W.BulkString(c.FullName())
		replyCommandDocs(x, c)
	}
}

// replyCommandDocs writes c's documentation map: summary, since, group,
// complexity and, for a container, its subcommands' documentation.
func replyCommandDocs(x *Ctx, c *Command) {
	w := x.W
	subs := sortedSubcommands(c)
	n := 1
	for _, s := range []string{c.Summary, c.Since, c.Complexity} {
		if s != "" {
			n++
		}
	}
	if len(subs) > 0 {
		n++
	}
	w.Map(n)
	if c.Summary != "" {
		w.BulkString("summary")
		w.BulkString(c.Summary)
	}
	if c.Since != "" {
		w.BulkString("since")
		w.BulkString(c.Since)
	}
	group := c.Group
	if group == "" {
		group = "generic"
	}
	w.BulkString("group")
	w.BulkString(group)
	if c.Complexity != "" {
		w.BulkString("complexity")
		w.BulkString(c.Complexity)
	}
	if len(subs) > 0 {
		w.BulkString("subcommands")
		w.Map(len(subs))
		for _, s := range subs {
			w.BulkString(s.FullName())
			replyCommandDocs(x, s)
		}
	}
}
