package larder_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

func TestOpenRejectsInvalidSettings(t *testing.T) {
	cases := []struct {
		opts larder.Options
		want string
	}{
		{larder.Options{MaxMemoryPolicy: "sometimes"}, "maxmemory-policy"},
		{larder.Options{Settings: map[string]string{"maxmemory": "lots"}}, "maxmemory"},
		{larder.Options{Settings: map[string]string{"no-such-thing": "1"}}, "no-such-thing"},
		{larder.Options{MaxClients: -5}, "maxclients"},
		{larder.Options{Settings: map[string]string{"shards": "3"}}, "shards"},
	}
	for _, tc := range cases {
		tc.opts.Logger = slog.New(slog.DiscardHandler)
		tc.opts.Port = 1 // never reached: validation comes first
		n, err := larder.Open(&tc.opts)
		if err == nil {
			n.Close()
			t.Errorf("%+v: Open succeeded, want an error naming %q", tc.opts, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not name %q", err, tc.want)
		}
	}
}

func TestOpenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	_, err = larder.Open(&larder.Options{Port: port, Logger: slog.New(slog.DiscardHandler)})
	if err == nil || !strings.Contains(err.Error(), "port") {
		t.Fatalf("Open on a busy port: %v, want an error naming the port", err)
	}
}

func TestOpenDoesNotChangeOptions(t *testing.T) {
	opts := &larder.Options{Port: 0, Settings: map[string]string{"maxmemory": "1mb"}}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	opts.Listener = ln
	n, err := larder.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if opts.Logger != nil || opts.ShutdownTimeout != 0 || len(opts.Settings) != 1 {
		t.Fatalf("Open changed the caller's options: %+v", opts)
	}
}

func TestConfigSetReachesTheEngine(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	n, err := larder.Open(&larder.Options{Listener: ln, MaxMemoryPolicy: "noeviction", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
	defer c.Close()
	if err := c.Set(ctx, "a", strings.Repeat("x", 1000), 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	err = c.Set(ctx, "b", "y", 0).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "OOM ") {
		t.Fatalf("SET past maxmemory under noeviction: %v, want OOM", err)
	}
	if v, err := c.Get(ctx, "a").Result(); err != nil || len(v) != 1000 {
		t.Fatalf("reads must keep working at the limit: %d bytes, %v", len(v), err)
	}
	if err := c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "b", "y", 0).Err(); err != nil {
		t.Fatalf("SET with allkeys-lru at the limit: %v, want eviction instead of an error", err)
	}
}

// Example starts a node on a free loopback port and talks to it with a
// Redis client.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	node, err := larder.Open(&larder.Options{Listener: ln, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer node.Close()

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: node.Addr().String()})
	defer rdb.Close()
	rdb.Set(ctx, "greeting", "hello", 0)
	fmt.Println(rdb.Get(ctx, "greeting").Val())
	// Output: hello
}
