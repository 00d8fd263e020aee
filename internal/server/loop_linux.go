//go:build linux

package server

import (
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/resp"
)

// loopTick bounds how long a loop sleeps in epoll_wait, so that it notices
// Shutdown and idle clients. Each loop takes it when it starts; tests lengthen
// it (SetLoopTick in export_test.go).
var loopTick = 100 * time.Millisecond

// loopFlushSize is how many reply bytes a loop lets pile up while it runs a
// client's pipeline before writing them.
const loopFlushSize = 64 << 10

// eventLoop serves many connections on one goroutine: it waits in
// epoll_wait (level-triggered), and for each readable connection does one
// read, dispatches every complete command read and flushes the replies with
// one write.
type eventLoop struct {
	s    *Server
	epfd int
	tick time.Duration // loopTick when the loop started

	mu    sync.Mutex // guards conns and done
	conns map[int32]*loopConn
	done  bool // the loop has exited: register closes new connections

	// keepP makes the loop sleep in epoll_wait without telling the scheduler,
	// so that it keeps its P: set when other Ps are left for the rest of the
	// program, unless Options.LoopsYieldP. Telling it (a blocking syscall)
	// costs a hand-off of the P on every sleep and keeps the runtime's monitor
	// thread polling every 20 µs, about a tenth of the node's CPU time under a
	// small-request load.
	keepP bool

	lastScan time.Time // last idle scan; loop goroutine only
	now      time.Time // time of the last wake-up when an idle timeout is set
}

// keptPs counts the event loops of the process (of every Server in it: tests
// and programs may run several nodes) that keep their P while they sleep.
var keptPs atomic.Int32

// claimP reports whether a new loop may keep its P while it sleeps: only
// while at least one P is left for the rest of the program, whose goroutines
// would otherwise wait for the runtime to preempt a sleeping loop (10 ms).
func claimP() bool {
	if keptPs.Add(1) < int32(runtime.GOMAXPROCS(0)) {
		return true
	}
	keptPs.Add(-1)
	return false
}

// startLoops starts n event loops; it returns nil, and the server stays in
// goroutine mode, when epoll is unavailable.
func (s *Server) startLoops(n int) []*eventLoop {
	var loops []*eventLoop
	for range n {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			s.log.Warn("epoll_create failed", "err", err, "loops", len(loops))
			return loops // nil: goroutine mode; the loops started exit with Shutdown
		}
		l := &eventLoop{s: s, epfd: epfd, tick: loopTick, conns: make(map[int32]*loopConn), keepP: !s.yieldP && claimP()}
		loops = append(loops, l)
		s.wg.Add(1)
		go l.run()
	}
	return loops
}

// serveInLoop moves the tracked connection nc to the next event loop. It
// returns false, leaving nc as it is, when nc cannot be served there.
func (s *Server) serveInLoop(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	var derr error
	if err := rc.Control(func(f uintptr) {
		var r uintptr
		var e syscall.Errno
		r, _, e = syscall.Syscall(syscall.SYS_FCNTL, f, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		fd = int(r)
	}); err != nil || derr != nil {
		return false
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return false
	}
	l := s.loops[s.next%len(s.loops)]
	s.next++
	lc := &loopConn{l: l, fd: int32(fd), stats: &s.cmds.Stats}
	c := &command.Client{Addr: nc.RemoteAddr().String(), LAddr: nc.LocalAddr().String(), Kill: func() { lc.Close() }}
	x := &command.Ctx{W: resp.NewWriter(c.Output(lc), 16<<10)}
	lim := s.limits.Load()
	lc.ss = session{c: c, x: x, rd: resp.NewReader(lc, *lim), lim: lim}
	// The loop owns the descriptor from now on; closing nc takes the
	// connection out of Go's netpoller.
	s.mu.Lock()
	delete(s.conns, nc)
	s.conns[lc] = struct{}{}
	s.mu.Unlock()
	nc.Close()
	s.cmds.Connect(c, x)
	l.register(lc)
	return true
}

// register adds lc to the loop's epoll set, or closes it when the loop has
// exited.
func (l *eventLoop) register(lc *loopConn) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		l.closeConn(lc)
		return
	}
	// Under l.mu, so that closeAll cannot close lc's descriptor first.
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: lc.fd}
	err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, int(lc.fd), &ev)
	if err == nil {
		l.conns[lc.fd] = lc
	}
	l.mu.Unlock()
	if err != nil {
		l.s.log.Warn("epoll_ctl failed; closing client", "client", lc.ss.c.Addr, "err", err)
		l.closeConn(lc)
	}
}

// run is the loop's goroutine.
func (l *eventLoop) run() {
	defer l.s.wg.Done()
	defer syscall.Close(l.epfd)
	if l.keepP {
		defer keptPs.Add(-1)
	}
	var events [128]syscall.EpollEvent
	ready := make([]*loopConn, 0, len(events))
	served := false
	for {
		// Ready clients first without blocking; sleep only when none is.
		n := pollNow(l.epfd, events[:])
		if n == 0 && served && l.s.spin > 0 {
			// A loop that just served keeps polling a little before it
			// sleeps: a busy client's next request then needs no wake-up,
			// which costs the client's CPU more than the poll costs ours.
			for end := time.Now().Add(l.s.spin); n == 0 && time.Now().Before(end); {
				n = pollNow(l.epfd, events[:])
			}
		}
		served = n > 0
		if n == 0 {
			var err error
			if l.keepP {
				n, err = pollWait(l.epfd, events[:], int(l.tick/time.Millisecond))
			} else {
				n, err = syscall.EpollWait(l.epfd, events[:], int(l.tick/time.Millisecond))
			}
			if err != nil && err != syscall.EINTR {
				l.s.log.Error("epoll_wait failed", "err", err)
				time.Sleep(l.tick)
			}
			n = max(n, 0)
		}
		idle := time.Duration(l.s.idle.Load())
		if idle > 0 {
			l.now = time.Now()
		}
		ready = ready[:0]
		l.mu.Lock()
		for i := 0; i < n; i++ {
			if lc := l.conns[events[i].Fd]; lc != nil {
				ready = append(ready, lc)
			}
		}
		l.mu.Unlock()
		for _, lc := range ready {
			l.serve(lc)
		}
		if l.s.stopping.Load() {
			l.closeAll()
			return
		}
		if idle > 0 && l.now.Sub(l.lastScan) >= l.tick {
			l.lastScan = l.now
			l.closeIdle(idle)
		}
	}
}

// serve does one read on a readable connection and runs the commands it
// completes.
func (l *eventLoop) serve(lc *loopConn) {
	s := l.s
	ss := &lc.ss
	c, x := ss.c, ss.x
	lc.readable = true
	for {
		s.checkLimits(ss)
		args, err := ss.rd.ReadCommand()
		if err == errWouldBlock {
			break
		}
		if err != nil {
			s.readFailed(ss, err)
			l.drop(lc)
			return
		}
		if needsGoroutine(x.Lookup(args[0])) {
			l.handOff(lc, args)
			return
		}
		x.Args = args
		s.cmds.Dispatch(x)
		x.Args = nil
		if x.Close {
			x.EndBatch()
			x.W.Flush()
			c.ReleaseOutput()
			l.drop(lc)
			return
		}
		if x.W.Buffered() > loopFlushSize {
			// Big replies go out now: a client that does not read them
			// fills its socket and moves to a goroutine, rather than its
			// pipeline piling replies up in memory.
			if err := x.W.Flush(); err != nil {
				c.ReleaseOutput()
				l.drop(lc)
				return
			}
			c.ReleaseOutput()
		}
		if len(lc.pending) > 0 {
			// The socket is full.
			l.handOff(lc, nil)
			return
		}
	}
	x.EndBatch()
	err := x.W.Flush()
	c.ReleaseOutput()
	if err != nil {
		l.drop(lc)
		return
	}
	if len(lc.pending) > 0 {
		l.handOff(lc, nil)
	}
}

// needsGoroutine reports whether cmd must run on a goroutine of its own: it
// may block, or it subscribes (pushes need their writer).
func needsGoroutine(cmd *command.Command) bool {
	if cmd == nil {
		return false
	}
	if cmd.Flags&command.FlagBlocking != 0 {
		return true
	}
	switch cmd.Name {
	case "debug", "monitor", "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
		return true
	}
	return false
}

// forget takes lc out of the loop's epoll set.
func (l *eventLoop) forget(lc *loopConn) {
	l.mu.Lock()
	delete(l.conns, lc.fd)
	l.mu.Unlock()
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, int(lc.fd), nil)
}

// drop ends a connection served by the loop.
func (l *eventLoop) drop(lc *loopConn) {
	l.forget(lc)
	l.closeConn(lc)
}

// closeConn disconnects the client, closes its descriptor and untracks it.
// lc must not be in the epoll set.
func (l *eventLoop) closeConn(lc *loopConn) {
	l.s.cmds.Disconnect(lc.ss.x)
	lc.mu.Lock()
	lc.closed = true
	syscall.Close(int(lc.fd))
	lc.mu.Unlock()
	l.s.untrack(lc)
}

// handOff moves lc to a goroutine of its own, which dispatches first (when
// not nil) and then serves the connection as serveConn does.
func (l *eventLoop) handOff(lc *loopConn, first [][]byte) {
	l.forget(lc)
	f := os.NewFile(uintptr(lc.fd), "")
	nc, err := net.FileConn(f) // a duplicate in Go's netpoller
	lc.mu.Lock()
	f.Close()
	lc.closed = true
	lc.nc = nc
	lc.mu.Unlock()
	if err != nil {
		l.s.log.Warn("cannot hand client to a goroutine; closing it", "client", lc.ss.c.Addr, "err", err)
		l.s.cmds.Disconnect(lc.ss.x)
		l.s.untrack(lc)
		return
	}
	if l.s.stopping.Load() {
		nc.SetReadDeadline(time.Now()) // Shutdown may have missed it
	}
	lc.handed = true
	lc.ss.x.ClientGone = goneWatcher(nc)
	go l.s.runHanded(lc, first)
}

// runHanded serves a connection handed off by an event loop.
func (s *Server) runHanded(lc *loopConn, first [][]byte) {
	defer s.untrack(lc)
	defer lc.nc.Close()
	defer s.cmds.Disconnect(lc.ss.x)
	if len(lc.pending) > 0 {
		// The replies the loop could not write go out before any other.
		if _, err := lc.Write(nil); err != nil {
			return
		}
	}
	s.runConn(lc.nc, &lc.ss, first)
}

// closeAll ends every connection of the loop, for Shutdown, and makes
// register refuse new ones.
func (l *eventLoop) closeAll() {
	l.mu.Lock()
	l.done = true
	conns := make([]*loopConn, 0, len(l.conns))
	for _, lc := range l.conns {
		conns = append(conns, lc)
	}
	l.mu.Unlock()
	for _, lc := range conns {
		l.drop(lc)
	}
}

// closeIdle ends the connections that sent nothing for idle, as the read
// deadline of goroutine mode does.
func (l *eventLoop) closeIdle(idle time.Duration) {
	var old []*loopConn
	l.mu.Lock()
	for _, lc := range l.conns {
		if lc.lastRead.IsZero() {
			lc.lastRead = l.now
		}
		if lc.ss.rd.Buffered() == 0 && l.now.Sub(lc.lastRead) >= idle {
			old = append(old, lc)
		}
	}
	l.mu.Unlock()
	for _, lc := range old {
		l.drop(lc)
	}
}
