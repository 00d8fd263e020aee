package command

import (
	"strings"
	"time"

	"github.com/larderdb/larder/internal/engine"
)

// Dispatch runs the command in x.Args and writes its reply to x.W: it finds
// the command, checks arity, authentication and memory, locks the shards of
// its keys, runs the handler and records statistics and the slow log.
// Features that change how a command runs plug in here: cluster routing
// (routeCluster, cluster.go), pub/sub mode
// (pubsubAllows, pubsub.go), MULTI queueing (queueInMulti, multi.go) and
// blocked clients (serveBlocked, blocking.go).
func (s *Server) Dispatch(x *Ctx) {
	args := x.Args
	if len(args) == 0 {
		return
	}
	start := s.now()
	x.Now = start.UnixMilli()
	if x.C.lastActive.Load() != x.Now { // a store is an atomic exchange: skip it when it changes nothing
		x.C.lastActive.Store(x.Now)
	}

	cmd := x.Lookup(args[0])
	if cmd == nil {
		x.Cmd = nil
		x.flagMulti() // EXEC will abort
		x.Err(unknownCommand(args))
		return
	}
	x.Cmd = cmd
	if !arityOK(cmd, len(args)) {
		cmd.stats.rejected.Add(1)
		x.flagMulti() // EXEC will abort
		x.ErrArity()
		return
	}
	if cmd.Sub != nil && len(args) > 1 {
		sub := cmd.Sub[strings.ToLower(string(args[1]))]
		if sub == nil {
			cmd.stats.rejected.Add(1)
			x.flagMulti() // EXEC will abort
			x.Err("ERR unknown subcommand '" + clip(string(args[1]), 128) + "'. Try " +
				strings.ToUpper(cmd.Name) + " HELP.")
			return
		}
		cmd = sub
		x.Cmd = cmd
		if !arityOK(cmd, len(args)) {
			cmd.stats.rejected.Add(1)
			x.flagMulti() // EXEC will abort
			x.ErrArity()
			return
		}
	}
	if cmd.Flags&FlagNoAuth == 0 && !x.C.authenticated.Load() {
		cmd.stats.rejected.Add(1)
		x.flagMulti() // EXEC will abort
		x.Err("NOAUTH Authentication required.")
		return
	}
	if s.cluster != nil && !s.routeCluster(x, cmd) { // cluster mode: MOVED, ASK, CROSSSLOT (cluster.go)
		return
	}
	if !s.pubsubAllows(x, cmd) || s.queueInMulti(x, cmd) {
		return
	}
	if cmd.Flags&FlagDenyOOM != 0 {
		if err := s.db.CheckMemory(x.Now); err != nil {
			cmd.stats.rejected.Add(1)
			x.Err(err.Error())
			return
		}
	}
	if x.replyMode == replyOn {
		s.execute(x, cmd, start, true)
	} else {
		s.executeSilently(x, cmd, start)
	}
	if len(x.ready) > 0 {
		s.serveBlocked(x)
	}
}

// executeSilently runs a command whose reply CLIENT REPLY OFF or SKIP
// discards.
func (s *Server) executeSilently(x *Ctx, cmd *Command, start time.Time) {
	if x.replyMode == replySkipNext {
		x.replyMode = replySkip
	}
	x.W.Hold(true)
	mark := x.W.Buffered()
	s.execute(x, cmd, start, true)
	if x.replyMode != replyOn { // CLIENT REPLY ON answers itself
		x.W.Truncate(mark)
	}
	if x.replyMode == replySkip {
		x.replyMode = replyOn
	}
	x.W.Hold(false)
}

// execute runs cmd's handler on x.Args and records its statistics. With
// lock, the shards of the command's keys are locked around the handler;
// without, the caller already holds what the command needs (EXEC).
func (s *Server) execute(x *Ctx, cmd *Command, start time.Time, lock bool) {
	args := x.Args
	x.Cmd = cmd
	if x.pend.cmd != cmd {
		// Statistics of a run of the same command are added up locally and
		// published when another command comes (or the connection flushes):
		// shared counters bounce between cores otherwise.
		x.FlushStats()
		x.pend.cmd = cmd
	}
	if lock && cmd.Flags&FlagNoLock == 0 && (cmd.FirstKey > 0 || cmd.Keys != nil) {
		x.keys = cmd.keysOf(args, x.keys[:0])
		x.Lock(x.keys...)
		if s.gate != nil && len(x.keys) > 0 && s.gate.Busy() && s.gate.Paused(engine.Slot(x.keys[0])) {
			// The slot is changing hands (its keys are all in one slot: routeCluster).
			x.Unlock()
			clear(x.keys)
			x.Err(errSlotPaused)
			return
		}
	}
	errs := x.errs
	cmd.Handler(x)
	if lock {
		x.Unlock()
		clear(x.keys)
	}

	d := time.Since(start)
	if x.pend.cmd != cmd { // EXEC ran other commands in between
		x.FlushStats()
		x.pend.cmd = cmd
	}
	x.pend.calls++
	x.pend.usec += d.Microseconds()
	if x.errs > errs {
		cmd.stats.failed.Add(1)
	}
	if th := s.slowlog.threshold.Load(); th >= 0 && d.Microseconds() >= th && cmd.Flags&FlagSkipSlowlog == 0 {
		s.slowlog.add(start, d, args, x.C)
	}
	if x.C.lastCmd.Load() != cmd {
		x.C.lastCmd.Store(cmd)
	}
}

// pendingStats are the statistics of a connection's latest run of one
// command, not yet added to the shared counters.
type pendingStats struct {
	cmd         *Command
	calls, usec int64
}

// FlushStats adds the connection's pending command statistics to the shared
// counters (INFO commandstats, total_commands_processed). The connection
// calls it before it flushes its replies and when it ends.
func (x *Ctx) FlushStats() {
	p := &x.pend
	if p.calls > 0 {
		p.cmd.stats.calls.Add(p.calls)
		p.cmd.stats.usec.Add(p.usec)
		x.Srv.Stats.CommandsProcessed.Add(p.calls)
	}
	*p = pendingStats{}
}

// arityOK checks n arguments (the name included) against Redis's arity rule.
func arityOK(c *Command, n int) bool {
	if c.Arity >= 0 {
		return n == c.Arity
	}
	return n >= -c.Arity
}

// unknownCommand words Redis's reply to an unknown command.
func unknownCommand(args [][]byte) string {
	var b strings.Builder
	b.WriteString("ERR unknown command '")
	b.WriteString(clip(string(args[0]), 128))
	b.WriteString("', with args beginning with: ")
	for _, a := range args[1:] {
		if b.Len() > 1024 {
			break
		}
		b.WriteByte('\'')
		b.WriteString(clip(string(a), 128))
		b.WriteString("' ")
	}
	return b.String()
}

// clip shortens s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Lookup returns the top-level command name names, or nil, as Dispatch finds
// it: the connection's previous command is checked before the table.
func (x *Ctx) Lookup(name []byte) *Command {
	cmd := x.lastTop
	if cmd == nil || !nameIs(name, cmd.Name) {
		cmd = x.Srv.table.Lookup(name)
		x.lastTop = cmd
	}
	return cmd
}

// nameIs reports whether arg is the lower-case command name, in any case.
func nameIs(arg []byte, name string) bool {
	if len(arg) != len(name) {
		return false
	}
	for i, c := range arg {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}
