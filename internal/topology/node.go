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

// Start brings the node into its cluster and returns once the local map
// lists it as a member:
//   - a node with no Raft state and no Config.Join bootstraps a cluster of
//     one that owns every slot;
//   - a node with no state and Config.Join asks a member to add it;
//   - a node with state restarts as the member it was (and, when
//     Config.Join is set, first checks the target is of its cluster).
//
// Errors: ErrNotLarder, ErrIncompatibleVersion, ErrOtherCluster, ErrRemoved,
// or ctx's error. After an error, Close the node.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	if n.started {
		n.mu.Unlock()
		return errors.New("topology: Start called twice")
	}
	n.started = true
	id := n.id
	n.mu.Unlock()

	hasState, err := raft.HasExistingState(n.store, n.store, n.snaps)
	if err != nil {
		return fmt.Errorf("topology: read raft state: %w", err)
	}
	// Check the join target before Raft starts talking to anyone.
	var target string
	if len(n.cfg.Join) > 0 {
		target, err = n.hello(ctx, id.ClusterID)
		if err != nil {
			if !hasState || definite(err) {
				return err
			}
			// A member restarting while its peers are down or starting
			// too: Raft will find them.
			n.log.Warn("topology: no join target answered; restarting as the member this node was", "err", err)
			target = ""
		}
	}
	if err := n.startRaft(); err != nil {
		return err
	}
	self := func(m *Map) bool {
		mb, ok := m.Member(id.NodeID)
		return ok && mb.State != Joining
	}
	switch {
	case !hasState && target == "":
		if err := n.bootstrap(ctx); err != nil {
			return err
		}
	case !hasState:
		if err := n.join(ctx, target); err != nil {
			return err
		}
	case n.removed():
		return fmt.Errorf("%w: the Raft configuration in %s no longer lists this node; start it with an empty data directory to join as a new node", ErrRemoved, n.cfg.Dir)
	case n.busMoved():
		// The others know this node at another bus address, so Raft
		// cannot reach it: ask a member to record the new one.
		if err := n.joinAny(ctx); err != nil {
			return err
		}
	}
	if err := n.waitCaughtUp(ctx); err != nil {
		return err
	}
	m, err := n.Wait(ctx, func(m *Map) bool { return m.ClusterID != "" && (self(m) || isGone(m, id.NodeID)) })
	if err != nil {
		return fmt.Errorf("topology: waiting for the cluster map: %w", err)
	}
	if id.ClusterID != "" && m.ClusterID != id.ClusterID {
		return fmt.Errorf("%w: %s belongs to cluster %s, its Raft state to %s", ErrOtherCluster, n.cfg.Dir, id.ClusterID, m.ClusterID)
	}
	if isGone(m, id.NodeID) {
		return fmt.Errorf("%w: %s", ErrRemoved, id.NodeID)
	}
	if mb, _ := m.Member(id.NodeID); mb.ClientAddr != n.cfg.ClientAddr || mb.BusAddr != n.cfg.Bus.Addr() ||
		mb.GossipAddr != n.cfg.GossipAddr || mb.Version != n.cfg.Version {
		// Restarted with new addresses or a new release: tell the leader.
		if err := n.rejoin(ctx); err != nil {
			return err
		}
	}
	if id.ClusterID == "" {
		id.ClusterID = m.ClusterID
		if err := saveIdentity(n.cfg.Dir, id); err != nil {
			return err
		}
		n.mu.Lock()
		n.id = id
		n.mu.Unlock()
	}
	n.log.Info("topology: started", "cluster", m.ClusterID, "epoch", m.Epoch, "members", len(m.Members))
	n.wg.Add(1)
	go n.reconcileLoop()
	return nil
}

// definite reports whether a join error is a refusal that retrying, or
// restarting anyway, cannot cure.
func definite(err error) bool {
	return errors.Is(err, ErrOtherCluster) || errors.Is(err, ErrIncompatibleVersion) ||
		errors.Is(err, ErrRemoved) || errors.Is(err, ErrBadRequest) || errors.Is(err, ErrIDInUse)
}

// removed reports whether the Raft configuration this node restarted with
// leaves it out: it was removed from the cluster.
func (n *Node) removed() bool {
	f := n.raftNode().GetConfiguration()
	if f.Error() != nil {
		return false
	}
	servers := f.Configuration().Servers
	return len(servers) > 0 && !slices.ContainsFunc(servers, func(s raft.Server) bool { return string(s.ID) == n.ID() })
}

// busMoved reports whether the Raft configuration this node restarted with
// lists it at a bus address other than its own now.
func (n *Node) busMoved() bool {
	f := n.raftNode().GetConfiguration()
	if f.Error() != nil {
		return false
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == n.ID() {
			return string(s.Address) != n.cfg.Bus.Addr()
		}
	}
	return false
}

// joinAny sends a join request through Config.Join, or else through the
// other servers of the Raft configuration this node restarted with, until
// one takes it.
func (n *Node) joinAny(ctx context.Context) error {
	targets := slices.Clone(n.cfg.Join)
	if f := n.raftNode().GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			if string(s.ID) != n.ID() {
				targets = append(targets, string(s.Address))
			}
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("topology: this node's bus address changed to %s and no member is known to tell: start it with a join target", n.cfg.Bus.Addr())
	}
	var last error
	for {
		for _, addr := range targets {
			tctx, cancel := context.WithTimeout(ctx, 2*n.cfg.RPCTimeout)
			last = n.join(tctx, addr)
			cancel()
			if last == nil || definite(last) {
				return last
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topology: telling the cluster this node's new bus address: %w (last: %v)", ctx.Err(), last)
		case <-n.done:
			return ErrClosed
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitCaughtUp waits until the local map is as new as the leader's, so
// Start does not return a stale map: on the leader, a Raft barrier; on a
// follower, the leader's epoch (asked with Hello) reached locally.
func (n *Node) waitCaughtUp(ctx context.Context) error {
	r := n.raftNode()
	self := n.ID()
	var last error
	askAfter := time.Now().Add(3 * n.cfg.RaftTimeout)
	for {
		id, addr := n.Leader()
		if addr == "" && time.Now().After(askAfter) {
			// No leader for a while: perhaps the others removed this node
			// (and so never talk to it). Ask them.
			if err := n.askPeers(ctx); err != nil {
				return err
			}
			askAfter = time.Now().Add(time.Second)
		}
		switch {
		case id == self:
			if last = r.Barrier(n.cfg.RPCTimeout).Error(); last == nil {
				return nil
			}
		case addr != "":
			epoch, err := n.leaderEpoch(ctx, addr)
			if err == nil {
				_, err = n.Wait(ctx, func(m *Map) bool { return m.Epoch >= epoch })
				if err == nil {
					return nil
				}
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topology: waiting to catch up with the leader: %w (last: %v)", ctx.Err(), last)
		case <-n.done:
			return ErrClosed
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// askPeers says hello to the other servers of this node's Raft
// configuration and returns a definite refusal if one answers with it
// (this node was removed, or they are another cluster).
func (n *Node) askPeers(ctx context.Context) error {
	f := n.raftNode().GetConfiguration()
	if f.Error() != nil {
		return nil
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == n.ID() {
			continue
		}
		if err := n.helloOne(ctx, string(s.Address), n.clusterID()); err != nil && definite(err) {
			return err
		}
	}
	return nil
}

func (n *Node) leaderEpoch(ctx context.Context, addr string) (uint64, error) {
	cc, err := n.cfg.Bus.Conn(addr)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RPCTimeout)
	defer cancel()
	resp, err := buspb.NewClusterClient(cc).Hello(ctx, &buspb.HelloRequest{From: n.info()})
	if err != nil {
		return 0, err
	}
	return resp.Epoch, nil
}

func isGone(m *Map, id string) bool {
	mb, ok := m.Member(id)
	return ok && mb.State == Gone
}

func (n *Node) startRaft() error {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(n.id.NodeID)
	rc.HeartbeatTimeout = n.cfg.RaftTimeout
	rc.ElectionTimeout = n.cfg.RaftTimeout
	rc.LeaderLeaseTimeout = n.cfg.RaftTimeout / 2
	rc.CommitTimeout = 20 * time.Millisecond
	rc.Logger = newHCLog(n.log)
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  n.cfg.Bus.RaftLayer(),
		MaxPool: 3,
		Timeout: n.cfg.RPCTimeout,
		Logger:  rc.Logger,
	})
	r, err := raft.NewRaft(rc, n.fsm, n.store, n.store, n.snaps, trans)
	if err != nil {
		trans.Close()
		return fmt.Errorf("topology: start raft: %w", err)
	}
	n.mu.Lock()
	n.raft, n.trans = r, trans
	n.mu.Unlock()
	n.wg.Add(1)
	go n.watchLeadership(r)
	return nil
}

// watchLeadership wakes the reconcile loop when this node becomes leader.
func (n *Node) watchLeadership(r *raft.Raft) {
	defer n.wg.Done()
	for {
		select {
		case <-r.LeaderCh():
			n.wakeReconcile()
		case <-n.done:
			return
		}
	}
}

func (n *Node) bootstrap(ctx context.Context) error {
	r := n.raftNode()
	busAddr := n.cfg.Bus.Addr()
	err := r.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter, ID: raft.ServerID(n.id.NodeID), Address: raft.ServerAddress(busAddr),
	}}}).Error()
	if err != nil {
		return fmt.Errorf("topology: bootstrap: %w", err)
	}
	// Wait to lead, then write the first map.
	for r.State() != raft.Leader {
		select {
		case <-ctx.Done():
			return fmt.Errorf("topology: bootstrap: waiting to lead: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return n.bootstrapMap()
}

// raftNode returns the Raft instance, nil before Start.
func (n *Node) raftNode() *raft.Raft {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.raft
}

// Close leaves Raft running on no one's behalf: it shuts Raft down, stops
// the node's goroutines and closes the stores. It does not leave the
// cluster (see Leave) and does not close the bus.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		close(n.done)
		n.mu.Lock()
		r, trans := n.raft, n.trans
		n.mu.Unlock()
		if r != nil {
			err = r.Shutdown().Error()
			trans.Close()
		}
		n.wg.Wait()
		if cerr := n.store.Close(); err == nil {
			err = cerr
		}
	})
	return err
}
