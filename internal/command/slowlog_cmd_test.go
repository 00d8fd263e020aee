package command_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// slowlogArgs returns the arguments of each SLOWLOG GET entry, newest
// first, checking every entry's shape.
func slowlogArgs(t *testing.T, ctx context.Context, c *redis.Client, args ...any) []string {
	t.Helper()
	entries := srvDo(t, ctx, c, append([]any{"slowlog", "get"}, args...)...).([]any)
	out := make([]string, len(entries))
	for i, e := range entries {
		f := e.([]any)
		if len(f) != 6 {
			t.Fatalf("entry %v has %d fields", f, len(f))
		}
		if _, ok := f[0].(int64); !ok {
			t.Fatalf("entry id %#v", f[0])
		}
		if ts := f[1].(int64); time.Since(time.Unix(ts, 0)) > time.Minute || ts > time.Now().Unix()+1 {
			t.Fatalf("entry time %d", ts)
		}
		if d := f[2].(int64); d < 0 {
			t.Fatalf("entry duration %d", d)
		}
		if addr := f[4].(string); !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Fatalf("entry client address %q", addr)
		}
		words := make([]string, 0, len(f[3].([]any)))
		for _, a := range f[3].([]any) {
			words = append(words, a.(string))
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

func TestSlowlog(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, int64(0), "slowlog", "len")
		srvEqual(t, ctx, c, "OK", "config", "set", "slowlog-log-slower-than", "0")
		for i := range 3 {
			srvDo(t, ctx, c, "set", fmt.Sprint("k", i), "v")
		}
		got := slowlogArgs(t, ctx, c, "2")
		if len(got) != 2 || got[0] != "set k2 v" || got[1] != "set k1 v" {
			t.Fatalf("SLOWLOG GET 2 = %q", got)
		}
		all := slowlogArgs(t, ctx, c, "-1")
		if len(all) < 5 || all[len(all)-1] != "config set slowlog-log-slower-than 0" {
			t.Fatalf("SLOWLOG GET -1 = %q", all)
		}
		if n := len(slowlogArgs(t, ctx, c)); n != min(10, len(all)+1) {
			t.Fatalf("SLOWLOG GET returned %d entries, want the default 10 at most", n)
		}
		if n := srvDo(t, ctx, c, "slowlog", "len").(int64); n < 6 {
			t.Fatalf("SLOWLOG LEN = %d", n)
		}
		srvErr(t, ctx, c, "ERR count should be greater than or equal to -1", "slowlog", "get", "-2")
		srvErr(t, ctx, c, "ERR count should be greater than or equal to -1", "slowlog", "get", "x")
		srvErr(t, ctx, c, "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.",
			"slowlog", "get", "1", "2")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'slowlog|len' command", "slowlog", "len", "x")

		srvEqual(t, ctx, c, "OK", "config", "set", "slowlog-log-slower-than", "1000000")
		srvEqual(t, ctx, c, "OK", "slowlog", "reset")
		srvEqual(t, ctx, c, int64(0), "slowlog", "len")
		srvEqual(t, ctx, c, []any{}, "slowlog", "get")
	})
}

func TestSlowlogMaxLenAndThreshold(t *testing.T) {
	n := startNode(t, map[string]string{"slowlog-log-slower-than": "0", "slowlog-max-len": "3"})
	ctx := context.Background()
	c := newClient(t, n, 2)
	for range 10 {
		srvDo(t, ctx, c, "ping")
	}
	srvEqual(t, ctx, c, int64(3), "slowlog", "len")
	// SLOWLOG GET 0 returns nothing.
	srvEqual(t, ctx, c, []any{}, "slowlog", "get", "0")

	srvEqual(t, ctx, c, "OK", "config", "set", "slowlog-log-slower-than", "50000", "slowlog-max-len", "128")
	srvEqual(t, ctx, c, "OK", "slowlog", "reset")
	srvDo(t, ctx, c, "ping")
	srvEqual(t, ctx, c, int64(0), "slowlog", "len")
	srvDo(t, ctx, c, "debug", "sleep", "0.06")
	entries := srvDo(t, ctx, c, "slowlog", "get").([]any)
	if len(entries) != 1 {
		t.Fatalf("SLOWLOG GET = %v", entries)
	}
	if d := entries[0].([]any)[2].(int64); d < 50000 {
		t.Fatalf("DEBUG SLEEP logged with %dus", d)
	}
	// A negative threshold turns the log off.
	srvEqual(t, ctx, c, "OK", "config", "set", "slowlog-log-slower-than", "-1")
	srvDo(t, ctx, c, "debug", "sleep", "0.06")
	srvEqual(t, ctx, c, int64(1), "slowlog", "len")
}

func TestSlowlogRedactsSecrets(t *testing.T) {
	n := startNode(t, map[string]string{"slowlog-log-slower-than": "0"})
	ctx := context.Background()
	c := newClient(t, n, 2)
	srvEqual(t, ctx, c, "OK", "config", "set", "masterauth", "s3cret", "hz", "11")
	srvErr(t, ctx, c, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
		"config", "set", "masteruser", "bob", "nosuch", "x")
	got := slowlogArgs(t, ctx, c, "2")
	want := []string{"config set masteruser (redacted) nosuch x", "config set masterauth (redacted) hz 11"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("SLOWLOG = %q, want %q", got, want)
	}
	if m := srvMap(t, srvDo(t, ctx, c, "config", "get", "masterauth")); m["masterauth"] != "s3cret" {
		t.Fatalf("masterauth = %v", m["masterauth"])
	}
}

func TestSlowlogHelp(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		help := srvDo(t, ctx, c, "slowlog", "help").([]any)
		if help[0] != "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" || help[len(help)-2] != "HELP" {
			t.Fatalf("SLOWLOG HELP = %q", help)
		}
		srvErr(t, ctx, c, "ERR unknown subcommand 'nope'. Try SLOWLOG HELP.", "slowlog", "nope")
	})
}
