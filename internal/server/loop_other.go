//go:build !linux

package server

import (
	"net"
	"time"
)

// loopTick is the Linux loops' longest sleep; here it only lets the tests set it.
var loopTick = 100 * time.Millisecond

// eventLoop is not available without epoll.
type eventLoop struct{}

// startLoops returns nil: without epoll the server serves a goroutine per
// client whatever Options.EventLoops says.
func (s *Server) startLoops(n int) []*eventLoop {
	s.log.Warn("event loops need Linux; serving a goroutine per client", "io-loops", n)
	return nil
}

// serveInLoop is never called without loops.
func (s *Server) serveInLoop(nc net.Conn) bool { return false }
