package command_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// srvDo runs a command that must succeed and returns its reply.
func srvDo(t *testing.T, ctx context.Context, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := do(ctx, c, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// srvErr checks that a command fails with exactly want.
func srvErr(t *testing.T, ctx context.Context, c *redis.Client, want string, args ...any) {
	t.Helper()
	v, err := do(ctx, c, args...)
	if err == nil || err == redis.Nil || err.Error() != want {
		t.Fatalf("%v = %v, %v; want error %q", args, v, err, want)
	}
}

// srvEqual checks that a command replies want, compared in %v form.
func srvEqual(t *testing.T, ctx context.Context, c *redis.Client, want any, args ...any) {
	t.Helper()
	if v := srvDo(t, ctx, c, args...); fmt.Sprint(v) != fmt.Sprint(want) {
		t.Fatalf("%v = %#v, want %#v", args, v, want)
	}
}

// srvMap turns a map reply (a flat array in RESP2, a map in RESP3) into a
// map of strings.
func srvMap(t *testing.T, v any) map[string]any {
	t.Helper()
	out := map[string]any{}
	switch m := v.(type) {
	case []any:
		if len(m)%2 != 0 {
			t.Fatalf("odd map reply %v", m)
		}
		for i := 0; i < len(m); i += 2 {
			out[fmt.Sprint(m[i])] = m[i+1]
		}
	case map[any]any:
		for k, x := range m {
			out[fmt.Sprint(k)] = x
		}
	default:
		t.Fatalf("not a map reply: %#v", v)
	}
	return out
}

// srvInfo returns INFO's fields for the given sections.
func srvInfo(t *testing.T, ctx context.Context, c *redis.Client, sections ...string) map[string]string {
	t.Helper()
	args := []any{"info"}
	for _, s := range sections {
		args = append(args, s)
	}
	text, ok := srvDo(t, ctx, c, args...).(string)
	if !ok {
		t.Fatalf("INFO reply is not a string")
	}
	out := map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}

// srvInfoInt returns an integer INFO field.
func srvInfoInt(t *testing.T, ctx context.Context, c *redis.Client, section, field string) int64 {
	t.Helper()
	v, ok := srvInfo(t, ctx, c, section)[field]
	if !ok {
		t.Fatalf("INFO %s has no %s", section, field)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("INFO %s:%s = %q", section, field, v)
	}
	return n
}

func TestTimeLastSaveSave(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		before := time.Now()
		v := srvDo(t, ctx, c, "time").([]any)
		if len(v) != 2 {
			t.Fatalf("TIME = %v", v)
		}
		sec, _ := strconv.ParseInt(v[0].(string), 10, 64)
		usec, _ := strconv.ParseInt(v[1].(string), 10, 64)
		if d := sec - before.Unix(); d < -1 || d > 2 || usec < 0 || usec >= 1e6 {
			t.Fatalf("TIME = %v, now %v", v, before.Unix())
		}

		last := srvDo(t, ctx, c, "lastsave").(int64)
		if d := before.Unix() - last; d < 0 || d > 60 {
			t.Fatalf("LASTSAVE = %d, now %d", last, before.Unix())
		}
		srvDo(t, ctx, c, "set", "a", "1")
		srvDo(t, ctx, c, "set", "b", "2")
		if n := srvInfoInt(t, ctx, c, "persistence", "rdb_changes_since_last_save"); n < 2 {
			t.Fatalf("rdb_changes_since_last_save = %d, want >= 2", n)
		}
		srvEqual(t, ctx, c, "OK", "save")
		if n := srvInfoInt(t, ctx, c, "persistence", "rdb_changes_since_last_save"); n != 0 {
			t.Fatalf("rdb_changes_since_last_save after SAVE = %d", n)
		}
		srvEqual(t, ctx, c, "Background saving started", "bgsave")
		srvEqual(t, ctx, c, "Background saving started", "BGSAVE", "SCHEDULE")
		srvErr(t, ctx, c, "ERR syntax error", "bgsave", "now")
		srvErr(t, ctx, c, "ERR syntax error", "bgsave", "schedule", "x")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'save' command", "save", "x")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'time' command", "time", "x")
	})
}

func TestShutdown(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	srvErr(t, ctx, c, "ERR No shutdown in progress.", "shutdown", "abort")
	srvErr(t, ctx, c, "ERR syntax error", "shutdown", "abort", "now")
	srvErr(t, ctx, c, "ERR syntax error", "shutdown", "save", "nosave")
	srvErr(t, ctx, c, "ERR syntax error", "shutdown", "later")
	select {
	case <-n.Done():
		t.Fatal("node stopped after failed SHUTDOWNs")
	default:
	}
	if _, err := do(ctx, c, "shutdown", "nosave", "now"); err == nil {
		t.Fatal("SHUTDOWN replied; want the connection closed")
	}
	select {
	case <-n.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("node did not stop after SHUTDOWN")
	}
}

func TestFunctionDebugMonitor(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, "OK", "function", "flush")
		srvEqual(t, ctx, c, "OK", "FUNCTION", "FLUSH", "async")
		srvEqual(t, ctx, c, "OK", "function", "flush", "SYNC")
		srvErr(t, ctx, c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option", "function", "flush", "later")
		srvErr(t, ctx, c, "ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.",
			"function", "flush", "sync", "x")
		srvErr(t, ctx, c, "ERR FUNCTION LIST is not supported: Larder has no scripting", "function", "list")
		srvErr(t, ctx, c, "ERR FUNCTION LOAD is not supported: Larder has no scripting", "function", "load", "code")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'function|load' command", "function", "load")
		srvErr(t, ctx, c, "ERR unknown subcommand 'nope'. Try FUNCTION HELP.", "function", "nope")
		help := srvDo(t, ctx, c, "function", "help").([]any)
		if len(help) < 3 || !strings.HasPrefix(help[0].(string), "FUNCTION <subcommand>") {
			t.Fatalf("FUNCTION HELP = %v", help)
		}

		srvEqual(t, ctx, c, "OK", "debug", "sleep", "0")
		srvEqual(t, ctx, c, "OK", "debug", "SLEEP", "0.01")
		srvEqual(t, ctx, c, "OK", "debug", "sleep", "garbage")
		srvErr(t, ctx, c, "ERR DEBUG is not supported", "debug", "object", "k")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'debug' command", "debug")

		srvErr(t, ctx, c, "ERR MONITOR is not supported yet", "monitor")
	})
}

func TestDebugSleepSleeps(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	start := time.Now()
	srvEqual(t, context.Background(), c, "OK", "debug", "sleep", "0.1")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("DEBUG SLEEP 0.1 took %v", d)
	}
}

func TestRoleReadonlyWait(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, []any{"master", int64(0), []any{}}, "role")
		srvEqual(t, ctx, c, "OK", "readonly")
		srvEqual(t, ctx, c, "OK", "readwrite")
		srvEqual(t, ctx, c, int64(0), "wait", "0", "0")
		srvEqual(t, ctx, c, int64(0), "wait", "1", "100")
		srvErr(t, ctx, c, "ERR value is not an integer or out of range", "wait", "x", "0")
		srvErr(t, ctx, c, "ERR timeout is not an integer or out of range", "wait", "0", "1.5")
		srvErr(t, ctx, c, "ERR timeout is negative", "wait", "0", "-1")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'wait' command", "wait", "0")
	})
}

func TestLatency(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, []any{}, "latency", "latest")
		srvEqual(t, ctx, c, []any{}, "latency", "history", "command")
		srvEqual(t, ctx, c, int64(0), "latency", "reset")
		srvEqual(t, ctx, c, int64(0), "latency", "reset", "command", "fork")
		if m := srvMap(t, srvDo(t, ctx, c, "latency", "histogram")); len(m) != 0 {
			t.Fatalf("LATENCY HISTOGRAM = %v", m)
		}
		if s, ok := srvDo(t, ctx, c, "latency", "doctor").(string); !ok || s == "" {
			t.Fatalf("LATENCY DOCTOR = %v", s)
		}
		srvErr(t, ctx, c, "ERR No samples available for event 'command'", "latency", "graph", "command")
		help := srvDo(t, ctx, c, "latency", "help").([]any)
		if !strings.HasPrefix(help[0].(string), "LATENCY <subcommand>") || help[len(help)-2] != "HELP" {
			t.Fatalf("LATENCY HELP = %v", help)
		}
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'latency|latest' command", "latency", "latest", "x")
	})
}
