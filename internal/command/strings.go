package command

// stringCommands are the commands on string values.
var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"read", "string", "fast"}, Group: "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Returns the string value of a key.", Handler: cmdGet},
	{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"write", "string", "slow"}, Group: "string", Since: "1.0.0", Complexity: "O(1)",
		Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Handler: cmdSet},
}

func cmdGet(x *Ctx) {
	e := x.Txn.Get(x.Args[1])
	switch {
	case e == nil:
		x.W.Null()
	case e.Kind() != 1:
		x.ErrWrongType()
	default:
		x.W.Bulk(e.Str)
	}
}

func cmdSet(x *Ctx) {
	x.Txn.SetString(x.Args[1], x.Args[2], 0)
	x.OK()
}
