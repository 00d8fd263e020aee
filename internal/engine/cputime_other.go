//go:build !linux

package engine

import "time"

// threadCPUExact says whether threadCPU counts the thread's CPU time (true) or wall time.
const threadCPUExact = false

var cpuEpoch = time.Now()

// threadCPU returns wall time where the thread's CPU time is not at hand.
func threadCPU() time.Duration { return time.Since(cpuEpoch) }
