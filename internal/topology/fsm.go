package topology

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"

	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

// entryVersion is the encoding version of log entries and snapshots.
const entryVersion = 1

// fsm is the Raft state machine: it applies entries to the cluster map and
// publishes each new map through an atomic pointer. Raft calls Apply,
// Snapshot and Restore from one goroutine; readers only load the pointer.
type fsm struct {
	cur atomic.Pointer[Map]

	mu sync.Mutex // guards publication order (Apply vs Restore)
}

var _ raft.FSM = (*fsm)(nil)

func newFSM() *fsm {
	f := &fsm{}
	f.cur.Store(emptyMap())
	return f
}

func (f *fsm) publish(m *Map) {
	m.index()
	old := f.cur.Swap(m)
	close(old.changed)
}

// Apply applies one log entry. It returns nil or an error: an entry that
// does not fit the map (a stale or duplicate change) changes nothing.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	var e pb.Entry
	if err := proto.Unmarshal(l.Data, &e); err != nil {
		return fmt.Errorf("topology: undecodable log entry %d: %w", l.Index, err)
	}
	if e.Version != entryVersion {
		return fmt.Errorf("topology: log entry %d has encoding version %d, this node reads %d", l.Index, e.Version, entryVersion)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.cur.Load().clone()
	if err := apply(m, &e); err != nil {
		return err
	}
	m.Epoch++
	f.publish(m)
	return nil
}

// apply changes m (a clone) by e. It must be deterministic.
func apply(m *Map, e *pb.Entry) error {
	if _, ok := e.Op.(*pb.Entry_Bootstrap); !ok && m.ClusterID == "" {
		return fmt.Errorf("%w: entry before bootstrap", ErrBadRequest)
	}
	switch op := e.Op.(type) {
	case *pb.Entry_Bootstrap:
		b := op.Bootstrap
		if m.ClusterID != "" {
			return fmt.Errorf("%w: cluster already bootstrapped", ErrBadRequest)
		}
		m.ClusterID = b.ClusterId
		m.Replicas = int(b.Replicas)
		m.Voters = int(b.Voters)
		mb := memberFromPB(b.Member)
		mb.JoinOrder = 1
		mb.State = Active
		mb.Voter = true
		m.Members = []Member{mb}
		m.nextOrder = 2
		m.slots = make([][]uint64, NumSlots)
		m.placement = b.Placement
		setRanges(m, b.Slots)
	case *pb.Entry_AddMember:
		mb := memberFromPB(op.AddMember.Member)
		if _, ok := m.byID[mb.ID]; ok {
			return fmt.Errorf("%w: %s is already a member", ErrBadRequest, mb.ID)
		}
		mb.JoinOrder = m.nextOrder
		mb.State = Joining
		m.nextOrder++
		m.Members = append(m.Members, mb)
	case *pb.Entry_UpdateMember:
		u := op.UpdateMember.Member
		i, ok := m.byID[u.Id]
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownNode, u.Id)
		}
		mb := &m.Members[i]
		mb.ClientAddr, mb.BusAddr, mb.GossipAddr, mb.Version = u.ClientAddr, u.BusAddr, u.GossipAddr, u.Version
	case *pb.Entry_Activate:
		i, ok := m.byID[op.Activate.Id]
		if !ok || m.Members[i].State != Joining {
			return fmt.Errorf("%w: %s is not joining", ErrBadRequest, op.Activate.Id)
		}
		m.Members[i].State = Active
		rebalance(m, op.Activate.Rebalance)
	case *pb.Entry_Drain:
		i, ok := m.byID[op.Drain.Id]
		if !ok || m.Members[i].State != Active {
			return fmt.Errorf("%w: %s is not active", ErrBadRequest, op.Drain.Id)
		}
		m.Members[i].State = Draining
		rebalance(m, op.Drain.Rebalance)
	case *pb.Entry_SlotsMoved:
		for _, s := range op.SlotsMoved.Slots {
			if t, ok := m.migrations[int(s)]; ok {
				m.slots[s] = t
				delete(m.migrations, int(s))
			}
		}
	case *pb.Entry_Remove:
		i, ok := m.byID[op.Remove.Id]
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownNode, op.Remove.Id)
		}
		mb := &m.Members[i]
		mb.State, mb.Voter = Gone, false
		strip(m, mb.JoinOrder)
	case *pb.Entry_SetVoter:
		i, ok := m.byID[op.SetVoter.Id]
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownNode, op.SetVoter.Id)
		}
		m.Members[i].Voter = op.SetVoter.Voter
	case *pb.Entry_SetFailed:
		i, ok := m.byID[op.SetFailed.Id]
		if !ok {
			return fmt.Errorf("%w: %s", ErrUnknownNode, op.SetFailed.Id)
		}
		m.Members[i].Failed = op.SetFailed.Failed
	default:
		return fmt.Errorf("%w: empty log entry", ErrBadRequest)
	}
	return nil
}

// setRanges gives each range's slots its owners, leaving migrations alone.
func setRanges(m *Map, rs []*pb.SlotRange) {
	for _, r := range rs {
		ow := slices.Clone(r.Owners)
		for s := r.Start; s <= r.End && s < NumSlots; s++ {
			m.slots[s] = ow
		}
	}
}

func rebalance(m *Map, rb *pb.Rebalance) {
	if rb == nil {
		return
	}
	if rb.Placement != nil {
		m.placement = rb.Placement
	}
	for _, r := range rb.Assign {
		for s := r.Start; s <= r.End && s < NumSlots; s++ {
			delete(m.migrations, int(s))
		}
	}
	setRanges(m, rb.Assign)
	for _, mv := range rb.Moves {
		if mv.Slot >= NumSlots {
			continue
		}
		if m.migrations == nil {
			m.migrations = make(map[int][]uint64)
		}
		m.migrations[int(mv.Slot)] = slices.Clone(mv.Target)
	}
}

// strip takes member order o out of every owner list where it is a
// replica and out of migration targets. The leader removes a member only
// once it holds nothing, so this is a safety net.
func strip(m *Map, o uint64) {
	for s, ow := range m.slots {
		if i := slices.Index(ow, o); i > 0 {
			m.slots[s] = slices.Delete(slices.Clone(ow), i, i+1)
		}
	}
	for s, t := range m.migrations {
		if slices.Contains(t, o) {
			delete(m.migrations, s)
		}
	}
}

// Snapshot implements raft.FSM. The map is immutable, so the snapshot just
// keeps the pointer.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{m: f.cur.Load()}, nil
}

// Restore implements raft.FSM.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("topology: read snapshot: %w", err)
	}
	var cm pb.ClusterMap
	if err := proto.Unmarshal(data, &cm); err != nil {
		return fmt.Errorf("topology: decode snapshot: %w", err)
	}
	m, err := mapFromPB(&cm)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publish(m)
	return nil
}

type fsmSnapshot struct{ m *Map }

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	data, err := proto.Marshal(mapToPB(s.m))
	if err == nil {
		_, err = sink.Write(data)
	}
	if err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}

func memberToPB(m *Member) *pb.Member {
	return &pb.Member{
		Id: m.ID, ClientAddr: m.ClientAddr, BusAddr: m.BusAddr, GossipAddr: m.GossipAddr,
		Version: m.Version, Voter: m.Voter, State: pb.State(m.State), JoinOrder: m.JoinOrder,
		Failed: m.Failed,
	}
}

func memberFromPB(p *pb.Member) Member {
	if p == nil {
		return Member{}
	}
	return Member{
		ID: p.Id, ClientAddr: p.ClientAddr, BusAddr: p.BusAddr, GossipAddr: p.GossipAddr,
		Version: p.Version, Voter: p.Voter, State: State(p.State), JoinOrder: p.JoinOrder,
		Failed: p.Failed,
	}
}

// ranges compresses per-slot owner lists into runs of equal owners; slots
// with a nil entry in want are skipped.
func ranges(want [][]uint64, skip func(s int) bool) []*pb.SlotRange {
	var out []*pb.SlotRange
	for s := 0; s < len(want); s++ {
		if skip != nil && skip(s) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == uint32(s-1) && slices.Equal(out[n-1].Owners, want[s]) {
			out[n-1].End = uint32(s)
			continue
		}
		out = append(out, &pb.SlotRange{Start: uint32(s), End: uint32(s), Owners: want[s]})
	}
	return out
}

func mapToPB(m *Map) *pb.ClusterMap {
	cm := &pb.ClusterMap{
		Version: entryVersion, ClusterId: m.ClusterID, Epoch: m.Epoch,
		Replicas: uint32(m.Replicas), Voters: uint32(m.Voters), NextOrder: m.nextOrder,
		Placement: m.placement,
	}
	for i := range m.Members {
		cm.Members = append(cm.Members, memberToPB(&m.Members[i]))
	}
	if m.slots != nil {
		cm.Slots = ranges(m.slots, nil)
	}
	for s, t := range m.migrations {
		cm.Migrations = append(cm.Migrations, &pb.Migration{Slot: uint32(s), Target: t})
	}
	slices.SortFunc(cm.Migrations, func(a, b *pb.Migration) int { return int(a.Slot) - int(b.Slot) })
	return cm
}

func mapFromPB(cm *pb.ClusterMap) (*Map, error) {
	if cm.Version != entryVersion {
		return nil, fmt.Errorf("topology: snapshot has encoding version %d, this node reads %d", cm.Version, entryVersion)
	}
	m := &Map{
		ClusterID: cm.ClusterId, Epoch: cm.Epoch, Replicas: int(cm.Replicas),
		Voters: int(cm.Voters), nextOrder: cm.NextOrder, placement: cm.Placement,
		changed: make(chan struct{}),
	}
	for _, p := range cm.Members {
		m.Members = append(m.Members, memberFromPB(p))
	}
	if m.ClusterID != "" {
		m.slots = make([][]uint64, NumSlots)
		setRanges(m, cm.Slots)
	}
	for _, mg := range cm.Migrations {
		if m.migrations == nil {
			m.migrations = make(map[int][]uint64)
		}
		if mg.Slot < NumSlots {
			m.migrations[int(mg.Slot)] = mg.Target
		}
	}
	return m, nil
}
