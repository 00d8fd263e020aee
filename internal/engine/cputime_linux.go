package engine

import (
	"syscall"
	"time"
	"unsafe"
)

// threadCPUExact says whether threadCPU counts the thread's CPU time (true) or wall time.
const threadCPUExact = true

// threadCPU returns the CPU time the calling OS thread has used. A goroutine locked to its
// thread (the expiry loop, a benchmark) measures its own work with it in CPU time, not in wall
// time, which on a busy machine includes the time spent waiting for a CPU.
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
