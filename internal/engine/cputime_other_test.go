//go:build !linux

package engine

import "time"

var cpuEpoch = time.Now()

// threadCPU returns wall time where the thread's CPU time is not at hand.
func threadCPU() time.Duration { return time.Since(cpuEpoch) }
