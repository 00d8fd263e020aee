package command

// introspectionCommands are filled in by their owner.
var introspectionCommands = []*Command{}
