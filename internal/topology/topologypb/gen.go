// Package topologypb holds the Protocol Buffers encoding of the cluster map's
// Raft log entries and snapshots, generated from entry.proto. Do not edit the
// .pb.go file.
package topologypb

//go:generate protoc --go_out=. --go_opt=paths=source_relative entry.proto
