package command

// expireCommands are filled in by their owner.
var expireCommands = []*Command{}
