package command

import "math"

// slowlogCommand is SLOWLOG GET, LEN, RESET and HELP.
var slowlogCommand = &Command{
	Name: "slowlog", Arity: -2, ACL: []string{"slow"}, Group: "server", Since: "2.2.12",
	Complexity: "Depends on subcommand.", Summary: "A container for slow log commands.",
	Handler: cmdContainer,
	Sub: map[string]*Command{
		"get": slowlogSub("get", -2, "O(N) where N is the number of entries returned",
			"Returns the slow log's entries.", cmdSlowlogGet),
		"len": slowlogSub("len", 2, "O(1)",
			"Returns the number of entries in the slow log.", cmdSlowlogLen),
		"reset": slowlogSub("reset", 2, "O(N) where N is the number of entries in the slowlog",
			"Clears all entries from the slow log.", cmdSlowlogReset),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: []string{"slow"},
			Since: "6.2.0", Complexity: "O(1)", Summary: "Returns helpful text about the different subcommands.",
			Handler: cmdSlowlogHelp},
	},
}

func slowlogSub(name string, arity int, complexity, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: FlagAdmin | FlagLoading | FlagStale,
		ACL: []string{"admin", "slow", "dangerous"}, Since: "2.2.12", Complexity: complexity,
		Summary: summary, Handler: h}
}

// cmdSlowlogGet replies with up to count entries (default 10, -1 for all),
// newest first, each [id, unix time, microseconds, args, client address,
// client name].
func cmdSlowlogGet(x *Ctx) {
	if len(x.Args) > 3 {
		srvSubcommandSyntax(x)
		return
	}
	count := int64(10)
	if len(x.Args) == 3 {
		n, ok := parseInt(x.Args[2])
		if !ok || n < -1 {
			x.Err("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	}
	if count > int64(math.MaxInt32) {
		count = -1 // more than the log can hold: all of it
	}
	entries := x.Srv.slowlog.get(int(count))
	x.W.Array(len(entries))
	for _, e := range entries {
		x.W.Array(6)
		x.W.Int(e.id)
		x.W.Int(e.at.Unix())
		x.W.Int(e.duration.Microseconds())
		x.W.Array(len(e.args))
		for _, a := range e.args {
			x.W.BulkString(a)
		}
		x.W.BulkString(e.addr)
		x.W.BulkString(e.name)
	}
}

func cmdSlowlogLen(x *Ctx) { x.W.Int(int64(x.Srv.slowlog.len())) }

func cmdSlowlogReset(x *Ctx) {
	x.Srv.slowlog.reset()
	x.OK()
}

func cmdSlowlogHelp(x *Ctx) {
	serverHelp(x,
		"GET [<count>]",
		"    List the newest <count> entries (default 10, -1 for all). Each entry holds",
		"    its id, unix time, duration in microseconds, arguments, client address",
		"    and client name.",
		"LEN",
		"    Count the entries.",
		"RESET",
		"    Delete every entry.")
}
