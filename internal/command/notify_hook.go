package command

// Notify publishes a keyspace notification for key: class is Redis's event
// class ('g' generic, 'h' hash, 's' set, ...) and event its event name. It
// does nothing until keyspace notifications are implemented.
func (x *Ctx) Notify(class byte, event string, key []byte) {}
