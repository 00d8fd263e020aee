package server

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/resp"
)

var syscallEMFILE = syscall.EMFILE

// countingConn counts the bytes a connection reads and writes into the
// server's statistics.
type countingConn struct {
	net.Conn
	stats *command.Stats
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.stats.NetInputBytes.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.stats.NetOutputBytes.Add(int64(n))
	return n, err
}

// session is a connection's protocol state. It outlives the way the
// connection is served: an event loop hands it to a goroutine unchanged.
type session struct {
	c   *command.Client
	x   *command.Ctx
	rd  *resp.Reader
	lim *resp.Limits
}

// serveConn runs one connection on its own goroutine.
func (s *Server) serveConn(nc net.Conn) {
	defer s.untrack(nc)
	defer nc.Close()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	cc := countingConn{Conn: nc, stats: &s.cmds.Stats}
	var closeOnce sync.Once
	c := &command.Client{
		Addr:  nc.RemoteAddr().String(),
		LAddr: nc.LocalAddr().String(),
		Kill:  func() { closeOnce.Do(func() { nc.Close() }) },
	}
	// Replies go through c.Output, which shares the socket with the
	// client's pub/sub push writer; see the flush in runConn.
	x := &command.Ctx{W: resp.NewWriter(c.Output(cc), 16<<10), ClientGone: goneWatcher(nc)}
	s.cmds.Connect(c, x)
	defer s.cmds.Disconnect(x)
	lim := s.limits.Load()
	s.runConn(nc, &session{c: c, x: x, rd: resp.NewReader(cc, *lim), lim: lim}, nil)
}

// runConn reads a command, dispatches it, and flushes the replies once no
// pipelined command is waiting, until the connection ends. It dispatches
// first, when not nil, before reading anything.
func (s *Server) runConn(nc net.Conn, ss *session, first [][]byte) {
	c, x, rd := ss.c, ss.x, ss.rd
	for {
		args := first
		first = nil
		if args == nil {
			s.checkLimits(ss)
			if idle := time.Duration(s.idle.Load()); idle > 0 && rd.Buffered() == 0 && !s.stopping.Load() {
				nc.SetReadDeadline(time.Now().Add(idle))
			}
			var err error
			if args, err = rd.ReadCommand(); err != nil {
				s.readFailed(ss, err)
				return
			}
		}
		x.Args = args
		s.cmds.Dispatch(x)
		x.Args = nil
		// A subscribed client's pushes wait while a reply holds the
		// socket: flush it and release the socket before reading on.
		if x.Close || rd.Buffered() == 0 || c.MustFlush() {
			x.EndBatch()
			err := x.W.Flush()
			c.ReleaseOutput()
			if err != nil {
				return
			}
		}
		if x.Close {
			return
		}
	}
}

// checkLimits gives the session's reader the current protocol limits.
func (s *Server) checkLimits(ss *session) {
	if l := s.limits.Load(); l != ss.lim {
		ss.lim = l
		ss.rd.SetLimits(*l)
	}
}

// readFailed answers a protocol error, logs a query buffer overflow and
// flushes what is left; the caller then closes the connection.
func (s *Server) readFailed(ss *session, err error) {
	x := ss.x
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		s.cmds.Stats.ErrorReplies.Add(1)
		x.W.Error("ERR " + pe.Error())
		x.W.Flush()
		s.log.Debug("protocol error; closing client", "client", ss.c.Addr, "err", pe)
	} else if errors.Is(err, resp.ErrQueryBufferLimit) {
		s.log.Warn("closing client that reached max query buffer length", "client", ss.c.Addr)
	}
	x.W.Flush()
}

// goneWatcher returns the command.Ctx.ClientGone function of nc: while a
// client waits in a blocking command its goroutine does not read, so a
// watcher goroutine peeks at the socket (MSG_PEEK, nothing is consumed)
// and closes gone when the peer has closed the connection or it failed.
// Pending data (a pipelined command) ends the watch without closing gone.
// It returns nil when nc exposes no file descriptor.
func goneWatcher(nc net.Conn) func() (<-chan struct{}, func()) {
	sc, ok := nc.(syscall.Conn)
	if !ok || !canPeek {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() (<-chan struct{}, func()) {
		gone := make(chan struct{})
		finished := make(chan struct{})
		var stopping atomic.Bool
		nc.SetReadDeadline(time.Time{}) // the idle timeout does not apply to a blocked client
		go func() {
			defer close(finished)
			var b [1]byte
			closed := false
			err := rc.Read(func(fd uintptr) bool {
				n, err := peek(fd, b[:])
				if err == syscall.EAGAIN || err == syscall.EINTR {
					return false // nothing yet: wait for readiness
				}
				closed = err != nil || n == 0
				return true
			})
			// An error is stop() at work, or else the connection being
			// closed (CLIENT KILL) or woken for shutdown (a deadline).
			if closed || err != nil && !stopping.Load() {
				close(gone)
			}
		}()
		stop := func() {
			stopping.Store(true)
			nc.SetReadDeadline(time.Now()) // wakes the watcher
			<-finished
			nc.SetReadDeadline(time.Time{})
		}
		return gone, stop
	}
}
