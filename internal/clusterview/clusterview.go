// Package clusterview describes the cluster map as the command layer sees it
// (nodes, their addresses and slot ranges, the owner of each slot and the
// slots in flight), and holds Static, an implementation of that view over a
// map given by the caller: the one-node cluster a lone node starts as, and
// hand-made maps for tests.
//
// View is the interface the command layer routes by; internal/migrate wraps
// it with the node's slot moves, and the control plane keeps a Static
// current with the Raft cluster map (internal/topology).
package clusterview

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
)

// NumSlots is the number of Redis Cluster hash slots.
const NumSlots = 16384

// IDLen is the length of a node ID: 40 lower-case hex characters, as in
// Redis Cluster.
const IDLen = 40

// ErrInvalidMap is returned by NewStatic and Static.Set for a map that is not
// self-consistent; the error wrapping it says why.
var ErrInvalidMap = errors.New("clusterview: invalid map")

// View is the cluster map as the command layer needs it: who this node
// is, which node serves a slot and at which client address, the slots in
// flight, and the member list for CLUSTER NODES, SLOTS and SHARDS.
//
// Implementations must be safe for concurrent use and must not block: every
// method is called from any connection's goroutine, Slot and OwnsAll on the
// path of every keyed command, so they answer from an in-memory snapshot (an
// atomic pointer swapped when the map changes, as Static does).
// Values and nodes handed out are never modified afterwards; the caller does
// not modify them either. Consecutive calls may see different versions of
// the map; each answer must be self-consistent.
type View interface {
	// MyID returns this node's ID: 40 lower-case hex characters, the same
	// for the life of the view.
	MyID() string
	// Epoch returns the cluster's current epoch (CLUSTER INFO's
	// cluster_current_epoch); it only grows.
	Epoch() uint64
	// OwnsAll reports whether this node serves all 16384 slots and none is
	// migrating or importing, as a cluster of one does. The command layer
	// then skips the per-key slot lookup and checks only CROSSSLOT.
	OwnsAll() bool
	// Slot returns where slot (below 16384) lives: its owner, whether that
	// is this node, and the node it migrates to or is imported from.
	Slot(slot uint16) Slot
	// Nodes returns every member, this node included, in the order CLUSTER
	// NODES lists them. Their Slots agree with Slot: CLUSTER INFO and NODES
	// read the ranges, CLUSTER SLOTS, SHARDS and the redirections Slot.
	Nodes() []Node
}

var _ View = (*Static)(nil)

// SlotRange is the slots Start to End, both included, of a primary.
type SlotRange struct {
	Start, End uint16
	// Replicas are the IDs of the other nodes holding copies of these
	// slots, in order: Larder places replicas per slot, so a node may be
	// the primary of some slots and a replica of others. Empty: the nodes
	// whose Primary is the range's node, if any.
	Replicas []string
}

// Node is one member of the cluster as CLUSTER NODES, SLOTS and SHARDS
// report it. A Node handed out by a view must not be modified.
type Node struct {
	// ID is the node's 40-character hex ID.
	ID string
	// Host is the address clients reach the node at: an IP address or a
	// host name. Empty only for this node, and then it means "the address
	// the client connected to" (a node bound to every interface does not
	// know which of its addresses a client can reach).
	Host string
	// Port is the node's client (RESP) port.
	Port int
	// BusPort is the node's cluster-bus port (CLUSTER NODES shows
	// host:port@busport).
	BusPort int
	// Hostname, when set, is reported next to the address (CLUSTER NODES,
	// SHARDS and the metadata of CLUSTER SLOTS), as Redis's
	// cluster-announce-hostname is.
	Hostname string
	// Primary is the ID of the primary this node replicates as a whole,
	// Redis-style (it then serves no slots of its own); "" for a node that
	// serves slots, or none yet. Per-slot replicas are SlotRange.Replicas.
	Primary string
	// Failed marks a node the cluster agrees is down (flag "fail");
	// Suspected one this node cannot reach (flag "fail?").
	Failed, Suspected bool
	// ConfigEpoch is the epoch of the node's last slot change.
	ConfigEpoch uint64
	// ReplOffset is the node's replication offset. A replica at 0 has not
	// synchronised yet: as in Redis, CLUSTER SHARDS reports it "loading"
	// and CLUSTER SLOTS leaves it out, so clients do not read from it.
	ReplOffset int64
	// Slots are the slots a primary serves: ascending, not overlapping.
	Slots []SlotRange
}

// Slot is where one slot lives, as this node sees it.
type Slot struct {
	// Owner is the primary serving the slot, nil when no node does (the
	// command layer then answers CLUSTERDOWN).
	Owner *Node
	// Local reports whether Owner is this node.
	Local bool
	// Replicas are the other nodes holding copies of the slot (see
	// SlotRange.Replicas).
	Replicas []*Node
	// MigratingTo is the node the slot is moving to, when this node owns
	// it and it is in flight; nil otherwise. Keys this node no longer has
	// are answered with ASK to it.
	MigratingTo *Node
	// ImportingFrom is the node the slot is coming from, when it is in
	// flight to this node; nil otherwise. This node then serves the slot to
	// clients that sent ASKING.
	ImportingFrom *Node
}

// Map is a whole cluster map, as given to NewStatic.
type Map struct {
	// Me is this node's ID; it must be the ID of one of Nodes.
	Me string
	// Epoch is the cluster's current epoch (cluster_current_epoch).
	Epoch uint64
	// Nodes are every member, this node included, in the order CLUSTER
	// NODES lists them.
	Nodes []Node
	// Migrating maps a slot this node owns to the ID of the node it is
	// moving to; Importing maps a slot owned by another node to the ID of
	// that node, the slot moving here.
	Migrating, Importing map[uint16]string
}

// NewID returns a random node ID: 40 lower-case hex characters.
func NewID() string {
	var b [IDLen / 2]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Single returns the map of a cluster of one: node id, reached at host:port
// (host "" meaning the address a client connected to), serving every slot.
// The bus port is port+10000, as DESIGN.md sets it.
func Single(id, host string, port int) Map {
	return Map{
		Me: id,
		Nodes: []Node{{
			ID: id, Host: host, Port: port, BusPort: port + 10000,
			Slots: []SlotRange{{Start: 0, End: NumSlots - 1}},
		}},
	}
}

// Static is a view of a map that changes only when Set is called. It is safe
// for concurrent use; a change is seen at once by every method (one atomic
// load).
type Static struct {
	snap atomic.Pointer[snapshot]
}

// snapshot is a Map checked and indexed for lookups. It never changes.
type snapshot struct {
	me    int // index of this node in nodes
	epoch uint64
	nodes []Node
	// slots holds, for each slot, 1 + the index in nodes of its owner (0:
	// none), with inFlight set when the slot is migrating or importing; 32
	// KiB, so that lookups of random slots stay in the CPU caches.
	slots [NumSlots]uint16
	// reps holds, for each slot, the index in repSets of its replicas (0:
	// none).
	reps    [NumSlots]uint16
	repSets [][]*Node
	moves   map[uint16]Slot // the slots in flight
	ownsAll bool
}

// inFlight marks a slot of snapshot.slots that is in snapshot.moves.
const inFlight = 1 << 15

// NewStatic returns a view of m, which it copies.
func NewStatic(m Map) (*Static, error) {
	s := new(Static)
	if err := s.Set(m); err != nil {
		return nil, err
	}
	return s, nil
}

// Set replaces the map the view shows with m, which it copies. An invalid
// map is refused (ErrInvalidMap) and the view is left as it was.
func (s *Static) Set(m Map) error {
	sn, err := build(m)
	if err != nil {
		return err
	}
	s.snap.Store(sn)
	return nil
}

// MyID returns this node's ID.
func (s *Static) MyID() string {
	sn := s.snap.Load()
	return sn.nodes[sn.me].ID
}

// Epoch returns the cluster's current epoch.
func (s *Static) Epoch() uint64 { return s.snap.Load().epoch }

// OwnsAll reports whether this node serves every slot and none is in flight.
func (s *Static) OwnsAll() bool { return s.snap.Load().ownsAll }

// Slot returns where slot lives. slot must be below NumSlots.
func (s *Static) Slot(slot uint16) Slot {
	sn := s.snap.Load()
	v := sn.slots[slot&(NumSlots-1)]
	switch {
	case v&inFlight != 0:
		return sn.moves[slot]
	case v == 0:
		return Slot{}
	}
	return sn.slot(slot, v)
}

// slot returns the stable state of slot, whose entry in slots is v (not 0).
func (sn *snapshot) slot(slot, v uint16) Slot {
	v &^= inFlight
	return Slot{Owner: &sn.nodes[v-1], Local: int(v-1) == sn.me, Replicas: sn.repSets[sn.reps[slot]]}
}

// Nodes returns every node, this one included. The caller must not modify
// the slice or the nodes.
func (s *Static) Nodes() []Node { return s.snap.Load().nodes }

func build(m Map) (*snapshot, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidMap, fmt.Sprintf(format, args...))
	}
	if len(m.Nodes) >= inFlight-1 {
		return nil, bad("%d nodes", len(m.Nodes))
	}
	sn := &snapshot{me: -1, epoch: m.Epoch, nodes: make([]Node, len(m.Nodes))}
	byID := make(map[string]int, len(m.Nodes))
	for i, n := range m.Nodes {
		if !validID(n.ID) {
			return nil, bad("node ID %q is not 40 hex characters", n.ID)
		}
		if _, dup := byID[n.ID]; dup {
			return nil, bad("node ID %s appears twice", n.ID)
		}
		if n.Port < 0 || n.Port > 65535 {
			return nil, bad("node %s has port %d", n.ID, n.Port)
		}
		n.Slots = append([]SlotRange(nil), n.Slots...)
		for j := range n.Slots {
			n.Slots[j].Replicas = append([]string(nil), n.Slots[j].Replicas...)
		}
		sort.Slice(n.Slots, func(a, b int) bool { return n.Slots[a].Start < n.Slots[b].Start })
		sn.nodes[i] = n
		byID[n.ID] = i
	}
	var ok bool
	if sn.me, ok = byID[m.Me]; !ok {
		return nil, bad("this node's ID %q is not among the nodes", m.Me)
	}
	sn.repSets = [][]*Node{nil}
	for i := range sn.nodes {
		n := &sn.nodes[i]
		if n.Primary != "" {
			if _, ok := byID[n.Primary]; !ok || n.Primary == n.ID {
				return nil, bad("node %s replicates unknown node %s", n.ID, n.Primary)
			}
			if len(n.Slots) > 0 {
				return nil, bad("replica %s has slots", n.ID)
			}
		}
		for _, r := range n.Slots {
			if r.Start > r.End || r.End >= NumSlots {
				return nil, bad("node %s has slot range %d-%d", n.ID, r.Start, r.End)
			}
			reps, err := sn.replicas(n, r, byID)
			if err != nil {
				return nil, bad("%v", err)
			}
			set := 0
			if len(reps) > 0 {
				if len(sn.repSets) >= 1<<16 {
					return nil, bad("too many replica sets")
				}
				set = len(sn.repSets)
				sn.repSets = append(sn.repSets, reps)
			}
			for sl := int(r.Start); sl <= int(r.End); sl++ {
				if o := sn.slots[sl]; o != 0 {
					return nil, bad("slot %d is served by both %s and %s", sl, sn.nodes[o-1].ID, n.ID)
				}
				sn.slots[sl] = uint16(i + 1)
				sn.reps[sl] = uint16(set)
			}
		}
	}
	sn.moves = make(map[uint16]Slot, len(m.Migrating)+len(m.Importing))
	move := func(sl uint16) Slot {
		if r, ok := sn.moves[sl]; ok {
			return r
		}
		if v := sn.slots[sl]; v != 0 {
			return sn.slot(sl, v)
		}
		return Slot{}
	}
	for sl, to := range m.Migrating {
		i, ok := byID[to]
		if sl >= NumSlots || !ok || int(sn.slots[sl])-1 != sn.me || i == sn.me {
			return nil, bad("slot %d cannot migrate from this node to %q", sl, to)
		}
		r := move(sl)
		r.MigratingTo = &sn.nodes[i]
		sn.moves[sl] = r
	}
	for sl, from := range m.Importing {
		i, ok := byID[from]
		if sl >= NumSlots || !ok || int(sn.slots[sl])-1 == sn.me || i == sn.me {
			return nil, bad("slot %d cannot be imported from %q", sl, from)
		}
		r := move(sl)
		r.ImportingFrom = &sn.nodes[i]
		sn.moves[sl] = r
	}
	for sl := range sn.moves {
		sn.slots[sl] |= inFlight
	}
	sn.ownsAll = len(sn.moves) == 0
	for _, v := range sn.slots {
		if int(v)-1 != sn.me {
			sn.ownsAll = false
			break
		}
	}
	return sn, nil
}

// replicas returns the replicas of range r of primary n: r.Replicas, or the
// nodes replicating n as a whole.
func (sn *snapshot) replicas(n *Node, r SlotRange, byID map[string]int) ([]*Node, error) {
	var out []*Node
	if len(r.Replicas) == 0 {
		for i := range sn.nodes {
			if sn.nodes[i].Primary == n.ID {
				out = append(out, &sn.nodes[i])
			}
		}
		return out, nil
	}
	for _, id := range r.Replicas {
		i, ok := byID[id]
		if !ok || id == n.ID {
			return nil, fmt.Errorf("slots %d-%d of %s have replica %q", r.Start, r.End, n.ID, id)
		}
		for _, o := range out {
			if o.ID == id {
				return nil, fmt.Errorf("slots %d-%d of %s have replica %s twice", r.Start, r.End, n.ID, id)
			}
		}
		out = append(out, &sn.nodes[i])
	}
	return out, nil
}

// validID reports whether id is 40 hex characters.
func validID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
