// Command scale measures a Larder node holding millions of small keys (issue 4): garbage
// collector pauses and request latency under a steady load (-mode gc), and how many expired
// keys stay resident, and what active expiry costs, while keys with TTLs keep arriving
// (-mode expiry).
//
// The node runs in a process of its own (this program in -mode node, or the larder binary
// given with -node-bin) with GODEBUG=gctrace=1, and in gc mode this program reads the node's
// trace lines from its standard error to know when each collection ran; the load comes from
// go-redis clients in this process over loopback TCP, with, in gc mode, this process's own
// collector off during the measured load. With -inproc the node runs in this process, started with
// larder.Open on a loopback port, so the garbage collector sees the node's heap and the
// clients' together, as an application embedding a node would; gc mode then re-executes
// itself with GODEBUG=gctrace=1 and reads the trace lines from its own standard error.
//
// Run it from the bench module:
//
//	go build -o /tmp/gcnode ../cmd/larder
//	go run ./scale -mode gc -keys 10000000 -duration 60s -node-bin /tmp/gcnode
//	go run ./scale -mode expiry -keys 10000000 -duration 120s
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// config holds the command-line flags.
type config struct {
	mode     string
	keys     int
	valSize  int
	duration time.Duration
	rate     int
	workers  int
	loaders  int
	pipeline int
	getShare float64
	minTTL   time.Duration
	maxTTL   time.Duration
	hz       int
	sample   time.Duration
	profile  string
	fill     time.Duration

	inproc   bool          // gc: the node in this process, as before
	port     int           // gc and node: the child node's port
	nodeBin  string        // gc: a larder binary to run as the node; "": this program in -mode node
	nodeGOGC string        // gc: GOGC for the node; "": as in this environment
	nodeNice int           // gc: the node's niceness relative to this program's (negative: ahead of the load)
	trace    string        // gc: write an execution trace of the node to this file
	traceAt  time.Duration // gc: how far into the measured load the trace starts
	traceFor time.Duration // gc: how long the trace lasts
	gcEvery  time.Duration // gc and node: the node runs runtime.GC this often; 0: never
	set      string        // gc and node: the node's settings, "name=value,..."
}

func main() {
	var c config
	flag.StringVar(&c.mode, "mode", "gc", "gc, expiry or node (the node process of gc)")
	flag.IntVar(&c.keys, "keys", 10_000_000, "keys to load (gc) or to keep resident (expiry)")
	flag.IntVar(&c.valSize, "value", 32, "value size in bytes (keys are 16 bytes)")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "length of the measured load")
	flag.IntVar(&c.rate, "rate", 0, "requests per second of the measured load; 0: 20000 (gc), keys/mean TTL (expiry)")
	flag.IntVar(&c.workers, "workers", 16, "gc: client goroutines of the measured load")
	flag.IntVar(&c.loaders, "loaders", 4, "goroutines sending pipelined SETs while loading (and writing, in expiry mode)")
	flag.IntVar(&c.pipeline, "pipeline", 200, "commands per pipeline while loading")
	flag.Float64Var(&c.getShare, "gets", 0.8, "gc: share of GETs in the measured load; the rest are SETs")
	flag.DurationVar(&c.minTTL, "min-ttl", time.Second, "expiry: shortest TTL")
	flag.DurationVar(&c.maxTTL, "max-ttl", 60*time.Second, "expiry: longest TTL")
	flag.IntVar(&c.hz, "hz", 10, "the node's hz (active expiry cycles per second)")
	flag.DurationVar(&c.sample, "sample", 500*time.Millisecond, "expiry: how often to sample the keyspace")
	flag.DurationVar(&c.fill, "fill", 0, "expiry: first load -keys keys as fast as possible, expiring over [min-ttl, max-ttl] after this long; the measured load starts then")
	flag.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the measured phase to this file (of the node with -inproc)")
	flag.BoolVar(&c.inproc, "inproc", false, "run the node in this process, with the load (the old way)")
	flag.IntVar(&c.port, "port", 7861, "the node's port on 127.0.0.1 (a child process)")
	flag.StringVar(&c.nodeBin, "node-bin", "", "a larder binary to run as the node (not named larder: scripts pkill that name); default: this program in -mode node")
	flag.StringVar(&c.nodeGOGC, "node-gogc", "", "GOGC for the node process")
	flag.IntVar(&c.nodeNice, "node-nice", 0, "the node's niceness relative to this program's, through nice(1); negative (root only) puts the node ahead of the load")
	flag.StringVar(&c.trace, "trace", "", "gc: write an execution trace of the node (needs no -node-bin) to this file")
	flag.DurationVar(&c.traceAt, "trace-at", 10*time.Second, "gc: start of the trace, from the start of the measured load")
	flag.DurationVar(&c.traceFor, "trace-for", 10*time.Second, "gc: length of the trace")
	flag.StringVar(&c.set, "set", "", "settings of the child node, name=value,... (e.g. io-loops-keep-p=no)")
	flag.DurationVar(&c.gcEvery, "gc-every", 0, "gc: the node (needs no -node-bin) starts a collection this often, as the runtime's 2-minute forced one; 0: never")
	flag.Parse()

	var err error
	switch c.mode {
	case "gc":
		if c.inproc {
			err = runGC(&c)
		} else {
			err = runGCProcess(&c)
		}
	case "node":
		err = runNode(&c)
	case "expiry":
		err = runExpiry(&c)
	default:
		err = fmt.Errorf("unknown -mode %q: want gc, expiry or node", c.mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// startNode opens a node on a free loopback port and returns it with a client whose pool
// has room for conns connections.
func startNode(c *config, conns int) (*larder.Node, *redis.Client, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	n, err := larder.Open(&larder.Options{
		Listener: ln,
		Settings: map[string]string{"hz": fmt.Sprint(c.hz)},
	})
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	rdb := redis.NewClient(clientOptions(n.Addr().String(), conns))
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		n.Close()
		return nil, nil, err
	}
	return n, rdb, nil
}

// header prints what the run is and where it runs.
func header(c *config) {
	host, _ := os.Hostname()
	fmt.Printf("larder scale -mode %s: %s, %d CPUs, GOMAXPROCS %d, host %s\n",
		c.mode, runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), host)
	fmt.Printf("load average at start: %s\n", loadAvg())
	if v := debug.SetGCPercent(-1); v >= 0 {
		debug.SetGCPercent(v)
		fmt.Printf("GOGC %d, GOMEMLIMIT %s\n", v, mib(debug.SetMemoryLimit(-1)))
	}
}

// key writes the 16-byte key of index i into b and returns it as a string.
func key(prefix byte, i int) string {
	var b [16]byte
	b[0] = prefix
	b[1] = ':'
	for j := 15; j >= 2; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return string(b[:])
}

// value returns a value of n bytes that varies with seed.
func value(n int, seed uint64) string {
	b := make([]byte, n)
	for i := range b {
		seed = seed*6364136223846793005 + 1442695040888963407
		b[i] = 'a' + byte(seed>>59)
	}
	return string(b)
}

// mib formats bytes as MiB.
func mib(b int64) string {
	if b == 1<<63-1 {
		return "off"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// dur formats a duration with three significant figures in a fixed unit.
func dur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// startProfile starts the CPU profile if -cpuprofile was given, and returns its stop.
func startProfile(c *config) func() {
	if c.profile == "" {
		return func() {}
	}
	f, err := os.Create(c.profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// clientOptions are the load's client options for a node at addr: a pool of conns
// connections kept open, RESP2, and timeouts long enough for a node that is busy loading.
func clientOptions(addr string, conns int) *redis.Options {
	return &redis.Options{
		Addr:            addr,
		PoolSize:        conns,
		MinIdleConns:    conns,
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    30 * time.Second,
		DisableIdentity: true,
		Protocol:        2,
	}
}
