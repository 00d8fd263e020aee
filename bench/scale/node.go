package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// runNode is -mode node: a node alone in this process, serving on 127.0.0.1:-port until
// SIGTERM or SIGINT. It is the child that -mode gc starts unless -node-bin names a larder
// binary. SIGUSR1 starts an execution trace into -trace, SIGUSR2 stops it; -cpuprofile
// profiles the node from its start to SIGTERM.
func runNode(c *config) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)))
	if err != nil {
		return err
	}
	settings := map[string]string{"hz": fmt.Sprint(c.hz)}
	for k, v := range nodeSettings(c.set) {
		settings[k] = v
	}
	n, err := larder.Open(&larder.Options{Listener: ln, Settings: settings})
	if err != nil {
		ln.Close()
		return err
	}
	defer n.Close()
	defer startProfile(c)() // the node's whole life, stopped before it closes
	if c.gcEvery > 0 {
		// A collection on a timer, as the runtime's own every 2 minutes, to have many in
		// a run: the node allocates too little for its heap goal to start them.
		t := time.NewTicker(c.gcEvery)
		done := make(chan struct{})
		defer func() { t.Stop(); close(done) }()
		go func() {
			for {
				select {
				case <-t.C:
					runtime.GC()
				case <-done:
					return
				}
			}
		}()
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2)
	var tf *os.File
	for s := range sig {
		switch s {
		case syscall.SIGUSR1:
			if tf != nil || c.trace == "" {
				continue
			}
			if tf, err = os.Create(c.trace); err != nil {
				return err
			}
			if err := trace.Start(tf); err != nil {
				return err
			}
		case syscall.SIGUSR2:
			if tf != nil {
				trace.Stop()
				tf.Close()
				tf = nil
			}
		default:
			if tf != nil {
				trace.Stop()
				tf.Close()
			}
			return nil
		}
	}
	return nil
}

// nodeSettings parses -set: "name=value,...".
func nodeSettings(set string) map[string]string {
	m := map[string]string{}
	for kv := range strings.SplitSeq(set, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// child is a node running in a process of its own, with the runtime's gctrace lines read
// from its standard error.
type child struct {
	cmd  *exec.Cmd
	addr string
	tr   *gcTracer
}

// startChild starts the node process: -node-bin with --port and --hz, or this program in
// -mode node; with GODEBUG=gctrace=1, if -node-gogc is set, that GOGC, and if -node-nice is
// set, through nice(1).
func startChild(c *config) (*child, error) {
	var cmd *exec.Cmd
	port := strconv.Itoa(c.port)
	if c.nodeBin != "" {
		args := []string{"--port", port, "--hz", strconv.Itoa(c.hz), "--loglevel", "warning"}
		for k, v := range nodeSettings(c.set) {
			args = append(args, "--"+k, v)
		}
		cmd = exec.Command(c.nodeBin, args...)
	} else {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(exe, "-mode", "node", "-port", port, "-hz", strconv.Itoa(c.hz), "-trace", c.trace,
			"-gc-every", c.gcEvery.String(), "-set", c.set, "-cpuprofile", c.profile)
	}
	if c.nodeNice != 0 {
		cmd = exec.Command("nice", append([]string{"-n", strconv.Itoa(c.nodeNice), cmd.Path}, cmd.Args[1:]...)...)
	}
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GODEBUG=") && !(c.nodeGOGC != "" && strings.HasPrefix(e, "GOGC=")) {
			env = append(env, e)
		}
	}
	env = append(env, "GODEBUG=gctrace=1")
	if c.nodeGOGC != "" {
		env = append(env, "GOGC="+c.nodeGOGC)
	}
	cmd.Env = env
	cmd.Stdout = os.Stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", port), tr: readGCTrace(stderr, os.Stderr)}, nil
}

// client returns a client of the child with room for conns connections, once it answers
// PING (within 30 s).
func (ch *child) client(conns int) (*redis.Client, error) {
	o := clientOptions(ch.addr, conns)
	o.MaxRetries = -1
	rdb := redis.NewClient(o)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := rdb.Ping(context.Background()).Err()
		if err == nil {
			return rdb, nil
		}
		if time.Now().After(deadline) {
			rdb.Close()
			return nil, fmt.Errorf("node at %s: %w", ch.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signal sends s to the node.
func (ch *child) signal(s os.Signal) { ch.cmd.Process.Signal(s) }

// stop stops the node and waits for it.
func (ch *child) stop() {
	ch.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { ch.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		ch.cmd.Process.Kill()
		<-done
	}
}

// cpu returns the node's user and system CPU time so far.
func (ch *child) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", ch.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses: utime and stime are the
	// 12th and 13th of them, in clock ticks (100 a second).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// rss returns the node's resident set size in bytes.
func (ch *child) rss() int64 { return rssOf(fmt.Sprintf("/proc/%d/status", ch.cmd.Process.Pid)) }
