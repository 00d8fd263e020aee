// Package leakcheck fails a package's tests when goroutines outlive them: the
// nodes, buses, gossip members and streams a test starts must all be closed
// by the time the tests end. A test package calls Main from its TestMain.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests, then, if they passed, waits up to 10 s for their
// goroutines to end and fails the run with the stacks of those that did not.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leftover(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leftover waits up to wait for the tests' goroutines to end and returns the
// stacks of those that did not: all but the test runner's own and the
// runtime's signal loop.
func leftover(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		var out []string
		for _, g := range strings.Split(stacks, "\n\n") {
			if !strings.Contains(g, "testing.(*M)") && !strings.Contains(g, "TestMain") &&
				!strings.Contains(g, "os/signal.") && strings.TrimSpace(g) != "" {
				out = append(out, g)
			}
		}
		if len(out) == 0 || time.Now().After(deadline) {
			return strings.Join(out, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
