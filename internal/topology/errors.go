package topology

import "errors"

// Errors returned by a Node. Errors from peers come back wrapped around the
// same sentinels, so errors.Is works across the bus.
var (
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("topology: closed")
	// ErrNotStarted is returned by calls that need Start first.
	ErrNotStarted = errors.New("topology: not started")
	// ErrNotLarder is returned by a join whose target did not answer as a
	// Larder cluster bus (nothing listening, another protocol, or another
	// gRPC service).
	ErrNotLarder = errors.New("topology: not a Larder cluster bus")
	// ErrIncompatibleVersion is returned when a node's Larder version or
	// control-plane protocol cannot work with the cluster's.
	ErrIncompatibleVersion = errors.New("topology: incompatible version")
	// ErrOtherCluster is returned when a node that belongs to one cluster
	// (its data directory says so) tries to join another.
	ErrOtherCluster = errors.New("topology: node belongs to another cluster")
	// ErrRemoved is returned when a node that was drained and removed from
	// the cluster tries to come back with its old identity.
	ErrRemoved = errors.New("topology: node was removed from the cluster")
	// ErrIDInUse is returned when a node joins with the id of a member
	// that still runs at another address: a copied data directory.
	ErrIDInUse = errors.New("topology: node id in use by a running member")
	// ErrNoLeader is returned when the cluster has no Raft leader to take a
	// change (an election is under way, or quorum is lost); retry later.
	ErrNoLeader = errors.New("topology: no leader")
	// ErrUnknownNode is returned for a node id that is not a member.
	ErrUnknownNode = errors.New("topology: unknown node")
	// ErrLastNode is returned when draining would leave no node to own
	// the slots.
	ErrLastNode = errors.New("topology: cannot drain the last active node")
	// ErrBadRequest is returned for a malformed request from a peer.
	ErrBadRequest = errors.New("topology: bad request")
	// ErrStaleMove is returned by SlotsMovedTo for a slot the map no longer
	// moves to the given node.
	ErrStaleMove = errors.New("topology: slot no longer moves to that node")
)
