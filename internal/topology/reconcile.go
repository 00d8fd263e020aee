package topology

import (
	"errors"
	"time"

	"github.com/hashicorp/raft"

	"github.com/larderdb/larder/internal/membership"
	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

// Gossip is what the leader needs from membership: each node's gossip
// status, and a wake-up when it changes. *membership.Gossip implements it.
// Gossip only informs the map (a dead node is marked Failed); it never
// decides ownership.
type Gossip interface {
	// Status returns what gossip knows of the node named id; known is
	// false when gossip has never heard of it.
	Status(id string) (st membership.Status, known bool)
	// Watch returns a channel of membership events and a func that stops
	// the watch and closes the channel.
	Watch() (<-chan membership.Event, func())
}

// FollowGossip makes the node, while it leads, turn gossip's view into map
// changes: a member gossip reports dead is marked Failed, and unmarked when
// it is alive again. Call it once, after Start.
func (n *Node) FollowGossip(g Gossip) {
	n.mu.Lock()
	n.gossip = g
	n.mu.Unlock()
	events, stop := g.Watch()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer stop()
		for {
			select {
			case _, ok := <-events:
				if !ok {
					return
				}
				n.wakeReconcile()
			case <-n.done:
				return
			}
		}
	}()
	n.wakeReconcile()
}

func (n *Node) gossipSource() Gossip {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.gossip
}

func (n *Node) wakeReconcile() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *Node) reconcileLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-n.kick:
		case <-t.C:
		case <-n.done:
			return
		}
		if r := n.raftNode(); r == nil || r.State() != raft.Leader {
			continue
		}
		if err := n.reconcile(); err != nil && !errors.Is(err, ErrNoLeader) && !errors.Is(err, ErrClosed) {
			n.log.Warn("topology: reconcile", "err", err)
		}
	}
}

// reconcile is the leader's housekeeping: gossip health into the map,
// voters topped up, drained members removed.
func (n *Node) reconcile() error {
	r, done, err := n.leaderBegin()
	if err != nil {
		return err
	}
	defer done()
	self := n.ID()
	m := n.Map()
	if m.ClusterID == "" {
		return nil
	}

	if g := n.gossipSource(); g != nil {
		for _, mb := range m.Members {
			if mb.State == Gone || mb.ID == self {
				continue
			}
			st, known := g.Status(mb.ID)
			if !known {
				continue
			}
			failed := st == membership.Dead || st == membership.Left
			if failed != mb.Failed && st != membership.Suspect {
				if err := n.apply(&pb.Entry{Op: &pb.Entry_SetFailed{SetFailed: &pb.SetFailed{Id: mb.ID, Failed: failed}}}); err != nil {
					return err
				}
				n.log.Info("topology: gossip health", "id", mb.ID, "failed", failed)
			}
		}
	}

	cf := r.GetConfiguration()
	if err := cf.Error(); err != nil {
		return raftErr(err)
	}
	servers := cf.Configuration().Servers
	suffrage := make(map[string]raft.ServerSuffrage, len(servers))
	for _, s := range servers {
		suffrage[string(s.ID)] = s.Suffrage
	}
	m = n.Map()

	// Keep the map's voter flags true to Raft's configuration.
	for _, mb := range m.Members {
		if mb.State == Gone {
			continue
		}
		s, in := suffrage[mb.ID]
		if isVoter := in && s == raft.Voter; isVoter != mb.Voter {
			if err := n.apply(&pb.Entry{Op: &pb.Entry_SetVoter{SetVoter: &pb.SetVoter{Id: mb.ID, Voter: isVoter}}}); err != nil {
				return err
			}
		}
	}
	m = n.Map()

	// Top up the voters: draining and gone members do not count.
	voters := 0
	for _, mb := range m.Members {
		if mb.Voter && mb.State == Active {
			voters++
		}
	}
	for _, mb := range m.Members {
		if voters >= m.Voters {
			break
		}
		if mb.State != Active || mb.Voter || mb.Failed {
			continue
		}
		if _, in := suffrage[mb.ID]; !in {
			continue
		}
		if err := r.AddVoter(raft.ServerID(mb.ID), raft.ServerAddress(mb.BusAddr), 0, n.cfg.RPCTimeout).Error(); err != nil {
			return raftErr(err)
		}
		if err := n.apply(&pb.Entry{Op: &pb.Entry_SetVoter{SetVoter: &pb.SetVoter{Id: mb.ID, Voter: true}}}); err != nil {
			return err
		}
		n.log.Info("topology: promoted to voter", "id", mb.ID)
		voters++
	}
	m = n.Map()

	// Remove drained members, and gone ones Raft still lists.
	for i := range m.Members {
		mb := &m.Members[i]
		switch {
		case mb.State == Draining && !m.holds(mb.JoinOrder):
			if mb.ID == self {
				// A leader does not remove itself: hand over, and the next
				// leader removes this node.
				if err := r.LeadershipTransfer().Error(); err != nil {
					return raftErr(err)
				}
				return nil
			}
			if err := n.removeLocked(r, mb); err != nil {
				return err
			}
		case mb.State == Gone:
			if _, in := suffrage[mb.ID]; in && mb.ID != self {
				if err := r.RemoveServer(raft.ServerID(mb.ID), 0, n.cfg.RPCTimeout).Error(); err != nil {
					return raftErr(err)
				}
			}
		}
	}
	return nil
}
