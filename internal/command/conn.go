package command

// connFlags are the flags most connection commands share.
const connFlags = FlagNoScript | FlagLoading | FlagStale

// connCommands are the connection commands: PING, ECHO, HELLO, AUTH,
// SELECT, QUIT, RESET and the CLIENT container.
var connCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast, Group: "connection", Since: "1.0.0", Complexity: "O(1)",
		ACL: []string{"fast", "connection"}, Summary: "Asks the server to answer, to check that the connection is alive.",
		Handler: cmdPing},
	{Name: "echo", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Group: "connection", Since: "1.0.0",
		Complexity: "O(1)", ACL: []string{"fast", "connection"}, Summary: "Replies with the message it was given.",
		Handler: cmdEcho},
	{Name: "hello", Arity: -1, Flags: connFlags | FlagFast | FlagNoAuth | FlagAllowBusy, Group: "connection",
		Since: "6.0.0", Complexity: "O(1)", ACL: []string{"fast", "connection"},
		Summary: "Picks the protocol version, optionally authenticates and names the connection, and describes the server.",
		Handler: cmdHello},
	{Name: "auth", Arity: -2, Flags: connFlags | FlagFast | FlagNoAuth | FlagAllowBusy, Group: "connection",
		Since: "1.0.0", Complexity: "O(N) where N is the number of passwords defined for the user",
		ACL: []string{"fast", "connection"}, Summary: "Authenticates the connection with a password, optionally for a named user.",
		Handler: cmdAuth},
	{Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Group: "connection", Since: "1.0.0",
		Complexity: "O(1)", ACL: []string{"fast", "connection"},
		Summary: "Switches the connection to another database; Larder has only database 0.", Handler: cmdSelect},
	{Name: "quit", Arity: -1, Flags: connFlags | FlagFast | FlagNoAuth | FlagAllowBusy, Group: "connection",
		Since: "1.0.0", Complexity: "O(1)", ACL: []string{"fast", "connection"},
		Summary: "Replies OK and closes the connection.", Handler: cmdQuit},
	{Name: "reset", Arity: 1, Flags: connFlags | FlagFast | FlagNoAuth | FlagAllowBusy, Group: "connection",
		Since: "6.2.0", Complexity: "O(1)", ACL: []string{"fast", "connection"},
		Summary: "Returns the connection to its initial state, as if it had just connected.", Handler: cmdReset},
	clientCommand,
}

func cmdPing(x *Ctx) {
	if len(x.Args) > 2 {
		x.ErrArity()
		return
	}
	// A subscribed RESP2 client can only read arrays, so Redis answers it
	// with a ["pong", message] pair.
	if x.C.hasFlag(clientPubSub) && x.W.Protocol() == 2 {
		x.W.Array(2)
		x.W.BulkString("pong")
		if len(x.Args) == 1 {
			x.W.BulkString("")
		} else {
			x.W.Bulk(x.Args[1])
		}
		return
	}
	if len(x.Args) == 1 {
		x.W.Simple("PONG")
	} else {
		x.W.Bulk(x.Args[1])
	}
}

func cmdEcho(x *Ctx) { x.W.Bulk(x.Args[1]) }

func cmdSelect(x *Ctx) {
	id, ok := parseInt(x.Args[1])
	if !ok || id < -1<<31 || id > 1<<31-1 {
		x.Err(errNotInt)
		return
	}
	if id != 0 {
		x.Err("ERR DB index is out of range")
		return
	}
	x.OK()
}

// cmdQuit replies OK and has the connection closed once the reply is out.
func cmdQuit(x *Ctx) {
	x.OK()
	x.Close = true
}

// cmdReset undoes what the connection's commands changed: protocol, name,
// authentication and the CLIENT modes. The library name and version stay,
// as in Redis, since they still describe the client.
func cmdReset(x *Ctx) {
	c := x.C
	if c.hasFlag(clientReplica | clientMaster) {
		x.Err("ERR can only reset normal client connections")
		return
	}
	x.Srv.unsubscribeAll(x) // leaves every channel and pattern, silently (pubsub_registry.go)
	c.proto.Store(2)
	x.W.SetProtocol(2)
	c.setName("")
	c.authenticated.Store(x.Srv.cfg.String("requirepass") == "")
	c.noEvict.Store(false)
	c.setFlag(clientNoTouch|clientReadOnly, false)
	x.W.Simple("RESET")
}
