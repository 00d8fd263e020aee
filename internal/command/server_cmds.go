package command

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// serverCommands are the server administration commands: INFO, CONFIG,
// MEMORY, SLOWLOG (in their own files) and the small ones below.
var serverCommands = []*Command{
	infoCommand, configCommand, memoryCommand, slowlogCommand, latencyCommand, functionCommand,
	{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast,
		ACL: []string{"fast"}, Group: "server", Since: "2.6.0", Complexity: "O(1)",
		Summary: "Returns the server's current time.", Handler: cmdTime},
	{Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast,
		ACL: []string{"admin", "fast", "dangerous"}, Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Returns the Unix time of the last successful save.", Handler: cmdLastSave},
	{Name: "save", Arity: 1, Flags: FlagAdmin | FlagNoScript,
		ACL: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Complexity: "O(N) where N is the total number of keys in all databases",
		Summary:    "Saves the dataset synchronously (a no-op in Larder, which has no persistence yet).", Handler: cmdSave},
	{Name: "bgsave", Arity: -1, Flags: FlagAdmin | FlagNoScript,
		ACL: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Saves the dataset in the background (a no-op in Larder, which has no persistence yet).", Handler: cmdBgSave},
	{Name: "shutdown", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagAllowBusy,
		ACL: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Stops the server gracefully.", Handler: cmdShutdown},
	{Name: "debug", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		ACL: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Complexity: "Depends on subcommand.",
		Summary:    "Debugging helpers (only SLEEP in Larder).", Handler: cmdDebug},
	{Name: "monitor", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		ACL: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
		Summary: "Streams every command the server processes (not supported by Larder yet).", Handler: cmdMonitor},
	{Name: "role", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast,
		ACL: []string{"admin", "fast", "dangerous"}, Group: "server", Since: "2.8.12", Complexity: "O(1)",
		Summary: "Returns the replication role of the node.", Handler: cmdRole},
	{Name: "wait", Arity: 3, Flags: FlagNoScript,
		ACL: []string{"slow", "connection"}, Group: "generic", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Waits for the writes of the connection to reach replicas.", Handler: cmdWait},
}

// serverHelp writes a HELP reply as Redis's addReplyHelp does: a header
// naming the command, the lines, then the HELP entry.
func serverHelp(x *Ctx, lines ...string) {
	x.W.Array(len(lines) + 3)
	x.W.Simple(strings.ToUpper(string(x.Args[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		x.W.Simple(l)
	}
	x.W.Simple("HELP")
	x.W.Simple("    Prints this help.")
}

// srvSubcommandSyntax replies as Redis's addReplySubcommandSyntaxError.
func srvSubcommandSyntax(x *Ctx) {
	x.Err("ERR unknown subcommand or wrong number of arguments for '" + clip(string(x.Args[1]), 128) +
		"'. Try " + strings.ToUpper(string(x.Args[0])) + " HELP.")
}

// cmdContainer is the handler of a container command; Dispatch always runs
// a subcommand instead, so it only guards against a direct call.
func cmdContainer(x *Ctx) { srvSubcommandSyntax(x) }

func cmdOK(x *Ctx) { x.OK() }

func cmdTime(x *Ctx) {
	now := x.Srv.now()
	us := now.UnixMicro()
	x.W.Array(2)
	x.W.BulkInt(us / 1e6)
	x.W.BulkInt(us % 1e6)
}

func cmdLastSave(x *Ctx) { x.W.Int(x.Srv.LastSave()) }

// cmdSave: Larder keeps no snapshot yet, so SAVE writes nothing. It still
// succeeds, as a Redis with nothing to write would, and moves LASTSAVE
// (and rdb_changes_since_last_save) so that scripts that wait for LASTSAVE
// to change after a save finish. The log says that nothing was written.
func cmdSave(x *Ctx) {
	x.Srv.markSaved(x.Srv.now())
	x.Srv.log.Info("SAVE: Larder has no persistence; nothing was written")
	x.OK()
}

// cmdBgSave behaves as SAVE (see cmdSave) with BGSAVE's reply; SCHEDULE is
// accepted.
func cmdBgSave(x *Ctx) {
	if len(x.Args) > 2 || (len(x.Args) == 2 && !eqFold(x.Args[1], "schedule")) {
		x.Err(errSyntax)
		return
	}
	x.Srv.markSaved(x.Srv.now())
	x.Srv.log.Info("BGSAVE: Larder has no persistence; nothing was written")
	x.W.Simple("Background saving started")
}

// cmdShutdown stops the node through Options.Shutdown. As Redis exits
// without replying, a successful SHUTDOWN writes nothing and closes the
// connection. NOSAVE, SAVE, NOW and FORCE are accepted (there is nothing to
// save); ABORT fails since a shutdown, once started, cannot be stopped.
func cmdShutdown(x *Ctx) {
	var nosave, save, abort bool
	for _, a := range x.Args[1:] {
		switch {
		case eqFold(a, "nosave"):
			nosave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"), eqFold(a, "force"):
		case eqFold(a, "abort"):
			abort = true
		default:
			x.Err(errSyntax)
			return
		}
	}
	if (abort && len(x.Args) > 2) || (nosave && save) {
		x.Err(errSyntax)
		return
	}
	if abort {
		x.Err("ERR No shutdown in progress.")
		return
	}
	if x.Srv.opts.Shutdown == nil {
		x.Err("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	x.Srv.log.Warn("SHUTDOWN requested by a client", "addr", x.C.Addr)
	x.Srv.opts.Shutdown()
	x.Close = true
}

// cmdDebug supports only DEBUG SLEEP <seconds>, which the Redis test suite
// and client tests use to make a slow command.
func cmdDebug(x *Ctx) {
	if len(x.Args) == 3 && eqFold(x.Args[1], "sleep") {
		secs, err := strconv.ParseFloat(strings.TrimSpace(string(x.Args[2])), 64)
		if err != nil || math.IsNaN(secs) || secs < 0 {
			secs = 0 // Redis's strtod reads garbage as 0
		}
		time.Sleep(time.Duration(min(secs, float64(math.MaxInt64/time.Second)) * float64(time.Second)))
		x.OK()
		return
	}
	x.Err("ERR DEBUG is not supported")
}

func cmdMonitor(x *Ctx) { x.Err("ERR MONITOR is not supported yet") }

func cmdRole(x *Ctx) {
	x.W.Array(3)
	x.W.BulkString("master")
	x.W.Int(0)
	x.W.Array(0)
}

// cmdWait validates its arguments as Redis does and replies 0 at once:
// Larder has no replicas yet, so no write can be acknowledged and there is
// nothing to wait for.
func cmdWait(x *Ctx) {
	if _, ok := x.ArgInt(1); !ok {
		return
	}
	t, ok := parseInt(x.Args[2])
	if !ok {
		x.Err("ERR timeout is not an integer or out of range")
		return
	}
	if t < 0 {
		x.Err("ERR timeout is negative")
		return
	}
	x.W.Int(0)
}

// latencyCommand: Larder records no latency events, so LATENCY reports an
// empty history.
var latencyCommand = &Command{
	Name: "latency", Arity: -2, ACL: []string{"slow"}, Group: "server", Since: "2.8.13",
	Complexity: "Depends on subcommand.", Summary: "A container for latency diagnostics commands.",
	Handler: cmdContainer,
	Sub: map[string]*Command{
		"doctor":    latencySub("doctor", 2, "Returns a human-readable latency analysis report.", cmdLatencyDoctor),
		"graph":     latencySub("graph", 3, "Returns a latency graph for an event.", cmdLatencyGraph),
		"histogram": latencySub("histogram", -2, "Returns the cumulative distribution of latencies of commands.", func(x *Ctx) { x.W.Map(0) }),
		"history":   latencySub("history", 3, "Returns timestamp-latency samples for an event.", func(x *Ctx) { x.W.Array(0) }),
		"latest":    latencySub("latest", 2, "Returns the latest latency samples for all events.", func(x *Ctx) { x.W.Array(0) }),
		"reset":     latencySub("reset", -2, "Resets the latency data for one or more events.", func(x *Ctx) { x.W.Int(0) }),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: []string{"slow"},
			Since: "2.8.13", Complexity: "O(1)", Summary: "Returns helpful text about the different subcommands.",
			Handler: cmdLatencyHelp},
	},
}

func latencySub(name string, arity int, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		ACL: []string{"admin", "slow", "dangerous"}, Since: "2.8.13", Complexity: "O(1)",
		Summary: summary, Handler: h}
}

func cmdLatencyDoctor(x *Ctx) {
	x.W.Verbatim("txt", []byte("Larder does not monitor latency events yet, so there is nothing to report.\n"))
}

func cmdLatencyGraph(x *Ctx) {
	x.Err("ERR No samples available for event '" + string(x.Args[2]) + "'")
}

func cmdLatencyHelp(x *Ctx) {
	serverHelp(x,
		"DOCTOR",
		"    Report on latency problems (Larder records none yet).",
		"GRAPH <event>",
		"    Draw the latency of <event> over time.",
		"HISTORY <event>",
		"    List the time and latency samples of <event>.",
		"LATEST",
		"    List the latest sample of every event.",
		"RESET [<event> ...]",
		"    Forget the samples of the given events, or of all events.",
		"HISTOGRAM [<command> ...]",
		"    Show latency histograms of the given commands, or of all commands.")
}

// functionCommand: Larder has no scripting. FUNCTION FLUSH succeeds (there
// are never functions to delete), so that test harnesses and clients that
// flush functions between tests work; the other subcommands fail.
var functionCommand = &Command{
	Name: "function", Arity: -2, ACL: []string{"slow"}, Group: "scripting", Since: "7.0.0",
	Complexity: "Depends on subcommand.", Summary: "A container for function commands.",
	Handler: cmdContainer,
	Sub: map[string]*Command{
		"flush": {Name: "flush", Arity: -2, Flags: FlagNoScript | FlagWrite,
			ACL: []string{"write", "slow", "scripting"}, Since: "7.0.0",
			Complexity: "O(N) where N is the number of functions deleted",
			Summary:    "Deletes all libraries and functions.", Handler: cmdFunctionFlush},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale,
			ACL: []string{"slow", "scripting"}, Since: "7.0.0", Complexity: "O(1)",
			Summary: "Returns helpful text about the different subcommands.", Handler: cmdFunctionHelp},
		"delete":  functionSub("delete", 3, FlagNoScript|FlagWrite, "Deletes a library and its functions."),
		"dump":    functionSub("dump", 2, FlagNoScript, "Dumps all libraries into a serialized binary payload."),
		"kill":    functionSub("kill", 2, FlagNoScript|FlagAllowBusy, "Terminates a function during execution."),
		"list":    functionSub("list", -2, FlagNoScript, "Returns information about all libraries."),
		"load":    functionSub("load", -3, FlagNoScript|FlagWrite|FlagDenyOOM, "Creates a library."),
		"restore": functionSub("restore", -3, FlagNoScript|FlagWrite|FlagDenyOOM, "Restores all libraries from a payload."),
		"stats":   functionSub("stats", 2, FlagNoScript|FlagAllowBusy, "Returns information about a function during execution."),
	},
}

func functionSub(name string, arity int, flags Flag, summary string) *Command {
	acl := []string{"slow", "scripting"}
	if flags&FlagWrite != 0 {
		acl = append([]string{"write"}, acl...)
	}
	return &Command{Name: name, Arity: arity, Flags: flags, ACL: acl, Since: "7.0.0",
		Summary: summary, Handler: cmdFunctionUnsupported}
}

func cmdFunctionFlush(x *Ctx) {
	switch {
	case len(x.Args) > 3:
		srvSubcommandSyntax(x)
	case len(x.Args) == 3 && !eqFold(x.Args[2], "sync") && !eqFold(x.Args[2], "async"):
		x.Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
	default:
		x.OK()
	}
}

func cmdFunctionUnsupported(x *Ctx) {
	x.Err("ERR FUNCTION " + strings.ToUpper(string(x.Args[1])) + " is not supported: Larder has no scripting")
}

func cmdFunctionHelp(x *Ctx) {
	serverHelp(x,
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries. Larder has no scripting, so there are none;",
		"    the other FUNCTION subcommands reply with an error.")
}
