package command_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

const (
	errKeysNoLFU = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errKeysLFU = "ERR An LFU maxmemory policy is selected, idle time not tracked. " +
		"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

func TestObject(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for k, enc := range map[string]string{
			"12345": "int", "-7": "int", "007": "embstr", "hello": "embstr",
			strings.Repeat("x", 45): "raw",
		} {
			keysDo(t, ctx, c, "set", "k", k)
			if v := keysDo(t, ctx, c, "object", "encoding", "k"); v != enc {
				t.Errorf("OBJECT ENCODING of %q = %#v, want %q", k, v, enc)
			}
		}
		keysNil(t, ctx, c, "object", "encoding", "nope")
		keysNil(t, ctx, c, "object", "refcount", "nope")
		keysNil(t, ctx, c, "object", "idletime", "nope")
		keysNil(t, ctx, c, "object", "freq", "nope")

		keysDo(t, ctx, c, "set", "small", "42")
		keysInt(t, ctx, c, 2147483647, "object", "refcount", "small")
		keysDo(t, ctx, c, "set", "big", "10000")
		keysInt(t, ctx, c, 1, "object", "refcount", "big")
		keysDo(t, ctx, c, "set", "str", "abc")
		keysInt(t, ctx, c, 1, "object", "refcount", "str")

		if v := keysDo(t, ctx, c, "object", "idletime", "str").(int64); v < 0 || v > 2 {
			t.Fatalf("OBJECT IDLETIME = %d", v)
		}
		keysErr(t, ctx, c, errKeysNoLFU, "object", "freq", "str")

		help := keysDo(t, ctx, c, "OBJECT", "help").([]any)
		if len(help) != 13 || help[0] != "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
			help[len(help)-2] != "HELP" {
			t.Fatalf("OBJECT HELP = %q", help)
		}
		keysErr(t, ctx, c, "ERR unknown subcommand 'bogus'. Try OBJECT HELP.", "object", "bogus", "k")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'object|encoding' command", "object", "encoding")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'object|help' command", "object", "help", "x")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'object' command", "object")
	})
}

// TestObjectLFU checks OBJECT FREQ and IDLETIME under an LFU policy, and
// that OBJECT does not count as an access.
func TestObjectLFU(t *testing.T) {
	for _, proto := range []int{2, 3} {
		n := startNode(t, map[string]string{"maxmemory-policy": "allkeys-lfu"})
		c := newClient(t, n, proto)
		ctx := context.Background()
		keysDo(t, ctx, c, "set", "k", "v")
		f0 := keysDo(t, ctx, c, "object", "freq", "k").(int64)
		if f0 < 1 || f0 > 255 {
			t.Fatalf("OBJECT FREQ = %d", f0)
		}
		keysInt(t, ctx, c, f0, "object", "freq", "k")
		keysErr(t, ctx, c, errKeysLFU, "object", "idletime", "k")
		for range 200 {
			keysDo(t, ctx, c, "get", "k")
		}
		if f := keysDo(t, ctx, c, "object", "freq", "k").(int64); f <= f0 {
			t.Fatalf("OBJECT FREQ after 200 GETs = %d, was %d", f, f0)
		}
	}
}

// TestObjectRefCountEviction checks that small integers are not shared
// objects under an LRU or LFU policy with a memory limit, as in Redis.
func TestObjectRefCountEviction(t *testing.T) {
	n := startNode(t, map[string]string{"maxmemory-policy": "allkeys-lru", "maxmemory": "100mb"})
	c := newClient(t, n, 3)
	ctx := context.Background()
	keysDo(t, ctx, c, "set", "small", "1")
	keysInt(t, ctx, c, 1, "object", "refcount", "small")
	if v := keysDo(t, ctx, c, "object", "idletime", "small").(int64); v < 0 || v > 2 {
		t.Fatalf("OBJECT IDLETIME = %d", v)
	}
	keysErr(t, ctx, c, errKeysNoLFU, "object", "freq", "small")
}
