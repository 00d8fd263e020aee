//go:build unix

package engine

import (
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// mapMemory returns n bytes of zeroed memory outside the Go heap, so that the garbage collector
// neither scans nor counts the arena and freeing it returns the pages to the OS at once.
func mapMemory(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic("engine: cannot map " + strconv.Itoa(n) + " bytes of arena memory: " + err.Error())
	}
	return b
}

// unmapMemory returns memory from mapMemory to the OS. A shared segment's memory, which
// optimistic reads may still be in, goes through DB.unmapLater instead (optread.go).
func unmapMemory(b []byte) {
	if err := syscall.Munmap(b); err != nil {
		panic("engine: munmap: " + err.Error())
	}
}

// releaseMemory gives the pages of b, part of memory from mapMemory, back to the OS, keeping
// the mapping: the pages read as zeros and are resident again once written.
func releaseMemory(b []byte) {
	if err := unix.Madvise(b, unix.MADV_DONTNEED); err != nil { // syscall has no Madvise on macOS
		panic("engine: madvise: " + err.Error())
	}
}
