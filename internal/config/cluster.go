//go:build !nocluster

package config

// clusterBuilt is cluster-enabled's default: yes, unless the binary is built with the
// nocluster tag, which leaves cluster mode out (cluster_nocluster.go).
const clusterBuilt = true
