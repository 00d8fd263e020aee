package command

import (
	"bytes"
	"slices"
	"strings"
)

// introspectionCommands are the commands that describe the command table.
var introspectionCommands = []*Command{commandCommand}

// commandACL are the ACL categories of COMMAND and its subcommands.
var commandACL = []string{"slow", "connection"}

// commandCommand is COMMAND. Unlike CLIENT it keeps its subcommands out of
// Sub: Dispatch resolves a subcommand from args[1] whenever Sub is set,
// but COMMAND with no argument is a command of its own (it describes every
// command), so cmdCommand picks the subcommand itself. The descriptions
// (COMMAND INFO, DOCS, LIST) still show them, through subcommandsOf.
var commandCommand = &Command{
	Name: "command", Arity: -1, Flags: FlagLoading | FlagStale, ACL: commandACL, Group: "server",
	Since: "2.8.13", Complexity: "O(N) where N is the total number of Redis commands",
	Summary: "Describes every command the server knows.", Handler: cmdCommand,
}

// commandSubcommands are COMMAND's subcommands by name; see commandCommand.
// They are set up by init, as their handlers refer back to this map.
var commandSubcommands map[string]*Command

func init() {
	commandSubcommands = map[string]*Command{
		"count": {Name: "count", Arity: 2, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "2.8.13",
			Complexity: "O(1)", Summary: "Returns how many commands the server knows.", Handler: cmdCommandCount},
		"info": {Name: "info", Arity: -2, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "2.8.13",
			Complexity: "O(N) where N is the number of commands to look up",
			Summary:    "Describes the given commands, or every command.", Handler: cmdCommandInfo},
		"docs": {Name: "docs", Arity: -2, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "7.0.0",
			Complexity: "O(N) where N is the number of commands to look up",
			Summary:    "Returns the documentation of the given commands, or of every command.", Handler: cmdCommandDocs},
		"list": {Name: "list", Arity: -2, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "7.0.0",
			Complexity: "O(N) where N is the total number of Redis commands",
			Summary:    "Lists the names of the commands, optionally filtered.", Handler: cmdCommandList},
		"getkeys": {Name: "getkeys", Arity: -3, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "2.8.13",
			Complexity: "O(N) where N is the number of arguments to the command",
			Summary:    "Finds the keys in a full command line.", Handler: cmdCommandGetKeys},
		"getkeysandflags": {Name: "getkeysandflags", Arity: -3, Flags: FlagLoading | FlagStale, ACL: commandACL,
			Since: "7.0.0", Complexity: "O(N) where N is the number of arguments to the command",
			Summary: "Finds the keys in a full command line, with how the command uses each.",
			Handler: cmdCommandGetKeysAndFlags},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: commandACL, Since: "5.0.0",
			Complexity: "O(1)", Summary: "Lists the COMMAND subcommands.", Handler: cmdCommandHelp},
	}
	for _, s := range commandSubcommands {
		s.parent = commandCommand
		s.Group = commandCommand.Group
	}
}

// commandHelp is the COMMAND HELP text, after its header line.
var commandHelp = []string{
	"(no subcommand)",
	"    Describes every command.",
	"COUNT",
	"    Returns how many commands there are.",
	"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
	"    Lists the names of the commands and subcommands, optionally only those matching a filter.",
	"INFO [<command-name> ...]",
	"    Describes the given commands, or every command when none is given.",
	"DOCS [<command-name> ...]",
	"    Returns the documentation of the given commands, or of every command when none is given.",
	"GETKEYS <full-command>",
	"    Returns the keys in a full command line.",
	"GETKEYSANDFLAGS <full-command>",
	"    Returns the keys in a full command line, each with its access flags.",
}

// cmdCommand runs COMMAND alone, or picks and runs its subcommand the way
// Dispatch does for containers.
func cmdCommand(x *Ctx) {
	if len(x.Args) == 1 {
		replyAllCommandInfo(x)
		return
	}
	sub := commandSubcommands[strings.ToLower(string(x.Args[1]))]
	if sub == nil {
		x.Err("ERR unknown subcommand '" + clip(string(x.Args[1]), 128) + "'. Try COMMAND HELP.")
		return
	}
	x.Cmd = sub
	if !arityOK(sub, len(x.Args)) {
		x.ErrArity()
		return
	}
	sub.Handler(x)
}

func cmdCommandHelp(x *Ctx) { replySubcommandHelp(x, "COMMAND", commandHelp) }

func cmdCommandCount(x *Ctx) { x.W.Int(int64(len(x.Srv.table.cmds))) }

// subcommandsOf returns c's subcommands, COMMAND's included.
func subcommandsOf(c *Command) map[string]*Command {
	if c.Sub == nil && c.parent == nil && c.Name == "command" {
		return commandSubcommands
	}
	return c.Sub
}

// sortedCommands returns the top-level commands ordered by name, so the
// descriptions come out in a stable order.
func sortedCommands(t *Table) []*Command {
	all := t.All()
	slices.SortFunc(all, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// sortedSubcommands returns c's subcommands ordered by name.
func sortedSubcommands(c *Command) []*Command {
	subs := subcommandsOf(c)
	out := make([]*Command, 0, len(subs))
	for _, s := range subs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Command) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// lookupFullName finds a command by the name COMMAND INFO and DOCS take:
// "get", or "client|kill" for a subcommand, in any case. A subcommand name
// on a command without subcommands, or more than one '|', finds nothing.
func lookupFullName(t *Table, name []byte) *Command {
	base, sub, hasSub := bytes.Cut(name, []byte("|"))
	c := t.Lookup(base)
	if c == nil || !hasSub {
		return c
	}
	subs := subcommandsOf(c)
	if subs == nil || bytes.IndexByte(sub, '|') >= 0 {
		return nil
	}
	return subs[strings.ToLower(string(sub))]
}
