// Package topology holds the cluster map in a hashicorp/raft state machine:
// the cluster id, the epoch, the members (id, addresses, version, voter,
// state, join order, failed), each slot's owners (a primary and up to RF-1
// replicas) and the slots in migration. It turns joins, drains, finished
// migrations and gossip reports into map changes on the Raft leader, and
// publishes every map as an immutable snapshot behind an atomic pointer.
//
// # Starting the control plane
//
// A node (node.go) starts it in this order:
//
//	b, _ := bus.Listen(bus.Config{Addr: busAddr, Advertise: busAdvertise})
//	id, _ := topology.NodeID(dir)                  // before gossip, which is named by it
//	g, _ := membership.Start(membership.Config{
//		Meta: membership.Meta{ID: id, ClientAddr: client, BusAddr: b.Addr(), Version: larder.Version},
//		BindAddr: gossipAddr, AdvertiseAddr: gossipAdvertise,
//		Compatible: func(p membership.Meta) error { return topology.Compatible(p.Version, larder.Version) },
//	})
//	t, _ := topology.Open(topology.Config{Dir: dir, Bus: b, ClientAddr: client,
//		GossipAddr: g.Addr(), Version: larder.Version, Join: joinBusAddrs})
//	// ...register the node's other gRPC services on b.Server()...
//	b.Serve()
//	err := t.Start(ctx)                            // bootstrap, join, or restart as itself
//	meta := g.Meta(); meta.ClusterID = t.Map().ClusterID; g.SetMeta(meta)
//	g.Join(t.Map().GossipAddrs(t.ID()))
//	t.FollowGossip(g)
//
// and stops it with t.Close, g.Close, b.Close. A graceful leave is
// t.Leave(ctx) (the migration layer moves the slots meanwhile and reports
// each with SlotsMoved), then g.Leave, then the closes.
//
// Config.Join takes cluster-bus addresses. The user's --join names a
// member's client address; the bus address is the client port + 10000
// unless that node was told otherwise.
//
// # Reading the map
//
// Map is one atomic load and never blocks; the *Map it returns never
// changes. Map.Primary(slot) is the hot-path lookup (no allocation),
// Map.Migration(slot) tells whether a slot is in flight, Map.Changed()
// is closed when a newer map is published, and Node.Wait blocks until a
// condition holds.
//
// # Changing it
//
// Any node takes Drain (Leave for itself) and SlotsMoved; a follower
// forwards the call over the bus to the leader (one hop) and returns once
// its own map has caught up with the change. Join is the Join RPC, called
// by Start. The leader serializes these operations, computes the change
// (through the Placer for slot ownership) and writes it as one Raft log
// entry, a versioned protobuf (topologypb.Entry); every node applies the
// entry the same way. Gossip never changes ownership: a node gossip
// reports dead is marked Failed, nothing more.
//
// Voters: the first Config.Voters (1, 3 or 5) members vote in Raft, the
// rest follow as non-voters; when a voter drains, the leader first
// promotes the oldest active non-voter, then removes the voter. A leader
// that drains hands leadership over before it is removed.
//
// # Bad input
//
// Start fails with a clear error, and the cluster it tried to join keeps
// serving, when the join target is not a Larder node (ErrNotLarder), runs
// an incompatible version (ErrIncompatibleVersion), belongs to another
// cluster than the node's data directory (ErrOtherCluster), or has removed
// this node (ErrRemoved).
//
// # Transport and persistence
//
// Raft runs over the cluster-bus port, multiplexed with gRPC by the first
// byte of each connection (see package bus): one port per node for all
// node-to-node traffic. The data directory holds:
//
//	node.json       the node id (40 hex) and, once known, the cluster id
//	raft.db         Raft log and stable store (raft-boltdb/v2, bbolt)
//	snapshots/      Raft snapshots of the map (file snapshot store, 2 kept)
//
// # Locking
//
// Node.opMu (leader operations) is taken before Node.mu; Node.mu and
// fsm.mu are leaves. opMu is held across Raft Apply and Barrier calls,
// never while waiting on the network for another node's lock.
package topology
