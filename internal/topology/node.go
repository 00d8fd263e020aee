package topology

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/larderdb/larder/internal/bus"
	"github.com/larderdb/larder/internal/bus/buspb"
)

// Config configures a Node. Open copies it and fills the defaults; it never
// changes the caller's struct.
type Config struct {
	// Dir is the data directory; required. The node keeps its identity
	// (node.json), the Raft log and stable store (raft.db, bbolt) and Raft
	// snapshots (snapshots/) there.
	Dir string
	// Bus is the node's cluster bus; required. Open registers the Cluster
	// service on it (so one Node per Bus), and Raft runs over it
	// (bus.RaftMagic connections).
	Bus *bus.Bus
	// ClientAddr is the RESP address clients reach this node at (advertised);
	// required.
	ClientAddr string
	// GossipAddr is the memberlist address other nodes reach this node at
	// (advertised). Default empty: the node takes no part in gossip.
	GossipAddr string
	// Version is the Larder release this node runs, "0.1.0"; required.
	Version string
	// Join lists bus addresses of members of the cluster to join. Empty: a
	// node with no state bootstraps a cluster of one; a node with state
	// restarts as the member it was.
	Join []string
	// Replicas is the replication factor (owners per slot, 1..5) a cluster
	// bootstrapped by this node uses. Default 1.
	Replicas int
	// Voters is the number of Raft voters (1, 3 or 5) a cluster
	// bootstrapped by this node keeps: the first nodes to join vote, the
	// rest follow as non-voters. Default 3.
	Voters int
	// Placer decides slot ownership. Default PlaceholderPlacer, until
	// internal/ring provides the real one.
	Placer Placer
	// RaftTimeout is Raft's heartbeat and election timeout. Default 1s.
	RaftTimeout time.Duration
	// RPCTimeout bounds one bus call to another node. Default 5s.
	RPCTimeout time.Duration
	// ReconcileInterval is how often the leader checks gossip health,
	// drained nodes and the voter count. Default 500ms.
	ReconcileInterval time.Duration
	// Logger receives the node's log lines. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) fill() error {
	if c.Dir == "" {
		return errors.New("topology: Config.Dir is required")
	}
	if c.Bus == nil {
		return errors.New("topology: Config.Bus is required")
	}
	if c.ClientAddr == "" {
		return errors.New("topology: Config.ClientAddr is required")
	}
	if _, _, err := majorMinor(c.Version); err != nil {
		return fmt.Errorf("topology: Config.Version: %w", err)
	}
	c.Join = slices.Clone(c.Join)
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		return fmt.Errorf("topology: Config.Replicas %d: want 1 to 5", c.Replicas)
	}
	if c.Voters == 0 {
		c.Voters = 3
	}
	if c.Voters != 1 && c.Voters != 3 && c.Voters != 5 {
		return fmt.Errorf("topology: Config.Voters %d: want 1, 3 or 5", c.Voters)
	}
	if c.Placer == nil {
		c.Placer = PlaceholderPlacer{}
	}
	if c.RaftTimeout <= 0 {
		c.RaftTimeout = time.Second
	}
	if c.RPCTimeout <= 0 {
		c.RPCTimeout = 5 * time.Second
	}
	if c.ReconcileInterval <= 0 {
		c.ReconcileInterval = 500 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// identity is the node's persisted identity, node.json in the data dir.
type identity struct {
	NodeID    string `json:"node_id"`
	ClusterID string `json:"cluster_id,omitempty"`
}

// Node is one node's control plane: its Raft replica of the cluster map,
// the Cluster service on the bus, and, on the leader, the loop that turns
// joins, drains and gossip into map changes. Its methods are safe for
// concurrent use.
//
// Use: Open, register other bus services, Bus.Serve, Start; then Map on
// the hot path; Close at the end (before closing the bus).
type Node struct {
	cfg Config
	log *slog.Logger
	fsm *fsm

	store *raftboltdb.BoltStore
	snaps *raft.FileSnapshotStore

	mu      sync.Mutex // guards id, raft, trans, gossip, started
	id      identity
	raft    *raft.Raft
	trans   *raft.NetworkTransport
	gossip  Gossip
	started bool

	opMu sync.Mutex // serializes leader operations (compute, then apply)

	kick      chan struct{} // wakes the reconcile loop; cap 1
	closeOnce sync.Once
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup
}

// Open opens the data directory (creating it and the node's identity if
// needed) and registers the Cluster service on cfg.Bus. It does not touch
// the network: Start does.
func Open(cfg Config) (*Node, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("topology: data directory: %w", err)
	}
	n := &Node{
		cfg:  cfg,
		log:  cfg.Logger.With("node", ""),
		fsm:  newFSM(),
		kick: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	id, err := loadIdentity(cfg.Dir)
	if err != nil {
		return nil, err
	}
	n.id = id
	n.log = cfg.Logger.With("node", id.NodeID[:8])
	n.store, err = raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.Dir, "raft.db")})
	if err != nil {
		return nil, fmt.Errorf("topology: open raft.db: %w", err)
	}
	n.snaps, err = raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, newHCLog(n.log))
	if err != nil {
		n.store.Close()
		return nil, fmt.Errorf("topology: open snapshots: %w", err)
	}
	buspb.RegisterClusterServer(cfg.Bus.Server(), &service{n: n})
	return n, nil
}

// NodeID returns the id of the node whose data directory is dir, creating
// the directory and the id if they do not exist yet. It lets a caller
// start gossip (named by the node id) before Open, to pass its address in
// Config.GossipAddr.
func NodeID(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("topology: data directory: %w", err)
	}
	id, err := loadIdentity(dir)
	return id.NodeID, err
}

func loadIdentity(dir string) (identity, error) {
	path := filepath.Join(dir, "node.json")
	var id identity
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &id); err != nil || !validID(id.NodeID) {
			return id, fmt.Errorf("topology: %s is damaged or not a Larder node identity", path)
		}
		return id, nil
	case errors.Is(err, os.ErrNotExist):
		id.NodeID = randomHex(20)
		return id, saveIdentity(dir, id)
	default:
		return id, fmt.Errorf("topology: read identity: %w", err)
	}
}

func saveIdentity(dir string, id identity) error {
	data, _ := json.MarshalIndent(id, "", "  ")
	tmp := filepath.Join(dir, "node.json.tmp")
	f, err := os.Create(tmp)
	if err == nil {
		_, err = f.Write(append(data, '\n'))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, "node.json"))
	}
	if err != nil {
		return fmt.Errorf("topology: write identity: %w", err)
	}
	return nil
}

func randomHex(nbytes int) string {
	b := make([]byte, nbytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

func validID(id string) bool {
	if len(id) != 40 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// ID returns the node's id: 40 hex digits, kept in the data directory.
func (n *Node) ID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.id.NodeID
}

// Map returns the current cluster map. It never returns nil (before Start
// the map is empty) and takes no lock: one atomic load.
func (n *Node) Map() *Map { return n.fsm.cur.Load() }

// Wait returns the first map, current or future, for which cond is true,
// or ctx's error.
func (n *Node) Wait(ctx context.Context, cond func(*Map) bool) (*Map, error) {
	for {
		m := n.Map()
		if cond(m) {
			return m, nil
		}
		select {
		case <-m.Changed():
		case <-ctx.Done():
			return m, ctx.Err()
		case <-n.done:
			return m, ErrClosed
		}
	}
}

// raftNode returns the Raft instance, nil before Start.
func (n *Node) raftNode() *raft.Raft {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.raft
}

// Close shuts Raft down, stops the node's goroutines and closes the
// stores. It does not leave the cluster (the others see the node as down
// until it restarts; see Leave) and does not close the bus: close the bus
// after the node.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		close(n.done)
		// The node's goroutines finish what they asked of Raft before it shuts down, for
		// RPCTimeout at most: a future Raft has taken in (a Barrier, an Apply) may never be
		// answered once it is shut down, and the goroutine waiting on it would hold Close
		// for ever (seen once under -race: the reconcile loop in a Barrier).
		stopped := make(chan struct{})
		go func() {
			n.wg.Wait()
			close(stopped)
		}()
		select {
		case <-stopped:
		case <-time.After(n.cfg.RPCTimeout):
		}
		n.mu.Lock()
		r, trans := n.raft, n.trans
		n.mu.Unlock()
		if r != nil {
			err = r.Shutdown().Error()
			trans.Close()
		}
		<-stopped
		if cerr := n.store.Close(); err == nil {
			err = cerr
		}
	})
	return err
}
