//go:build nocluster

package larder

import (
	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/internal/engine"
)

// With the nocluster build tag a binary leaves cluster mode out, and with it Raft, gossip,
// gRPC and Protocol Buffers, whose packages' start-up code a standalone node otherwise runs
// (and whose pages it keeps resident) without calling them; Open with cluster-enabled yes
// returns ErrNoCluster.

// clusterParts stands in for cluster mode's parts (node_cluster.go); there are none.
type clusterParts struct{}

func newClusterParts() (*clusterParts, error) { return nil, ErrNoCluster }

func (*clusterParts) onChange(*engine.Change) {}

func (*clusterParts) start(*Node, int, bool, func(channel, payload []byte), *command.Options) error {
	return ErrNoCluster
}
