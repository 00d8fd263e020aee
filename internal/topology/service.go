package topology

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/larderdb/larder/internal/bus/buspb"
)

// service is the Cluster gRPC service on the bus.
type service struct {
	buspb.UnimplementedClusterServer
	n *Node
}

func (s *service) Hello(ctx context.Context, req *buspb.HelloRequest) (*buspb.HelloResponse, error) {
	n := s.n
	m := n.Map()
	resp := &buspb.HelloResponse{Node: n.info(), ClusterId: m.ClusterID, Epoch: m.Epoch}
	if req.From != nil {
		resp.CallerRemoved = isGone(m, req.From.Id)
	}
	resp.LeaderId, resp.LeaderBusAddr = n.Leader()
	return resp, nil
}

func (s *service) Join(ctx context.Context, req *buspb.JoinRequest) (*buspb.JoinResponse, error) {
	n := s.n
	// Refuse what is wrong before bothering the leader.
	if err := n.checkJoiner(n.Map(), req.Node, req.ClusterId); err != nil {
		return nil, toStatus(err)
	}
	resp, err := leaderCall(ctx, n, req.Forwarded,
		func() (*buspb.JoinResponse, error) { return n.leaderJoin(req) },
		func(ctx context.Context, c buspb.ClusterClient) (*buspb.JoinResponse, error) {
			return c.Join(ctx, &buspb.JoinRequest{Node: req.Node, ClusterId: req.ClusterId, Forwarded: true})
		})
	return resp, toStatus(err)
}

func (s *service) Leave(ctx context.Context, req *buspb.LeaveRequest) (*buspb.LeaveResponse, error) {
	n := s.n
	resp, err := leaderCall(ctx, n, req.Forwarded,
		func() (*buspb.LeaveResponse, error) { return n.leaderDrain(req.Id) },
		func(ctx context.Context, c buspb.ClusterClient) (*buspb.LeaveResponse, error) {
			return c.Leave(ctx, &buspb.LeaveRequest{Id: req.Id, Forwarded: true})
		})
	return resp, toStatus(err)
}

func (s *service) SlotsMoved(ctx context.Context, req *buspb.SlotsMovedRequest) (*buspb.SlotsMovedResponse, error) {
	n := s.n
	resp, err := leaderCall(ctx, n, req.Forwarded,
		func() (*buspb.SlotsMovedResponse, error) { return n.leaderSlotsMoved(req.Slots, req.Target) },
		func(ctx context.Context, c buspb.ClusterClient) (*buspb.SlotsMovedResponse, error) {
			return c.SlotsMoved(ctx, &buspb.SlotsMovedRequest{Slots: req.Slots, Forwarded: true, Target: req.Target})
		})
	return resp, toStatus(err)
}

// leaderCall runs local on the leader; elsewhere it calls the leader with
// remote (one hop: a forwarded call that lands on a non-leader fails with
// ErrNoLeader, and the caller retries).
//
// A forwarded call returns once this node's map has caught up with the
// epoch the leader reached, so the caller reads its own write.
func leaderCall[T interface{ GetEpoch() uint64 }](ctx context.Context, n *Node, forwarded bool,
	local func() (T, error), remote func(context.Context, buspb.ClusterClient) (T, error)) (T, error) {
	var zero T
	select {
	case <-n.done:
		return zero, ErrClosed
	default:
	}
	r := n.raftNode()
	if r == nil {
		return zero, ErrNotStarted
	}
	if r.State() == raft.Leader {
		return local()
	}
	if forwarded {
		return zero, fmt.Errorf("%w: forwarded to a node that is not the leader", ErrNoLeader)
	}
	_, addr := n.Leader()
	if addr == "" {
		return zero, ErrNoLeader
	}
	cc, err := n.cfg.Bus.Conn(addr)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RPCTimeout)
	defer cancel()
	resp, err := remote(ctx, buspb.NewClusterClient(cc))
	if err != nil {
		return zero, fromStatus(err)
	}
	if _, err := n.Wait(ctx, func(m *Map) bool { return m.Epoch >= resp.GetEpoch() }); err != nil {
		return zero, fmt.Errorf("topology: waiting for the change to arrive: %w", err)
	}
	return resp, nil
}

func (n *Node) info() *buspb.NodeInfo {
	return &buspb.NodeInfo{
		Id: n.ID(), ClientAddr: n.cfg.ClientAddr, BusAddr: n.cfg.Bus.Addr(),
		GossipAddr: n.cfg.GossipAddr, Version: n.cfg.Version, Protocol: Protocol,
	}
}

// hello finds a join target that is a Larder node in a cluster this node
// may join, and returns its address. It tries each address of Config.Join
// in turn, over and over for up to RPCTimeout; a definite refusal (another
// cluster, an incompatible version) ends it at once.
func (n *Node) hello(ctx context.Context, myCluster string) (string, error) {
	deadline := time.Now().Add(n.cfg.RPCTimeout)
	var last error
	for {
		for _, addr := range n.cfg.Join {
			err := n.helloOne(ctx, addr, myCluster)
			if err == nil {
				return addr, nil
			}
			if definite(err) {
				return "", err
			}
			last = err
		}
		if time.Now().After(deadline) {
			return "", last
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (%v)", last, ctx.Err())
		case <-n.done:
			return "", ErrClosed
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (n *Node) helloOne(ctx context.Context, addr, myCluster string) error {
	cc, err := n.cfg.Bus.Conn(addr)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotLarder, addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.RPCTimeout)
	defer cancel()
	resp, err := buspb.NewClusterClient(cc).Hello(ctx, &buspb.HelloRequest{From: n.info()})
	if err != nil {
		// Drop the connection: the next try dials afresh.
		n.cfg.Bus.Forget(addr)
		return fmt.Errorf("%w: no Larder cluster bus answered at %s: %v", ErrNotLarder, addr, status.Convert(err).Message())
	}
	peer := resp.Node
	switch {
	case peer == nil || !validID(peer.Id):
		return fmt.Errorf("%w: %s answered without a node id", ErrNotLarder, addr)
	case peer.Id == n.ID():
		return fmt.Errorf("%w: join target %s is this node", ErrBadRequest, addr)
	case peer.Protocol != Protocol:
		return fmt.Errorf("%w: %s speaks control-plane protocol %d, this node %d", ErrIncompatibleVersion, addr, peer.Protocol, Protocol)
	}
	if err := Compatible(n.cfg.Version, peer.Version); err != nil {
		return fmt.Errorf("%w (join target %s)", err, addr)
	}
	if resp.ClusterId == "" {
		return fmt.Errorf("topology: %s is a Larder node not yet in a cluster", addr)
	}
	if myCluster != "" && resp.ClusterId != myCluster {
		return fmt.Errorf("%w: %s belongs to cluster %s, but %s to cluster %s", ErrOtherCluster, n.cfg.Dir, myCluster, addr, resp.ClusterId)
	}
	if resp.CallerRemoved {
		return fmt.Errorf("%w: %s left the cluster; start it with an empty data directory to join as a new node", ErrRemoved, n.ID())
	}
	return nil
}

// answersAs reports whether the bus at addr answers as node id.
func (n *Node) answersAs(addr, id string) bool {
	cc, err := n.cfg.Bus.Conn(addr)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), min(n.cfg.RPCTimeout, time.Second))
	defer cancel()
	resp, err := buspb.NewClusterClient(cc).Hello(ctx, &buspb.HelloRequest{From: n.info()})
	return err == nil && resp.Node != nil && resp.Node.Id == id
}

// join asks the member at addr to add this node, retrying while the
// cluster has no leader.
func (n *Node) join(ctx context.Context, addr string) error {
	req := &buspb.JoinRequest{Node: n.info(), ClusterId: n.clusterID()}
	for {
		cc, err := n.cfg.Bus.Conn(addr)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, 2*n.cfg.RPCTimeout)
		resp, err := buspb.NewClusterClient(cc).Join(cctx, req)
		cancel()
		if err == nil {
			n.log.Info("topology: joined", "via", addr, "cluster", resp.ClusterId, "voter", resp.Voter)
			return nil
		}
		err = fromStatus(err)
		if !errors.Is(err, ErrNoLeader) && !errors.Is(err, ErrNotStarted) && status.Code(err) != codes.Unavailable {
			return fmt.Errorf("topology: join via %s: %w", addr, err)
		}
		n.log.Debug("topology: join: retrying", "via", addr, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("topology: join via %s: %w (last: %v)", addr, ctx.Err(), err)
		case <-n.done:
			return ErrClosed
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// rejoin sends this node's join request to the leader, wherever it is: a
// member that restarted with new addresses records them.
func (n *Node) rejoin(ctx context.Context) error {
	req := &buspb.JoinRequest{Node: n.info(), ClusterId: n.clusterID()}
	return n.retry(ctx, func() error {
		_, err := leaderCall(ctx, n, false,
			func() (*buspb.JoinResponse, error) { return n.leaderJoin(req) },
			func(ctx context.Context, c buspb.ClusterClient) (*buspb.JoinResponse, error) {
				req.Forwarded = true
				return c.Join(ctx, req)
			})
		return err
	})
}

func (n *Node) clusterID() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.id.ClusterID
}

// errorReasons names the sentinels that travel between nodes.
var errorReasons = []struct {
	reason string
	err    error
	code   codes.Code
}{
	{"CLOSED", ErrClosed, codes.Unavailable},
	{"NOT_STARTED", ErrNotStarted, codes.Unavailable},
	{"NO_LEADER", ErrNoLeader, codes.Unavailable},
	{"INCOMPATIBLE_VERSION", ErrIncompatibleVersion, codes.FailedPrecondition},
	{"OTHER_CLUSTER", ErrOtherCluster, codes.FailedPrecondition},
	{"REMOVED", ErrRemoved, codes.FailedPrecondition},
	{"ID_IN_USE", ErrIDInUse, codes.AlreadyExists},
	{"LAST_NODE", ErrLastNode, codes.FailedPrecondition},
	{"UNKNOWN_NODE", ErrUnknownNode, codes.NotFound},
	{"BAD_REQUEST", ErrBadRequest, codes.InvalidArgument},
}

const errorDomain = "larder.topology"

// toStatus turns an error into a gRPC status that names its sentinel.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	for _, r := range errorReasons {
		if errors.Is(err, r.err) {
			st, derr := status.New(r.code, err.Error()).WithDetails(&errdetails.ErrorInfo{Reason: r.reason, Domain: errorDomain})
			if derr != nil {
				return status.Error(r.code, err.Error())
			}
			return st.Err()
		}
	}
	return status.Error(codes.Internal, err.Error())
}

// remoteError is an error a peer returned: its text, and the sentinel it
// named.
type remoteError struct {
	msg      string
	sentinel error
	st       *status.Status
}

func (e *remoteError) Error() string              { return e.msg }
func (e *remoteError) Unwrap() error              { return e.sentinel }
func (e *remoteError) GRPCStatus() *status.Status { return e.st }

// fromStatus turns a gRPC error back into one that wraps its sentinel.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return err
	}
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.Domain != errorDomain {
			continue
		}
		for _, r := range errorReasons {
			if r.reason == info.Reason {
				return &remoteError{msg: st.Message(), sentinel: r.err, st: st}
			}
		}
	}
	return err
}
