package command

import (
	"strings"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds MULTI, EXEC and DISCARD: a client's transaction state,
// the queueing of commands after MULTI, and EXEC, which runs the queue with
// every engine shard locked so that no other client sees or makes a change
// in between. WATCH lives in watch.go.

// txFlags are the flags the transaction commands share.
const txFlags = FlagNoScript | FlagLoading | FlagStale

// multiCommands are the transaction commands.
var multiCommands = []*Command{
	{Name: "multi", Arity: 1, Flags: txFlags | FlagFast | FlagAllowBusy, Group: "transactions", Since: "1.2.0",
		Complexity: "O(1)", ACL: []string{"fast", "transaction"},
		Summary: "Starts a transaction: the commands that follow are queued until EXEC.", Handler: cmdMulti},
	{Name: "exec", Arity: 1, Flags: txFlags | FlagSkipSlowlog, Group: "transactions", Since: "1.2.0",
		Complexity: "Depends on commands in the transaction", ACL: []string{"slow", "transaction"},
		Summary: "Runs the queued commands of a transaction as one atomic step.", Handler: cmdExec},
	{Name: "discard", Arity: 1, Flags: txFlags | FlagFast | FlagAllowBusy, Group: "transactions", Since: "2.0.0",
		Complexity: "O(N), when N is the number of queued commands", ACL: []string{"fast", "transaction"},
		Summary: "Drops the queued commands of a transaction and leaves it.", Handler: cmdDiscard},
	{Name: "watch", Arity: -2, Flags: txFlags | FlagFast | FlagAllowBusy, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "transactions", Since: "2.2.0", Complexity: "O(1) for every key.", ACL: []string{"fast", "transaction"},
		Summary: "Makes the next EXEC fail if any of the keys changes before it.", Handler: cmdWatch},
	{Name: "unwatch", Arity: 1, Flags: txFlags | FlagFast | FlagAllowBusy, Group: "transactions", Since: "2.2.0",
		Complexity: "O(1)", ACL: []string{"fast", "transaction"},
		Summary: "Forgets every key the connection WATCHes.", Handler: cmdUnwatch},
}

// multiState is a connection's transaction state. It belongs to the
// connection's goroutine, except the fields of the watches, which the
// registry's mutex guards.
type multiState struct {
	on       bool // inside MULTI; Client's clientMulti flag mirrors it
	aborted  bool // a command was rejected while queueing: EXEC aborts
	holdsAll bool // EXEC is running with every shard locked in Txn
	flags    Flag // union of the queued commands' flags
	queue    []queued
	watched  map[string]*watch // by key
}

// queued is one command waiting for EXEC, with its own copy of the
// arguments (the originals alias the connection's read buffer).
type queued struct {
	cmd  *Command
	args [][]byte
}

// InMulti reports whether the connection is inside MULTI, EXEC included:
// blocking commands then behave as their non-blocking forms.
func (x *Ctx) InMulti() bool { return x.tx.on }

// queueInMulti queues cmd when x is inside MULTI and reports whether it did
// (the reply is then QUEUED or an error). MULTI, EXEC, DISCARD, WATCH, QUIT
// and RESET are not queued but run. As in Redis, a client inside MULTI may
// queue nothing while memory is over maxmemory, and EXEC is refused when
// memory is over and a queued command may grow it.
func (s *Server) queueInMulti(x *Ctx, cmd *Command) bool {
	m := &x.tx
	if !m.on {
		if len(m.watched) > 0 && cmd.parent == nil && cmd.Name == "reset" {
			s.endTxn(x)
		}
		return false
	}
	if cmd.parent == nil {
		switch cmd.Name {
		case "exec":
			if m.flags&FlagDenyOOM != 0 && !m.aborted {
				if err := s.db.CheckMemory(x.Now); err != nil {
					cmd.stats.rejected.Add(1)
					s.abortExec(x, err.Error())
					return true
				}
			}
			return false
		case "discard", "quit":
			return false
		case "reset":
			s.endTxn(x)
			return false
		case "save", "shutdown", "sync", "psync":
			cmd.stats.rejected.Add(1)
			x.flagMulti()
			x.Err("ERR Command not allowed inside a transaction")
			return true
		}
	}
	if err := s.db.CheckMemory(x.Now); err != nil {
		cmd.stats.rejected.Add(1)
		x.flagMulti()
		x.Err(err.Error())
		return true
	}
	if cmd.parent == nil && (cmd.Name == "multi" || cmd.Name == "watch") {
		return false // they run, and reply their error
	}
	// Once EXEC is bound to fail there is no point keeping the command.
	if !m.aborted && !x.C.hasFlag(clientDirtyCAS) {
		m.queue = append(m.queue, queued{cmd: cmd, args: copyArgs(x.Args)})
		m.flags |= cmd.Flags
	}
	x.W.Simple("QUEUED")
	return true
}

// flagMulti marks the transaction as failed when x is inside MULTI: EXEC
// will abort (Redis's flagTransaction). Dispatch calls it for every command
// it rejects, unknown or with the wrong arity.
func (x *Ctx) flagMulti() {
	if x.tx.on {
		x.tx.aborted = true
	}
}

// copyArgs copies args into one new buffer.
func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = buf[:len(a):len(a)]
		copy(out[i], a)
		buf = buf[len(a):]
	}
	return out
}

// endTxn leaves MULTI, dropping the queue, and forgets the WATCHed keys
// (Redis's discardTransaction). DISCARD, EXEC, RESET and disconnection
// call it.
func (s *Server) endTxn(x *Ctx) {
	m := &x.tx
	clear(m.queue)
	if cap(m.queue) > 64 {
		m.queue = nil
	} else {
		m.queue = m.queue[:0]
	}
	m.on, m.aborted, m.flags = false, false, 0
	x.C.setFlag(clientMulti, false)
	s.unwatchAll(x)
}

// abortExec ends the transaction and replies EXECABORT with the reason.
func (s *Server) abortExec(x *Ctx, reason string) {
	s.endTxn(x)
	x.Err("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(reason, "-"))
}

func cmdMulti(x *Ctx) {
	if x.tx.on {
		x.Err("ERR MULTI calls can not be nested")
		return
	}
	x.tx.on = true
	x.C.setFlag(clientMulti, true)
	x.OK()
}

func cmdDiscard(x *Ctx) {
	if !x.tx.on {
		x.Err("ERR DISCARD without MULTI")
		return
	}
	x.Srv.endTxn(x)
	x.OK()
}

// cmdExec runs the queued commands with every shard locked and replies an
// array of their replies, errors included as elements. It replies a null
// array when a WATCHed key changed (or expired) and EXECABORT when a
// command was rejected while queueing.
func cmdExec(x *Ctx) {
	s, m := x.Srv, &x.tx
	if !m.on {
		x.Err("ERR EXEC without MULTI")
		return
	}
	if m.aborted {
		s.endTxn(x)
		x.Err("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	x.W.Hold(true)
	s.db.BeginAll(&x.Txn, x.Now)
	m.holdsAll = true
	defer func() {
		m.holdsAll = false
		x.Txn.End()
		x.W.Hold(false)
		s.endTxn(x)
	}()
	if x.C.hasFlag(clientDirtyCAS) || s.watches.expiredSince(&x.Txn, m.watched) {
		x.W.NullArray()
		return
	}
	s.unwatchAll(x) // our own writes must not count as changes
	args, cmd, errs := x.Args, x.Cmd, x.errs
	x.W.Array(len(m.queue))
	for i := range m.queue {
		q := &m.queue[i]
		x.Args = q.args
		s.execute(x, q.cmd, x.tick, false) // tick: the previous command's end
	}
	// The replies of the queued commands are theirs: EXEC itself failed
	// only if it replied an error of its own.
	x.Args, x.Cmd, x.errs = args, cmd, errs
}

// The commands on the whole keyspace (KEYS, SCAN, RANDOMKEY, FLUSHALL...)
// call the DB methods, which lock shard by shard, except inside EXEC, where
// every shard is already held and they use the Txn's variants instead.

// scanKeys is DB.Scan at x.Now, or Txn.Scan inside EXEC.
func (x *Ctx) scanKeys(cursor uint64, count int, out []engine.KeyInfo) ([]engine.KeyInfo, uint64) {
	if x.tx.holdsAll {
		return x.Txn.Scan(cursor, count, out)
	}
	return x.Srv.db.Scan(x.Now, cursor, count, out)
}

// randomKey is DB.RandomKey at x.Now, or Txn.RandomKey inside EXEC.
func (x *Ctx) randomKey() ([]byte, bool) {
	if x.tx.holdsAll {
		return x.Txn.RandomKey()
	}
	return x.Srv.db.RandomKey(x.Now)
}

// flushKeys is DB.Flush at x.Now, or Txn.Flush inside EXEC.
func (x *Ctx) flushKeys(async bool) {
	if x.tx.holdsAll {
		x.Txn.Flush()
		return
	}
	x.Srv.db.Flush(x.Now, async)
}
