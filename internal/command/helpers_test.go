package command_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// startNode starts a real node listening on a loopback port with the given
// settings (Redis names) and stops it when the test ends. The node is a
// standalone server (cluster-enabled no) unless settings say otherwise: the
// tests check Redis's standalone semantics, with keys in any slots.
func startNode(t testing.TB, settings map[string]string) *larder.Node {
	t.Helper()
	if _, ok := settings["cluster-enabled"]; !ok {
		all := map[string]string{"cluster-enabled": "no"}
		for k, v := range settings {
			all[k] = v
		}
		settings = all
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := larder.Open(&larder.Options{
		Listener: ln,
		Settings: settings,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// newClient returns a go-redis client speaking protocol proto (2 or 3) to n.
func newClient(t testing.TB, n *larder.Node, proto int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:            n.Addr().String(),
		Protocol:        proto,
		DialTimeout:     5 * time.Second,
		ReadTimeout:     10 * time.Second,
		PoolSize:        4,
		MaxRetries:      -1,
		DisableIdentity: true,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// forEachProto runs f against a fresh node once with RESP2 and once with RESP3.
func forEachProto(t *testing.T, f func(t *testing.T, ctx context.Context, c *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run(map[int]string{2: "resp2", 3: "resp3"}[proto], func(t *testing.T) {
			n := startNode(t, nil)
			f(t, context.Background(), newClient(t, n, proto))
		})
	}
}

// do runs a raw command and returns its reply and error.
func do(ctx context.Context, c *redis.Client, args ...any) (any, error) {
	return c.Do(ctx, args...).Result()
}

func TestPingGetSet(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
			t.Fatalf("PING = %q, %v", got, err)
		}
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Fatalf("GET = %q, %v", got, err)
		}
		if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("GET missing: err = %v, want redis.Nil", err)
		}
	})
}
