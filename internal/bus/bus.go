// Package bus is the cluster bus: one TCP port per node that carries gRPC
// (Protocol Buffers) calls between nodes and the Raft transport of the
// cluster map.
//
// # One port, two protocols
//
// Every accepted connection is sorted by its first byte. A connection that
// starts with RaftMagic (0xA7, which neither HTTP/2 nor TLS ever sends first)
// belongs to Raft: the byte is consumed and the connection goes to the
// RaftLayer, a raft.StreamLayer. Any other connection that starts with 'P'
// (the HTTP/2 client preface, "PRI * HTTP/2.0") goes to the gRPC server with
// the byte put back; anything else is closed. So Raft needs no port of its
// own, and a client that dials the bus port by mistake is cut off at once.
//
// # Use
//
//	b, err := bus.Listen(bus.Config{Addr: "127.0.0.1:17379"})
//	buspb.RegisterClusterServer(b.Server(), impl) // register every service...
//	b.Serve()                                     // ...then serve
//	defer b.Close()
//
// Connections that arrive before Serve wait for it. Raft connections are
// handed to the RaftLayer from the start.
package bus

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// RaftMagic is the first byte a Raft connection sends on the bus port.
const RaftMagic byte = 0xA7

// ErrClosed is returned by a Bus (and its listeners) after Close.
var ErrClosed = errors.New("bus: closed")

// Config configures a Bus. The zero value listens on 127.0.0.1 at a free port.
type Config struct {
	// Addr is the address to listen on. Default "127.0.0.1:0" (a free port).
	Addr string
	// Advertise is the address other nodes dial to reach this one, for NAT
	// and Kubernetes. Default: the listener's address.
	Advertise string
	// Listener, when set, is used instead of listening on Addr; the Bus
	// closes it on Close.
	Listener net.Listener
	// HandshakeTimeout bounds how long an accepted connection may take to
	// send its first byte. Default 5s.
	HandshakeTimeout time.Duration
	// Logger receives connection errors. Default slog.Default().
	Logger *slog.Logger
	// ServerOptions are passed to grpc.NewServer.
	ServerOptions []grpc.ServerOption
}

// Bus is one node's cluster-bus endpoint: a listener shared by a gRPC
// server and a Raft stream layer, plus a cache of client connections to
// other nodes. Its methods are safe for concurrent use.
type Bus struct {
	ln        net.Listener
	advertise string
	timeout   time.Duration
	log       *slog.Logger

	grpcLn *chanListener
	raftLn *chanListener
	srv    *grpc.Server

	serveOnce sync.Once
	closeOnce sync.Once
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup

	mu    sync.Mutex                  // guards conns and pending
	conns map[string]*grpc.ClientConn // by address, made by Conn
	open  map[net.Conn]struct{}       // accepted, not yet sorted
}

// Listen opens the bus listener and starts sorting connections. Register
// gRPC services on Server, then call Serve.
func Listen(cfg Config) (*Bus, error) {
	ln := cfg.Listener
	if ln == nil {
		addr := cfg.Addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		var err error
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("bus: listen: %w", err)
		}
	}
	b := &Bus{
		ln:        ln,
		advertise: cfg.Advertise,
		timeout:   cfg.HandshakeTimeout,
		log:       cfg.Logger,
		done:      make(chan struct{}),
		conns:     make(map[string]*grpc.ClientConn),
		open:      make(map[net.Conn]struct{}),
	}
	if b.advertise == "" {
		b.advertise = ln.Addr().String()
	}
	if _, _, err := net.SplitHostPort(b.advertise); err != nil {
		ln.Close()
		return nil, fmt.Errorf("bus: Advertise %q: %w", b.advertise, err)
	}
	if b.timeout <= 0 {
		b.timeout = 5 * time.Second
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.grpcLn = newChanListener(ln.Addr(), b.done)
	b.raftLn = newChanListener(advertAddr(b.advertise), b.done)
	b.srv = grpc.NewServer(cfg.ServerOptions...)
	b.wg.Add(1)
	go b.acceptLoop()
	return b, nil
}

// Addr returns the address other nodes dial: Config.Advertise or the
// listener's address.
func (b *Bus) Addr() string { return b.advertise }

// ListenAddr returns the address the bus listens on.
func (b *Bus) ListenAddr() net.Addr { return b.ln.Addr() }

// Server returns the gRPC server. Register services on it before Serve.
func (b *Bus) Server() *grpc.Server { return b.srv }

// Serve starts serving gRPC in the background. Calls after the first do
// nothing.
func (b *Bus) Serve() {
	b.serveOnce.Do(func() {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			if err := b.srv.Serve(b.grpcLn); err != nil && !errors.Is(err, ErrClosed) {
				b.log.Warn("bus: grpc serve stopped", "err", err)
			}
		}()
	})
}

// Conn returns a gRPC client connection to the node whose bus listens at
// addr, made on first use and shared afterwards; it stays open until Close.
func (b *Bus) Conn(addr string) (*grpc.ClientConn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.done:
		return nil, ErrClosed
	default:
	}
	if cc, ok := b.conns[addr]; ok {
		return cc, nil
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("bus: dial %s: %w", addr, err)
	}
	b.conns[addr] = cc
	return cc, nil
}

// Forget closes and drops the cached connection to addr, if any.
func (b *Bus) Forget(addr string) {
	b.mu.Lock()
	cc := b.conns[addr]
	delete(b.conns, addr)
	b.mu.Unlock()
	if cc != nil {
		cc.Close()
	}
}

// RaftLayer returns a raft.StreamLayer that carries Raft over the bus
// port; its Addr is the advertised bus address. Closing the layer (Raft's
// transport does on shutdown) ends its Accept; the bus stays open, and a
// later RaftLayer call gives a fresh layer for a restarted Raft.
func (b *Bus) RaftLayer() raft.StreamLayer {
	return &raftLayer{b: b, done: make(chan struct{})}
}

// Close stops the gRPC server, closes the listener, every connection not
// yet handed over and every client connection, and waits for the bus's
// goroutines. Raft connections already handed over belong to Raft.
func (b *Bus) Close() error {
	var err error
	b.closeOnce.Do(func() {
		close(b.done)
		err = b.ln.Close()
		b.srv.Stop()
		b.mu.Lock()
		for _, cc := range b.conns {
			cc.Close()
		}
		b.conns = nil
		for c := range b.open {
			c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return err
}

func (b *Bus) acceptLoop() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			select {
			case <-b.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			b.log.Warn("bus: accept stopped", "err", err)
			return
		}
		b.mu.Lock()
		if b.conns == nil { // closed
			b.mu.Unlock()
			c.Close()
			return
		}
		b.open[c] = struct{}{}
		b.mu.Unlock()
		b.wg.Add(1)
		go b.sort(c)
	}
}

// sort reads a connection's first byte and hands it to Raft or gRPC.
func (b *Bus) sort(c net.Conn) {
	defer b.wg.Done()
	var first [1]byte
	c.SetReadDeadline(time.Now().Add(b.timeout))
	_, err := io.ReadFull(c, first[:])
	c.SetReadDeadline(time.Time{})
	b.mu.Lock()
	delete(b.open, c)
	b.mu.Unlock()
	if err != nil {
		c.Close()
		return
	}
	switch first[0] {
	case RaftMagic:
		b.raftLn.push(c)
	case 'P':
		b.grpcLn.push(&peekedConn{Conn: c, first: first[0], has: true})
	default:
		b.log.Debug("bus: dropped a connection that is neither gRPC nor Raft",
			"remote", c.RemoteAddr().String(), "first", first[0])
		c.Close()
	}
}

// peekedConn gives back the byte the sorter read.
type peekedConn struct {
	net.Conn
	first byte
	has   bool // first not yet returned; only the reading goroutine uses it
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if c.has && len(p) > 0 {
		p[0] = c.first
		c.has = false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// chanListener is a net.Listener fed by the sorter.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done <-chan struct{} // the Bus's
}

func newChanListener(addr net.Addr, done <-chan struct{}) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: done}
}

// push hands c to Accept, blocking until it is taken or the bus closes.
func (l *chanListener) push(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, ErrClosed
	}
}

// Close does nothing: the Bus owns the listener and closes it.
func (l *chanListener) Close() error { return nil }

func (l *chanListener) Addr() net.Addr { return l.addr }

// raftLayer is the raft.StreamLayer over the bus. It keeps the
// connections it hands out and closes them on Close: hashicorp/raft's
// NetworkTransport leaves its pooled and accepted connections open when it
// shuts down, and their goroutines would outlive it.
type raftLayer struct {
	b    *Bus
	once sync.Once
	done chan struct{} // closed by Close

	mu     sync.Mutex // guards conns, closed
	conns  map[*trackedConn]struct{}
	closed bool
}

var _ raft.StreamLayer = (*raftLayer)(nil)

func (r *raftLayer) Accept() (net.Conn, error) {
	select {
	case c := <-r.b.raftLn.ch:
		return r.track(c)
	case <-r.done:
		return nil, ErrClosed
	case <-r.b.done:
		return nil, ErrClosed
	}
}

// Close ends Accept and closes every connection the layer handed out.
func (r *raftLayer) Close() error {
	r.once.Do(func() { close(r.done) })
	r.mu.Lock()
	r.closed = true
	conns := r.conns
	r.conns = nil
	r.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
	return nil
}

func (r *raftLayer) Addr() net.Addr { return r.b.raftLn.addr }

// Dial connects to the bus at address and announces a Raft connection.
func (r *raftLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("tcp", string(address))
	if err != nil {
		return nil, err
	}
	if _, err := c.Write([]byte{RaftMagic}); err != nil {
		c.Close()
		return nil, err
	}
	return r.track(c)
}

func (r *raftLayer) track(c net.Conn) (net.Conn, error) {
	tc := &trackedConn{Conn: c, layer: r}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return nil, ErrClosed
	}
	if r.conns == nil {
		r.conns = make(map[*trackedConn]struct{})
	}
	r.conns[tc] = struct{}{}
	return tc, nil
}

// trackedConn forgets itself in its layer when closed.
type trackedConn struct {
	net.Conn
	layer *raftLayer
}

func (c *trackedConn) Close() error {
	c.layer.mu.Lock()
	delete(c.layer.conns, c)
	c.layer.mu.Unlock()
	return c.Conn.Close()
}

// advertAddr is a net.Addr that prints the advertised address.
type advertAddr string

func (a advertAddr) Network() string { return "tcp" }
func (a advertAddr) String() string  { return string(a) }
