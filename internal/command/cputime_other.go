//go:build !unix

package command

import "time"

// cpuTimes returns zero where the platform has no getrusage.
func cpuTimes() (sys, user time.Duration) { return 0, 0 }
