package topology

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/larderdb/larder/internal/bus/buspb"
	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

// apply writes one entry through Raft and waits until this node (the
// leader) has applied it.
func (n *Node) apply(e *pb.Entry) error {
	r := n.raftNode()
	if r == nil {
		return ErrNotStarted
	}
	e.Version = entryVersion
	data, err := proto.Marshal(e)
	if err != nil {
		return fmt.Errorf("topology: encode entry: %w", err)
	}
	f := r.Apply(data, n.cfg.RPCTimeout)
	if err := f.Error(); err != nil {
		return raftErr(err)
	}
	if err, ok := f.Response().(error); ok && err != nil {
		return err
	}
	return nil
}

// raftErr turns Raft's "not leader" family into ErrNoLeader.
func raftErr(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %v", ErrNoLeader, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	}
	return fmt.Errorf("topology: raft: %w", err)
}

// leaderBegin takes the operation lock and makes sure the local map has
// every committed entry. Call the returned func to release.
func (n *Node) leaderBegin() (*raft.Raft, func(), error) {
	r := n.raftNode()
	if r == nil {
		return nil, nil, ErrNotStarted
	}
	n.opMu.Lock()
	if err := r.Barrier(n.cfg.RPCTimeout).Error(); err != nil {
		n.opMu.Unlock()
		return nil, nil, raftErr(err)
	}
	return r, n.opMu.Unlock, nil
}

// bootstrapMap writes the first map: this node owns every slot.
func (n *Node) bootstrapMap() error {
	_, done, err := n.leaderBegin()
	if err != nil {
		return err
	}
	defer done()
	self := n.ID()
	p, err := n.cfg.Placer.Join(nil, self, n.cfg.Replicas)
	if err != nil {
		return fmt.Errorf("topology: placer: %w", err)
	}
	if len(p.Owners) != NumSlots {
		return fmt.Errorf("topology: placer returned %d slots, want %d", len(p.Owners), NumSlots)
	}
	orders := make([][]uint64, NumSlots)
	one := []uint64{1}
	for s, ow := range p.Owners {
		if len(ow) != 1 || ow[0] != self {
			return fmt.Errorf("topology: placer gave slot %d to %v, not to the only node", s, ow)
		}
		orders[s] = one
	}
	return n.apply(&pb.Entry{Op: &pb.Entry_Bootstrap{Bootstrap: &pb.Bootstrap{
		ClusterId: randomHex(16),
		Replicas:  uint32(n.cfg.Replicas),
		Voters:    uint32(n.cfg.Voters),
		Member:    memberToPB(&Member{ID: self, ClientAddr: n.cfg.ClientAddr, BusAddr: n.cfg.Bus.Addr(), GossipAddr: n.cfg.GossipAddr, Version: n.cfg.Version}),
		Slots:     ranges(orders, nil),
		Placement: p.State,
	}}})
}

// checkJoiner validates a join request against the map; any node can run
// it, the leader runs it again.
func (n *Node) checkJoiner(m *Map, info *buspb.NodeInfo, clusterID string) error {
	if info == nil || !validID(info.Id) || info.BusAddr == "" || info.ClientAddr == "" {
		return fmt.Errorf("%w: a join needs a 40-hex node id, a client and a bus address", ErrBadRequest)
	}
	if info.Protocol != Protocol {
		return fmt.Errorf("%w: node %s speaks control-plane protocol %d, the cluster %d", ErrIncompatibleVersion, info.Id, info.Protocol, Protocol)
	}
	if err := Compatible(info.Version, n.cfg.Version); err != nil {
		return err
	}
	if clusterID != "" && m.ClusterID != "" && clusterID != m.ClusterID {
		return fmt.Errorf("%w: node %s has the data of cluster %s; this is cluster %s", ErrOtherCluster, info.Id, clusterID, m.ClusterID)
	}
	if mb, ok := m.Member(info.Id); ok && mb.State == Gone {
		return fmt.Errorf("%w: %s left the cluster; start it with an empty data directory to join as a new node", ErrRemoved, info.Id)
	}
	return nil
}

// leaderJoin adds a node (or confirms a member, updating its addresses):
// map entry, Raft configuration, then slots from the placer.
func (n *Node) leaderJoin(req *buspb.JoinRequest) (*buspb.JoinResponse, error) {
	r, done, err := n.leaderBegin()
	if err != nil {
		return nil, err
	}
	defer done()
	m := n.Map()
	info := req.Node
	if err := n.checkJoiner(m, info, req.ClusterId); err != nil {
		return nil, err
	}
	want := Member{ID: info.Id, ClientAddr: info.ClientAddr, BusAddr: info.BusAddr, GossipAddr: info.GossipAddr, Version: info.Version}
	mb, ok := m.Member(info.Id)
	switch {
	case !ok:
		want.Voter = m.countVoters() < m.Voters
		if err := n.apply(&pb.Entry{Op: &pb.Entry_AddMember{AddMember: &pb.AddMember{Member: memberToPB(&want)}}}); err != nil {
			return nil, err
		}
		n.log.Info("topology: node joining", "id", info.Id, "bus", info.BusAddr, "voter", want.Voter)
	case mb.BusAddr != want.BusAddr && mb.ID != n.ID() && n.answersAs(mb.BusAddr, mb.ID):
		return nil, fmt.Errorf("%w: %s answers at %s; a copied data directory? Start the new node with an empty one", ErrIDInUse, mb.ID, mb.BusAddr)
	case mb.ClientAddr != want.ClientAddr || mb.BusAddr != want.BusAddr || mb.GossipAddr != want.GossipAddr || mb.Version != want.Version:
		if err := n.apply(&pb.Entry{Op: &pb.Entry_UpdateMember{UpdateMember: &pb.UpdateMember{Member: memberToPB(&want)}}}); err != nil {
			return nil, err
		}
		n.log.Info("topology: member rejoined with new addresses", "id", info.Id, "bus", info.BusAddr)
	}
	m = n.Map()
	mb, _ = m.Member(info.Id)
	if err := n.ensureRaftServer(r, mb); err != nil {
		return nil, err
	}
	if mb.State == Joining {
		if err := n.activateLocked(mb.ID); err != nil {
			return nil, err
		}
	}
	m = n.Map()
	mb, _ = m.Member(info.Id)
	return &buspb.JoinResponse{ClusterId: m.ClusterID, Voter: mb.Voter, Epoch: m.Epoch}, nil
}

// ensureRaftServer puts mb in the Raft configuration at its bus address.
func (n *Node) ensureRaftServer(r *raft.Raft, mb *Member) error {
	cf := r.GetConfiguration()
	if err := cf.Error(); err != nil {
		return raftErr(err)
	}
	for _, s := range cf.Configuration().Servers {
		if string(s.ID) == mb.ID && string(s.Address) == mb.BusAddr && (s.Suffrage == raft.Voter) == mb.Voter {
			return nil
		}
	}
	var f raft.IndexFuture
	if mb.Voter {
		f = r.AddVoter(raft.ServerID(mb.ID), raft.ServerAddress(mb.BusAddr), 0, n.cfg.RPCTimeout)
	} else {
		f = r.AddNonvoter(raft.ServerID(mb.ID), raft.ServerAddress(mb.BusAddr), 0, n.cfg.RPCTimeout)
	}
	if err := f.Error(); err != nil {
		return raftErr(err)
	}
	return nil
}

// activateLocked gives a joining member its slots. opMu held.
func (n *Node) activateLocked(id string) error {
	m := n.Map()
	p, err := n.cfg.Placer.Join(m.placement, id, m.Replicas)
	if err != nil {
		return fmt.Errorf("topology: placer: %w", err)
	}
	rb, err := m.diff(p, "")
	if err != nil {
		return err
	}
	return n.apply(&pb.Entry{Op: &pb.Entry_Activate{Activate: &pb.Activate{Id: id, Rebalance: rb}}})
}

// leaderDrain starts draining id: slots it serves become migrations to the
// owners the placer picks; once it holds nothing, reconcile removes it.
func (n *Node) leaderDrain(id string) (*buspb.LeaveResponse, error) {
	err := n.leaderDrainEpoch(id)
	if err != nil {
		return nil, err
	}
	return &buspb.LeaveResponse{Epoch: n.Map().Epoch}, nil
}

func (n *Node) leaderDrainEpoch(id string) error {
	r, done, err := n.leaderBegin()
	if err != nil {
		return err
	}
	defer done()
	m := n.Map()
	mb, ok := m.Member(id)
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNode, id)
	}
	switch mb.State {
	case Gone, Draining:
		return nil
	case Joining:
		return n.removeLocked(r, mb)
	}
	if !slices.ContainsFunc(m.Members, func(o Member) bool { return o.State == Active && o.ID != id }) {
		return fmt.Errorf("%w: %s", ErrLastNode, id)
	}
	p, err := n.cfg.Placer.Leave(m.placement, id)
	if err != nil {
		return fmt.Errorf("topology: placer: %w", err)
	}
	rb, err := m.diff(p, id)
	if err != nil {
		return err
	}
	if err := n.apply(&pb.Entry{Op: &pb.Entry_Drain{Drain: &pb.Drain{Id: id, Rebalance: rb}}}); err != nil {
		return err
	}
	n.log.Info("topology: node draining", "id", id, "moves", len(rb.Moves))
	n.wakeReconcile()
	return nil
}

func (n *Node) leaderSlotsMoved(slots []uint32, target string) (*buspb.SlotsMovedResponse, error) {
	_, done, err := n.leaderBegin()
	if err != nil {
		return nil, err
	}
	defer done()
	m := n.Map()
	for _, s := range slots {
		if s >= NumSlots {
			return nil, fmt.Errorf("%w: slot %d", ErrBadRequest, s)
		}
		if target == "" {
			continue
		}
		// opMu is held: no join or drain can re-plan the slot before the entry commits.
		if mg, ok := m.Migration(int(s)); ok && mg.To != target {
			return nil, fmt.Errorf("%w: slot %d now migrates to %s, not %s", ErrStaleMove, s, mg.To, target)
		} else if p := m.Primary(int(s)); !ok && (p == nil || p.ID != target) {
			return nil, fmt.Errorf("%w: slot %d is not migrating to %s", ErrStaleMove, s, target)
		}
	}
	if err := n.apply(&pb.Entry{Op: &pb.Entry_SlotsMoved{SlotsMoved: &pb.SlotsMoved{Slots: slots}}}); err != nil {
		return nil, err
	}
	n.wakeReconcile()
	return &buspb.SlotsMovedResponse{Epoch: n.Map().Epoch}, nil
}

// removeLocked marks mb gone, then takes it out of Raft. opMu held.
func (n *Node) removeLocked(r *raft.Raft, mb *Member) error {
	if err := n.apply(&pb.Entry{Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: mb.ID}}}); err != nil {
		return err
	}
	n.log.Info("topology: node removed", "id", mb.ID)
	if err := r.RemoveServer(raft.ServerID(mb.ID), 0, n.cfg.RPCTimeout).Error(); err != nil {
		return raftErr(err)
	}
	return nil
}

func (m *Map) countVoters() int {
	c := 0
	for _, mb := range m.Members {
		if mb.Voter && mb.State != Gone {
			c++
		}
	}
	return c
}

// diff turns a placement into a Rebalance: a slot whose primary stays is
// reassigned at once (replica changes, or a migration called off); a slot
// whose primary changes becomes a migration. The owners must be members
// that are not gone, and not leaving.
func (m *Map) diff(p Placement, leaving string) (*pb.Rebalance, error) {
	target := p.Owners
	if len(target) != NumSlots {
		return nil, fmt.Errorf("topology: placer returned %d slots, want %d", len(target), NumSlots)
	}
	rb := &pb.Rebalance{Placement: p.State}
	assign := make([][]uint64, NumSlots)
	marked := make([]bool, NumSlots)
	cache := make(map[string][]uint64)
	for s, ids := range target {
		key := fmt.Sprint(ids)
		tgt, ok := cache[key]
		if !ok {
			if len(ids) == 0 || len(ids) > 5 {
				return nil, fmt.Errorf("topology: placer gave slot %d %d owners", s, len(ids))
			}
			for _, id := range ids {
				i, ok := m.byID[id]
				if !ok || m.Members[i].State == Gone || id == leaving || slices.Contains(tgt, m.Members[i].JoinOrder) {
					return nil, fmt.Errorf("topology: placer gave slot %d to %q, not a member (or twice)", s, id)
				}
				tgt = append(tgt, m.Members[i].JoinOrder)
			}
			cache[key] = tgt
		}
		cur := m.slots[s]
		eff, moving := m.migrations[s]
		if !moving {
			eff = cur
		}
		if slices.Equal(tgt, eff) {
			continue
		}
		if len(cur) == 0 || cur[0] == tgt[0] {
			assign[s], marked[s] = tgt, true
			continue
		}
		rb.Moves = append(rb.Moves, &pb.Migration{Slot: uint32(s), Target: tgt})
	}
	rb.Assign = ranges(assign, func(s int) bool { return !marked[s] })
	return rb, nil
}

// Drain starts draining the member id: its slots are handed to the others
// (as migrations the migration layer carries out, reporting each with
// SlotsMoved), then it is removed from the map and from Raft. It may be
// called on any node; a follower forwards it to the leader. Draining a
// node that is draining or gone does nothing.
func (n *Node) Drain(ctx context.Context, id string) error {
	return n.retry(ctx, func() error {
		_, err := leaderCall(ctx, n, false,
			func() (*buspb.LeaveResponse, error) { return n.leaderDrain(id) },
			func(ctx context.Context, c buspb.ClusterClient) (*buspb.LeaveResponse, error) {
				return c.Leave(ctx, &buspb.LeaveRequest{Id: id, Forwarded: true})
			})
		return err
	})
}

// Leave drains this node and waits until the map shows it gone. The slots
// it served must be moved meanwhile (SlotsMoved). Close the node after.
func (n *Node) Leave(ctx context.Context) error {
	id := n.ID()
	if err := n.Drain(ctx, id); err != nil {
		return err
	}
	_, err := n.Wait(ctx, func(m *Map) bool { return isGone(m, id) })
	return err
}

// SlotsMoved records that the migrations of slots have finished: each
// slot's owners become its migration's target. Slots not in migration are
// ignored. It may be called on any node.
func (n *Node) SlotsMoved(ctx context.Context, slots ...int) error {
	return n.SlotsMovedTo(ctx, "", slots...)
}

// SlotsMovedTo is SlotsMoved for a move to the node target: it fails with
// ErrStaleMove, and changes nothing, if any of the slots is migrating to
// another node by now (a join or drain re-planned it while its keys went
// to target) or is neither migrating to nor owned by target.
func (n *Node) SlotsMovedTo(ctx context.Context, target string, slots ...int) error {
	u := make([]uint32, len(slots))
	for i, s := range slots {
		if s < 0 || s >= NumSlots {
			return fmt.Errorf("%w: slot %d", ErrBadRequest, s)
		}
		u[i] = uint32(s)
	}
	return n.retry(ctx, func() error {
		_, err := leaderCall(ctx, n, false,
			func() (*buspb.SlotsMovedResponse, error) { return n.leaderSlotsMoved(u, target) },
			func(ctx context.Context, c buspb.ClusterClient) (*buspb.SlotsMovedResponse, error) {
				return c.SlotsMoved(ctx, &buspb.SlotsMovedRequest{Slots: u, Forwarded: true, Target: target})
			})
		return err
	})
}

// retry runs call until it succeeds, fails for a reason other than the
// lack of a leader (an election, a leader that just went away), or ctx
// ends.
func (n *Node) retry(ctx context.Context, call func() error) error {
	for {
		err := call()
		if err == nil || !(errors.Is(err, ErrNoLeader) || status.Code(err) == codes.Unavailable) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-n.done:
			return ErrClosed
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// IsLeader reports whether this node is the Raft leader now.
func (n *Node) IsLeader() bool {
	r := n.raftNode()
	return r != nil && r.State() == raft.Leader
}

// Leader returns the id and bus address of the Raft leader as this node
// knows it, empty when there is none.
func (n *Node) Leader() (id, busAddr string) {
	r := n.raftNode()
	if r == nil {
		return "", ""
	}
	addr, sid := r.LeaderWithID()
	return string(sid), string(addr)
}
