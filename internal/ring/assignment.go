package ring

import (
	"errors"
	"fmt"
	"slices"
)

// NumSlots is the number of Redis Cluster hash slots (the same as engine.NumSlots).
const NumSlots = 16384

// Limits on the settings.
const (
	MaxRF      = 5     // most owners (primary and replicas) a slot can have
	MaxVNodes  = 1024  // most virtual nodes per unit of weight
	MaxWeight  = 100   // largest Member.Weight
	MaxMembers = 16383 // most members an Assignment can hold
)

// DefaultVNodes is the number of virtual nodes per unit of weight when Config.VNodes is 0.
const DefaultVNodes = 64

// none marks an owner position that is not in use.
const none = 0xFFFF

// Errors returned by New, Build, Join, Leave, WithRF and UnmarshalBinary; test with errors.Is.
var (
	ErrConfig     = errors.New("ring: invalid config")
	ErrMember     = errors.New("ring: invalid member")
	ErrDuplicate  = errors.New("ring: member already present")
	ErrUnknown    = errors.New("ring: no such member")
	ErrLastMember = errors.New("ring: cannot remove the last member")
	ErrTooMany    = errors.New("ring: too many members")
	ErrCorrupt    = errors.New("ring: corrupt assignment")
)

// Config holds the placement settings. The zero value is valid: one owner per slot and
// DefaultVNodes virtual nodes per unit of weight.
type Config struct {
	// RF is the replication factor: each slot has a primary and RF-1 replicas, all on
	// distinct nodes (fewer while the cluster has fewer than RF members). 1 to MaxRF;
	// default (0) 1.
	RF int
	// VNodes is the number of virtual nodes on the ring per unit of member weight. It decides
	// which slots move, not how many: more gives a finer choice, fewer gives longer runs of
	// consecutive slots. 1 to MaxVNodes; default (0) DefaultVNodes.
	VNodes int
}

// withDefaults returns c with its defaults filled in, or an error naming the bad setting.
func (c Config) withDefaults() (Config, error) {
	if c.RF == 0 {
		c.RF = 1
	}
	if c.VNodes == 0 {
		c.VNodes = DefaultVNodes
	}
	if c.RF < 1 || c.RF > MaxRF {
		return c, fmt.Errorf("%w: RF %d not in 1..%d", ErrConfig, c.RF, MaxRF)
	}
	if c.VNodes < 1 || c.VNodes > MaxVNodes {
		return c, fmt.Errorf("%w: VNodes %d not in 1..%d", ErrConfig, c.VNodes, MaxVNodes)
	}
	return c, nil
}

// Member is a node of the cluster as placement sees it.
type Member struct {
	// ID identifies the node: any non-empty string, in Larder the 40 hex characters of a
	// Redis Cluster node ID. Its virtual-node positions are hashed from it.
	ID string
	// Weight is the node's capacity relative to the others: its fair share of slots is
	// NumSlots*Weight/(sum of weights). 1 to MaxWeight; default (0) 1.
	Weight int
}

func (m Member) withDefaults() (Member, error) {
	if m.Weight == 0 {
		m.Weight = 1
	}
	if m.ID == "" {
		return m, fmt.Errorf("%w: empty ID", ErrMember)
	}
	if m.Weight < 1 || m.Weight > MaxWeight {
		return m, fmt.Errorf("%w: %q: Weight %d not in 1..%d", ErrMember, m.ID, m.Weight, MaxWeight)
	}
	return m, nil
}

// Assignment maps every slot to its owners: a primary and up to RF-1 replicas, on distinct
// members. An Assignment is immutable: Join and Leave return a new one and leave their
// argument as it was, so one Assignment may be read by many goroutines at once.
//
// Members are kept in join order, which is part of the state: two assignments with the same
// members reached by different histories may differ (see the package doc).
//
// The zero Assignment is the empty one New(Config{}) returns.
type Assignment struct {
	cfg     Config
	members []Member
	// owners[s*cfg.RF+k] is the index in members of slot s's owner of rank k (0 the primary),
	// or none when the slot has fewer owners than RF (only while len(members) < RF).
	owners []uint16
}

// New returns the assignment of a cluster with no members: no slot has an owner. Join the
// first member to it to bootstrap a cluster.
func New(cfg Config) (*Assignment, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	a := &Assignment{cfg: cfg, owners: make([]uint16, NumSlots*cfg.RF)}
	for i := range a.owners {
		a.owners[i] = none
	}
	return a, nil
}

// orEmpty returns a, or the assignment New(Config{}) returns if a is the zero Assignment.
func (a *Assignment) orEmpty() *Assignment {
	if a.cfg.RF != 0 {
		return a
	}
	e, _ := New(Config{})
	return e
}

// clone returns a deep copy of a.
func (a *Assignment) clone() *Assignment {
	return &Assignment{cfg: a.cfg, members: slices.Clone(a.members), owners: slices.Clone(a.owners)}
}

// Config returns the settings of a, defaults filled in.
func (a *Assignment) Config() Config { return a.orEmpty().cfg }

// Len returns the number of members.
func (a *Assignment) Len() int { return len(a.members) }

// Members returns the members in join order, weights filled in. The caller owns the slice.
func (a *Assignment) Members() []Member { return slices.Clone(a.members) }

// Has reports whether a node with the given ID is a member.
func (a *Assignment) Has(id string) bool { return a.index(id) >= 0 }

func (a *Assignment) index(id string) int {
	for i, m := range a.members {
		if m.ID == id {
			return i
		}
	}
	return -1
}

// active returns the number of owners each slot has: min(RF, members).
func (a *Assignment) active() int { return min(a.cfg.RF, len(a.members)) }

func (a *Assignment) at(s, k int) uint16 { return a.owners[s*a.cfg.RF+k] }

func (a *Assignment) set(s, k int, i uint16) { a.owners[s*a.cfg.RF+k] = i }

// owns reports whether member i is an owner of slot s in one of the ranks [from, to).
func (a *Assignment) owns(s int, i uint16, from, to int) bool {
	for k := from; k < to; k++ {
		if a.at(s, k) == i {
			return true
		}
	}
	return false
}

// Primary returns the ID of the slot's primary, or "" if a has no members. It panics if slot
// is not in [0, NumSlots).
func (a *Assignment) Primary(slot int) string {
	if len(a.members) == 0 {
		_ = a.orEmpty().at(slot, 0) // the same panic for a bad slot
		return ""
	}
	i := a.at(slot, 0)
	if i == none {
		return ""
	}
	return a.members[i].ID
}

// Owners returns the IDs of the slot's owners: the primary first, then the replicas in rank
// order. It has min(RF, Len()) entries. It panics if slot is not in [0, NumSlots).
func (a *Assignment) Owners(slot int) []string {
	return a.AppendOwners(make([]string, 0, a.active()), slot)
}

// AppendOwners appends the IDs of the slot's owners to dst, as Owners returns them, and returns
// the extended slice.
func (a *Assignment) AppendOwners(dst []string, slot int) []string {
	for k := 0; k < a.active(); k++ {
		dst = append(dst, a.members[a.at(slot, k)].ID)
	}
	return dst
}

// Slots returns, in ascending order, the slots of which the node with the given ID is the
// owner of the given rank (0 the primary, 1 the first replica, ...). It is empty if the node
// is not a member or rank is not in [0, RF).
func (a *Assignment) Slots(id string, rank int) []int {
	i := a.index(id)
	if i < 0 || rank < 0 || rank >= a.cfg.RF {
		return nil
	}
	var slots []int
	for s := range NumSlots {
		if a.at(s, rank) == uint16(i) {
			slots = append(slots, s)
		}
	}
	return slots
}

// Counts returns, for each member in Members order, the number of slots it owns at the given
// rank (0: primaries).
func (a *Assignment) Counts(rank int) []int {
	c := make([]int, len(a.members))
	if rank < 0 || rank >= a.cfg.RF {
		return c
	}
	for s := range NumSlots {
		if i := a.at(s, rank); i != none {
			c[i]++
		}
	}
	return c
}

// Balance returns the largest ratio, over the members, of the number of slots a member owns
// at the given rank to its fair share NumSlots*Weight/(sum of weights). It is 1 for a perfect
// balance and 0 when a has no members.
func (a *Assignment) Balance(rank int) float64 {
	c := a.Counts(rank)
	w := 0
	for _, m := range a.members {
		w += m.Weight
	}
	worst := 0.0
	for i, m := range a.members {
		fair := float64(NumSlots) * float64(m.Weight) / float64(w)
		worst = max(worst, float64(c[i])/fair)
	}
	return worst
}

// Range is a run of consecutive slots with the same owners.
type Range struct {
	Start, End int      // first and last slot, inclusive
	Owners     []string // primary first, as Owners returns
}

// Ranges returns the runs of consecutive slots with the same owners, in slot order, as
// CLUSTER SLOTS and CLUSTER SHARDS report them. It is empty if a has no members.
func (a *Assignment) Ranges() []Range {
	if len(a.members) == 0 {
		return nil
	}
	var rs []Range
	rf := a.cfg.RF
	start := 0
	for s := 1; s <= NumSlots; s++ {
		if s < NumSlots && slices.Equal(a.owners[s*rf:(s+1)*rf], a.owners[start*rf:(start+1)*rf]) {
			continue
		}
		rs = append(rs, Range{Start: start, End: s - 1, Owners: a.Owners(start)})
		start = s
	}
	return rs
}

// Equal reports whether a and b have the same settings, members in the same order, and
// owners.
func (a *Assignment) Equal(b *Assignment) bool {
	a, b = a.orEmpty(), b.orEmpty()
	return a.cfg == b.cfg && slices.Equal(a.members, b.members) && slices.Equal(a.owners, b.owners)
}

// Check verifies the invariants of a: valid settings and members, unique IDs, and every slot
// owned by exactly min(RF, Len()) distinct members. It does not check balance (see Balance).
// UnmarshalBinary calls it; use it on an assignment from an untrusted source.
func (a *Assignment) Check() error {
	a = a.orEmpty()
	if c, err := a.cfg.withDefaults(); err != nil {
		return err
	} else if c != a.cfg {
		return fmt.Errorf("%w: settings without defaults", ErrCorrupt)
	}
	if len(a.members) > MaxMembers {
		return fmt.Errorf("%w: %d members", ErrTooMany, len(a.members))
	}
	seen := make(map[string]bool, len(a.members))
	for _, m := range a.members {
		if mm, err := m.withDefaults(); err != nil {
			return err
		} else if mm != m {
			return fmt.Errorf("%w: member %q without defaults", ErrCorrupt, m.ID)
		}
		if seen[m.ID] {
			return fmt.Errorf("%w: %q", ErrDuplicate, m.ID)
		}
		seen[m.ID] = true
	}
	if len(a.owners) != NumSlots*a.cfg.RF {
		return fmt.Errorf("%w: %d owner entries, want %d", ErrCorrupt, len(a.owners), NumSlots*a.cfg.RF)
	}
	n := a.active()
	for s := range NumSlots {
		for k := range a.cfg.RF {
			i := a.at(s, k)
			switch {
			case k >= n && i != none:
				return fmt.Errorf("%w: slot %d has more than %d owners", ErrCorrupt, s, n)
			case k < n && int(i) >= len(a.members):
				return fmt.Errorf("%w: slot %d owner %d: no such member", ErrCorrupt, s, k)
			case k < n && a.owns(s, i, 0, k):
				return fmt.Errorf("%w: slot %d: %q is owner twice", ErrCorrupt, s, a.members[i].ID)
			}
		}
	}
	return nil
}
