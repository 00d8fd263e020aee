// Package fanoutpb holds the Protocol Buffers messages and gRPC service of the
// cluster's PUBLISH fan-out, generated from fanout.proto. Do not edit the
// .pb.go files.
package fanoutpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative fanout.proto
