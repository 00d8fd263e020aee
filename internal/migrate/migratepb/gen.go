// Package migratepb holds the Protocol Buffers messages and gRPC service of
// slot migration, generated from migrate.proto. Do not edit the .pb.go files.
package migratepb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative migrate.proto
