package larder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/memlimit"
	"github.com/larderdb/larder/internal/server"
	"github.com/larderdb/larder/internal/types"
	"github.com/larderdb/larder/resp"
)

// ErrClosed is returned by operations on a closed Node.
var ErrClosed = errors.New("larder: closed")

// ErrNoCluster is returned by Open for cluster-enabled yes in a binary built with the
// nocluster build tag, which leaves cluster mode out (node_nocluster.go).
var ErrNoCluster = errors.New("larder: cluster mode is not in this build (built with -tags nocluster); set cluster-enabled no")

// leaveLinger is how long a node that left its cluster keeps answering
// clients (with redirects) before it stops.
const leaveLinger = 2 * time.Second

// Node is one running Larder node: a keyspace served over RESP. It is safe
// for concurrent use.
type Node struct {
	opts  Options
	cfg   *config.Store
	db    *engine.DB
	mem   *memlimit.Reservation // the keyspace's share of the Go memory limit: its used memory on the Go heap
	cmds  *command.Server
	srv   *server.Server
	ln    net.Listener
	log   *slog.Logger
	done  chan struct{}
	once  sync.Once
	serve chan error

	// cluster is the node's part in its cluster (controlPlane, node_cluster.go), nil when
	// cluster-enabled is no.
	cluster interface {
		leave(ctx context.Context) error
		close() error
	}
}

// Open starts a node with opts (nil means all defaults): it validates the
// settings, opens the keyspace and starts serving clients. An invalid
// setting is an error that names it.
func Open(opts *Options) (*Node, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	cfg, err := config.NewStoreWith(o.settings())
	if err != nil {
		return nil, fmt.Errorf("larder: %w", err)
	}
	// The engine's change stream feeds the command layer (WATCH,
	// notifications), which exists only once the engine does.
	// In cluster mode it also feeds the slot mover's tap (clusterParts).
	var changes atomic.Pointer[command.Server]
	var cl *clusterParts
	if cfg.Bool("cluster-enabled") {
		if cl, err = newClusterParts(); err != nil {
			return nil, err
		}
	}
	db, err := engine.Open(engine.Options{
		Thaw: types.Thaw,
		OnChange: func(c *engine.Change) {
			if cl != nil {
				cl.onChange(c)
			}
			if s := changes.Load(); s != nil {
				s.OnChange(c)
			}
		},
		Shards:       int(cfg.Int("shards")),
		MaxMemory:    cfg.Int("maxmemory"),
		Policy:       cfg.String("maxmemory-policy"),
		Samples:      int(cfg.Int("maxmemory-samples")),
		LFULogFactor: int(cfg.Int("lfu-log-factor")),
		LFUDecayTime: int(cfg.Int("lfu-decay-time")),
		Hz:           int(cfg.Int("hz")),
		// A standalone node's slots are its own business (CLUSTER's slot commands need
		// cluster mode): one index table a shard, not 16384 small ones, whose resizes leave
		// the Go heap's spans of many size classes partly empty (2 MB at a maxmemory of 4mb).
		HashSlots: cl == nil,
	})
	if err != nil {
		return nil, fmt.Errorf("larder: %w", err)
	}
	n := &Node{opts: o, cfg: cfg, db: db, log: o.Logger, done: make(chan struct{}), serve: make(chan error, 1)}
	ln := o.Listener
	if ln == nil {
		addr := net.JoinHostPort(firstBind(cfg.String("bind")), strconv.FormatInt(cfg.Int("port"), 10))
		if ln, err = net.Listen("tcp", addr); err != nil {
			db.Close()
			return nil, fmt.Errorf("larder: invalid port %d: cannot listen on %s: %w", cfg.Int("port"), addr, unwrapOp(err))
		}
	}
	n.ln = ln
	port := 0
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		port = ta.Port
	}
	co := command.Options{
		DB: db, Config: cfg, Logger: o.Logger, Version: Version,
		Shutdown: func() { go n.Leave(context.Background()) }, TCPPort: port, ConfigFile: o.ConfigFile,
	}
	if cl != nil {
		deliver := func(channel, payload []byte) { // forwarded by another member
			if s := changes.Load(); s != nil {
				s.DeliverForwarded(channel, payload)
			}
		}
		if err := cl.start(n, port, o.Listener != nil || cfg.Int("port") == 0, deliver, &co); err != nil {
			ln.Close()
			db.Close()
			return nil, fmt.Errorf("larder: %w", err)
		}
	}
	n.cmds = command.New(co)
	changes.Store(n.cmds)
	n.srv = server.New(server.Options{
		Commands:    n.cmds,
		Logger:      o.Logger,
		MaxClients:  int(cfg.Int("maxclients")),
		Limits:      limitsOf(cfg),
		IdleTimeout: time.Duration(cfg.Int("timeout")) * time.Second,
		EventLoops:  eventLoops(cfg.Int("io-loops")),
		LoopsYieldP: !cfg.Bool("io-loops-keep-p"),
		LoopSpin:    time.Duration(cfg.Int("io-loops-spin-us")) * time.Microsecond,
	})
	n.mem = memlimit.Reserve(cfg.Int("maxmemory"), db.HeapUsed)
	n.watchSettings()
	go func() { n.serve <- n.srv.Serve(ln) }()
	return n, nil
}

// Addr returns the address clients connect to.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Done is closed once the node has stopped, by Close or by a client's
// SHUTDOWN.
func (n *Node) Done() <-chan struct{} { return n.done }

// Leave takes the node out of its cluster, then closes it: it hands its
// slots to the other nodes (serving them, then redirecting, meanwhile) and
// waits until the cluster map no longer has it, for as long as ctx allows.
// A node alone in its cluster, or not in cluster mode, just closes. A node
// that left cannot come back with the same data directory: start it with a
// new one to join again. SIGTERM and SHUTDOWN leave; Close does not.
func (n *Node) Leave(ctx context.Context) error {
	var err error
	if n.cluster != nil {
		err = n.cluster.leave(ctx)
		if err != nil {
			n.log.Error("could not hand the slots over; stopping anyway", "err", err)
		} else {
			// Gone from the map, the node redirects clients for leaveLinger, then
			// closes itself (controlPlane.apply).
			select {
			case <-n.done:
			case <-ctx.Done():
			case <-time.After(leaveLinger + 5*time.Second):
			}
		}
	}
	return errors.Join(err, n.Close())
}

// Close stops the node gracefully: it stops accepting clients, lets the
// commands in flight finish and flush their replies (for up to
// Options.ShutdownTimeout), then releases the keyspace. It is safe to call
// more than once.
func (n *Node) Close() error {
	var err error
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.ShutdownTimeout)
		defer cancel()
		err = n.srv.Shutdown(ctx)
		if serr := <-n.serve; serr != nil && !errors.Is(serr, server.ErrClosed) && err == nil {
			err = serr
		}
		// Close also gives back the keyspace's arenas (outside the Go heap), under every
		// shard lock: a connection that outlived the shutdown timeout sees an empty keyspace.
		if n.cluster != nil {
			if cerr := n.cluster.close(); cerr != nil {
				n.log.Warn("cluster parts did not stop cleanly", "err", cerr)
			}
		}
		n.db.Close()
		n.mem.Release()
		close(n.done)
	})
	return err
}

// eventLoops resolves the io-loops setting: -1 (the default) is half the cores, at least one,
// on Linux, where event loops exist, and a goroutine per client elsewhere. One loop on two
// cores beat a goroutine per client by 2-20% against redis-benchmark (BENCHMARKS.md).
func eventLoops(setting int64) int {
	if setting >= 0 {
		return int(setting)
	}
	if runtime.GOOS != "linux" {
		return 0
	}
	return max(1, runtime.GOMAXPROCS(0)/2)
}

// limitsOf reads the protocol limits from the settings.
func limitsOf(cfg *config.Store) resp.Limits {
	return resp.Limits{
		MaxBulkLen:     cfg.Int("proto-max-bulk-len"),
		MaxQueryBuffer: cfg.Int("client-query-buffer-limit"),
	}
}

// firstBind returns the first address of a bind setting ("127.0.0.1 ::1").
func firstBind(bind string) string {
	for i := 0; i < len(bind); i++ {
		if bind[i] == ' ' {
			return bind[:i]
		}
	}
	if bind == "*" {
		return ""
	}
	return bind
}

// unwrapOp strips net.OpError's address prefix ("listen tcp ...:") so the
// message says only why.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
