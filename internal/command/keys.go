package command

// keyCommands are filled in by their owner.
var keyCommands = []*Command{}
