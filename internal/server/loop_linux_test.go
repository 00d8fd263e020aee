package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/server"
	"github.com/redis/go-redis/v9"
)

// loopModes are the io-loops settings of the event-loop tests.
var loopModes = []string{"1", "2"}

// eachLoopMode runs test once per event-loop setting.
func eachLoopMode(t *testing.T, test func(t *testing.T, loops string)) {
	for _, m := range loopModes {
		t.Run("io-loops="+m, func(t *testing.T) { test(t, m) })
	}
}

// readLine reads one reply line and fails the test on an error.
func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, line)
	}
	return line
}

// expectLine reads one reply line and compares it with want.
func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	if got := readLine(t, r); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLoopPipelining(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		c, r := rawConn(t, n)
		var b strings.Builder
		for i := range 1000 {
			fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n", len(strconv.Itoa(i))+1, i)
			b.WriteString("INCR counter\r\n")
		}
		io.WriteString(c, b.String())
		for i := range 1000 {
			expectLine(t, r, "+OK\r\n")
			expectLine(t, r, ":"+strconv.Itoa(i+1)+"\r\n")
		}
		healthy(t, n)
	})
}

func TestLoopCommandSplitAcrossPackets(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		c, r := rawConn(t, n)
		parts := []string{"*3\r\n$3\r\nSE", "T\r\n$1\r\na\r\n$1", "\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r", "\na\r\nPI", "NG\r\n"}
		for _, p := range parts {
			io.WriteString(c, p)
			time.Sleep(20 * time.Millisecond)
		}
		expectLine(t, r, "+OK\r\n")
		expectLine(t, r, "$1\r\n")
		expectLine(t, r, "1\r\n")
		expectLine(t, r, "+PONG\r\n")
	})
}

func TestLoopLargeReplyHandsOff(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		big := strings.Repeat("x", 8<<20)
		c, r := rawConn(t, n)
		fmt.Fprintf(c, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%s\r\n", len(big), big)
		expectLine(t, r, "+OK\r\n")
		// Several replies far bigger than the socket buffer, read late.
		io.WriteString(c, "GET big\r\nGET big\r\nGET big\r\nPING\r\n")
		time.Sleep(100 * time.Millisecond)
		healthy(t, n) // the loop is not stuck on the slow reader
		for range 3 {
			expectLine(t, r, fmt.Sprintf("$%d\r\n", len(big)))
			got := make([]byte, len(big)+2)
			if _, err := io.ReadFull(r, got); err != nil {
				t.Fatal(err)
			}
			if string(got[:len(big)]) != big || string(got[len(big):]) != "\r\n" {
				t.Fatal("big reply corrupted")
			}
		}
		expectLine(t, r, "+PONG\r\n")
		io.WriteString(c, "STRLEN big\r\n")
		expectLine(t, r, fmt.Sprintf(":%d\r\n", len(big)))
	})
}

func TestLoopBlockingCommandHandsOff(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		c, r := rawConn(t, n)
		io.WriteString(c, "SET before 1\r\nBLPOP q 5\r\n")
		expectLine(t, r, "+OK\r\n")
		time.Sleep(50 * time.Millisecond)
		healthy(t, n)
		p, pr := rawConn(t, n)
		io.WriteString(p, "LPUSH q hello\r\n")
		expectLine(t, pr, ":1\r\n")
		expectLine(t, r, "*2\r\n")
		expectLine(t, r, "$1\r\n")
		expectLine(t, r, "q\r\n")
		expectLine(t, r, "$5\r\n")
		expectLine(t, r, "hello\r\n")
		io.WriteString(c, "GET before\r\n")
		expectLine(t, r, "$1\r\n")
		expectLine(t, r, "1\r\n")
	})
}

func TestLoopSubscribeHandsOff(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		c, r := rawConn(t, n)
		io.WriteString(c, "PING\r\nSUBSCRIBE news\r\n")
		expectLine(t, r, "+PONG\r\n")
		for _, want := range []string{"*3\r\n", "$9\r\n", "subscribe\r\n", "$4\r\n", "news\r\n", ":1\r\n"} {
			expectLine(t, r, want)
		}
		p, pr := rawConn(t, n)
		io.WriteString(p, "PUBLISH news hi\r\n")
		expectLine(t, pr, ":1\r\n")
		for _, want := range []string{"*3\r\n", "$7\r\n", "message\r\n", "$4\r\n", "news\r\n", "$2\r\n", "hi\r\n"} {
			expectLine(t, r, want)
		}
	})
}

func TestLoopClientKill(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		victim, vr := rawConn(t, n)
		io.WriteString(victim, "CLIENT ID\r\n")
		id := strings.TrimSpace(strings.TrimPrefix(readLine(t, vr), ":"))
		// Both from another connection (perhaps another loop) and of itself.
		k, kr := rawConn(t, n)
		io.WriteString(k, "CLIENT KILL ID "+id+"\r\n")
		expectLine(t, kr, ":1\r\n")
		expectClosed(t, vr)
		io.WriteString(k, "CLIENT KILL ID "+id+"\r\n")
		expectLine(t, kr, ":0\r\n")
		io.WriteString(k, "CLIENT ID\r\n")
		self := strings.TrimSpace(strings.TrimPrefix(readLine(t, kr), ":"))
		io.WriteString(k, "CLIENT KILL ID "+self+" SKIPME no\r\n")
		expectLine(t, kr, ":1\r\n")
		expectClosed(t, kr)
		healthy(t, n)
	})
}

func TestLoopShutdownClosesEveryClient(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		var readers []*bufio.Reader
		for i := range 10 {
			c, r := rawConn(t, n)
			io.WriteString(c, "SET k"+strconv.Itoa(i)+" v\r\n")
			expectLine(t, r, "+OK\r\n")
			readers = append(readers, r)
		}
		blocked, br := rawConn(t, n)
		io.WriteString(blocked, "BLPOP nothing 0\r\n")
		half, _ := rawConn(t, n)
		io.WriteString(half, "*2\r\n$3\r\nGET")
		time.Sleep(50 * time.Millisecond)
		start := time.Now()
		if err := n.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Close took %v", d)
		}
		for _, r := range readers {
			expectClosed(t, r)
		}
		io.ReadAll(br)
	})
}

func TestLoopIdleTimeout(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, map[string]string{"timeout": "1"})
		c, r := rawConn(t, n)
		io.WriteString(c, "PING\r\n")
		expectLine(t, r, "+PONG\r\n")
		start := time.Now()
		expectClosed(t, r)
		if d := time.Since(start); d < 800*time.Millisecond || d > 3*time.Second {
			t.Fatalf("idle client closed after %v, want about 1s", d)
		}
	})
}

func TestLoopStats(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, nil)
		c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
		defer c.Close()
		ctx := context.Background()
		stat := func(name string) int64 {
			info, err := c.Info(ctx, "stats").Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(info, "\r\n") {
				if v, ok := strings.CutPrefix(line, name+":"); ok {
					n, _ := strconv.ParseInt(v, 10, 64)
					return n
				}
			}
			t.Fatalf("no %s in INFO", name)
			return 0
		}
		in, out, conns := stat("total_net_input_bytes"), stat("total_net_output_bytes"), stat("total_connections_received")
		val := strings.Repeat("v", 10000)
		if err := c.Set(ctx, "k", val, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, "k").Result(); err != nil {
			t.Fatal(err)
		}
		healthy(t, n)
		if d := stat("total_net_input_bytes") - in; d < 10000 {
			t.Errorf("input bytes grew by %d", d)
		}
		if d := stat("total_net_output_bytes") - out; d < 10000 {
			t.Errorf("output bytes grew by %d", d)
		}
		if d := stat("total_connections_received") - conns; d != 1 {
			t.Errorf("connections received grew by %d, want 1", d)
		}
	})
}

// TestLoopSleepingLetsRuntimeStop checks that an event loop asleep in epoll_wait
// (keeping its P when the loops leave other Ps free) does not hold up a
// stop-the-world until its wake-up tick: the runtime's preemption signal
// interrupts the wait. A loop that held the world for its tick (100 ms, a
// random phase) would make the median collection take about 50 ms; a small
// heap's takes about a millisecond.
func TestLoopSleepingLetsRuntimeStop(t *testing.T) {
	for _, keep := range []string{"yes", "no"} {
		t.Run("io-loops-keep-p="+keep, func(t *testing.T) {
			// A loop that held up the stop would hold it until its sleep ends:
			// 1 s on median at a tick of 2 s, far above what a loaded machine
			// adds to a collection.
			t.Cleanup(server.SetLoopTick(2 * time.Second))
			n := startNode(t, "1", map[string]string{"io-loops-keep-p": keep})
			c, r := rawConn(t, n)
			io.WriteString(c, "PING\r\n")
			expectLine(t, r, "+PONG\r\n")
			var took []time.Duration
			for range 7 {
				time.Sleep(20 * time.Millisecond) // the loop is asleep in epoll_wait
				start := time.Now()
				runtime.GC()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			if med := took[len(took)/2]; med > 250*time.Millisecond {
				t.Fatalf("median collection with the loop asleep took %v (all: %v); the loop holds up stop-the-world", med, took)
			}
			t.Logf("GOMAXPROCS=%d, collections with the loop asleep: %v", runtime.GOMAXPROCS(0), took)
			io.WriteString(c, "PING\r\n")
			expectLine(t, r, "+PONG\r\n")
			healthy(t, n)
		})
	}
}

// TestLoopYieldingP serves pipelined and single commands from go-redis
// clients on event loops that sleep through the scheduler.
func TestLoopYieldingP(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, map[string]string{"io-loops-keep-p": "no"})
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true, PoolSize: 4})
		t.Cleanup(func() { rdb.Close() })
		p := rdb.Pipeline()
		for i := range 200 {
			p.Set(ctx, "k"+strconv.Itoa(i), i, 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			if got, err := rdb.Get(ctx, "k"+strconv.Itoa(i)).Int(); err != nil || got != i {
				t.Fatalf("GET k%d = %d, %v; want %d", i, got, err, i)
			}
		}
		if got := rdb.ConfigGet(ctx, "io-loops-keep-p").Val()["io-loops-keep-p"]; got != "no" {
			t.Errorf("CONFIG GET io-loops-keep-p = %q, want no", got)
		}
		healthy(t, n)
	})
}

// TestLoopSpin serves pipelined and single commands with event loops that
// poll before they sleep (io-loops-spin-us), and checks that a loop spins only
// after serving: a node left idle must not burn CPU, with a spin long enough
// that polling between idle wake-ups would show.
func TestLoopSpin(t *testing.T) {
	eachLoopMode(t, func(t *testing.T, loops string) {
		n := startNode(t, loops, map[string]string{"io-loops-spin-us": "5000"})
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true, PoolSize: 4})
		t.Cleanup(func() { rdb.Close() })
		p := rdb.Pipeline()
		for i := range 300 {
			p.RPush(ctx, "l", i)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 300 {
			if got, err := rdb.LPop(ctx, "l").Int(); err != nil || got != i {
				t.Fatalf("LPOP = %d, %v; want %d", got, err, i)
			}
		}
		if got := rdb.ConfigGet(ctx, "io-loops-spin-us").Val()["io-loops-spin-us"]; got != "5000" {
			t.Errorf("CONFIG GET io-loops-spin-us = %q, want 5000", got)
		}

		time.Sleep(50 * time.Millisecond) // past the last spin
		before := cpuTime(t)
		time.Sleep(500 * time.Millisecond)
		// Idle, the loops wake every 100 ms (loopTick): spinning 5 ms after
		// each would cost 25-50 ms here; not spinning costs next to nothing.
		if used := cpuTime(t) - before; used > 20*time.Millisecond {
			t.Errorf("an idle node used %v of CPU in 500 ms: its loops spin without clients", used)
		}
		healthy(t, n)
	})
}

// cpuTime is the CPU time (user and system) the test process has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
