package topology

import (
	"slices"

	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

// NumSlots is the number of hash slots, as in Redis Cluster.
const NumSlots = 16384

// State is where a member is in its life in the cluster.
type State int

// Member states.
const (
	// Joining: added to Raft, not yet given slots.
	Joining State = State(pb.State_STATE_JOINING)
	// Active: a full member; placement gives it slots.
	Active State = State(pb.State_STATE_ACTIVE)
	// Draining: leaving; its slots are being handed off.
	Draining State = State(pb.State_STATE_DRAINING)
	// Gone: removed from the cluster. Kept as a tombstone so the node
	// cannot come back with its old identity.
	Gone State = State(pb.State_STATE_GONE)
)

func (s State) String() string {
	switch s {
	case Joining:
		return "joining"
	case Active:
		return "active"
	case Draining:
		return "draining"
	case Gone:
		return "gone"
	}
	return "unknown"
}

// Member is one node as the cluster map records it.
type Member struct {
	ID         string // 40 hex digits
	ClientAddr string // RESP address
	BusAddr    string // cluster-bus address (gRPC and Raft)
	GossipAddr string // memberlist address
	Version    string // Larder release
	Voter      bool   // a Raft voter
	State      State
	JoinOrder  uint64 // 1 for the bootstrap node, then 2, 3, ...; never reused
	Failed     bool   // gossip reports it dead
}

// Migration is a slot on its way to new owners. Until the move finishes
// (Node.SlotsMoved) the slot's owners are unchanged: From still serves it.
type Migration struct {
	Slot   int
	From   string   // primary now
	To     string   // primary once moved
	Target []string // owners once moved, primary first
}

// Map is an immutable snapshot of the cluster map. A *Map returned by
// Node.Map is never modified, so it may be read from any goroutine without
// locks; a change publishes a new Map.
type Map struct {
	// ClusterID identifies the cluster: 32 hex digits drawn at bootstrap.
	// Empty before the node has a map.
	ClusterID string
	// Epoch counts the changes applied to the map; it grows by one with
	// every Raft entry.
	Epoch uint64
	// Replicas is the replication factor RF (1..5): owners per slot.
	Replicas int
	// Voters is the number of Raft voters the cluster keeps (1, 3 or 5).
	Voters int
	// Members lists every member, gone ones included, in join order.
	// Do not modify.
	Members []Member

	nextOrder  uint64
	placement  []byte           // the Placer's state
	slots      [][]uint64       // NumSlots entries (nil before bootstrap): owner join orders
	migrations map[int][]uint64 // slot -> target owners
	byID       map[string]int   // id -> index in Members
	byOrder    map[uint64]int   // join order -> index in Members
	primary    []int32          // slot -> index in Members, -1 when unowned
	changed    chan struct{}    // closed when a newer Map is published
}

func emptyMap() *Map {
	m := &Map{changed: make(chan struct{})}
	m.index()
	return m
}

// Member returns the member with the given id.
func (m *Map) Member(id string) (*Member, bool) {
	i, ok := m.byID[id]
	if !ok {
		return nil, false
	}
	return &m.Members[i], true
}

// Primary returns the member that serves slot, or nil when the slot has no
// owner (before bootstrap). It does not allocate.
func (m *Map) Primary(slot int) *Member {
	if slot < 0 || slot >= len(m.primary) || m.primary[slot] < 0 {
		return nil
	}
	return &m.Members[m.primary[slot]]
}

// Owners returns the ids of slot's owners, primary first, then replicas.
func (m *Map) Owners(slot int) []string {
	if slot < 0 || slot >= len(m.slots) {
		return nil
	}
	return m.ids(m.slots[slot])
}

// Migration returns the migration of slot, if it is moving.
func (m *Map) Migration(slot int) (Migration, bool) {
	t, ok := m.migrations[slot]
	if !ok {
		return Migration{}, false
	}
	mg := Migration{Slot: slot, Target: m.ids(t)}
	if p := m.Primary(slot); p != nil {
		mg.From = p.ID
	}
	if len(mg.Target) > 0 {
		mg.To = mg.Target[0]
	}
	return mg, true
}

// MovingTo returns the member slot is migrating to, or nil when the slot
// is not in flight. It does not allocate: the hot-path form of Migration.
func (m *Map) MovingTo(slot int) *Member {
	t, ok := m.migrations[slot]
	if !ok || len(t) == 0 {
		return nil
	}
	i, ok := m.byOrder[t[0]]
	if !ok {
		return nil
	}
	return &m.Members[i]
}

// Migrations returns every slot in migration, by slot.
func (m *Map) Migrations() []Migration {
	out := make([]Migration, 0, len(m.migrations))
	for s := range m.migrations {
		mg, _ := m.Migration(s)
		out = append(out, mg)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Slot - b.Slot })
	return out
}

// Slots returns the slots whose primary is id, ascending.
func (m *Map) Slots(id string) []int {
	i, ok := m.byID[id]
	if !ok {
		return nil
	}
	var out []int
	for s, p := range m.primary {
		if int(p) == i {
			out = append(out, s)
		}
	}
	return out
}

// GossipAddrs returns the gossip addresses of the members other than
// except that are not gone: what a node passes to memberlist's Join.
func (m *Map) GossipAddrs(except string) []string {
	var out []string
	for _, mb := range m.Members {
		if mb.ID != except && mb.State != Gone && mb.GossipAddr != "" {
			out = append(out, mb.GossipAddr)
		}
	}
	return out
}

// Changed returns a channel that is closed when a newer Map replaces m.
func (m *Map) Changed() <-chan struct{} { return m.changed }

func (m *Map) ids(orders []uint64) []string {
	out := make([]string, 0, len(orders))
	for _, o := range orders {
		if i, ok := m.byOrder[o]; ok {
			out = append(out, m.Members[i].ID)
		}
	}
	return out
}

// holds reports whether member order o owns or is about to own any slot.
func (m *Map) holds(o uint64) bool {
	for _, ow := range m.slots {
		if slices.Contains(ow, o) {
			return true
		}
	}
	for _, t := range m.migrations {
		if slices.Contains(t, o) {
			return true
		}
	}
	return false
}

// clone returns a copy that may be changed; slices of owners are shared
// and must be replaced, never written.
func (m *Map) clone() *Map {
	c := &Map{
		ClusterID: m.ClusterID,
		Epoch:     m.Epoch,
		Replicas:  m.Replicas,
		Voters:    m.Voters,
		Members:   slices.Clone(m.Members),
		nextOrder: m.nextOrder,
		placement: m.placement, // never written, only replaced
		slots:     slices.Clone(m.slots),
		byID:      m.byID,    // read-only until index, positions unchanged
		byOrder:   m.byOrder, // likewise
		changed:   make(chan struct{}),
	}
	if len(m.migrations) > 0 {
		c.migrations = make(map[int][]uint64, len(m.migrations))
		for s, t := range m.migrations {
			c.migrations[s] = t
		}
	}
	return c
}

// index rebuilds the lookup tables after a change.
func (m *Map) index() {
	m.byID = make(map[string]int, len(m.Members))
	m.byOrder = make(map[uint64]int, len(m.Members))
	for i, mb := range m.Members {
		m.byID[mb.ID] = i
		m.byOrder[mb.JoinOrder] = i
	}
	if m.slots == nil {
		m.primary = nil
		return
	}
	m.primary = make([]int32, NumSlots)
	for s, ow := range m.slots {
		m.primary[s] = -1
		if len(ow) > 0 {
			if i, ok := m.byOrder[ow[0]]; ok {
				m.primary[s] = int32(i)
			}
		}
	}
}

func orderKey(o []uint64) string {
	b := make([]byte, 0, 8*len(o))
	for _, v := range o {
		b = append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
	}
	return string(b)
}
