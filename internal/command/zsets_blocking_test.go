package command_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// zwaitBlocked polls INFO until n clients are blocked.
func zwaitBlocked(t *testing.T, ctx context.Context, c *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d", n)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		info, err := c.Info(ctx, "clients").Result()
		if err == nil && strings.Contains(info, want) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("never saw %s", want)
}

// zbg runs a command on its own client in the background and returns a
// channel with its rendered reply.
func zbg(ctx context.Context, c *redis.Client, args ...any) <-chan string {
	ch := make(chan string, 1)
	go func() { ch <- zshow(c.Do(ctx, args...).Result()) }()
	return ch
}

func zrecv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("blocked client never answered")
		return ""
	}
}

func TestBZPopServesWaitersInOrder(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			n := startNode(t, nil)
			ctx := context.Background()
			c := newClient(t, n, proto)
			w1, w2, w3 := newClient(t, n, proto), newClient(t, n, proto), newClient(t, n, proto)
			r1 := zbg(ctx, w1, "BZPOPMIN", "k1{t}", "k2{t}", "0")
			zwaitBlocked(t, ctx, c, 1)
			r2 := zbg(ctx, w2, "BZPOPMAX", "k2{t}", "0")
			zwaitBlocked(t, ctx, c, 2)
			r3 := zbg(ctx, w3, "BZMPOP", "0", "1", "k2{t}", "MIN", "COUNT", "5")
			zwaitBlocked(t, ctx, c, 3)
			if err := c.ZAdd(ctx, "k2{t}", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"},
				redis.Z{Score: 3, Member: "c"}, redis.Z{Score: 4, Member: "d"}).Err(); err != nil {
				t.Fatal(err)
			}
			if got := zrecv(t, r1); got != "[k2{t} a 1]" {
				t.Fatalf("first waiter got %s", got)
			}
			if got := zrecv(t, r2); got != "[k2{t} d 4]" {
				t.Fatalf("second waiter got %s", got)
			}
			if got := zrecv(t, r3); got != "[k2{t} [[b 2] [c 3]]]" {
				t.Fatalf("third waiter got %s", got)
			}
			if got := zshow(do(ctx, c, "EXISTS", "k2{t}")); got != "0" {
				t.Fatalf("key left behind: %s", got)
			}
		})
	}
}

func TestBZPopTimeoutsAndErrors(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"BZPOPMIN none 0.01", "nil", ""},
			{"BZMPOP 0.01 1 none MAX", "nil", ""},
			{"ZADD z 1 a 2 b", "2", ""},
			{"BZPOPMAX none z 0", "[z b 2]", ""},
			{"BZMPOP 0 2 none z MIN COUNT 3", "[z [[a 1]]]", ""},
			{"BZPOPMIN z -1", "ERR timeout is negative", ""},
			{"BZPOPMIN z x", "ERR timeout is not a float or out of range", ""},
			{"BZMPOP 0 0 z MIN", "ERR numkeys should be greater than 0", ""},
			{"BZMPOP 0 1 z MIN COUNT 0", "ERR count should be greater than 0", ""},
			{"BZMPOP x 1 z MIN", "ERR timeout is not a float or out of range", ""},
			{"SET s v", "OK", ""},
			{"BZPOPMIN s 0", errWrongType, ""},
			{"BZMPOP 0 1 s MIN", errWrongType, ""},
		})
	})
}

// TestBZPopWakesOnStore checks that a store command creating the key
// serves a waiter, and that a key deleted before the waiter runs does not.
func TestBZPopWakesOnStore(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c, w := newClient(t, n, 2), newClient(t, n, 2)
	r := zbg(ctx, w, "BZPOPMIN", "dst{t}", "0")
	zwaitBlocked(t, ctx, c, 1)
	c.ZAdd(ctx, "src{t}", redis.Z{Score: 7, Member: "m"})
	if err := c.ZUnionStore(ctx, "dst{t}", &redis.ZStore{Keys: []string{"src{t}"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := zrecv(t, r); got != "[dst{t} m 7]" {
		t.Fatalf("waiter got %s", got)
	}
	r = zbg(ctx, w, "BZPOPMIN", "dst{t}", "0.2")
	zwaitBlocked(t, ctx, c, 1)
	pipe := c.TxPipeline()
	pipe.ZAdd(ctx, "dst{t}", redis.Z{Score: 1, Member: "x"})
	pipe.Del(ctx, "dst{t}")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := zrecv(t, r); got != "nil" {
		t.Fatalf("waiter served from a deleted key: %s", got)
	}
}
