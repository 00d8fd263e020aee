package command_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// notifyWatch subscribes to every keyspace and keyevent channel and
// returns a function reading the next notification as "channel payload".
func notifyWatch(t *testing.T, ctx context.Context, c *redis.Client) func() string {
	t.Helper()
	ps := c.PSubscribe(ctx, "__key*__:*")
	t.Cleanup(func() { ps.Close() })
	subscribed(t, ctx, ps, "psubscribe", "__key*__:*", 1)
	return func() string {
		t.Helper()
		m := receive(t, ctx, ps)
		return m.Channel + " " + m.Payload
	}
}

// expectEvents checks that next yields want, in order.
func expectEvents(t *testing.T, next func() string, want ...string) {
	t.Helper()
	for _, w := range want {
		if got := next(); got != w {
			t.Fatalf("notification = %q, want %q", got, w)
		}
	}
}

// TestNotifyGenericAndString runs the string, keyspace and expire commands
// with every event on and checks their notifications, in both protocols.
func TestNotifyGenericAndString(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "KEA")
		next := notifyWatch(t, ctx, c)
		ev := func(event, key string) []string {
			return []string{"__keyspace@0__:" + key + " " + event, "__keyevent@0__:" + event + " " + key}
		}
		var want []string
		run := func(event, key string, args ...any) {
			t.Helper()
			if _, err := do(ctx, c, args...); err != nil && err != redis.Nil {
				t.Fatalf("%v: %v", args, err)
			}
			want = append(want, ev(event, key)...)
		}
		run("set", "s", "set", "s", "1")
		run("incrby", "s", "incr", "s")
		run("incrby", "s", "decrby", "s", "5")
		run("incrbyfloat", "s", "incrbyfloat", "s", "1.5")
		run("append", "s", "append", "s", "x")
		run("setrange", "s", "setrange", "s", "0", "y")
		run("set", "s", "getset", "s", "2")
		run("expire", "s", "expire", "s", "100")
		run("persist", "s", "persist", "s")
		run("rename_from", "s", "rename", "s", "t")
		want = append(want, ev("rename_to", "t")...)
		run("copy_to", "u", "copy", "t", "u")
		run("del", "t", "del", "t", "missing")
		run("set", "m1", "mset", "m1", "a", "m2", "b")
		want = append(want, ev("set", "m2")...)
		run("set", "e", "set", "e", "v", "ex", "100")
		want = append(want, ev("expire", "e")...)
		run("expire", "e", "getex", "e", "px", "100000")
		run("del", "e", "getdel", "e")
		run("del", "u", "expire", "u", "-1")
		expectEvents(t, next, want...)

		// Failed or no-op writes notify nothing: the next event is the marker.
		do(ctx, c, "persist", "nokey")
		do(ctx, c, "del", "nokey")
		do(ctx, c, "set", "m1", "x", "nx")
		do(ctx, c, "incr", "m1") // not an integer
		do(ctx, c, "set", "marker", "1")
		expectEvents(t, next, ev("set", "marker")...)
	})
}

// TestNotifyFlags checks that each class letter selects its events and K
// and E their channels.
func TestNotifyFlags(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	next := notifyWatch(t, ctx, c)

	// Off (the default): nothing is published.
	c.Set(ctx, "a", "1", 0)
	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "Kg")
	c.Set(ctx, "a", "2", 0) // '$' is off
	c.Del(ctx, "a")
	expectEvents(t, next, "__keyspace@0__:a del")

	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "E$")
	c.Del(ctx, "nothing")
	c.Set(ctx, "a", "1", 0)
	expectEvents(t, next, "__keyevent@0__:set a")

	// Without K or E nothing is published, whatever the classes.
	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "g$")
	c.Set(ctx, "a", "1", 0)
	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "Eg")
	c.Del(ctx, "a")
	expectEvents(t, next, "__keyevent@0__:del a")
}

// TestNotifyExpired checks the "expired" event of keys removed by expiry,
// lazily (on access) and actively (in the background).
func TestNotifyExpired(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 3)
	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "Ex")
	next := notifyWatch(t, ctx, c)
	c.Set(ctx, "lazy", "v", 20*time.Millisecond)
	c.Set(ctx, "active", "v", 20*time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	c.Get(ctx, "lazy") // may expire it now, or the active cycle does
	got := []string{next(), next()}
	if !(got[0] == "__keyevent@0__:expired lazy" && got[1] == "__keyevent@0__:expired active" ||
		got[1] == "__keyevent@0__:expired lazy" && got[0] == "__keyevent@0__:expired active") {
		t.Fatalf("expired events = %q", got)
	}
}

// TestNotifyEvicted checks the "evicted" event of keys removed to free
// memory.
func TestNotifyEvicted(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "Ee")
	connOK(t, ctx, c, "OK", "config", "set", "maxmemory-policy", "allkeys-lru")
	next := notifyWatch(t, ctx, c)
	c.Set(ctx, "victim", "v", 0)
	connOK(t, ctx, c, "OK", "config", "set", "maxmemory", "1")
	c.Set(ctx, "other", "v", 0) // a write over the limit evicts (and is refused)
	expectEvents(t, next, "__keyevent@0__:evicted victim")
	connOK(t, ctx, c, "OK", "config", "set", "maxmemory", "0")
}

// TestNotifyNewKey checks the 'n' class: one "new" event when a key is
// created (by a string or a collection command), none when it is overwritten.
func TestNotifyNewKey(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		connOK(t, ctx, c, "OK", "config", "set", "notify-keyspace-events", "En")
		next := notifyWatch(t, ctx, c)
		for _, args := range [][]any{
			{"set", "foo", "bar"}, {"set", "foo", "baz"}, {"set", "bar", "bar"},
			{"rpush", "list", "a"}, {"rpush", "list", "b"},
		} {
			if _, err := do(ctx, c, args...); err != nil {
				t.Fatal(err)
			}
		}
		expectEvents(t, next, "__keyevent@0__:new foo", "__keyevent@0__:new bar",
			"__keyevent@0__:new list")
	})
}
