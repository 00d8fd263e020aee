package migrate

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if goroutines outlive the tests that started them.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leftover(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leftover waits up to 10s for the tests' goroutines to end and returns the stacks of those
// that did not.
func leftover() string {
	deadline := time.Now().Add(10 * time.Second)
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
