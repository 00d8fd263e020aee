package command_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// blockedClients returns INFO's blocked_clients.
func blockedClients(t *testing.T, c *redis.Client) string {
	t.Helper()
	info, err := c.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "blocked_clients:"); ok {
			return v
		}
	}
	t.Fatal("no blocked_clients in INFO")
	return ""
}

// waitBlocked polls until n clients are blocked, or fails after 5 seconds.
func waitBlocked(t *testing.T, c *redis.Client, n string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for blockedClients(t, c) != n {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients = %s, want %s", blockedClients(t, c), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// result is the outcome of a command run in the background.
type result struct {
	val any
	err error
}

// goDo runs a raw command on its own connection in the background; its
// outcome arrives on the returned channel.
func goDo(t *testing.T, n *larder.Node, proto int, args ...any) <-chan result {
	c := newClient(t, n, proto)
	ch := make(chan result, 1)
	go func() {
		v, err := c.Do(context.Background(), args...).Result()
		ch <- result{v, err}
	}()
	return ch
}

// recv waits for a background outcome.
func recv(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("blocked command never returned")
		return result{}
	}
}

func eachProto(t *testing.T, f func(t *testing.T, proto int)) {
	for _, proto := range []int{2, 3} {
		t.Run(map[int]string{2: "resp2", 3: "resp3"}[proto], func(t *testing.T) { f(t, proto) })
	}
}

// TestBlockingFIFO blocks several clients on one key and checks that a
// push serves them in the order they blocked, one element each.
func TestBlockingFIFO(t *testing.T) {
	eachProto(t, func(t *testing.T, proto int) {
		n := startNode(t, nil)
		c := newClient(t, n, proto)
		ctx := context.Background()
		var chans []<-chan result
		for i, cmd := range [][]any{
			{"BLPOP", "q", "0"},
			{"BRPOP", "other", "q", "0"},
			{"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2"},
			{"BLMOVE", "q", "dst", "LEFT", "RIGHT", "0"},
		} {
			chans = append(chans, goDo(t, n, proto, cmd...))
			waitBlocked(t, c, string(rune('1'+i)))
		}
		if err := c.RPush(ctx, "q", "a", "b", "c", "d", "e", "f").Err(); err != nil {
			t.Fatal(err)
		}
		want := []string{"[q a]", "[q f]", "[q [b c]]", "d"}
		for i, ch := range chans {
			r := recv(t, ch)
			if r.err != nil || strings.Trim(strings.ReplaceAll(fmtAny(r.val), "  ", " "), " ") != want[i] {
				t.Fatalf("waiter %d got %v, %v; want %s", i, r.val, r.err, want[i])
			}
		}
		if got, _ := c.LRange(ctx, "q", 0, -1).Result(); strings.Join(got, ",") != "e" {
			t.Fatalf("left in q: %v", got)
		}
		if got, _ := c.LRange(ctx, "dst", 0, -1).Result(); strings.Join(got, ",") != "d" {
			t.Fatalf("dst: %v", got)
		}
		waitBlocked(t, c, "0")
	})
}

// fmtAny prints a go-redis reply as nested brackets.
func fmtAny(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmtAny(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case string:
		return x
	case nil:
		return "nil"
	}
	return "?"
}

// TestBlockingTimeouts checks fractional timeouts, a timeout of 0 that
// waits until served, and the null replies of each command.
func TestBlockingTimeouts(t *testing.T) {
	eachProto(t, func(t *testing.T, proto int) {
		n := startNode(t, nil)
		c := newClient(t, n, proto)
		ctx := context.Background()
		for _, cmd := range [][]any{
			{"BLPOP", "a", "b", "0.05"},
			{"BRPOP", "a", "0.001"},
			{"BLMPOP", "0.05", "2", "a", "b", "RIGHT"},
			{"BLMOVE", "a", "b", "LEFT", "LEFT", "0.05"},
			{"BRPOPLPUSH", "a", "b", "0.05"},
		} {
			start := time.Now()
			_, err := c.Do(ctx, cmd...).Result()
			if err != redis.Nil {
				t.Fatalf("%v: err = %v, want nil reply", cmd, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("%v took %v", cmd, d)
			}
		}
		start := time.Now()
		if _, err := c.Do(ctx, "BLPOP", "a", "0.2").Result(); err != redis.Nil || time.Since(start) < 150*time.Millisecond {
			t.Fatalf("BLPOP 0.2 returned after %v (%v)", time.Since(start), err)
		}
		ch := goDo(t, n, proto, "BLPOP", "forever", "0")
		waitBlocked(t, c, "1")
		time.Sleep(100 * time.Millisecond)
		select {
		case r := <-ch:
			t.Fatalf("BLPOP with timeout 0 returned %v", r)
		default:
		}
		c.LPush(ctx, "forever", "x")
		if r := recv(t, ch); r.err != nil || fmtAny(r.val) != "[forever x]" {
			t.Fatalf("BLPOP served %v, %v", r.val, r.err)
		}
		if n, _ := c.Exists(ctx, "forever").Result(); n != 0 {
			t.Fatal("served key not deleted")
		}
	})
}

// TestBlockingDisconnect closes a blocked client's connection: it must
// leave the queue, so that a later push stays in the list.
func TestBlockingDisconnect(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	w := connDial(t, n)
	w.send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
	waitBlocked(t, c, "1")
	w.nc.Close()
	waitBlocked(t, c, "0")
	if err := c.RPush(ctx, "q", "kept").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.LRange(ctx, "q", 0, -1).Result(); strings.Join(got, ",") != "kept" {
		t.Fatalf("after the push: %v", got)
	}
	// A second waiter behind a vanished one is served.
	w2 := connDial(t, n)
	c.Del(ctx, "q")
	w2.send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
	waitBlocked(t, c, "1")
	ch := goDo(t, n, 2, "BLPOP", "q", "0")
	waitBlocked(t, c, "2")
	w2.nc.Close()
	waitBlocked(t, c, "1")
	c.RPush(ctx, "q", "v")
	if r := recv(t, ch); r.err != nil || fmtAny(r.val) != "[q v]" {
		t.Fatalf("second waiter got %v, %v", r.val, r.err)
	}
}

// TestBlockingPipelined sends a command behind a blocking one: the second
// runs once the first is served.
func TestBlockingPipelined(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	w := connDial(t, n)
	w.send("*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
	waitBlocked(t, c, "1")
	c.RPush(context.Background(), "q", "x")
	if got := w.read().String(); got != `*[$"q" $"x"]` {
		t.Fatalf("BLPOP = %s", got)
	}
	if got := w.read().String(); got != `+"PONG"` {
		t.Fatalf("PING = %s", got)
	}
}

// TestClientUnblock wakes blocked clients with CLIENT UNBLOCK, as on a
// timeout and with the UNBLOCKED error.
func TestClientUnblock(t *testing.T) {
	eachProto(t, func(t *testing.T, proto int) {
		n := startNode(t, nil)
		c := newClient(t, n, proto)
		ctx := context.Background()
		for _, mode := range []string{"", "TIMEOUT", "ERROR"} {
			bc := newClient(t, n, proto)
			id, err := bc.ClientID(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			ch := make(chan result, 1)
			go func() {
				v, err := bc.Do(ctx, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0").Result()
				ch <- result{v, err}
			}()
			waitBlocked(t, c, "1")
			list, _ := c.ClientList(ctx).Result()
			if !strings.Contains(list, "flags=b") || !strings.Contains(list, "cmd=blmove") {
				t.Fatalf("CLIENT LIST while blocked:\n%s", list)
			}
			args := []any{"CLIENT", "UNBLOCK", id}
			if mode != "" {
				args = append(args, mode)
			}
			if got, err := c.Do(ctx, args...).Int(); err != nil || got != 1 {
				t.Fatalf("CLIENT UNBLOCK = %d, %v", got, err)
			}
			r := recv(t, ch)
			if mode == "ERROR" {
				if r.err == nil || r.err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK" {
					t.Fatalf("unblocked with error: %v", r.err)
				}
			} else if r.err != redis.Nil {
				t.Fatalf("unblocked as timeout: %v, %v", r.val, r.err)
			}
			if got, _ := c.Do(ctx, "CLIENT", "UNBLOCK", id).Int(); got != 0 {
				t.Fatal("CLIENT UNBLOCK of a client no longer blocked replied 1")
			}
		}
		// The list and its waiters still work afterwards.
		ch := goDo(t, n, proto, "BLPOP", "src", "0")
		waitBlocked(t, c, "1")
		c.RPush(ctx, "src", "x")
		if r := recv(t, ch); r.err != nil {
			t.Fatal(r.err)
		}
	})
}

// TestBlockingWrongDestination serves a BRPOPLPUSH whose destination
// became a string while it waited: WRONGTYPE, the element stays in the
// source for the next waiter, in order.
func TestBlockingWrongDestination(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	c.Set(ctx, "t1{x}", "string", 0)
	bad := goDo(t, n, 2, "BRPOPLPUSH", "src{x}", "t1{x}", "0")
	waitBlocked(t, c, "1")
	good := goDo(t, n, 2, "BRPOPLPUSH", "src{x}", "t2{x}", "0")
	waitBlocked(t, c, "2")
	c.RPush(ctx, "src{x}", "a", "b", "c")
	if r := recv(t, bad); r.err == nil || !strings.HasPrefix(r.err.Error(), "WRONGTYPE") {
		t.Fatalf("first waiter: %v, %v", r.val, r.err)
	}
	if r := recv(t, good); r.err != nil || r.val != "c" {
		t.Fatalf("second waiter: %v, %v", r.val, r.err)
	}
	if got, _ := c.LRange(ctx, "src{x}", 0, -1).Result(); strings.Join(got, ",") != "a,b" {
		t.Fatalf("source after: %v", got)
	}
	// The destination changes type while the client waits.
	c.Del(ctx, "src{x}", "t1{x}")
	ch := goDo(t, n, 2, "BLMOVE", "src{x}", "t1{x}", "LEFT", "LEFT", "0")
	waitBlocked(t, c, "1")
	c.SAdd(ctx, "t1{x}", "member")
	c.RPush(ctx, "src{x}", "z")
	if r := recv(t, ch); r.err == nil || !strings.HasPrefix(r.err.Error(), "WRONGTYPE") {
		t.Fatalf("BLMOVE onto a set: %v, %v", r.val, r.err)
	}
	if got, _ := c.LRange(ctx, "src{x}", 0, -1).Result(); strings.Join(got, ",") != "z" {
		t.Fatalf("source after: %v", got)
	}
}

// TestBlockingChains serves clients blocked on a BLMOVE destination
// (linked and circular moves) and pushes made inside MULTI/EXEC.
func TestBlockingChains(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	first := goDo(t, n, 2, "BLMOVE", "l1{t}", "l2{t}", "RIGHT", "LEFT", "0")
	waitBlocked(t, c, "1")
	second := goDo(t, n, 2, "BLPOP", "l2{t}", "0")
	waitBlocked(t, c, "2")
	c.RPush(ctx, "l1{t}", "foo")
	if r := recv(t, first); r.val != "foo" {
		t.Fatalf("BLMOVE: %v, %v", r.val, r.err)
	}
	if r := recv(t, second); fmtAny(r.val) != "[l2{t} foo]" {
		t.Fatalf("BLPOP on the destination: %v, %v", r.val, r.err)
	}
	if n, _ := c.Exists(ctx, "l1{t}", "l2{t}").Result(); n != 0 {
		t.Fatalf("%d keys left", n)
	}

	// Circular: each moves into the other's source; the element ends where it started.
	a := goDo(t, n, 2, "BRPOPLPUSH", "c1{t}", "c2{t}", "0")
	waitBlocked(t, c, "1")
	b := goDo(t, n, 2, "BRPOPLPUSH", "c2{t}", "c1{t}", "0")
	waitBlocked(t, c, "2")
	c.RPush(ctx, "c1{t}", "x")
	recv(t, a)
	recv(t, b)
	if got, _ := c.LRange(ctx, "c1{t}", 0, -1).Result(); strings.Join(got, ",") != "x" {
		t.Fatalf("circular: c1 = %v", got)
	}

	// MULTI: pushes then a delete leave the client blocked; the last push serves it.
	m := goDo(t, n, 2, "BLPOP", "m", "0")
	waitBlocked(t, c, "1")
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, "m", "a")
		p.Del(ctx, "m")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if blockedClients(t, c) != "1" {
		t.Fatal("served from a key deleted in the same transaction")
	}
	_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, "m", "a")
		p.LPush(ctx, "m", "b")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := recv(t, m); fmtAny(r.val) != "[m b]" {
		t.Fatalf("after EXEC: %v, %v", r.val, r.err)
	}
}

// TestBlockingRename serves a client when its key appears by RENAME.
func TestBlockingRename(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	ch := goDo(t, n, 2, "BLPOP", "foo{t}", "0")
	waitBlocked(t, c, "1")
	c.RPush(ctx, "bob{t}", "a", "b")
	c.Rename(ctx, "bob{t}", "foo{t}")
	if r := recv(t, ch); fmtAny(r.val) != "[foo{t} a]" {
		t.Fatalf("BLPOP = %v, %v", r.val, r.err)
	}
}

// TestBlockingRace has many clients pop concurrently, some blocked and
// some not, while others push: every element is delivered exactly once.
func TestBlockingRace(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	const workers, perWorker = 8, 50
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := redis.NewClient(&redis.Options{Addr: n.Addr().String(), PoolSize: 1, MaxRetries: -1})
			defer pc.Close()
			for range perWorker {
				var v string
				var err error
				if i%2 == 0 {
					var kv []string
					kv, err = pc.BLPop(ctx, 3*time.Second, "r1", "r2").Result()
					if err == nil {
						v = kv[1]
					}
				} else {
					// go-redis rounds timeouts under a second up: send it raw.
					_, err = pc.Do(ctx, "BLMOVE", "r2", "r1", "RIGHT", "LEFT", "0.02").Result()
					if err == nil {
						continue // moved, not consumed
					}
				}
				if err != nil && !errors.Is(err, redis.Nil) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					seen[v]++
					mu.Unlock()
				}
			}
		}()
	}
	for i := range workers * perWorker / 2 {
		key := "r1"
		if i%3 == 0 {
			key = "r2"
		}
		if err := c.RPush(ctx, key, i).Err(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	left, _ := c.LRange(ctx, "r1", 0, -1).Result()
	left2, _ := c.LRange(ctx, "r2", 0, -1).Result()
	for _, v := range append(left, left2...) {
		seen[v]++
	}
	for v, k := range seen {
		if k != 1 {
			t.Fatalf("element %s delivered %d times", v, k)
		}
	}
	if len(seen) != workers*perWorker/2 {
		t.Fatalf("%d distinct elements, want %d", len(seen), workers*perWorker/2)
	}
}

// TestBlockingNodeClose closes a node while a client waits: Close returns
// and the client sees its connection end.
func TestBlockingNodeClose(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ch := goDo(t, n, 2, "BLPOP", "q", "0")
	waitBlocked(t, c, "1")
	done := make(chan struct{})
	go func() {
		n.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs with a blocked client")
	}
	if r := recv(t, ch); r.err == nil {
		t.Fatalf("blocked client got %v after Close", r.val)
	}
}
