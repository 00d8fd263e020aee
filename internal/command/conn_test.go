package command_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/larderdb/larder/resp"
	"github.com/redis/go-redis/v9"
)

// connWire is a raw connection to a node, for checking replies byte for
// byte and for what go-redis cannot send (inline commands, QUIT).
type connWire struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

// connDial opens a raw connection to n, closed when the test ends.
func connDial(t testing.TB, n *larder.Node) *connWire {
	t.Helper()
	nc, err := net.DialTimeout("tcp", n.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &connWire{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// send writes s as it is.
func (w *connWire) send(s string) {
	w.t.Helper()
	w.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(w.nc, s); err != nil {
		w.t.Fatal(err)
	}
}

// read reads one reply.
func (w *connWire) read() resp.Value {
	w.t.Helper()
	w.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, err := resp.ReadReply(w.r)
	if err != nil {
		w.t.Fatalf("reading reply: %v", err)
	}
	return v
}

// do sends args as a multibulk command and reads its reply.
func (w *connWire) do(args ...string) resp.Value {
	w.t.Helper()
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	w.send(b.String())
	return w.read()
}

// expect runs args and checks the reply's compact form (resp.Value.String).
func (w *connWire) expect(want string, args ...string) {
	w.t.Helper()
	if got := w.do(args...).String(); got != want {
		w.t.Fatalf("%q = %s, want %s", args, got, want)
	}
}

// expectClosed checks that the server closed the connection.
func (w *connWire) expectClosed() {
	w.t.Helper()
	w.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := w.r.ReadByte(); !errors.Is(err, io.EOF) {
		w.t.Fatalf("read after close: %v, want EOF", err)
	}
}

// connErr checks that a command fails with exactly the error want.
func connErr(t *testing.T, ctx context.Context, c *redis.Client, want string, args ...any) {
	t.Helper()
	_, err := do(ctx, c, args...)
	if err == nil || err.Error() != want {
		t.Fatalf("%v: err = %v, want %q", args, err, want)
	}
}

// connOK checks that a command replies with the value want.
func connOK(t *testing.T, ctx context.Context, c *redis.Client, want any, args ...any) {
	t.Helper()
	got, err := do(ctx, c, args...)
	if err != nil || got != want {
		t.Fatalf("%v = %#v, %v; want %#v", args, got, err, want)
	}
}

func TestPingEcho(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connOK(t, ctx, c, "PONG", "ping")
		connOK(t, ctx, c, "hello world", "ping", "hello world")
		connOK(t, ctx, c, "", "ping", "")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'ping' command", "ping", "a", "b")
		connOK(t, ctx, c, "message", "echo", "message")
		connOK(t, ctx, c, "", "echo", "")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'echo' command", "echo")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'echo' command", "echo", "a", "b")
	})
}

func TestPingWire(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.expect(`+"PONG"`, "PING")
	w.expect(`$"x y"`, "PING", "x y")
	w.expect(`$"bin\x00ary"`, "ECHO", "bin\x00ary")
}

func TestSelect(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connOK(t, ctx, c, "OK", "select", "0")
		connErr(t, ctx, c, "ERR DB index is out of range", "select", "1")
		connErr(t, ctx, c, "ERR DB index is out of range", "select", "-1")
		connErr(t, ctx, c, "ERR value is not an integer or out of range", "select", "x")
		connErr(t, ctx, c, "ERR value is not an integer or out of range", "select", "00")
		connErr(t, ctx, c, "ERR value is not an integer or out of range", "select", "4294967296")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'select' command", "select")
	})
}

func TestQuit(t *testing.T) {
	n := startNode(t, map[string]string{"requirepass": "pw"})
	w := connDial(t, n)
	w.expect(`+"OK"`, "QUIT") // allowed before AUTH
	w.expectClosed()

	// Pipelined commands after QUIT are not run.
	w = connDial(t, n)
	w.send("AUTH pw\r\nQUIT\r\nPING\r\n")
	if got := w.read().String(); got != `+"OK"` {
		t.Fatalf("AUTH = %s", got)
	}
	if got := w.read().String(); got != `+"OK"` {
		t.Fatalf("QUIT = %s", got)
	}
	w.expectClosed()
}

func TestInlineCommands(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	steps := []struct{ send, want string }{
		{"PING\r\n", `+"PONG"`},
		{"ping\n", `+"PONG"`},
		{"echo hello\r\n", `$"hello"`},
		{"ECHO \"two words\"\r\n", `$"two words"`},
		{"set k \"a b\"\r\n", `+"OK"`},
		{"get k\r\n", `$"a b"`},
		{"client setname inline\r\n", `+"OK"`},
		{"CLIENT GETNAME\r\n", `$"inline"`},
		{"select 0\r\n", `+"OK"`},
		{"hello 3\r\n", ""}, // checked below
		{"get missing\r\n", `_null`},
	}
	for _, s := range steps {
		w.send(s.send)
		got := w.read()
		if s.want == "" {
			if got.Kind != resp.KindMap {
				t.Fatalf("%q = %s, want a RESP3 map", s.send, got)
			}
			continue
		}
		if got.String() != s.want {
			t.Fatalf("%q = %s, want %s", s.send, got, s.want)
		}
	}
}

func TestHelloWire(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	id := w.do("CLIENT", "ID").Int
	want := func(proto int) string {
		return `[$"server" $"redis" $"version" $"` + larder.Version + `" $"proto" :` + strconv.Itoa(proto) +
			` $"id" :` + strconv.FormatInt(id, 10) + ` $"mode" $"standalone" $"role" $"master" $"modules" *[]]`
	}
	w.expect("*"+want(2), "HELLO")
	w.expect("%"+want(3), "HELLO", "3")
	w.expect("%"+want(3), "HELLO") // no version: keeps the current one
	w.expect(`_null`, "GET", "missing")
	if v := w.do("COMMAND", "DOCS", "echo"); v.Kind != resp.KindMap { // maps are RESP3 maps now
		t.Fatalf("COMMAND DOCS in RESP3 = %s, want a map", v)
	}
	w.expect("*"+want(2), "hello", "2")
	w.expect(`$null`, "GET", "missing")

	w.expect(`-"NOPROTO unsupported protocol version"`, "HELLO", "4")
	w.expect(`-"NOPROTO unsupported protocol version"`, "HELLO", "1")
	w.expect(`-"ERR Protocol version is not an integer or out of range"`, "HELLO", "three")
	w.expect(`-"ERR Syntax error in HELLO option 'bogus'"`, "HELLO", "3", "bogus")
	w.expect(`-"ERR Syntax error in HELLO option 'AUTH'"`, "HELLO", "3", "AUTH", "default")
	w.expect(`-"ERR Syntax error in HELLO option 'setname'"`, "HELLO", "3", "setname")
	w.expect(`-"ERR Client names cannot contain spaces, newlines or special characters."`,
		"HELLO", "3", "SETNAME", "a b")
	w.expect(`$null`, "GET", "missing") // a failed HELLO leaves the protocol alone
	w.expect(`$null`, "CLIENT", "GETNAME")

	if v := w.do("HELLO", "3", "SETNAME", "named", "AUTH", "default", "anything"); v.Kind != resp.KindMap {
		t.Fatalf("HELLO 3 SETNAME AUTH = %s", v)
	}
	w.expect(`$"named"`, "CLIENT", "GETNAME")
}

func TestAuth(t *testing.T) {
	n := startNode(t, map[string]string{"requirepass": "s3cret"})
	w := connDial(t, n)
	w.expect(`-"NOAUTH Authentication required."`, "GET", "k")
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`, "AUTH", "wrong")
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`, "AUTH", "s3cre")
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`, "AUTH", "nobody", "s3cret")
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`, "AUTH", "Default", "s3cret")
	w.expect(`-"ERR syntax error"`, "AUTH", "default", "s3cret", "extra")
	w.expect(`-"ERR wrong number of arguments for 'auth' command"`, "AUTH")
	w.expect(`-"NOAUTH HELLO must be called with the client already authenticated, otherwise the `+
		`HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP `+
		`protocol version at the same time"`, "HELLO", "3")
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`,
		"HELLO", "3", "AUTH", "default", "nope")
	w.expect(`-"NOAUTH Authentication required."`, "CLIENT", "GETNAME")
	w.expect(`+"OK"`, "AUTH", "s3cret")
	w.expect(`$null`, "GET", "k")
	w.expect(`+"OK"`, "AUTH", "default", "s3cret")
	// A failed attempt does not log an authenticated connection out.
	w.expect(`-"WRONGPASS invalid username-password pair or user is disabled."`, "AUTH", "bad")
	w.expect(`$null`, "GET", "k")

	w = connDial(t, n)
	if v := w.do("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "app"); v.Kind != resp.KindMap {
		t.Fatalf("HELLO 3 AUTH = %s", v)
	}
	w.expect(`_null`, "GET", "k")
	w.expect(`$"app"`, "CLIENT", "GETNAME")
}

func TestAuthNoPassword(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connErr(t, ctx, c, "ERR AUTH <password> called without any password configured for the default user. "+
			"Are you sure your configuration is correct?", "auth", "pw")
		connOK(t, ctx, c, "OK", "auth", "default", "anything")
		connErr(t, ctx, c, "WRONGPASS invalid username-password pair or user is disabled.", "auth", "bob", "pw")
	})
}

// TestGoRedisPassword connects go-redis with a password in both protocols:
// it authenticates through HELLO's AUTH option.
func TestGoRedisPassword(t *testing.T) {
	n := startNode(t, map[string]string{"requirepass": "pw"})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		for _, pass := range []string{"pw", "wrong"} {
			c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), Protocol: proto, Password: pass,
				MaxRetries: -1, DisableIdentity: true})
			err := c.Set(ctx, "k", "v", 0).Err()
			c.Close()
			if pass == "pw" && err != nil {
				t.Fatalf("proto %d: SET with the right password: %v", proto, err)
			}
			if pass == "wrong" && (err == nil || !strings.Contains(err.Error(), "WRONGPASS")) {
				t.Fatalf("proto %d: SET with a wrong password: %v, want WRONGPASS", proto, err)
			}
		}
	}
}

// TestGoRedisConnect checks what go-redis does on connect in each protocol
// (HELLO with SETNAME, then CLIENT SETINFO for its identity) and that the
// connection then speaks the protocol it asked for.
func TestGoRedisConnect(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), Protocol: proto, ClientName: "app-" +
			strconv.Itoa(proto), MaxRetries: -1, PoolSize: 1})
		t.Cleanup(func() { c.Close() })
		info, err := c.ClientInfo(ctx).Result()
		if err != nil {
			t.Fatalf("proto %d: CLIENT INFO: %v", proto, err)
		}
		if info.Name != "app-"+strconv.Itoa(proto) || info.Resp != proto || !strings.HasPrefix(info.LibName, "go-redis") ||
			info.LibVer == "" {
			t.Fatalf("proto %d: CLIENT INFO = %+v", proto, info)
		}
		docs, err := do(ctx, c, "command", "docs", "echo")
		if _, isMap := docs.(map[any]any); err != nil || isMap != (proto == 3) {
			t.Fatalf("proto %d: COMMAND DOCS echo = %#v, %v", proto, docs, err)
		}
		if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("proto %d: GET missing: %v", proto, err)
		}
	}
}

func TestReset(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.do("HELLO", "3", "SETNAME", "before")
	w.do("CLIENT", "SETINFO", "LIB-NAME", "lib")
	w.expect(`+"OK"`, "CLIENT", "NO-EVICT", "on")
	w.expect(`+"OK"`, "CLIENT", "NO-TOUCH", "on")
	w.expect(`+"RESET"`, "RESET")
	w.expect(`$null`, "GET", "missing") // back to RESP2
	w.expect(`$null`, "CLIENT", "GETNAME")
	info := w.do("CLIENT", "INFO").Str
	for _, want := range []string{" flags=N ", " resp=2 ", " lib-name=lib "} {
		if !strings.Contains(info, want) {
			t.Fatalf("CLIENT INFO after RESET = %q, want %q in it", info, want)
		}
	}
	w.expect(`-"ERR wrong number of arguments for 'reset' command"`, "RESET", "x")
}

func TestResetLogsOut(t *testing.T) {
	w := connDial(t, startNode(t, map[string]string{"requirepass": "pw"}))
	w.expect(`+"RESET"`, "RESET") // allowed before AUTH
	w.expect(`+"OK"`, "AUTH", "pw")
	w.expect(`$null`, "GET", "k")
	w.expect(`+"RESET"`, "RESET")
	w.expect(`-"NOAUTH Authentication required."`, "GET", "k")
}
