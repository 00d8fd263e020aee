package topology

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if goroutines outlive the nodes that started
// them: every node, bus and gossip member is closed by t.Cleanup.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if leaked := leftover(before); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func leftover(before int) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if runtime.NumGoroutine() <= before {
			return ""
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			var out []string
			for _, g := range strings.Split(stacks, "\n\n") {
				if !strings.Contains(g, "TestMain") && !strings.Contains(g, "testing.(*M)") {
					out = append(out, g)
				}
			}
			return strings.Join(out, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
