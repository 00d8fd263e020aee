package bus

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/larderdb/larder/internal/bus/buspb"
)

type helloServer struct {
	buspb.UnimplementedClusterServer
}

func (helloServer) Hello(context.Context, *buspb.HelloRequest) (*buspb.HelloResponse, error) {
	return &buspb.HelloResponse{ClusterId: "c1"}, nil
}

func newBus(t *testing.T) *Bus {
	t.Helper()
	b, err := Listen(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), HandshakeTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestGRPCAndRaftShareThePort(t *testing.T) {
	b := newBus(t)
	buspb.RegisterClusterServer(b.Server(), helloServer{})
	layer := b.RaftLayer()
	if layer.Addr().String() != b.Addr() {
		t.Fatalf("raft layer at %s, bus at %s", layer.Addr(), b.Addr())
	}

	// A Raft connection made before Serve is handed over at once.
	c, err := layer.Dial(raft.ServerAddress(b.Addr()), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := layer.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("raft stream read %q, %v", buf, err)
	}

	// gRPC works once served, on the same port.
	b.Serve()
	cc, err := b.Conn(b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := buspb.NewClusterClient(cc).Hello(ctx, &buspb.HelloRequest{})
	if err != nil || resp.ClusterId != "c1" {
		t.Fatalf("hello: %v %v", resp, err)
	}
}

func TestOtherProtocolsAreCutOff(t *testing.T) {
	b := newBus(t)
	b.Serve()
	for _, first := range []string{"*1\r\n$4\r\nPING\r\n", "GET / HTTP/1.1\r\n\r\n", "\x16\x03\x01"} {
		c, err := net.Dial("tcp", b.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(first))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 16)); err == nil || n > 0 {
			t.Fatalf("%q: connection answered (%d bytes, %v)", first, n, err)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%q: connection left open", first)
		}
		c.Close()
	}
	// A silent connection is closed after the handshake timeout.
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("silent connection answered")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("silent connection left open")
	}
}

func TestClose(t *testing.T) {
	b := newBus(t)
	b.Serve()
	layer := b.RaftLayer()
	done := make(chan error, 1)
	go func() {
		_, err := layer.Accept()
		done <- err
	}()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("accept after close: %v", err)
	}
	if _, err := b.Conn("127.0.0.1:1"); !errors.Is(err, ErrClosed) {
		t.Fatalf("conn after close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", b.Addr(), time.Second); err == nil {
		t.Fatal("still listening")
	}
	// A closed layer ends its own Accept without closing the bus.
	b2 := newBus(t)
	l2 := b2.RaftLayer()
	l2.Close()
	if _, err := l2.Accept(); !errors.Is(err, ErrClosed) {
		t.Fatalf("accept on a closed layer: %v", err)
	}
}

func TestAdvertise(t *testing.T) {
	b, err := Listen(Config{Advertise: "10.1.2.3:17379"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Addr() != "10.1.2.3:17379" || b.RaftLayer().Addr().String() != "10.1.2.3:17379" {
		t.Fatalf("advertised %s", b.Addr())
	}
	if _, err := Listen(Config{Advertise: "no-port"}); err == nil {
		t.Fatal("bad Advertise accepted")
	}
}
