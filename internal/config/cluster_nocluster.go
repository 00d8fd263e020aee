//go:build nocluster

package config

// clusterBuilt is cluster-enabled's default: no in a binary built with the nocluster tag,
// which has no cluster mode (larder.ErrNoCluster).
const clusterBuilt = false
