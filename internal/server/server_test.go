package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// ioModes are the io-loops settings every test of this package runs with:
// a goroutine per client, one event loop, two event loops.
var ioModes = []string{"0", "1", "2"}

// bothModes runs test once per I/O mode.
func bothModes(t *testing.T, test func(t *testing.T, loops string)) {
	for _, m := range ioModes {
		t.Run("io-loops="+m, func(t *testing.T) { test(t, m) })
	}
}

// startNode starts a node with settings and io-loops set to loops.
func startNode(t *testing.T, loops string, settings map[string]string) *larder.Node {
	t.Helper()
	all := map[string]string{"io-loops": loops, "cluster-enabled": "no"} // standalone semantics
	for k, v := range settings {
		all[k] = v
	}
	settings = all
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := larder.Open(&larder.Options{Listener: ln, Settings: settings, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// rawConn dials n and returns the connection and a reader of its replies.
func rawConn(t *testing.T, n *larder.Node) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// healthy checks that a well-behaved go-redis client still gets served.
func healthy(t *testing.T, n *larder.Node) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "probe", "ok", 0).Err(); err != nil {
		t.Fatalf("healthy client: SET: %v", err)
	}
	if v, err := c.Get(ctx, "probe").Result(); err != nil || v != "ok" {
		t.Fatalf("healthy client: GET = %q, %v", v, err)
	}
}

// expectClosed checks that the server closes the connection: reads reach
// EOF, or a reset when the server closed it with our data still unread
// (a client cut off in the middle of sending).
func expectClosed(t *testing.T, r *bufio.Reader) {
	t.Helper()
	if _, err := io.ReadAll(r); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed: %v", err)
	}
}

func TestProtocolErrorsCloseOnlyTheOffender(t *testing.T) {
	bothModes(t, testProtocolErrorsCloseOnlyTheOffender)
}

func testProtocolErrorsCloseOnlyTheOffender(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	cases := []struct{ in, want string }{
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*1\r\n$600000000000\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$-10\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "-ERR Protocol error: expected '$', got 'f'"},
		{"set \"\"\"test-key\"\"\" test-value\r\n", "-ERR Protocol error: unbalanced quotes in request"},
	}
	// A well-behaved client connected the whole time must not notice.
	bystander := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
	defer bystander.Close()
	ctx := context.Background()
	for _, tc := range cases {
		c, r := rawConn(t, n)
		if _, err := io.WriteString(c, tc.in); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%q: no reply: %v", tc.in, err)
		}
		if got := strings.TrimRight(line, "\r\n"); got != tc.want {
			t.Errorf("%q: reply %q, want %q", tc.in, got, tc.want)
		}
		expectClosed(t, r)
		if err := bystander.Incr(ctx, "counter").Err(); err != nil {
			t.Fatalf("bystander failed after %q: %v", tc.in, err)
		}
	}
	if v, _ := bystander.Get(ctx, "counter").Int(); v != len(cases) {
		t.Fatalf("counter = %d, want %d", v, len(cases))
	}
}

func TestInlineCommands(t *testing.T) { bothModes(t, testInlineCommands) }

func testInlineCommands(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	c, r := rawConn(t, n)
	io.WriteString(c, "PING\r\nset greeting \"hello world\"\r\n\r\nGET greeting\nQUIT\r\n")
	want := []string{"+PONG", "+OK", "$11", "hello world", "+OK"}
	for _, w := range want {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("want %q: %v", w, err)
		}
		if got := strings.TrimRight(line, "\r\n"); got != w {
			t.Fatalf("got %q, want %q", got, w)
		}
	}
	expectClosed(t, r)
}

func TestHalfSentCommandDoesNotBlockOthers(t *testing.T) {
	bothModes(t, testHalfSentCommandDoesNotBlockOthers)
}

func testHalfSentCommandDoesNotBlockOthers(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	c, _ := rawConn(t, n)
	io.WriteString(c, "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1000\r\nabc")
	healthy(t, n)
	// The half-sent command finishes later and works.
	io.WriteString(c, strings.Repeat("x", 997)+"\r\n")
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
		t.Fatalf("completed command: %q, %v", line, err)
	}
}

func TestDeclaredHugeBulkCostsNothingUntilSent(t *testing.T) {
	bothModes(t, testDeclaredHugeBulkCostsNothingUntilSent)
}

func testDeclaredHugeBulkCostsNothingUntilSent(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	// 400 MB declared, a few bytes sent: the server must not allocate the
	// declared size; other clients carry on.
	for range 20 {
		c, _ := rawConn(t, n)
		io.WriteString(c, "*2\r\n$3\r\nGET\r\n$400000000\r\nabc")
	}
	healthy(t, n)
}

func TestQueryBufferLimitClosesClient(t *testing.T) { bothModes(t, testQueryBufferLimitClosesClient) }

func testQueryBufferLimitClosesClient(t *testing.T, loops string) {
	n := startNode(t, loops, map[string]string{"client-query-buffer-limit": "1mb"})
	c, r := rawConn(t, n)
	go func() {
		io.WriteString(c, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n")
		io.WriteString(c, strings.Repeat("v", 2000000)+"\r\n")
	}()
	expectClosed(t, r)
	healthy(t, n)
}

func TestMaxClients(t *testing.T) { bothModes(t, testMaxClients) }

func testMaxClients(t *testing.T, loops string) {
	n := startNode(t, loops, map[string]string{"maxclients": "2"})
	rawConn(t, n)
	c2, r2 := rawConn(t, n)
	io.WriteString(c2, "PING\r\n")
	if line, _ := r2.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("second client: %q", line)
	}
	_, r3 := rawConn(t, n)
	line, _ := r3.ReadString('\n')
	if line != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q", line)
	}
	expectClosed(t, r3)
}

func TestSlowReaderDoesNotStallOthers(t *testing.T) { bothModes(t, testSlowReaderDoesNotStallOthers) }

func testSlowReaderDoesNotStallOthers(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
	defer c.Close()
	big := strings.Repeat("b", 1<<20)
	if err := c.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatal(err)
	}
	// A client that asks for 200 MB of replies and never reads them.
	slow, _ := rawConn(t, n)
	go func() {
		for range 200 {
			if _, err := io.WriteString(slow, "GET big\r\n"); err != nil {
				return
			}
		}
	}()
	for range 50 {
		healthy(t, n)
		if v, err := c.Get(ctx, "big").Result(); err != nil || len(v) != len(big) {
			t.Fatalf("GET big: %d bytes, %v", len(v), err)
		}
	}
}

func TestCloseFinishesRepliesInFlight(t *testing.T) { bothModes(t, testCloseFinishesRepliesInFlight) }

func testCloseFinishesRepliesInFlight(t *testing.T, loops string) {
	n := startNode(t, loops, nil)
	c, r := rawConn(t, n)
	io.WriteString(c, "SET a 1\r\n")
	if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("SET: %q", line)
	}
	done := make(chan error, 1)
	go func() { done <- n.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	expectClosed(t, r)
	if _, err := net.Dial("tcp", n.Addr().String()); err == nil {
		t.Fatal("node still accepts connections after Close")
	}
}
