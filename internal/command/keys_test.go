package command_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// keysDo runs a command that must succeed and returns its reply.
func keysDo(t *testing.T, ctx context.Context, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := do(ctx, c, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// keysInt checks that a command replies with the integer want.
func keysInt(t *testing.T, ctx context.Context, c *redis.Client, want int64, args ...any) {
	t.Helper()
	if v := keysDo(t, ctx, c, args...); v != want {
		t.Fatalf("%v = %#v, want %d", args, v, want)
	}
}

// keysErr checks that a command replies with exactly the error want.
func keysErr(t *testing.T, ctx context.Context, c *redis.Client, want string, args ...any) {
	t.Helper()
	v, err := do(ctx, c, args...)
	if err == nil || err.Error() != want {
		t.Fatalf("%v = %#v, %v; want error %q", args, v, err, want)
	}
}

// keysNil checks that a command replies with a null.
func keysNil(t *testing.T, ctx context.Context, c *redis.Client, args ...any) {
	t.Helper()
	if v, err := do(ctx, c, args...); err != redis.Nil {
		t.Fatalf("%v = %#v, %v; want nil", args, v, err)
	}
}

// keysStrs converts an array reply of bulk strings to a sorted []string.
func keysStrs(t *testing.T, v any) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("reply %#v is not an array", v)
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("element %d %#v is not a string", i, e)
		}
		out[i] = s
	}
	slices.Sort(out)
	return out
}

func TestDelUnlinkExists(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, k := range []string{"a", "b", "c"} {
			keysDo(t, ctx, c, "set", k, "v")
		}
		keysInt(t, ctx, c, 4, "exists", "a", "a", "b", "c", "nope")
		keysInt(t, ctx, c, 2, "del", "a", "b", "nope")
		keysInt(t, ctx, c, 0, "del", "a")
		keysInt(t, ctx, c, 1, "unlink", "c", "c")
		keysInt(t, ctx, c, 0, "exists", "a", "b", "c")
		keysNil(t, ctx, c, "get", "a")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'del' command", "del")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'exists' command", "exists")
		keysDo(t, ctx, c, "set", "", "empty value of empty key")
		keysInt(t, ctx, c, 1, "exists", "")
	})
}

func TestTypeTouch(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "s", "v")
		if v := keysDo(t, ctx, c, "type", "s"); v != "string" {
			t.Fatalf("TYPE s = %#v", v)
		}
		if v := keysDo(t, ctx, c, "type", "nope"); v != "none" {
			t.Fatalf("TYPE nope = %#v", v)
		}
		keysInt(t, ctx, c, 1, "touch", "s", "nope")
		keysInt(t, ctx, c, 2, "touch", "s", "s")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'type' command", "type", "a", "b")
	})
}

func TestRename(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "a", "hello")
		if v := keysDo(t, ctx, c, "rename", "a", "b"); v != "OK" {
			t.Fatalf("RENAME = %#v", v)
		}
		keysNil(t, ctx, c, "get", "a")
		if v := keysDo(t, ctx, c, "get", "b"); v != "hello" {
			t.Fatalf("GET b = %#v", v)
		}
		// Overwrite an existing key, which loses its own TTL.
		keysDo(t, ctx, c, "set", "a", "new")
		keysInt(t, ctx, c, 1, "expire", "b", "100")
		keysDo(t, ctx, c, "rename", "a", "b")
		if v := keysDo(t, ctx, c, "get", "b"); v != "new" {
			t.Fatalf("GET b = %#v", v)
		}
		keysInt(t, ctx, c, -1, "ttl", "b")
		// The TTL moves with the value.
		keysInt(t, ctx, c, 1, "expire", "b", "100")
		keysDo(t, ctx, c, "rename", "b", "c")
		if v := keysDo(t, ctx, c, "ttl", "c").(int64); v < 99 || v > 100 {
			t.Fatalf("TTL c = %d", v)
		}
		keysErr(t, ctx, c, "ERR no such key", "rename", "nope", "x")
		keysErr(t, ctx, c, "ERR no such key", "rename", "nope", "nope")
		keysErr(t, ctx, c, "ERR no such key", "renamenx", "nope", "x")
		if v := keysDo(t, ctx, c, "rename", "c", "c"); v != "OK" {
			t.Fatalf("RENAME c c = %#v", v)
		}
		if v := keysDo(t, ctx, c, "get", "c"); v != "new" {
			t.Fatalf("GET c after RENAME c c = %#v", v)
		}
		keysInt(t, ctx, c, 0, "renamenx", "c", "c")

		keysDo(t, ctx, c, "set", "d", "other")
		keysInt(t, ctx, c, 0, "renamenx", "c", "d")
		if v := keysDo(t, ctx, c, "get", "d"); v != "other" {
			t.Fatalf("GET d = %#v", v)
		}
		keysInt(t, ctx, c, 1, "renamenx", "c", "e")
		keysInt(t, ctx, c, 0, "exists", "c")
		if v := keysDo(t, ctx, c, "get", "e"); v != "new" {
			t.Fatalf("GET e = %#v", v)
		}
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'rename' command", "rename", "e")
	})
}

func TestCopy(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "src", "foobar")
		keysInt(t, ctx, c, 1, "copy", "src", "dst")
		if v := keysDo(t, ctx, c, "get", "dst"); v != "foobar" {
			t.Fatalf("GET dst = %#v", v)
		}
		keysInt(t, ctx, c, -1, "ttl", "dst")
		// The copy is independent of the original.
		keysDo(t, ctx, c, "set", "dst", "hoge")
		if v := keysDo(t, ctx, c, "get", "src"); v != "foobar" {
			t.Fatalf("GET src = %#v", v)
		}
		keysInt(t, ctx, c, 0, "copy", "src", "dst")
		if v := keysDo(t, ctx, c, "get", "dst"); v != "hoge" {
			t.Fatalf("GET dst without REPLACE = %#v", v)
		}
		keysInt(t, ctx, c, 1, "expire", "src", "100")
		keysInt(t, ctx, c, 1, "copy", "src", "dst", "replace", "DB", "0")
		if v := keysDo(t, ctx, c, "get", "dst"); v != "foobar" {
			t.Fatalf("GET dst with REPLACE = %#v", v)
		}
		if v := keysDo(t, ctx, c, "ttl", "dst").(int64); v < 99 || v > 100 {
			t.Fatalf("TTL dst = %d", v)
		}
		keysInt(t, ctx, c, 0, "copy", "nope", "dst2")
		keysInt(t, ctx, c, 0, "exists", "dst2")
		keysErr(t, ctx, c, "ERR source and destination objects are the same", "copy", "src", "src")
		keysErr(t, ctx, c, "ERR DB index is out of range", "copy", "src", "x", "db", "1")
		keysErr(t, ctx, c, "ERR DB index is out of range", "copy", "src", "x", "db", "-1")
		keysErr(t, ctx, c, "ERR value is not an integer or out of range", "copy", "src", "x", "db", "notanumber")
		keysErr(t, ctx, c, "ERR value is not an integer or out of range", "copy", "src", "x", "db", "4294967296")
		keysErr(t, ctx, c, "ERR syntax error", "copy", "src", "x", "db")
		keysErr(t, ctx, c, "ERR syntax error", "copy", "src", "x", "bogus")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'copy' command", "copy", "src")
		keysInt(t, ctx, c, 0, "exists", "x")
	})
}

func TestMoveSwapDB(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "k", "v")
		keysErr(t, ctx, c, "ERR DB index is out of range", "move", "k", "1")
		keysErr(t, ctx, c, "ERR source and destination objects are the same", "move", "k", "0")
		keysErr(t, ctx, c, "ERR value is not an integer or out of range", "move", "k", "notanumber")
		keysErr(t, ctx, c, "ERR invalid first DB index", "swapdb", "x", "1")
		keysErr(t, ctx, c, "ERR invalid second DB index", "swapdb", "0", "y")
		keysErr(t, ctx, c, "ERR DB index is out of range", "swapdb", "0", "1")
		if v := keysDo(t, ctx, c, "swapdb", "0", "0"); v != "OK" {
			t.Fatalf("SWAPDB 0 0 = %#v", v)
		}
		if v := keysDo(t, ctx, c, "get", "k"); v != "v" {
			t.Fatalf("GET k = %#v", v)
		}
	})
}

func TestKeys(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "*")); len(got) != 0 {
			t.Fatalf("KEYS * on empty = %q", got)
		}
		for _, k := range []string{"key_x", "key_y", "foo_a", "foo_b", ""} {
			keysDo(t, ctx, c, "set", k, "hello")
		}
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "foo*")); !slices.Equal(got, []string{"foo_a", "foo_b"}) {
			t.Fatalf("KEYS foo* = %q", got)
		}
		want := []string{"", "foo_a", "foo_b", "key_x", "key_y"}
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "*")); !slices.Equal(got, want) {
			t.Fatalf("KEYS * = %q, want %q", got, want)
		}
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "*_?")); len(got) != 4 {
			t.Fatalf("KEYS *_? = %q", got)
		}
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")); len(got) != 0 {
			t.Fatalf("KEYS nested = %q", got)
		}
		// Keys in many slots, so that KEYS walks more than one batch.
		for i := range 3000 {
			keysDo(t, ctx, c, "set", fmt.Sprintf("many:%d", i), "v")
		}
		if got := keysStrs(t, keysDo(t, ctx, c, "keys", "many:*")); len(got) != 3000 {
			t.Fatalf("KEYS many:* returned %d keys", len(got))
		}
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'keys' command", "keys")
	})
}

// TestKeysScanSkipExpired checks that KEYS and SCAN never return a key
// whose TTL has passed.
func TestKeysScanSkipExpired(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "live", "v")
		keysDo(t, ctx, c, "set", "dying", "v")
		keysInt(t, ctx, c, 1, "pexpire", "dying", "20")
		deadline := time.Now().Add(5 * time.Second)
		for {
			keys := keysStrs(t, keysDo(t, ctx, c, "keys", "*"))
			scan := keysDo(t, ctx, c, "scan", "0", "count", "100000").([]any)
			scanned := keysStrs(t, scan[1])
			if len(keys) == 1 {
				if !slices.Equal(keys, []string{"live"}) || !slices.Equal(scanned, keys) {
					t.Fatalf("KEYS * = %q, SCAN = %q", keys, scanned)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("KEYS * still %q after the TTL passed", keys)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// keysScanAll iterates SCAN with extra options until the cursor returns to 0.
func keysScanAll(t *testing.T, ctx context.Context, c *redis.Client, opts ...any) []string {
	t.Helper()
	var all []string
	cursor := "0"
	for i := 0; ; i++ {
		if i > 20000 {
			t.Fatal("SCAN does not terminate")
		}
		v := keysDo(t, ctx, c, append([]any{"scan", cursor}, opts...)...).([]any)
		if len(v) != 2 {
			t.Fatalf("SCAN reply %#v", v)
		}
		cursor = v[0].(string)
		all = append(all, keysStrs(t, v[1])...)
		if cursor == "0" {
			break
		}
	}
	slices.Sort(all)
	return slices.Compact(all)
}

func TestScan(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for i := range 500 {
			keysDo(t, ctx, c, "set", fmt.Sprintf("key:%d", i), "v")
		}
		if got := keysScanAll(t, ctx, c); len(got) != 500 {
			t.Fatalf("SCAN found %d keys, want 500", len(got))
		}
		if got := keysScanAll(t, ctx, c, "COUNT", "5"); len(got) != 500 {
			t.Fatalf("SCAN COUNT 5 found %d keys, want 500", len(got))
		}
		got := keysScanAll(t, ctx, c, "match", "key:1??")
		if len(got) != 100 || !strings.HasPrefix(got[0], "key:1") {
			t.Fatalf("SCAN MATCH key:1?? found %d keys: %q", len(got), got)
		}
		if got := keysScanAll(t, ctx, c, "type", "STRING", "match", "key:*", "count", "10"); len(got) != 500 {
			t.Fatalf("SCAN TYPE string found %d keys", len(got))
		}
		if got := keysScanAll(t, ctx, c, "type", "list"); len(got) != 0 {
			t.Fatalf("SCAN TYPE list found %q", got)
		}
		// A cursor past the end of the keyspace ends the iteration.
		v := keysDo(t, ctx, c, "scan", "18446744073709551615").([]any)
		if v[0] != "0" || len(v[1].([]any)) != 0 {
			t.Fatalf("SCAN huge cursor = %#v", v)
		}
		for _, bad := range []string{"abc", " 1", "1 ", "1x", "18446744073709551616", "+", "-"} {
			keysErr(t, ctx, c, "ERR invalid cursor", "scan", bad)
		}
		keysErr(t, ctx, c, "ERR syntax error", "scan", "0", "count", "0")
		keysErr(t, ctx, c, "ERR syntax error", "scan", "0", "count")
		keysErr(t, ctx, c, "ERR syntax error", "scan", "0", "bogus", "1")
		keysErr(t, ctx, c, "ERR value is not an integer or out of range", "scan", "0", "count", "x")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'scan' command", "scan")
	})
}

func TestRandomKeyDBSizeFlush(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysNil(t, ctx, c, "randomkey")
		keysInt(t, ctx, c, 0, "dbsize")
		keysDo(t, ctx, c, "set", "foo", "x")
		keysDo(t, ctx, c, "set", "bar", "y")
		keysInt(t, ctx, c, 2, "dbsize")
		seen := map[any]bool{}
		for range 200 {
			seen[keysDo(t, ctx, c, "randomkey")] = true
		}
		if len(seen) != 2 || !seen["foo"] || !seen["bar"] {
			t.Fatalf("RANDOMKEY returned %v", seen)
		}
		for _, args := range [][]any{{"flushdb"}, {"flushall"}, {"flushall", "ASYNC"}, {"flushdb", "sync"}} {
			keysDo(t, ctx, c, "set", "foo", "x")
			if v := keysDo(t, ctx, c, args...); v != "OK" {
				t.Fatalf("%v = %#v", args, v)
			}
			keysInt(t, ctx, c, 0, "dbsize")
			keysNil(t, ctx, c, "randomkey")
		}
		keysErr(t, ctx, c, "ERR syntax error", "flushall", "bogus")
		keysErr(t, ctx, c, "ERR syntax error", "flushdb", "async", "sync")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'dbsize' command", "dbsize", "x")
	})
}
