//go:build !nocluster

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// proc is a larder process of the cluster test.
type proc struct {
	name string
	port int
	bus  int
	cmd  *exec.Cmd
	log  *os.File
	done chan error // receives the exit status
}

// startProc starts a larder process in dir on free ports, joining join (a
// member's "host:port@bus", empty to bootstrap), and waits until it serves.
// A port freePort picked can be taken before the process binds it (by
// another test's outgoing connection): then it starts again on other ports.
func startProc(t *testing.T, bin, dir, name, join string) *proc {
	t.Helper()
	for try := 1; ; try++ {
		p, inUse := tryStartProc(t, bin, dir, name, join)
		if p != nil {
			return p
		}
		if !inUse || try == 5 {
			b, _ := os.ReadFile(dir + "/" + name + ".log")
			t.Fatalf("%s did not start (try %d):\n%s", name, try, tail(b, 3000))
		}
		t.Logf("%s: a port was taken before it bound it; starting again", name)
	}
}

// tryStartProc is one attempt of startProc: it returns the process serving,
// or nil and whether it exited because an address was in use.
func tryStartProc(t *testing.T, bin, dir, name, join string) (_ *proc, inUse bool) {
	t.Helper()
	p := &proc{name: name, port: freePort(t), bus: freePort(t), done: make(chan error, 1)}
	args := []string{"--port", strconv.Itoa(p.port), "--cluster-port", strconv.Itoa(p.bus),
		"--cluster-gossip-port", strconv.Itoa(freePort(t)), "--loglevel", "notice"}
	if join != "" {
		args = append(args, "--join", join)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	var err error
	if p.log, err = os.Create(dir + "/" + name + ".log"); err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	c := redis.NewClient(&redis.Options{Addr: p.addr()})
	defer c.Close()
	deadline := time.Now().Add(60 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		select {
		case err := <-p.done:
			b, _ := os.ReadFile(p.log.Name())
			t.Logf("%s exited: %v", name, err)
			return nil, strings.Contains(string(b), "address already in use")
		default:
		}
		if time.Now().After(deadline) {
			p.cmd.Process.Kill()
			t.Logf("%s does not answer PING", name)
			return nil, false
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		if t.Failed() {
			b, _ := os.ReadFile(p.log.Name())
			t.Logf("%s log (last 3000 bytes):\n%s", name, tail(b, 3000))
		}
	})
	return p, false
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func (p *proc) addr() string     { return "127.0.0.1:" + strconv.Itoa(p.port) }
func (p *proc) joinAddr() string { return fmt.Sprintf("%s@%d", p.addr(), p.bus) }

// clusterState reads CLUSTER NODES from p (slots per node address) and
// INFO cluster (members and slots in migration across the cluster).
func clusterState(ctx context.Context, p *proc) (slots map[string]int, members, migrations int, err error) {
	c := redis.NewClient(&redis.Options{Addr: p.addr()})
	defer c.Close()
	s, err := c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, 0, 0, err
	}
	slots = map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		slots[addr] += 0
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") {
				continue
			}
			lo, hi, found := strings.Cut(r, "-")
			a, _ := strconv.Atoi(lo)
			b := a
			if found {
				b, _ = strconv.Atoi(hi)
			}
			slots[addr] += b - a + 1
		}
	}
	info, err := c.Info(ctx, "cluster").Result()
	if err != nil {
		return nil, 0, 0, err
	}
	members, migrations = -1, -1
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "cluster_members:"); ok {
			members, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(line, "cluster_migrations:"); ok {
			migrations, _ = strconv.Atoi(v)
		}
	}
	return slots, members, migrations, nil
}

// settle waits until every process in ps sees want members, each serving
// slots, and no slot in migration; it returns the slots per node.
func settle(t *testing.T, ps []*proc, want int, limit time.Duration) map[string]int {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	for {
		var last map[string]int
		ok := true
		for _, p := range ps {
			slots, members, migrations, err := clusterState(ctx, p)
			if err != nil || members != want || migrations != 0 || len(slots) != want {
				ok = false
				break
			}
			for _, n := range slots {
				if n == 0 {
					ok = false
				}
			}
			last = slots
		}
		if ok {
			return last
		}
		if time.Now().After(deadline) {
			s, members, migrations, err := clusterState(ctx, ps[0])
			t.Fatalf("cluster did not settle on %d members in %v: %v members=%d migrations=%d %v", want, limit, s, members, migrations, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestClusterProcessesJoinAndDrain is issue 5's acceptance test with real
// processes: three nodes formed with --join, 100K keys (half with TTLs)
// written through go-redis's ClusterClient, a read/write load kept up while
// a fourth node joins and one of the first three is stopped with SIGTERM.
// The client must see no error, no key may be lost and no TTL dropped.
func TestClusterProcessesJoinAndDrain(t *testing.T) {
	bin := buildLarder(t)
	dir := t.TempDir()
	n1 := startProc(t, bin, dir, "n1", "")
	n2 := startProc(t, bin, dir, "n2", n1.joinAddr())
	settle(t, []*proc{n1, n2}, 2, 60*time.Second)
	n3 := startProc(t, bin, dir, "n3", n1.joinAddr())
	procs := []*proc{n1, n2, n3}
	settle(t, procs, 3, 60*time.Second)

	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: []string{n1.addr(), n2.addr(), n3.addr()}, MaxRedirects: 16,
		ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
	})
	defer cc.Close()

	const keys = 100_000
	const ttl = time.Hour
	key := func(i int) string { return "key:" + strconv.Itoa(i) }
	val := func(i int) string { return "value-" + strconv.Itoa(i) }
	start := time.Now()
	for lo := 0; lo < keys; lo += 1000 {
		pipe := cc.Pipeline()
		for i := lo; i < lo+1000; i++ {
			var exp time.Duration
			if i%2 == 0 {
				exp = ttl
			}
			pipe.Set(ctx, key(i), val(i), exp)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("writing keys %d..: %v", lo, err)
		}
	}
	t.Logf("wrote %d keys in %v", keys, time.Since(start).Round(time.Millisecond))

	// The load: writers own disjoint counters and remember the last value
	// acknowledged; readers check the keys written above.
	var loadErr atomic.Pointer[error]
	var ops atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const writers = 4
	acked := make([][]int, writers)
	for w := range writers {
		acked[w] = make([]int, 500)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				k := rand.IntN(len(acked[w]))
				if err := cc.Set(ctx, fmt.Sprintf("load:%d:%d", w, k), n, 0).Err(); err != nil {
					loadErr.CompareAndSwap(nil, &err)
					return
				}
				acked[w][k] = n
				ops.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := rand.IntN(keys)
				v, err := cc.Get(ctx, key(i)).Result()
				if err == nil && v != val(i) {
					err = fmt.Errorf("GET %s = %q, want %q", key(i), v, val(i))
				}
				if err != nil {
					err = fmt.Errorf("GET %s: %w", key(i), err)
					loadErr.CompareAndSwap(nil, &err)
					return
				}
				ops.Add(1)
			}
		}()
	}

	before, _, _, _ := clusterState(ctx, n1)
	joinStart := time.Now()
	n4 := startProc(t, bin, dir, "n4", n1.joinAddr())
	procs = append(procs, n4)
	afterJoin := settle(t, procs, 4, 120*time.Second)
	joinTook := time.Since(joinStart)
	moved := afterJoin[n4.addr()]
	t.Logf("join: %d slots (%.1f%%) moved to the new node in %v; slots per node %v (before %v)",
		moved, 100*float64(moved)/16384, joinTook.Round(time.Millisecond), afterJoin, before)
	if lo, hi := 16384/4-16384/4/50, 16384/4+16384/4/50+1; moved < lo || moved > hi {
		t.Errorf("the new node got %d slots, want %d..%d", moved, lo, hi)
	}

	drainStart := time.Now()
	if err := n2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-n2.done:
		if err != nil {
			t.Errorf("n2 exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(120 * time.Second):
		t.Fatal("n2 did not exit within 120 s of SIGTERM")
	}
	rest := []*proc{n1, n3, n4}
	afterDrain := settle(t, rest, 3, 60*time.Second)
	t.Logf("drain: n2 handed its slots over and exited in %v; slots per node %v",
		time.Since(drainStart).Round(time.Millisecond), afterDrain)

	time.Sleep(500 * time.Millisecond) // the load runs on the final layout too
	close(stop)
	wg.Wait()
	if p := loadErr.Load(); p != nil {
		t.Fatalf("the client saw an error during the load: %v", *p)
	}
	t.Logf("load: %d commands without error", ops.Load())

	// Nothing lost, no TTL dropped, no acknowledged write lost.
	for lo := 0; lo < keys; lo += 1000 {
		pipe := cc.Pipeline()
		gets := make([]*redis.StringCmd, 0, 1000)
		ttls := make([]*redis.DurationCmd, 0, 1000)
		for i := lo; i < lo+1000; i++ {
			gets = append(gets, pipe.Get(ctx, key(i)))
			ttls = append(ttls, pipe.PTTL(ctx, key(i)))
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			t.Fatalf("reading keys %d..: %v", lo, err)
		}
		for j := range gets {
			i := lo + j
			if v, err := gets[j].Result(); err != nil || v != val(i) {
				t.Fatalf("%s = %q, %v after the join and drain, want %q", key(i), v, err, val(i))
			}
			d := ttls[j].Val()
			if i%2 == 0 && (d <= 0 || d > ttl) {
				t.Fatalf("%s: PTTL %v, want its TTL of up to %v kept", key(i), d, ttl)
			}
			if i%2 == 1 && d != -1 {
				t.Fatalf("%s: PTTL %v, want none (-1)", key(i), d)
			}
		}
	}
	for w := range writers {
		for k, n := range acked[w] {
			if n == 0 {
				continue
			}
			got, err := cc.Get(ctx, fmt.Sprintf("load:%d:%d", w, k)).Int()
			if err != nil || got != n {
				t.Fatalf("load:%d:%d = %d, %v; the last acknowledged write was %d", w, k, got, err, n)
			}
		}
	}
}
