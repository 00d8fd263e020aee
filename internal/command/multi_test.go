package command_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// wireHello3 switches a raw connection to RESP3.
func wireHello3(w *connWire) {
	w.t.Helper()
	if v := w.do("HELLO", "3"); v.Kind != '%' {
		w.t.Fatalf("HELLO 3 = %s", v)
	}
}

func TestMultiExecRaw(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			w := connDial(t, startNode(t, nil))
			if proto == 3 {
				wireHello3(w)
			}
			w.expect(`+"OK"`, "MULTI")
			w.expect(`+"QUEUED"`, "SET", "a", "x")
			w.expect(`+"QUEUED"`, "INCR", "a")
			w.expect(`+"QUEUED"`, "GET", "a")
			w.expect(`+"QUEUED"`, "GET", "missing")
			w.expect(`+"QUEUED"`, "PING")
			null := `$null`
			if proto == 3 {
				null = `_null`
			}
			w.expect(`*[+"OK" -"ERR value is not an integer or out of range" $"x" `+null+` +"PONG"]`, "EXEC")
			// The connection is out of MULTI again.
			w.expect(`$"x"`, "GET", "a")
			w.expect(`-"ERR EXEC without MULTI"`, "EXEC")
			w.expect(`-"ERR DISCARD without MULTI"`, "DISCARD")
			// An empty transaction replies an empty array.
			w.expect(`+"OK"`, "MULTI")
			w.expect(`*[]`, "EXEC")
		})
	}
}

func TestMultiResp3ElementTypes(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	wireHello3(w)
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "CONFIG", "GET", "maxmemory")
	w.expect(`+"QUEUED"`, "INCRBYFLOAT", "f", "1.5")
	got := w.do("EXEC")
	if got.Kind != '*' || len(got.Elems) != 2 || got.Elems[0].Kind != '%' {
		t.Fatalf("EXEC in RESP3 = %s, want an array holding a map", got)
	}
	// RESP2 gets the same command's reply as a flat array.
	w2 := connDial(t, n)
	w2.expect(`+"OK"`, "MULTI")
	w2.expect(`+"QUEUED"`, "CONFIG", "GET", "hz")
	w2.expect(`*[*[$"hz" $"10"]]`, "EXEC")
}

func TestMultiErrors(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.expect(`+"OK"`, "MULTI")
	w.expect(`-"ERR MULTI calls can not be nested"`, "MULTI")
	w.expect(`-"ERR WATCH inside MULTI is not allowed"`, "WATCH", "x")
	// Neither error aborts the transaction.
	w.expect(`+"QUEUED"`, "SET", "k", "v")
	w.expect(`*[+"OK"]`, "EXEC")

	// A command rejected while queueing aborts EXEC: unknown, wrong arity,
	// unknown subcommand, not allowed in a transaction.
	for _, bad := range [][]string{
		{"NOSUCHCOMMAND", "a"},
		{"SET", "k"},
		{"CONFIG", "NOSUCH"},
		{"SAVE"},
		{"SHUTDOWN"},
	} {
		w.do("DEL", "k1", "k2")
		w.expect(`+"OK"`, "MULTI")
		w.expect(`+"QUEUED"`, "SET", "k1", "v")
		if v := w.do(bad...); v.Kind != '-' {
			t.Fatalf("%q inside MULTI = %s, want an error", bad, v)
		}
		w.expect(`+"QUEUED"`, "SET", "k2", "v")
		w.expect(`-"EXECABORT Transaction discarded because of previous errors."`, "EXEC")
		w.expect(`:0`, "EXISTS", "k1", "k2")
		w.expect(`+"PONG"`, "PING") // out of MULTI
	}
	w.expect(`+"OK"`, "MULTI")
	w.expect(`-"ERR Command not allowed inside a transaction"`, "SAVE")
	w.expect(`+"OK"`, "DISCARD")
}

func TestMultiDiscard(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.expect(`+"OK"`, "SET", "k", "old")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "k", "new")
	w.expect(`+"QUEUED"`, "DEL", "k")
	w.expect(`+"OK"`, "DISCARD")
	w.expect(`$"old"`, "GET", "k")
	w.expect(`-"ERR DISCARD without MULTI"`, "DISCARD")
	// QUIT inside MULTI is not queued.
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"OK"`, "QUIT")
	w.expectClosed()
}

func TestMultiReset(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "k", "v")
	w.expect(`+"RESET"`, "RESET")
	w.expect(`-"ERR EXEC without MULTI"`, "EXEC")
	w.expect(`$null`, "GET", "k")
	// RESET forgets WATCHed keys too.
	w.expect(`+"OK"`, "WATCH", "k")
	connDial(t, n).expect(`+"OK"`, "SET", "k", "other")
	w.expect(`+"RESET"`, "RESET")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "GET", "k")
	w.expect(`*[$"other"]`, "EXEC")
}

// TestTxPipelined runs transactions through go-redis, whose pipelines
// send MULTI, the commands and EXEC in one write, so the queued arguments
// must not alias the connection's read buffer.
func TestTxPipelined(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		const n = 200
		big := strings.Repeat("v", 1000)
		cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for i := range n {
				p.Set(ctx, fmt.Sprintf("key:%d", i), fmt.Sprintf("%s-%d", big, i), 0)
			}
			p.Incr(ctx, "counter")
			p.Get(ctx, "key:7")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(cmds) != n+2 {
			t.Fatalf("%d replies, want %d", len(cmds), n+2)
		}
		if v := cmds[n].(*redis.IntCmd).Val(); v != 1 {
			t.Errorf("INCR in transaction = %d", v)
		}
		if v := cmds[n+1].(*redis.StringCmd).Val(); v != big+"-7" {
			t.Errorf("GET in transaction = %.20q", v)
		}
		for i := range n {
			v, err := c.Get(ctx, fmt.Sprintf("key:%d", i)).Result()
			if err != nil || v != fmt.Sprintf("%s-%d", big, i) {
				t.Fatalf("key:%d = %.20q, %v", i, v, err)
			}
		}

		// An error inside the transaction is that command's error only.
		cmds, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "s", "text", 0)
			p.Incr(ctx, "s")
			p.Get(ctx, "s")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "not an integer") {
			t.Errorf("TxPipelined err = %v, want the INCR error", err)
		}
		if len(cmds) != 3 || cmds[0].Err() != nil || cmds[1].Err() == nil || cmds[2].(*redis.StringCmd).Val() != "text" {
			t.Errorf("replies = %v", cmds)
		}
	})
}

// TestExecKeyspaceCommands runs the commands on the whole keyspace inside
// EXEC, where every shard is already locked.
func TestExecKeyspaceCommands(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for i := range 50 {
			c.Set(ctx, fmt.Sprintf("k%d", i), "v", 0)
		}
		var keys *redis.StringSliceCmd
		var scan *redis.ScanCmd
		var rnd *redis.StringCmd
		var size, sizeAfter *redis.IntCmd
		_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			keys = p.Keys(ctx, "k1*")
			scan = p.Scan(ctx, 0, "*", 1000)
			rnd = p.RandomKey(ctx)
			size = p.DBSize(ctx)
			p.FlushAll(ctx)
			sizeAfter = p.DBSize(ctx)
			p.Set(ctx, "after", "1", 0)
			p.FlushDB(ctx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(keys.Val()); got != 11 {
			t.Errorf("KEYS k1* found %d keys, want 11", got)
		}
		if sk, cur := scan.Val(); len(sk) != 50 || cur != 0 {
			t.Errorf("SCAN found %d keys, cursor %d", len(sk), cur)
		}
		if !strings.HasPrefix(rnd.Val(), "k") {
			t.Errorf("RANDOMKEY = %q", rnd.Val())
		}
		if size.Val() != 50 || sizeAfter.Val() != 0 {
			t.Errorf("DBSIZE before/after FLUSHALL = %d/%d", size.Val(), sizeAfter.Val())
		}
		if n, _ := c.DBSize(ctx).Result(); n != 0 {
			t.Errorf("DBSIZE after EXEC = %d", n)
		}
		// RANDOMKEY on an empty keyspace, inside EXEC.
		cmds, _ := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.RandomKey(ctx)
			return nil
		})
		if err := cmds[0].Err(); err != redis.Nil {
			t.Errorf("RANDOMKEY on empty keyspace err = %v, want nil reply", err)
		}
	})
}

// commandStat returns the INFO commandstats line of cmd.
func commandStat(t *testing.T, ctx context.Context, c *redis.Client, cmd string) string {
	t.Helper()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^cmdstat_` + regexp.QuoteMeta(cmd) + `:(.*?)\r?$`).FindStringSubmatch(info)
	if m == nil {
		return ""
	}
	return regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+,`).ReplaceAllString(m[1], "")
}

func TestMultiStats(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	w := connDial(t, n)
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "a", "b")
	w.expect(`+"QUEUED"`, "AUTH", "a")
	if v := w.do("EXEC"); len(v.Elems) != 2 || v.Elems[1].Kind != '-' {
		t.Fatalf("EXEC = %s", v)
	}
	for cmd, want := range map[string]string{
		"set":  "calls=1,rejected_calls=0,failed_calls=0",
		"auth": "calls=1,rejected_calls=0,failed_calls=1",
		"exec": "calls=1,rejected_calls=0,failed_calls=0",
	} {
		if got := commandStat(t, ctx, c, cmd); got != want {
			t.Errorf("cmdstat_%s = %q, want %q", cmd, got, want)
		}
	}
	w.expect(`-"ERR EXEC without MULTI"`, "EXEC")
	if got := commandStat(t, ctx, c, "exec"); got != "calls=2,rejected_calls=0,failed_calls=1" {
		t.Errorf("cmdstat_exec after EXEC without MULTI = %q", got)
	}
	// A command rejected while queueing counts as rejected, never called.
	w.expect(`+"OK"`, "MULTI")
	w.do("GET")
	w.expect(`-"EXECABORT Transaction discarded because of previous errors."`, "EXEC")
	if got := commandStat(t, ctx, c, "get"); got != "calls=0,rejected_calls=1,failed_calls=0" {
		t.Errorf("cmdstat_get = %q", got)
	}
	if got := commandStat(t, ctx, c, "multi"); got != "calls=2,rejected_calls=0,failed_calls=0" {
		t.Errorf("cmdstat_multi = %q", got)
	}
}

func TestMultiOOM(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	admin := connDial(t, n)
	w.expect(`+"OK"`, "SET", "x", "value")

	// Queueing is refused while over maxmemory; DISCARD still works.
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory-policy", "noeviction") // the default evicts
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "1")
	w.expect(`+"OK"`, "MULTI")
	oom := `-"OOM command not allowed when used memory > 'maxmemory'."`
	w.expect(oom, "GET", "x")
	w.expect(oom, "MULTI")
	w.expect(oom, "WATCH", "x")
	w.expect(`+"OK"`, "DISCARD")
	w.expect(`+"OK"`, "MULTI")
	w.expect(oom, "PING")
	w.expect(`-"EXECABORT Transaction discarded because of previous errors."`, "EXEC")

	// EXEC of read-only commands runs even when memory went over meanwhile.
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "0")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "GET", "x")
	w.expect(`+"QUEUED"`, "PING")
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "1")
	w.expect(`*[$"value" +"PONG"]`, "EXEC")

	// EXEC with a command that may grow memory is refused.
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "0")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "y", "1")
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "1")
	w.expect(`-"EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'."`, "EXEC")
	admin.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "0")
	w.expect(`:0`, "EXISTS", "y")
	w.expect(`-"ERR EXEC without MULTI"`, "EXEC")
}

func TestMultiClientListFlag(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "CLIENT", "INFO")
	v := w.do("EXEC")
	if len(v.Elems) != 1 || !strings.Contains(v.Elems[0].Str, "flags=x") {
		t.Errorf("CLIENT INFO inside EXEC = %s, want flags=x", v)
	}
	if s := w.do("CLIENT", "INFO").Str; !strings.Contains(s, "flags=N") {
		t.Errorf("CLIENT INFO after EXEC = %q, want flags=N", s)
	}
}
