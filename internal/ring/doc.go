// Package ring places Larder's NumSlots hash slots on the cluster's nodes: for every slot a
// primary and up to RF-1 replicas, on distinct nodes. It is pure and deterministic: no
// goroutines, no clock, no randomness, no map iteration; the same inputs give the same
// Assignment on every machine.
//
// # The guarantees
//
// For members of equal weight (the tests check them for 1 to 100 members, RF 1 to 5, and
// random sequences of joins and leaves):
//
//   - Balance: every member owns floor or ceil of NumSlots/N primary slots, so the max/mean
//     ratio is at most 1+N/NumSlots (1.0061 at N = 100). The same holds for each replica
//     rank after a join; after a leave it holds for the replicas as a whole (the primary,
//     first replica, ... ranks separately may be a few percent off in clusters of just
//     over RF members, where which node may hold a slot is tightly constrained).
//   - Join: the joiner takes at most ceil(NumSlots/(N+1)) primary slots, and they all come
//     to it; no slot moves between old members. The same holds for each replica rank, except
//     that while the cluster has fewer than RF members a join also gives every slot one more
//     replica.
//   - Leave: only the leaver's positions (primary or replica) change hands, spread over the
//     others so that the balance above holds; no other slot's owners change.
//
// # Design: transitions, not a function of the member list
//
// A bounded-load consistent-hash ring computed from scratch (Mirrokni, Thorup and
// Zadimoghaddam, 2018) cannot give the join guarantee: when a member joins, every member's
// capacity shrinks, and the slots that overflow cascade from one old member to another. So
// the assignment is not recomputed from the member list. The cluster map (in Raft) keeps the
// current Assignment, and this package gives the pure transitions between them:
//
//	a, _ := ring.New(cfg)           // no members
//	a, _ = ring.Join(a, member)     // bootstrap: the first member owns every slot
//	b, _ := ring.Join(a, other)     // other takes its share from everyone else
//	c, _ := ring.Leave(b, id)       // id's slots go to the others
//	moves := ring.Moves(b, c)       // what the migration layer does
//
// Build folds Join over a member list, for bootstrap and tests. The assignment is a pure
// function of the history of joins and leaves: a cluster that grew to {A, B, C, D} and lost B
// differs from Build of {A, C, D}, both equally balanced. A node verifies an assignment by
// replaying the transition from the previous one (the natural way in a Raft state machine:
// the log entry is "join X" or "leave Y", and every replica applies Join or Leave to its
// copy), or checks the invariants alone with Check and Balance.
//
// # The ring and the quotas
//
// The ring is the 64-bit integers. Slot s sits at s*2^50 (plus half a step): the slots lie in
// order around it, so that an arc holds a run of consecutive slots and CLUSTER SLOTS stays
// short. Each member has VNodes*Weight virtual nodes at positions hashed from its ID and the
// rank (FNV-1a 64 and a SplitMix64 finaliser, fixed functions rather than hash/maphash, whose
// seed changes per process). Each rank has its own ring, so a member's primaries and its
// replicas lie in unrelated places: the replicas of one member's primaries are spread over
// many members, and more of them can be promoted when it leaves.
//
// Quotas decide how many slots each member owns at each rank: NumSlots apportioned by weight
// with largest remainders, a tie going to the member that owns more now, so balanced members
// keep their counts. The ring decides which:
//
//   - Join: each member gives up its slots beyond its new quota (never gaining, so nothing
//     moves between old members), and of its slots it gives those nearest before the
//     joiner's virtual nodes, so the joiner takes runs of slots ending at each of them.
//   - Leave: each of the leaver's slots goes to a member below its new quota: first one that
//     already holds the slot's data (a replica, which is promoted and so moves no data),
//     then the nearest member clockwise on the ring, in one global order of (preference,
//     distance, slot), the greedy of bounded-load consistent hashing. When a promotion
//     opens a replica position, that position is filled the same way, one rank at a time.
//     If the members below quota all hold a slot already (only when N is close to RF),
//     holes are passed along a chain of members, as in bipartite matching, until one with
//     room takes one; failing that, a member takes the slot beyond its quota.
//
// Replicas are ranks 1 to RF-1, each balanced by its own quota, so the replicas are balanced
// as a whole and the first replica of a member's primaries is spread over the others. A
// member never owns a slot twice. WithRF changes the replication factor, adding or dropping
// whole ranks without touching the others.
//
// Weights (Member.Weight) scale a member's quota and its number of virtual nodes; with
// weights, each member owns within one slot of its fair share NumSlots*w/W.
//
// # Using it in the cluster map
//
//   - State: the current Assignment (MarshalBinary/UnmarshalBinary for snapshots; 2*RF bytes
//     per slot plus the member list, about 32 KiB at RF 1).
//   - Log entries: "join {ID, Weight}", "leave ID", "set RF". The state machine applies Join,
//     Leave or WithRF; they are deterministic, so every replica reaches the same bytes, and a
//     failed precondition (ErrDuplicate, ErrUnknown, ErrLastMember) is the same everywhere.
//   - Migration: Moves(prev, next) lists the primaries that change (slot, from, to);
//     Copies(prev, next) lists which nodes need a full copy of a slot and which may drop
//     theirs. After a Leave most new primaries already held the slot as replicas (Copies
//     shows them as not added), so for a dead node the data comes from the survivors.
//   - Clients: Ranges gives the runs of slots for CLUSTER SLOTS and CLUSTER SHARDS;
//     Primary and Owners answer per slot.
//
// # Cost
//
// At 100 members Join costs about 0.15 ms at RF 1 and 0.4 ms at RF 3 (it stops walking the
// joiner's arcs once it has its quota), Leave about 2 ms; Build of 100 members 40 ms at RF 1
// and 200 ms at RF 3, most of it in the first joins, where half the slots move (see
// BenchmarkJoin, BenchmarkLeave and BenchmarkBuild).
package ring
