package command

// connCommands are the connection commands.
var connCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast, Group: "connection", Since: "1.0.0", Complexity: "O(1)",
		ACL: []string{"fast", "connection"}, Summary: "Returns the server's liveliness response.", Handler: cmdPing},
}

func cmdPing(x *Ctx) {
	switch len(x.Args) {
	case 1:
		x.W.Simple("PONG")
	case 2:
		x.W.Bulk(x.Args[1])
	default:
		x.ErrArity()
	}
}
