package command

// errClientName is the reply to a client name with a space or a special
// character in it, which would break CLIENT LIST's format.
const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// clientACL and clientAdminACL are the ACL categories of the CLIENT
// subcommands.
var (
	clientACL      = []string{"slow", "connection"}
	clientAdminACL = []string{"admin", "slow", "dangerous", "connection"}
)

// clientCommand is the CLIENT container.
var clientCommand = &Command{
	Name: "client", Arity: -2, Group: "connection", Since: "2.4.0", Complexity: "Depends on subcommand.",
	ACL: []string{"slow"}, Summary: "A container for the commands that inspect and control client connections.",
	Sub: map[string]*Command{
		"id": {Name: "id", Arity: 2, Flags: connFlags, ACL: clientACL, Since: "5.0.0", Complexity: "O(1)",
			Summary: "Returns the unique ID of the connection.", Handler: cmdClientID},
		"getname": {Name: "getname", Arity: 2, Flags: connFlags, ACL: clientACL, Since: "2.6.9", Complexity: "O(1)",
			Summary: "Returns the connection's name, or null when it has none.", Handler: cmdClientGetName},
		"setname": {Name: "setname", Arity: 3, Flags: connFlags, ACL: clientACL, Since: "2.6.9", Complexity: "O(1)",
			Summary: "Names the connection; an empty name removes it.", Handler: cmdClientSetName},
		"setinfo": {Name: "setinfo", Arity: 4, Flags: connFlags, ACL: clientACL, Since: "7.2.0", Complexity: "O(1)",
			Summary: "Records the name or version of the client library behind the connection.", Handler: cmdClientSetInfo},
		"info": {Name: "info", Arity: 2, Flags: connFlags, ACL: clientACL, Since: "6.2.0", Complexity: "O(1)",
			Summary: "Describes the connection in CLIENT LIST's format.", Handler: cmdClientInfo},
		"list": {Name: "list", Arity: -2, Flags: connFlags | FlagAdmin, ACL: clientAdminACL, Since: "2.4.0",
			Complexity: "O(N) where N is the number of client connections",
			Summary:    "Describes every connection, or those of one type or with given IDs.", Handler: cmdClientList},
		"kill": {Name: "kill", Arity: -3, Flags: connFlags | FlagAdmin, ACL: clientAdminACL, Since: "2.4.0",
			Complexity: "O(N) where N is the number of client connections",
			Summary:    "Closes the connections that match an address, ID, type or user.", Handler: cmdClientKill},
		"no-evict": {Name: "no-evict", Arity: 3, Flags: connFlags | FlagAdmin, ACL: clientAdminACL, Since: "7.0.0",
			Complexity: "O(1)", Summary: "Turns protection of the connection from client eviction on or off.",
			Handler: cmdClientNoEvict},
		"no-touch": {Name: "no-touch", Arity: 3, Flags: connFlags, ACL: clientACL, Since: "7.2.0", Complexity: "O(1)",
			Summary: "Turns on or off leaving the LRU/LFU data of the keys the connection reads untouched.",
			Handler: cmdClientNoTouch},
		"reply": {Name: "reply", Arity: 3, Flags: connFlags, ACL: clientACL, Since: "3.2.0", Complexity: "O(1)",
			Summary: "Instructs the server whether to reply to commands.", Handler: cmdClientReply},
		"unblock": {Name: "unblock", Arity: -3, Flags: connFlags | FlagAdmin, ACL: clientAdminACL, Since: "5.0.0",
			Complexity: "O(log N) where N is the number of client connections",
			Summary:    "Wakes a connection waiting in a blocking command.", Handler: cmdClientUnblock},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: clientACL, Since: "5.0.0",
			Complexity: "O(1)", Summary: "Lists the CLIENT subcommands.", Handler: cmdClientHelp},
	},
}

// clientHelp is the CLIENT HELP text, after its header line.
var clientHelp = []string{
	"GETNAME",
	"    Returns the name of this connection, or null.",
	"ID",
	"    Returns the ID of this connection.",
	"INFO",
	"    Describes this connection, in the format of CLIENT LIST.",
	"KILL <ip:port>",
	"    Closes the connection coming from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Closes the connections matching every option given:",
	"    * ID <client-id>",
	"    * ADDR (<ip:port>|<unixsocket>:0): the address the client connects from.",
	"    * LADDR (<ip:port>|<unixsocket>:0): the address the client connects to.",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"    * USER <username>",
	"    * SKIPME (YES|NO): leave this connection alone (default: yes).",
	"LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> [...]]",
	"    Describes the connections, one line each.",
	"NO-EVICT (ON|OFF)",
	"    Protects this connection from client eviction, or stops doing so.",
	"NO-TOUCH (ON|OFF)",
	"    Leaves the LRU/LFU data of the keys this connection reads alone, or stops doing so.",
	"SETINFO <option> <value>",
	"    Records what client library runs this connection. Options:",
	"    * LIB-NAME: the library's name.",
	"    * LIB-VER: the library's version.",
	"SETNAME <name>",
	"    Names this connection; an empty name removes the name.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Wakes the given client if it waits in a blocking command.",
}

// replySubcommandHelp writes a container's HELP reply: a header naming
// the container, the lines of text, and the HELP entry itself, each as a
// simple string, as Redis's addReplyHelp does.
func replySubcommandHelp(x *Ctx, container string, lines []string) {
	x.W.Array(len(lines) + 3)
	x.W.Simple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		x.W.Simple(l)
	}
	x.W.Simple("HELP")
	x.W.Simple("    Prints this help.")
}

// clientSyntaxErr replies as Redis does to a CLIENT subcommand given a
// number of arguments its arity allows but its handler does not.
func clientSyntaxErr(x *Ctx) {
	x.Err("ERR unknown subcommand or wrong number of arguments for '" + clip(string(x.Args[1]), 128) +
		"'. Try CLIENT HELP.")
}

func cmdClientHelp(x *Ctx) { replySubcommandHelp(x, "CLIENT", clientHelp) }

func cmdClientID(x *Ctx) { x.W.Int(x.C.ID) }

func cmdClientGetName(x *Ctx) {
	if name := x.C.Name(); name != "" {
		x.W.BulkString(name)
	} else {
		x.W.Null()
	}
}

func cmdClientSetName(x *Ctx) {
	if !validClientAttr(x.Args[2]) {
		x.Err(errClientName)
		return
	}
	x.C.setName(string(x.Args[2]))
	x.OK()
}

// validClientAttr reports whether b may be a client name or library
// attribute: printable ASCII without spaces, so CLIENT LIST stays
// splittable on spaces.
func validClientAttr(b []byte) bool {
	for _, c := range b {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func cmdClientSetInfo(x *Ctx) {
	attr, val := x.Args[2], x.Args[3]
	var ver bool
	switch {
	case eqFold(attr, "lib-name"):
	case eqFold(attr, "lib-ver"):
		ver = true
	default:
		x.Err("ERR Unrecognized option '" + string(attr) + "'")
		return
	}
	if !validClientAttr(val) {
		x.Err("ERR " + string(attr) + " cannot contain spaces, newlines or special characters.")
		return
	}
	x.C.setLib(string(val), ver)
	x.OK()
}

// onOff parses an ON|OFF argument; on anything else it replies with a
// syntax error and returns ok false.
func onOff(x *Ctx, b []byte) (on, ok bool) {
	switch {
	case eqFold(b, "on"):
		return true, true
	case eqFold(b, "off"):
		return false, true
	}
	x.Err(errSyntax)
	return false, false
}

func cmdClientNoEvict(x *Ctx) {
	if on, ok := onOff(x, x.Args[2]); ok {
		x.C.noEvict.Store(on)
		x.OK()
	}
}

func cmdClientNoTouch(x *Ctx) {
	if on, ok := onOff(x, x.Args[2]); ok {
		x.C.setFlag(clientNoTouch, on)
		x.OK()
	}
}

// cmdClientReply runs CLIENT REPLY ON|OFF|SKIP: OFF silences every reply
// until ON, SKIP only the next command's. Only ON itself is answered.
func cmdClientReply(x *Ctx) {
	switch {
	case eqFold(x.Args[2], "on"):
		x.replyMode = replyOn
		x.OK()
	case eqFold(x.Args[2], "off"):
		x.replyMode = replyOff
	case eqFold(x.Args[2], "skip"):
		if x.replyMode != replyOff {
			x.replyMode = replySkipNext
		}
	default:
		clientSyntaxErr(x)
	}
}

// cmdClientUnblock runs CLIENT UNBLOCK id [TIMEOUT|ERROR]: it wakes the
// client if it waits in a blocking command (as on timeout, or with the
// UNBLOCKED error) and replies 1, or 0 when the client is not blocked.
func cmdClientUnblock(x *Ctx) {
	if len(x.Args) > 4 {
		clientSyntaxErr(x)
		return
	}
	if len(x.Args) == 4 && !eqFold(x.Args[3], "timeout") && !eqFold(x.Args[3], "error") {
		x.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		return
	}
	id, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if x.Srv.unblockClient(id, len(x.Args) == 4 && eqFold(x.Args[3], "error")) {
		x.W.Int(1)
		return
	}
	x.W.Int(0)
}
