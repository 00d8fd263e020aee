package command

import (
	"strings"

	"github.com/larderdb/larder/internal/glob"
)

func cmdCommandGetKeys(x *Ctx) { replyGetKeys(x, false) }

func cmdCommandGetKeysAndFlags(x *Ctx) { replyGetKeys(x, true) }

// replyGetKeys runs COMMAND GETKEYS and GETKEYSANDFLAGS: it finds the
// command in x.Args[2:] (a subcommand when it is a container) and replies
// with its keys, each with its key-spec flags when withFlags is set.
func replyGetKeys(x *Ctx, withFlags bool) {
	argv := x.Args[2:]
	c := x.Srv.table.Lookup(argv[0])
	if c != nil && len(argv) > 1 {
		if subs := subcommandsOf(c); subs != nil {
			c = subs[strings.ToLower(string(argv[1]))]
		}
	}
	switch {
	case c == nil:
		x.Err("ERR Invalid command specified")
		return
	case c.FirstKey <= 0 && c.Keys == nil:
		x.Err("ERR The command has no key arguments")
		return
	case !arityOK(c, len(argv)):
		x.Err("ERR Invalid number of arguments specified for command")
		return
	}
	keys := c.keysOf(argv, nil)
	if len(keys) == 0 && c.Flags&FlagNoMandatoryKeys == 0 {
		x.Err("ERR Invalid arguments specified for command")
		return
	}
	x.W.Array(len(keys))
	var flags []string
	if withFlags {
		flags = keyFlags(c)
	}
	for _, k := range keys {
		if !withFlags {
			x.W.Bulk(k)
			continue
		}
		x.W.Array(2)
		x.W.Bulk(k)
		replyStatusSet(x, "", flags)
	}
}

// cmdCommandList runs COMMAND LIST [FILTERBY MODULE name | ACLCAT category
// | PATTERN pattern]: the names of the commands and subcommands that pass
// the filter. Larder has no modules, so the MODULE filter passes nothing.
func cmdCommandList(x *Ctx) {
	var match func(c *Command) bool
	args := x.Args
	for i := 2; i < len(args); i += 3 {
		if !eqFold(args[i], "filterby") || len(args)-1-i != 2 {
			x.Err(errSyntax)
			return
		}
		kind, arg := args[i+1], args[i+2]
		switch {
		case eqFold(kind, "module"):
			match = func(*Command) bool { return false }
		case eqFold(kind, "aclcat"):
			cat := strings.ToLower(string(arg))
			known := false
			for _, c := range aclCategoryOrder {
				known = known || c == cat
			}
			match = func(c *Command) bool {
				if !known {
					return false
				}
				for _, a := range aclCategories(c) {
					if a == cat {
						return true
					}
				}
				return false
			}
		case eqFold(kind, "pattern"):
			pattern := string(arg)
			match = func(c *Command) bool { return glob.MatchString(pattern, c.FullName(), true) }
		default:
			x.Err(errSyntax)
			return
		}
	}
	var names []string
	for _, c := range sortedCommands(x.Srv.table) {
		if match == nil || match(c) {
			names = append(names, c.FullName())
		}
		for _, s := range sortedSubcommands(c) {
			if match == nil || match(s) {
				names = append(names, s.FullName())
			}
		}
	}
	x.W.Array(len(names))
	for _, n := range names {
		x.W.BulkString(n)
	}
}
