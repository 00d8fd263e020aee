//go:build linux

package server

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/larderdb/larder/internal/command"
)

// errWouldBlock is what a loopConn's Read returns when the loop has not
// seen the socket readable, or the read found nothing: the Reader keeps
// the partial command it holds and the loop waits for epoll.
var errWouldBlock = errors.New("server: would block")

// loopConn is a connection served by an event loop, then perhaps by a
// goroutine after a hand-off. It is the io.Reader of its session's
// resp.Reader and the socket of its client's output, switching from the
// raw non-blocking descriptor to nc at the hand-off.
type loopConn struct {
	l     *eventLoop
	fd    int32 // owned by the loop until closed or handed off
	ss    session
	stats *command.Stats

	// Used only by the goroutine serving the connection (the loop, then
	// the hand-off goroutine) and, after the hand-off, the push writer,
	// which the client's output serializes with it.
	readable bool      // the loop saw the socket readable: one read allowed
	pending  []byte    // reply bytes the socket did not take in loop mode
	lastRead time.Time // loop's clock at the last read, for the idle timeout
	handed   bool      // nc serves the connection

	mu     sync.Mutex // guards closed and nc against Close from other goroutines
	closed bool       // fd is closed (or handed off): Close must not touch it
	nc     net.Conn   // set at the hand-off
}

// Read reads from the socket: once per readiness in loop mode, from nc
// after the hand-off.
func (lc *loopConn) Read(p []byte) (int, error) {
	if lc.handed {
		n, err := lc.nc.Read(p)
		lc.stats.NetInputBytes.Add(int64(n))
		return n, err
	}
	if !lc.readable {
		return 0, errWouldBlock
	}
	lc.readable = false
	for {
		n, err := rawRead(int(lc.fd), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, errWouldBlock
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		lc.stats.NetInputBytes.Add(int64(n))
		lc.lastRead = lc.l.now
		return n, nil
	}
}

// Write writes a reply to the socket. In loop mode it never blocks: what
// the socket does not take waits in pending, and the loop hands the
// connection off, after which pending goes out before anything else.
func (lc *loopConn) Write(p []byte) (int, error) {
	if lc.handed {
		if len(lc.pending) > 0 {
			n, err := lc.nc.Write(lc.pending)
			lc.stats.NetOutputBytes.Add(int64(n))
			lc.pending = nil
			if err != nil {
				return 0, err
			}
		}
		n, err := lc.nc.Write(p)
		lc.stats.NetOutputBytes.Add(int64(n))
		return n, err
	}
	if len(lc.pending) > 0 {
		lc.pending = append(lc.pending, p...)
		return len(p), nil
	}
	n, err := rawWrite(int(lc.fd), p)
	for err == syscall.EINTR {
		n, err = rawWrite(int(lc.fd), p)
	}
	if err == syscall.EAGAIN {
		n, err = 0, nil
	}
	if err != nil {
		return 0, err
	}
	lc.stats.NetOutputBytes.Add(int64(n))
	if n < len(p) {
		lc.pending = append(lc.pending, p[n:]...)
	}
	return len(p), nil
}

// Close ends the connection from any goroutine (CLIENT KILL, Shutdown): in
// loop mode it shuts the socket down, so the loop reads EOF and closes it.
func (lc *loopConn) Close() error {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.nc != nil {
		return lc.nc.Close()
	}
	if lc.closed {
		return nil
	}
	return syscall.Shutdown(int(lc.fd), syscall.SHUT_RDWR)
}

// SetReadDeadline wakes a handed-off connection for Shutdown; a loop
// notices Shutdown by itself.
func (lc *loopConn) SetReadDeadline(t time.Time) error {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.nc != nil {
		return lc.nc.SetReadDeadline(t)
	}
	return nil
}

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket.
// They never block, so they skip the scheduler's syscall bookkeeping, which
// would otherwise keep the runtime's monitor thread waking every 20 µs.
func rawRead(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(ptr), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// pollNow is epoll_wait with a zero timeout: it never blocks.
func pollNow(epfd int, events []syscall.EpollEvent) int {
	n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0
	}
	return int(n)
}

// pollWait is epoll_wait with a timeout in milliseconds, made without the
// scheduler's syscall bookkeeping: the goroutine keeps its P while it sleeps.
// The runtime's preemption signal (for a GC or after 10 ms) interrupts the
// wait, which returns EINTR, as it does for any signal.
func pollWait(epfd int, events []syscall.EpollEvent, msec int) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
