package command_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// clientLineRE matches one CLIENT LIST line of a plain connection, field by
// field, in Redis 7.2's order.
var clientLineRE = regexp.MustCompile(`^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-?\d+ name=\S* ` +
	`age=\d+ idle=\d+ flags=[A-Za-z]+ db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ ` +
	`multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=\S+ user=default redir=-1 ` +
	`resp=[23] lib-name=\S* lib-ver=\S*$`)

// clientField returns the value of field in a CLIENT LIST line.
func clientField(t *testing.T, line, field string) string {
	t.Helper()
	for _, kv := range strings.Fields(line) {
		if k, v, _ := strings.Cut(kv, "="); k == field {
			return v
		}
	}
	t.Fatalf("no %s in %q", field, line)
	return ""
}

// clientLines runs CLIENT LIST with args and returns its lines.
func clientLines(t *testing.T, ctx context.Context, c *redis.Client, args ...any) []string {
	t.Helper()
	v, err := do(ctx, c, append([]any{"client", "list"}, args...)...)
	if err != nil {
		t.Fatalf("CLIENT LIST %v: %v", args, err)
	}
	s := v.(string)
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("CLIENT LIST %v = %q, want a newline after each line", args, s)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// clientConn returns a client of n limited to one connection, so its
// CLIENT ID is stable.
func clientConn(t *testing.T, n *larder.Node, proto int) (*redis.Client, int64) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), Protocol: proto, PoolSize: 1, MaxRetries: -1,
		DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	id, err := c.ClientID(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return c, id
}

func TestClientIDAndNames(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		id1, err1 := c.ClientID(ctx).Result()
		id2, err2 := c.ClientID(ctx).Result()
		if err1 != nil || err2 != nil || id1 <= 0 || id1 != id2 {
			t.Fatalf("CLIENT ID = %d, %d (%v, %v)", id1, id2, err1, err2)
		}
		if _, err := do(ctx, c, "client", "getname"); err != redis.Nil {
			t.Fatalf("CLIENT GETNAME without a name: %v, want nil", err)
		}
		connOK(t, ctx, c, "OK", "client", "setname", "my-conn")
		connOK(t, ctx, c, "my-conn", "client", "getname")
		for _, bad := range []string{"a b", "a\nb", "caf\xc3\xa9", "\x7f"} {
			connErr(t, ctx, c, "ERR Client names cannot contain spaces, newlines or special characters.",
				"client", "setname", bad)
		}
		connOK(t, ctx, c, "my-conn", "client", "getname")
		connOK(t, ctx, c, "OK", "client", "setname", "")
		if _, err := do(ctx, c, "client", "getname"); err != redis.Nil {
			t.Fatalf("CLIENT GETNAME after clearing: %v, want nil", err)
		}
		connErr(t, ctx, c, "ERR wrong number of arguments for 'client|setname' command", "client", "setname")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'client|id' command", "client", "id", "x")
		connErr(t, ctx, c, "ERR unknown subcommand 'nosuch'. Try CLIENT HELP.", "client", "nosuch")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'client' command", "client")
	})
}

func TestClientSetInfo(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connOK(t, ctx, c, "OK", "client", "setinfo", "lib-name", "mylib")
		connOK(t, ctx, c, "OK", "client", "setinfo", "LIB-VER", "1.2.3")
		connErr(t, ctx, c, "ERR Unrecognized option 'lib-foo'", "client", "setinfo", "lib-foo", "x")
		connErr(t, ctx, c, "ERR LIB-NAME cannot contain spaces, newlines or special characters.",
			"client", "setinfo", "LIB-NAME", "my lib")
		info := do2(t, ctx, c, "client", "info")
		if clientField(t, info, "lib-name") != "mylib" || clientField(t, info, "lib-ver") != "1.2.3" {
			t.Fatalf("CLIENT INFO = %q", info)
		}
		connOK(t, ctx, c, "OK", "client", "setinfo", "lib-name", "")
		if info := do2(t, ctx, c, "client", "info"); clientField(t, info, "lib-name") != "" {
			t.Fatalf("CLIENT INFO after clearing lib-name = %q", info)
		}
	})
}

// do2 runs a command that must reply with a string and returns it.
func do2(t *testing.T, ctx context.Context, c *redis.Client, args ...any) string {
	t.Helper()
	v, err := do(ctx, c, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v = %#v, want a string", args, v)
	}
	return s
}

func TestClientInfoFormat(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", proto), func(t *testing.T) {
			n := startNode(t, nil)
			c, id := clientConn(t, n, proto)
			ctx := context.Background()
			info := do2(t, ctx, c, "client", "info")
			if !strings.HasSuffix(info, "\n") || strings.Count(info, "\n") != 1 {
				t.Fatalf("CLIENT INFO = %q, want one line ending in a newline", info)
			}
			line := strings.TrimSuffix(info, "\n")
			if !clientLineRE.MatchString(line) {
				t.Fatalf("CLIENT INFO = %q, does not match %v", line, clientLineRE)
			}
			for field, want := range map[string]string{"id": strconv.FormatInt(id, 10), "flags": "N",
				"cmd": "client|info", "resp": strconv.Itoa(proto), "qbuf": "26", "argv-mem": "10"} {
				if got := clientField(t, line, field); got != want {
					t.Errorf("%s = %q, want %q in %q", field, got, want, line)
				}
			}
			w := connDial(t, n)
			w.expect(`+"OK"`, "CLIENT", "NO-EVICT", "ON")
			w.expect(`+"OK"`, "CLIENT", "NO-TOUCH", "on")
			if got := clientField(t, w.do("CLIENT", "INFO").Str, "flags"); got != "eT" {
				t.Fatalf("flags with NO-EVICT and NO-TOUCH on = %q, want eT", got)
			}
			w.expect(`+"OK"`, "CLIENT", "NO-EVICT", "off")
			w.expect(`+"OK"`, "CLIENT", "NO-TOUCH", "OFF")
			w.expect(`-"ERR syntax error"`, "CLIENT", "NO-EVICT", "maybe")
			w.expect(`-"ERR syntax error"`, "CLIENT", "NO-TOUCH", "yes")
			if got := clientField(t, w.do("CLIENT", "INFO").Str, "flags"); got != "N" {
				t.Fatalf("flags after NO-EVICT and NO-TOUCH off = %q, want N", got)
			}
			// Another connection sees c's last command.
			for _, l := range strings.Split(strings.TrimSpace(w.do("CLIENT", "LIST").Str), "\n") {
				if clientField(t, l, "id") == strconv.FormatInt(id, 10) && clientField(t, l, "cmd") != "client|info" {
					t.Fatalf("other connection's line = %q, want cmd=client|info", l)
				}
			}
		})
	}
}

func TestClientInfoWire(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	if v := w.do("CLIENT", "INFO"); v.Kind != '$' {
		t.Fatalf("CLIENT INFO in RESP2 = %s, want a bulk string", v)
	}
	w.do("HELLO", "3")
	if v := w.do("CLIENT", "INFO"); v.Kind != '=' || v.Format != "txt" {
		t.Fatalf("CLIENT INFO in RESP3 = %s, want a txt verbatim string", v)
	}
	if v := w.do("CLIENT", "LIST"); v.Kind != '=' || v.Format != "txt" {
		t.Fatalf("CLIENT LIST in RESP3 = %s, want a txt verbatim string", v)
	}
}

func TestClientList(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, nil)
	a, idA := clientConn(t, n, 2)
	b, idB := clientConn(t, n, 3)
	connOK(t, ctx, b, "OK", "client", "setname", "bee")
	lines := clientLines(t, ctx, a)
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST = %q, want 2 lines", lines)
	}
	for i, want := range []int64{idA, idB} { // ordered by ID
		if !clientLineRE.MatchString(lines[i]) || clientField(t, lines[i], "id") != strconv.FormatInt(want, 10) {
			t.Fatalf("line %d = %q, want id=%d", i, lines[i], want)
		}
	}
	if clientField(t, lines[1], "name") != "bee" || clientField(t, lines[1], "resp") != "3" ||
		clientField(t, lines[1], "cmd") != "client|setname" {
		t.Fatalf("b's line = %q", lines[1])
	}
	if clientField(t, lines[0], "cmd") != "client|list" {
		t.Fatalf("own line = %q, want cmd=client|list", lines[0])
	}

	lines = clientLines(t, ctx, a, "id", idB, 999999, idA)
	if len(lines) != 2 || clientField(t, lines[0], "id") != strconv.FormatInt(idB, 10) {
		t.Fatalf("CLIENT LIST ID = %q, want b then a", lines)
	}
	if got := clientLines(t, ctx, a, "type", "normal"); len(got) != 2 {
		t.Fatalf("CLIENT LIST TYPE normal = %q", got)
	}
	for _, typ := range []string{"pubsub", "master", "replica", "slave", "PUBSUB"} {
		if got := clientLines(t, ctx, a, "type", typ); len(got) != 0 {
			t.Fatalf("CLIENT LIST TYPE %s = %q, want none", typ, got)
		}
	}
	connErr(t, ctx, a, "ERR Unknown client type 'bogus'", "client", "list", "type", "bogus")
	connErr(t, ctx, a, "ERR Invalid client ID", "client", "list", "id", "1", "x")
	connErr(t, ctx, a, "ERR syntax error", "client", "list", "id")
	connErr(t, ctx, a, "ERR syntax error", "client", "list", "type")
	connErr(t, ctx, a, "ERR syntax error", "client", "list", "type", "normal", "x")
	connErr(t, ctx, a, "ERR syntax error", "client", "list", "foo", "bar")
}

// waitClients polls CLIENT LIST on c until it shows want connections.
func waitClients(t *testing.T, ctx context.Context, c *redis.Client, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := len(clientLines(t, ctx, c))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients connected, want %d", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClientKill(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	me, myID := clientConn(t, n, 2)
	w1, w2 := connDial(t, n), connDial(t, n)
	id1 := w1.do("CLIENT", "ID").Int
	w2.do("CLIENT", "ID")
	lines := clientLines(t, ctx, me)
	addr1 := ""
	for _, l := range lines {
		if clientField(t, l, "id") == strconv.FormatInt(id1, 10) {
			addr1 = clientField(t, l, "addr")
		}
	}

	// Errors, as Redis words them.
	connErr(t, ctx, me, "ERR wrong number of arguments for 'client|kill' command", "client", "kill")
	connErr(t, ctx, me, "ERR syntax error", "client", "kill", "id", "10", "wrong_arg")
	for _, id := range []string{"str", "-1", "0"} {
		connErr(t, ctx, me, "ERR client-id should be greater than 0", "client", "kill", "id", id)
	}
	connErr(t, ctx, me, "ERR Unknown client type 'wrong_type'", "client", "kill", "type", "wrong_type")
	connErr(t, ctx, me, "ERR No such user 'wrong_user'", "client", "kill", "user", "wrong_user")
	connErr(t, ctx, me, "ERR syntax error", "client", "kill", "skipme", "yes_or_no")
	connErr(t, ctx, me, "ERR syntax error", "client", "kill", "bogus", "x")
	connErr(t, ctx, me, "ERR No such client", "client", "kill", "127.0.0.1:1")

	// Old form, by address.
	connOK(t, ctx, me, "OK", "client", "kill", addr1)
	w1.expectClosed()
	waitClients(t, ctx, me, 2)
	connErr(t, ctx, me, "ERR No such client", "client", "kill", addr1)

	// New form: filters that match nobody, then by ID.
	connOK(t, ctx, me, int64(0), "client", "kill", "type", "pubsub")
	connOK(t, ctx, me, int64(0), "client", "kill", "id", "999999")
	connOK(t, ctx, me, int64(0), "client", "kill", "id", strconv.FormatInt(myID, 10)) // SKIPME yes
	connOK(t, ctx, me, int64(0), "client", "kill", "laddr", "127.0.0.1:1")
	connOK(t, ctx, me, int64(1), "client", "kill", "user", "default", "type", "normal")
	w2.expectClosed()
	waitClients(t, ctx, me, 1)
}

func TestClientKillSelf(t *testing.T) {
	n := startNode(t, nil)
	others := []*connWire{connDial(t, n), connDial(t, n), connDial(t, n)}
	for _, o := range others {
		o.do("PING")
	}
	// The new form with SKIPME no counts and closes the caller too, after
	// its reply.
	w := connDial(t, n)
	w.expect(":4", "CLIENT", "KILL", "SKIPME", "no")
	w.expectClosed()
	for _, o := range others {
		o.expectClosed()
	}

	// The old form may kill the caller.
	w = connDial(t, n)
	var addr string
	for _, l := range strings.Split(strings.TrimSpace(w.do("CLIENT", "INFO").Str), "\n") {
		addr = clientField(t, l, "addr")
	}
	w.expect(`+"OK"`, "CLIENT", "KILL", addr)
	w.expectClosed()
}

func TestClientUnblockAndHelp(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		id, _ := c.ClientID(ctx).Result()
		connOK(t, ctx, c, int64(0), "client", "unblock", id)
		connOK(t, ctx, c, int64(0), "client", "unblock", id, "error")
		connOK(t, ctx, c, int64(0), "client", "unblock", "12345", "TIMEOUT")
		connErr(t, ctx, c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR", "client", "unblock", id, "x")
		connErr(t, ctx, c, "ERR value is not an integer or out of range", "client", "unblock", "x")
		connErr(t, ctx, c, "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
			"client", "unblock", id, "error", "x")

		v, err := do(ctx, c, "client", "help")
		lines, _ := v.([]any)
		if err != nil || len(lines) < 10 || lines[0] != "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
			lines[len(lines)-2] != "HELP" || lines[len(lines)-1] != "    Prints this help." {
			t.Fatalf("CLIENT HELP = %#v, %v", v, err)
		}
		for _, sub := range []string{"GETNAME", "ID", "INFO", "KILL", "LIST", "NO-EVICT", "SETNAME", "UNBLOCK"} {
			found := false
			for _, l := range lines {
				found = found || strings.HasPrefix(l.(string), sub)
			}
			if !found {
				t.Errorf("CLIENT HELP does not describe %s", sub)
			}
		}
	})
}
