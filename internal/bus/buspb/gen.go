// Package buspb holds the Protocol Buffers messages and gRPC service of the
// cluster bus, generated from cluster.proto. Do not edit the .pb.go files.
package buspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative cluster.proto
