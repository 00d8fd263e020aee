package topology

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/larderdb/larder/internal/bus"
)

const testVersion = "0.1.0"

// testLogger is quiet unless LARDER_TEST_LOG is set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("LARDER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// tnode is one control-plane instance on loopback.
type tnode struct {
	t    testing.TB
	dir  string
	addr string // bus address, kept across restarts
	bus  *bus.Bus
	*Node
}

type nodeOpt func(*Config)

func withVersion(v string) nodeOpt { return func(c *Config) { c.Version = v } }
func withVoters(n int) nodeOpt     { return func(c *Config) { c.Voters = n } }
func withReplicas(n int) nodeOpt   { return func(c *Config) { c.Replicas = n } }

// openNode opens (not starts) a node on dir, listening on addr ("" for a
// free port).
func openNode(t testing.TB, dir, addr string, join []string, opts ...nodeOpt) (*tnode, error) {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var b *bus.Bus
	var err error
	for i := 0; ; i++ { // a port just freed by a closed node can take a moment
		b, err = bus.Listen(bus.Config{Addr: addr, Logger: testLogger(t)})
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Dir:               dir,
		Bus:               b,
		ClientAddr:        "127.0.0.1:7379",
		Version:           testVersion,
		Join:              join,
		RaftTimeout:       500 * time.Millisecond,
		RPCTimeout:        2 * time.Second,
		ReconcileInterval: 100 * time.Millisecond,
		Logger:            testLogger(t),
	}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := Open(cfg)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.Serve()
	tn := &tnode{t: t, dir: dir, addr: b.Addr(), bus: b, Node: n}
	t.Cleanup(tn.close)
	return tn, nil
}

// startNode opens and starts a node, failing the test on error.
func startNode(t testing.TB, dir string, join []string, opts ...nodeOpt) *tnode {
	t.Helper()
	n, err := openNode(t, dir, "", join, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	return n
}

func (n *tnode) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return n.Start(ctx)
}

func (n *tnode) close() {
	n.Node.Close()
	n.bus.Close()
}

// restart closes the node and opens it again on the same dir and address.
func (n *tnode) restart(join []string, opts ...nodeOpt) (*tnode, error) {
	n.close()
	m, err := openNode(n.t, n.dir, n.addr, join, opts...)
	if err != nil {
		return nil, err
	}
	if err := m.start(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// cluster starts k nodes: the first bootstraps, the others join through
// the previous node (so most joins are forwarded to the leader).
func cluster(t testing.TB, k int, opts ...nodeOpt) []*tnode {
	t.Helper()
	base := t.TempDir()
	var ns []*tnode
	for i := range k {
		var join []string
		if i > 0 {
			join = []string{ns[i-1].bus.Addr()}
		}
		ns = append(ns, startNode(t, filepath.Join(base, "n"+string(rune('1'+i))), join, opts...))
	}
	waitAgree(t, ns)
	return ns
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitAgree waits until every node has the same map epoch.
func waitAgree(t testing.TB, ns []*tnode) *Map {
	t.Helper()
	waitFor(t, "nodes to agree on the map", 10*time.Second, func() bool {
		e := ns[0].Map().Epoch
		for _, n := range ns[1:] {
			if n.Map().Epoch != e {
				return false
			}
		}
		return e > 0
	})
	return ns[0].Map()
}

// leader returns the node that leads, waiting for one.
func leader(t testing.TB, ns []*tnode) *tnode {
	t.Helper()
	var l *tnode
	waitFor(t, "a leader", 10*time.Second, func() bool {
		for _, n := range ns {
			if n.IsLeader() {
				l = n
				return true
			}
		}
		return false
	})
	return l
}

// raftServers returns the leader's Raft configuration by id.
func raftServers(t testing.TB, n *tnode) map[string]raft.ServerSuffrage {
	t.Helper()
	f := n.raftNode().GetConfiguration()
	if err := f.Error(); err != nil {
		t.Fatal(err)
	}
	out := map[string]raft.ServerSuffrage{}
	for _, s := range f.Configuration().Servers {
		out[string(s.ID)] = s.Suffrage
	}
	return out
}

// assertServing checks the cluster still takes writes: an empty
// SlotsMoved is a Raft entry that bumps the epoch everywhere.
func assertServing(t testing.TB, ns []*tnode) {
	t.Helper()
	before := ns[0].Map().Epoch
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ns[len(ns)-1].SlotsMoved(ctx); err != nil {
		t.Fatalf("cluster does not take writes: %v", err)
	}
	waitFor(t, "the write to reach every node", 10*time.Second, func() bool {
		for _, n := range ns {
			if n.Map().Epoch <= before {
				return false
			}
		}
		return true
	})
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
