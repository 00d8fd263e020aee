package command

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// This file holds the machinery of blocking commands (BLPOP, BLMOVE,
// BZPOPMIN...), with Redis's semantics: a client that finds nothing to pop
// waits on its keys; a command that creates one of those keys calls
// x.KeyReady, and once that command has finished and released its locks,
// Dispatch calls serveBlocked, which serves the waiters of each ready key
// first come, first served, for as long as the key has elements.
//
// Locking: a waiter is registered while the shards of its keys are held,
// so that no push can slip in between the failed pop and the registration;
// serveBlocked locks the shards of a waiter's keys, then blocking.mu, then
// runs the waiter's op. The order is engine shard locks, then blocking.mu.

// blockState is where a waiter stands; it changes once, from blockWaiting.
type blockState uint8

const (
	blockWaiting   blockState = iota
	blockServed               // op served it; its reply data is ready
	blockTimedOut             // timeout, or CLIENT UNBLOCK [TIMEOUT]: null reply
	blockUnblocked            // CLIENT UNBLOCK ERROR: UNBLOCKED error reply
	blockGone                 // the connection went away: no reply
)

// waitOp tries to serve a waiter from key, which has just been made ready:
// it runs with x.Txn holding key and the waiter's dst (x is the context of
// the client that pushed, so its KeyReady and Notify calls count there). It
// stores what the waiter will reply in the waiter's own variables, never
// in x.W, and reports whether it served the waiter (a reply that is an
// error, such as WRONGTYPE for BLMOVE's destination, counts as served).
type waitOp func(x *Ctx, key []byte) bool

// waiter is one blocked client.
type waiter struct {
	c     *Client
	keys  [][]byte // the distinct keys waited on (copies)
	dst   []byte   // another key op needs locked (BLMOVE's destination), or nil
	op    waitOp
	done  chan struct{} // closed when state leaves blockWaiting
	state blockState    // guarded by blocking.mu; final once done is closed
	links []waitLink    // the waiter's place in each key's queue
}

// waitLink is a waiter's place in the queue of one key.
type waitLink struct {
	w          *waiter
	key        string
	prev, next *waitLink
}

// waitQueue is the FIFO of the waiters on one key.
type waitQueue struct{ head, tail *waitLink }

// blocking is the registry of waiters of a Server.
type blocking struct {
	count    atomic.Int64 // registered waiters; read without mu on the hot path
	mu       sync.Mutex   // guards byKey, byClient and the waiters' state and links
	byKey    map[string]*waitQueue
	byClient map[int64]*waiter
}

// add registers w at the end of the queue of each of its keys.
func (b *blocking) add(w *waiter) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byKey == nil {
		b.byKey = make(map[string]*waitQueue)
		b.byClient = make(map[int64]*waiter)
	}
	w.links = make([]waitLink, len(w.keys))
	for i, k := range w.keys {
		q := b.byKey[string(k)]
		if q == nil {
			q = &waitQueue{}
			b.byKey[string(k)] = q
		}
		ln := &w.links[i]
		ln.w, ln.key = w, string(k)
		ln.prev = q.tail
		if q.tail != nil {
			q.tail.next = ln
		} else {
			q.head = ln
		}
		q.tail = ln
	}
	b.byClient[w.c.ID] = w
	b.count.Add(1)
}

// removeLocked takes w out of every queue. b.mu must be held.
func (b *blocking) removeLocked(w *waiter) {
	for i := range w.links {
		ln := &w.links[i]
		q := b.byKey[ln.key]
		if ln.prev != nil {
			ln.prev.next = ln.next
		} else {
			q.head = ln.next
		}
		if ln.next != nil {
			ln.next.prev = ln.prev
		} else {
			q.tail = ln.prev
		}
		ln.prev, ln.next = nil, nil
		if q.head == nil {
			delete(b.byKey, ln.key)
		}
	}
	if b.byClient[w.c.ID] == w {
		delete(b.byClient, w.c.ID)
	}
	b.count.Add(-1)
}

// finishLocked moves a waiting w to state st, takes it out of the
// registry and wakes it. It reports false when w was no longer waiting.
// b.mu must be held.
func (b *blocking) finishLocked(w *waiter, st blockState) bool {
	if w.state != blockWaiting {
		return false
	}
	b.removeLocked(w)
	w.state = st
	close(w.done)
	return true
}

// finish is finishLocked taking b.mu.
func (b *blocking) finish(w *waiter, st blockState) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.finishLocked(w, st)
}

// first returns the first waiter on key, or nil.
func (b *blocking) first(key []byte) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.firstLocked(key)
}

func (b *blocking) firstLocked(key []byte) *waiter {
	if q := b.byKey[string(key)]; q != nil && q.head != nil {
		return q.head.w
	}
	return nil
}

// BlockedClients returns the number of clients waiting in a blocking
// command (INFO's blocked_clients).
func (s *Server) BlockedClients() int64 { return s.blocked.count.Load() }

// KeyReady records that key was created with elements a blocked client
// may be waiting for (LPUSH, ZADD, LMOVE's destination...), as Redis's
// signalKeyAsReady. It costs one atomic load when no client is blocked.
// The key is copied.
func (x *Ctx) KeyReady(key []byte) {
	if x.Srv.blocked.count.Load() == 0 {
		return
	}
	x.ready = append(x.ready, append([]byte(nil), key...))
}

// serveBlocked serves the clients blocked on the keys x's command made
// ready (x.ready), in the order they blocked, then clears x.ready. Keys
// that serving makes ready (BLMOVE's destination) are served too. It runs
// in x's goroutine after x's command has released its locks.
func (s *Server) serveBlocked(x *Ctx) {
	for i := 0; i < len(x.ready); i++ { // x.ready may grow meanwhile
		s.serveKey(x, x.ready[i])
	}
	clear(x.ready)
	x.ready = x.ready[:0]
}

// serveKey serves the waiters of key one by one until one cannot be
// served (the key is empty or gone) or none is left.
func (s *Server) serveKey(x *Ctx, key []byte) {
	b := &s.blocked
	for {
		w := b.first(key)
		if w == nil {
			return
		}
		if w.dst != nil {
			s.db.Begin(&x.Txn, x.Now, key, w.dst)
		} else {
			s.db.Begin(&x.Txn, x.Now, key)
		}
		b.mu.Lock()
		if b.firstLocked(key) != w { // w timed out, or left, meanwhile
			b.mu.Unlock()
			x.Txn.End()
			continue
		}
		served := w.op(x, key)
		if served {
			b.finishLocked(w, blockServed)
		}
		b.mu.Unlock()
		x.Txn.End()
		if !served {
			return
		}
	}
}

// unblockClient wakes the client id if it waits in a blocking command
// (CLIENT UNBLOCK): as if it had timed out, or with the UNBLOCKED error
// when withError. It reports whether the client was blocked.
func (s *Server) unblockClient(id int64, withError bool) bool {
	b := &s.blocked
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.byClient[id]
	if w == nil {
		return false
	}
	st := blockTimedOut
	if withError {
		st = blockUnblocked
	}
	return b.finishLocked(w, st)
}

// errUnblocked is the reply of a client woken by CLIENT UNBLOCK ERROR.
const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// block parks x's client on keys until op serves it from one of them, the
// timeout passes (0: never), CLIENT UNBLOCK wakes it or its connection
// goes away, and returns how it ended. The caller has found nothing to
// serve with x.Txn holding keys (and dst); block registers the waiter
// before releasing them, so that no push is missed. The replies x wrote
// before are flushed first, as Redis sends them before blocking.
func (s *Server) block(x *Ctx, keys [][]byte, dst []byte, timeout time.Duration, op waitOp) blockState {
	w := &waiter{c: x.C, op: op, done: make(chan struct{})}
	for _, k := range keys {
		dup := false
		for _, o := range w.keys {
			if string(o) == string(k) {
				dup = true
				break
			}
		}
		if !dup {
			w.keys = append(w.keys, append([]byte(nil), k...))
		}
	}
	if dst != nil {
		w.dst = append([]byte(nil), dst...)
	}
	s.blocked.add(w)
	x.C.lastCmd.Store(x.Cmd) // CLIENT LIST shows cmd=blpop while it waits
	x.C.setFlag(clientBlocked, true)
	defer x.C.setFlag(clientBlocked, false)
	x.Unlock()
	_ = x.W.Flush()
	x.C.ReleaseOutput() // pub/sub pushes (RESP3) may flow while it waits

	var gone <-chan struct{}
	if x.ClientGone != nil {
		g, stop := x.ClientGone()
		defer stop()
		gone = g
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-w.done:
	case <-expired:
		s.blocked.finish(w, blockTimedOut)
	case <-gone:
		s.blocked.finish(w, blockGone)
	}
	<-w.done // a waiter being served is done once its op has run
	if w.state == blockGone {
		x.Close = true
	}
	return w.state
}

// parseTimeout parses a blocking command's timeout in seconds (a float;
// 0 waits forever) as Redis does, replying with Redis's error when it is
// not a number or is negative.
func parseTimeout(x *Ctx, b []byte) (time.Duration, bool) {
	f, ok := parseFloat(b)
	if !ok {
		x.Err("ERR timeout is not a float or out of range")
		return 0, false
	}
	ms := math.Ceil(f * 1000)
	if ms < 0 || math.IsInf(ms, 0) {
		x.Err("ERR timeout is negative")
		return 0, false
	}
	if ms >= float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, true // longer than anyone waits: forever
	}
	return time.Duration(ms) * time.Millisecond, true
}
