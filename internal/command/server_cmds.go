package command

// serverCommands are filled in by their owner.
var serverCommands = []*Command{}
