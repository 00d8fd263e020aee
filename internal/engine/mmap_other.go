//go:build !unix

package engine

// mapMemory returns n bytes of zeroed memory; on this platform from the Go heap.
func mapMemory(n int) []byte { return make([]byte, n) }

// unmapMemory lets the garbage collector reclaim b.
func unmapMemory(b []byte) {}

// releaseMemory does nothing here: b stays in the Go heap.
func releaseMemory(b []byte) {}
