// Package server accepts RESP connections and runs each one's read,
// dispatch and reply loop on its own goroutine, or, with
// Options.EventLoops on Linux, on epoll event loops that hand a client to a
// goroutine of its own when it blocks, subscribes or falls behind.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/resp"
)

// ErrClosed is returned by Serve after Shutdown.
var ErrClosed = errors.New("server: closed")

// Options configures a Server.
type Options struct {
	// Commands runs the commands. Required.
	Commands *command.Server
	// Logger receives connection-level log lines. Default slog.Default().
	Logger *slog.Logger
	// MaxClients is the initial maxclients. Default 10000.
	MaxClients int
	// Limits are the initial protocol limits (proto-max-bulk-len,
	// client-query-buffer-limit); zero fields take resp's defaults.
	Limits resp.Limits
	// IdleTimeout closes a client idle for this long (timeout). Default 0: never.
	IdleTimeout time.Duration
	// EventLoops, when > 0 and the platform has epoll (Linux), serves
	// clients on this many event loops instead of a goroutine per client;
	// a client that blocks, subscribes or cannot take its replies at once
	// moves to a goroutine of its own. Default 0: a goroutine per client.
	EventLoops int
	// LoopsYieldP makes the event loops sleep in epoll_wait through the
	// scheduler, giving up their P, instead of keeping it (the default, while
	// a P is left for the rest of the program). Keeping it saves CPU per
	// request, but every stop-the-world and every scan of a loop's stack by
	// the garbage collector then waits for the loop's thread to wake from a
	// signal, which on a busy or oversubscribed host can take milliseconds.
	LoopsYieldP bool
	// LoopSpin is how long an event loop that has just served clients keeps
	// polling epoll before it sleeps. A client whose next request arrives
	// within it finds the loop awake: a remote wake-up of the loop's thread
	// costs the sender's CPU (an inter-processor interrupt and the
	// scheduler's work) on every batch, which on a small machine is CPU the
	// client needed. An idle loop never spins; one client at a low rate
	// costs up to LoopSpin of CPU per request. 0 sleeps at once.
	LoopSpin time.Duration
}

// tracked is an open connection as Shutdown and maxclients see it: a
// net.Conn, or a *loopConn served by an event loop.
type tracked interface {
	SetReadDeadline(t time.Time) error
	Close() error
}

// Server serves RESP clients on one listener. It is safe for concurrent use.
type Server struct {
	cmds *command.Server
	log  *slog.Logger

	maxClients atomic.Int64
	limits     atomic.Pointer[resp.Limits]
	idle       atomic.Int64 // nanoseconds; 0 = no idle timeout
	stopping   atomic.Bool  // set once Shutdown starts

	mu      sync.Mutex // guards ln, conns, closing
	ln      net.Listener
	conns   map[tracked]struct{}
	closing bool
	wg      sync.WaitGroup // one per connection, and one per event loop

	nloops int           // Options.EventLoops
	yieldP bool          // Options.LoopsYieldP
	spin   time.Duration // Options.LoopSpin
	loops  []*eventLoop  // started by Serve; nil in goroutine mode
	next   int           // the loop the next connection goes to
}

// New returns a Server; call Serve to start accepting.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = 10000
	}
	s := &Server{cmds: opts.Commands, log: opts.Logger, conns: make(map[tracked]struct{}), nloops: opts.EventLoops, yieldP: opts.LoopsYieldP, spin: opts.LoopSpin}
	s.maxClients.Store(int64(opts.MaxClients))
	lim := opts.Limits
	s.limits.Store(&lim)
	s.idle.Store(int64(opts.IdleTimeout))
	return s
}

// SetMaxClients changes maxclients for new connections.
func (s *Server) SetMaxClients(n int) { s.maxClients.Store(int64(n)) }

// SetLimits changes the protocol limits; connections pick them up before
// their next command.
func (s *Server) SetLimits(l resp.Limits) { s.limits.Store(&l) }

// SetIdleTimeout changes the idle timeout (0 disables it).
func (s *Server) SetIdleTimeout(d time.Duration) { s.idle.Store(int64(d)) }

// Serve accepts connections on ln until Shutdown; it returns ErrClosed then,
// or the listener's error if accepting fails otherwise.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrClosed
	}
	s.ln = ln
	if s.nloops > 0 && s.loops == nil {
		s.loops = s.startLoops(s.nloops)
	}
	s.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscallEMFILE) {
				// Out of file descriptors or a transient error: back off, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		s.cmds.Stats.ConnectionsReceived.Add(1)
		if !s.track(nc) {
			continue
		}
		if len(s.loops) > 0 && s.serveInLoop(nc) {
			continue
		}
		go s.serveConn(nc)
	}
}

// track registers a new connection, or refuses it when the server is
// closing or maxclients is reached.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		nc.Close()
		return false
	}
	if int64(len(s.conns)) >= s.maxClients.Load() {
		s.mu.Unlock()
		s.cmds.Stats.RejectedConnections.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		io.WriteString(nc, "-ERR max number of clients reached\r\n")
		nc.Close()
		return false
	}
	s.conns[nc] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	return true
}

func (s *Server) untrack(nc tracked) {
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting, lets every connection finish the command it is
// running and flush its reply, then closes them. Connections still open when
// ctx ends are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopping.Store(true)
	s.mu.Lock()
	s.closing = true
	if s.ln != nil {
		s.ln.Close()
	}
	for nc := range s.conns {
		// Wake readers; a command in flight still completes and replies.
		nc.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for nc := range s.conns {
			nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// Clients returns the number of open connections.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
