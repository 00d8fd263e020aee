package topology

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"github.com/larderdb/larder/internal/bus/buspb"
)

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
