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

// serveConn runs one connection: read a command, dispatch it, and flush the
// replies once no pipelined command is waiting.
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
	// client's pub/sub push writer; see the flush below.
	x := &command.Ctx{W: resp.NewWriter(c.Output(cc), 16<<10), ClientGone: goneWatcher(nc)}
	s.cmds.Connect(c, x)
	defer s.cmds.Disconnect(x)

	lim := s.limits.Load()
	rd := resp.NewReader(cc, *lim)
	for {
		if l := s.limits.Load(); l != lim {
			lim = l
			rd.SetLimits(*lim)
		}
		if idle := time.Duration(s.idle.Load()); idle > 0 && rd.Buffered() == 0 && !s.stopping.Load() {
			nc.SetReadDeadline(time.Now().Add(idle))
		}
		args, err := rd.ReadCommand()
		if err != nil {
			var pe *resp.ProtocolError
			if errors.As(err, &pe) {
				s.cmds.Stats.ErrorReplies.Add(1)
				x.W.Error("ERR " + pe.Error())
				x.W.Flush()
				s.log.Debug("protocol error; closing client", "client", c.Addr, "err", pe)
			} else if errors.Is(err, resp.ErrQueryBufferLimit) {
				s.log.Warn("closing client that reached max query buffer length", "client", c.Addr)
			}
			x.W.Flush()
			return
		}
		x.Args = args
		s.cmds.Dispatch(x)
		x.Args = nil
		// A subscribed client's pushes wait while a reply holds the
		// socket: flush it and release the socket before reading on.
		if x.Close || rd.Buffered() == 0 || c.MustFlush() {
			x.FlushStats()
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

// goneWatcher returns the command.Ctx.ClientGone function of nc: while a
// client waits in a blocking command its goroutine does not read, so a
// watcher goroutine peeks at the socket (MSG_PEEK, nothing is consumed)
// and closes gone when the peer has closed the connection or it failed.
// Pending data (a pipelined command) ends the watch without closing gone.
// It returns nil when nc exposes no file descriptor.
func goneWatcher(nc net.Conn) func() (<-chan struct{}, func()) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
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
				n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
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
