package command

import (
	"io"
	"sync"
)

// A connection's socket has two writers once its client subscribes: the
// connection goroutine, which writes replies through its resp.Writer, and
// the client's push writer goroutine (pubsub_outbox.go), which writes the
// queued pub/sub messages. output serializes them so that a reply and a
// message never interleave mid-message:
//
//   - The connection goroutine takes the mutex lazily, on its first write to
//     the socket (a flush, or a reply bigger than its buffer), and keeps it
//     until its reply is complete and flushed (ReleaseOutput). Before its own
//     bytes it writes out the messages already queued, so a reply never
//     overtakes a message published before it was written.
//   - (P|S)SUBSCRIBE pauses the push writer before it registers the
//     subscription, until its confirmation is flushed: the confirmation
//     reaches the client before any message on that channel. Pausing never
//     blocks, so a handler never waits for the socket (EXEC runs SUBSCRIBE
//     with every shard locked).
//   - The push writer takes the mutex for each batch of whole messages.

// output is the client's side of the socket shared by replies and pushes.
type output struct {
	w  io.Writer  // the socket; set once by Client.Output
	mu sync.Mutex // serializes writes to w
	// held: the connection goroutine holds mu; paused: it paused the push
	// writer. Only the connection goroutine reads or writes them.
	held, paused bool
	// scratch coalesces small queued messages into one write; guarded by mu.
	scratch []byte
}

// outputWriter is the io.Writer the connection's replies go through.
type outputWriter struct{ c *Client }

// Write writes a piece of a reply, taking the socket first if needed.
func (ow outputWriter) Write(p []byte) (int, error) {
	c := ow.c
	if err := c.holdOutput(); err != nil {
		return 0, err
	}
	return c.out.w.Write(p)
}

// Output makes w the client's socket and returns the writer the
// connection's replies must be written to (the resp.Writer's destination):
// it shares w with the client's pub/sub push writer. The connection calls
// ReleaseOutput after each flush; see MustFlush.
func (c *Client) Output(w io.Writer) io.Writer {
	c.out.w = w
	return outputWriter{c}
}

// MustFlush reports whether the connection must flush its replies and call
// ReleaseOutput before it reads the next command, rather than keep them
// buffered for a pipeline: true when the client's pub/sub push writer
// waits for a reply to be flushed. Only the connection goroutine may call
// it.
func (c *Client) MustFlush() bool { return (c.out.held || c.out.paused) && c.ps != nil }

// ReleaseOutput gives the socket back to the pub/sub push writer once the
// connection has flushed its replies. It does nothing when the connection
// neither holds the socket nor paused the writer. Only the connection
// goroutine may call it.
func (c *Client) ReleaseOutput() {
	if c.out.held {
		c.out.held = false
		c.out.mu.Unlock()
	}
	if c.out.paused {
		c.out.paused = false
		c.ps.box.resume()
	}
}

// holdOutput takes the socket for the connection goroutine, if it does not
// hold it yet, and first writes out the pub/sub messages already queued,
// unless the push writer is paused for a subscription's confirmation.
func (c *Client) holdOutput() error {
	if c.out.held {
		return nil
	}
	c.out.mu.Lock()
	c.out.held = true
	if c.ps != nil && !c.out.paused {
		return c.ps.box.writeQueuedLocked()
	}
	return nil
}

// pauseOutput stops the push writer, before its next message, until
// ReleaseOutput. c must have its pub/sub state.
func (c *Client) pauseOutput() {
	if !c.out.paused {
		c.out.paused = true
		c.ps.box.pause()
	}
}
