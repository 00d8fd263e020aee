package memlimit

import (
	"bytes"
	"os"
	"strconv"
)

// Resident returns the process's resident set size in bytes (what Redis reports as
// used_memory_rss: the Go heap, the engine's arenas outside it, and the pages of the binary
// and libraries in memory), or 0 where /proc/self/statm cannot be read.
func Resident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	return parseStatm(b, int64(os.Getpagesize()))
}

// parseStatm returns the resident size in bytes from the contents of /proc/PID/statm (sizes
// in pages: total, resident, shared, ...), or 0 if it is malformed.
func parseStatm(b []byte, pageSize int64) int64 {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n * pageSize
}
