package command

import (
	"io"
	"sync"
)

// outboxBatch is the most bytes of small messages the push writer gathers
// into one socket write; a bigger message is written on its own.
const outboxBatch = 16 << 10

// outbox is the queue of pub/sub messages waiting to be written to one
// subscribed client, and the goroutine that writes them: a publisher only
// appends to the queue, so a slow subscriber never blocks it. The queue is
// bounded by client-output-buffer-limit pubsub (see push).
//
// The goroutine is started with the outbox, at the client's first
// subscription, and stopped by close, when the client disconnects.
type outbox struct {
	c    *Client
	wake chan struct{} // capacity 1: the queue is not empty
	stop chan struct{} // closed by close
	done chan struct{} // closed when the goroutine has returned

	mu        sync.Mutex // guards the fields below; taken after Client.out.mu
	q         [][]byte   // whole encoded messages, oldest first; shared and read-only
	spare     [][]byte   // the previous q, reused once written
	size      int64      // bytes queued plus the bytes of the batch being written
	softSince int64      // unix ms when size first went over the soft limit; 0 if under it
	closed    bool       // disconnected or over the limit: drop everything
	paused    bool       // the writer leaves the queue alone (Client.pauseOutput)
}

// newOutbox returns c's outbox with its writer goroutine running.
func newOutbox(c *Client) *outbox {
	b := &outbox{
		c:    c,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go b.run()
	return b
}

// outputLimits are the pub/sub client-output-buffer-limit settings: bytes,
// bytes and seconds, 0 meaning no limit.
type outputLimits struct {
	hard, soft, softSeconds int64
}

// overLocked reports whether the queue is over the limits at now (unix ms),
// as Redis's checkClientOutputBufferLimits: over the hard limit, or over the
// soft limit for longer than its seconds. It keeps the soft-limit clock.
func (b *outbox) overLocked(lim outputLimits, now int64) bool {
	if lim.hard > 0 && b.size >= lim.hard {
		return true
	}
	if lim.soft == 0 || b.size < lim.soft {
		b.softSince = 0
		return false
	}
	if b.softSince == 0 {
		b.softSince = max(now, 1)
		return false
	}
	return (now-b.softSince)/1000 > lim.softSeconds
}

// push queues msg, which the caller must not change afterwards. It never
// blocks on the socket. When the queue goes over lim, the client is
// disconnected, its queue dropped, and push reports true.
func (b *outbox) push(msg []byte, lim outputLimits, now int64) (killed bool) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.q = append(b.q, msg)
	b.size += int64(len(msg))
	if b.overLocked(lim, now) {
		b.dropLocked()
		b.mu.Unlock()
		if b.c.Kill != nil {
			b.c.Kill()
		}
		return true
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return false
}

// dropLocked closes the queue and frees what it holds.
func (b *outbox) dropLocked() {
	b.closed = true
	clear(b.q)
	b.q, b.spare, b.size = nil, nil, 0
}

// close stops the writer goroutine and waits for it; the socket must be
// closed already (or about to be), so that a write blocked on a client that
// does not read returns.
func (b *outbox) close() {
	b.mu.Lock()
	b.dropLocked()
	b.mu.Unlock()
	close(b.stop)
	<-b.done
}

// pause stops the writer before its next message; the messages being
// written go on.
func (b *outbox) pause() {
	b.mu.Lock()
	b.paused = true
	b.mu.Unlock()
}

// resume lets the writer write the queue again.
func (b *outbox) resume() {
	b.mu.Lock()
	b.paused = false
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine: it writes the queue to the socket whenever
// it is not empty, until close.
func (b *outbox) run() {
	defer close(b.done)
	for {
		select {
		case <-b.stop:
			return
		case <-b.wake:
		}
		out := &b.c.out
		out.mu.Lock()
		err := b.writeQueuedLocked()
		out.mu.Unlock()
		if err != nil {
			// The connection is broken; its goroutine sees it too and
			// disconnects, which stops this one.
			b.mu.Lock()
			b.dropLocked()
			b.mu.Unlock()
			if b.c.Kill != nil {
				b.c.Kill()
			}
		}
	}
}

// writeQueuedLocked writes every queued message to the socket, batching the
// small ones, until the queue is empty or the writer is paused. The caller
// holds Client.out.mu: the writer goroutine, or the connection goroutine
// before its own writes (only when it has not paused the writer).
func (b *outbox) writeQueuedLocked() error {
	out := &b.c.out
	for {
		b.mu.Lock()
		if b.paused {
			b.mu.Unlock()
			return nil
		}
		batch := b.q
		b.q = b.spare[:0]
		b.spare = nil
		b.mu.Unlock()
		if len(batch) == 0 {
			return nil
		}
		written, err := writeBatch(out, batch)
		b.mu.Lock()
		if !b.closed {
			b.size -= written
			clear(batch)
			b.spare = batch[:0]
		}
		b.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// writeBatch writes msgs to out.w, gathering small ones in out.scratch, and
// returns the bytes written. The caller holds out.mu.
func writeBatch(out *output, msgs [][]byte) (int64, error) {
	w := out.w
	if w == nil {
		w = io.Discard
	}
	var n int64
	buf := out.scratch[:0]
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		k, err := w.Write(buf)
		n += int64(k)
		buf = buf[:0]
		return err
	}
	for _, m := range msgs {
		if len(buf)+len(m) > outboxBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
		if len(m) >= outboxBatch {
			k, err := w.Write(m)
			n += int64(k)
			if err != nil {
				return n, err
			}
			continue
		}
		buf = append(buf, m...)
	}
	err := flush()
	if cap(buf) <= outboxBatch {
		out.scratch = buf[:0]
	}
	return n, err
}
