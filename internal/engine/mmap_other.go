//go:build !unix

package engine

// mapMemory returns n bytes of zeroed memory; on this platform from the Go heap.
func mapMemory(n int) []byte { return make([]byte, n) }

// unmapMemory lets the garbage collector reclaim b. A shared segment's memory goes through
// DB.unmapLater instead (optread.go).
func unmapMemory(b []byte) {}

// releaseMemory does nothing here: b stays in the Go heap.
func releaseMemory(b []byte) {}
