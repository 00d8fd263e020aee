package command

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/resp"
)

// Ctx is one connection's state as the command handlers see it: the client,
// its reply writer, the arguments of the command being run and the engine
// transaction holding its keys. A Ctx belongs to its connection's goroutine
// and is not safe for concurrent use; it is reused for every command.
type Ctx struct {
	Srv  *Server
	C    *Client
	W    *resp.Writer
	Args [][]byte // the command being run; valid only during the call
	Cmd  *Command
	Txn  engine.Txn
	Now  int64 // unix ms at the start of the command
	// Close asks the connection to be closed once the reply is flushed.
	Close bool
	// ClientGone, set by the network layer, watches the connection while
	// its goroutine waits in a blocking command instead of reading: gone is
	// closed if the peer disconnects; stop ends the watch (and must be
	// called before the connection reads again). It reads nothing from the
	// connection. Nil when the connection cannot be watched.
	ClientGone func() (gone <-chan struct{}, stop func())

	keys      [][]byte
	locked    bool
	replyMode replyMode    // CLIENT REPLY
	pend      pendingStats // see FlushStats
	// tick is the latest clock reading of the current batch: the start of
	// the batch's first command, then the end of each command, which is when
	// the next one starts. A pipeline of n commands reads the clock n+1
	// times, not 2n (on a virtual machine a reading is a large share of a
	// GET). Zero between batches (EndBatch).
	tick    time.Time
	lastTop *Command   // the top-level command of the previous Dispatch, to skip the table lookup
	errs    int64      // error replies written, for the failed-call statistics
	tx      multiState // MULTI queue and WATCHed keys (multi.go, watch.go)
	asking  bool       // ASKING came last: an importing slot may be used (cluster.go)
	// ready lists keys this command pushed into that clients may be
	// blocked on (see KeyReady); Dispatch serves them after the command.
	ready [][]byte
}

// replyMode is a client's CLIENT REPLY setting.
type replyMode uint8

const (
	replyOn       replyMode = iota
	replyOff                // discard every reply
	replySkipNext           // set by SKIP: the next command's reply is discarded
	replySkip               // discarding the reply of the command running now
)

// Lock takes the engine locks for keys (the handler of a FlagNoLock
// command, or one without key positions). Dispatch releases them after the
// handler returns.
func (x *Ctx) Lock(keys ...[]byte) {
	if x.tx.holdsAll { // inside EXEC: every shard is held already
		return
	}
	x.Srv.db.Begin(&x.Txn, x.Now, keys...)
	x.locked = true
	x.W.Hold(true)
}

// LockAll takes every shard's lock, for a handler that finds the keys it
// needs only as it runs (SORT BY and GET patterns). Dispatch releases them.
func (x *Ctx) LockAll() {
	if x.tx.holdsAll { // inside EXEC: every shard is held already
		return
	}
	x.Srv.db.BeginAll(&x.Txn, x.Now)
	x.locked = true
	x.W.Hold(true)
}

// Unlock releases the locks taken for the command before the handler
// returns, for handlers that must do slow work afterwards.
func (x *Ctx) Unlock() {
	if x.locked && !x.tx.holdsAll {
		x.Txn.End()
		x.locked = false
		x.W.Hold(false)
	}
}

// Redis error replies used by many commands.
const (
	errSyntax      = "ERR syntax error"
	errNotInt      = "ERR value is not an integer or out of range"
	errNotFloat    = "ERR value is not a valid float"
	errOverflow    = "ERR increment or decrement would overflow"
	errNoSuchKey   = "ERR no such key"
	errInvalidExp  = "ERR invalid expire time in '%s' command"
	errNotPositive = "ERR value is out of range, must be positive"
)

// OK replies +OK.
func (x *Ctx) OK() { x.W.Simple("OK") }

// Err replies with an error; msg carries its prefix ("ERR ...").
func (x *Ctx) Err(msg string) {
	x.Srv.Stats.ErrorReplies.Add(1)
	x.errs++
	x.Srv.info.countError(msg)
	x.W.Error(msg)
}

// ErrWrongType replies with the WRONGTYPE error.
func (x *Ctx) ErrWrongType() { x.Err(engine.ErrWrongType.Error()) }

// ErrArity replies that the command got the wrong number of arguments.
func (x *Ctx) ErrArity() {
	x.Err("ERR wrong number of arguments for '" + x.Cmd.FullName() + "' command")
}

// ArgInt parses args[i] as a 64-bit integer; on failure it replies with
// Redis's error and returns false.
func (x *Ctx) ArgInt(i int) (int64, bool) {
	n, ok := parseInt(x.Args[i])
	if !ok {
		x.Err(errNotInt)
	}
	return n, ok
}

// parseInt parses b strictly as Redis's string2ll does: an optional '-',
// no leading zeros or '+', no spaces, within int64. It is the rule the
// intset encoding applies to members, so both share one implementation.
func parseInt(b []byte) (int64, bool) { return set.ParseInt(b) }

// parseFloat parses b as Redis parses a float argument (strtold): decimal
// or hex, "inf" and "-inf" allowed, no spaces, not NaN.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5120 {
		return 0, false
	}
	if b[0] == ' ' || b[len(b)-1] == ' ' || b[0] == '\t' {
		return 0, false
	}
	if bytes.IndexByte(b, '_') >= 0 {
		return 0, false // Go accepts digit separators, strtold does not
	}
	s := string(b)
	if h := strings.TrimLeft(s, "+-"); len(h) > 2 && h[0] == '0' && h[1]|0x20 == 'x' && !strings.ContainsAny(h, "pP") {
		s += "p0" // strtold takes hex without a binary exponent, Go does not
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, !math.IsNaN(f)
		}
		return 0, false
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// eqFold reports whether b equals the lower-case ASCII word s, ignoring case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
