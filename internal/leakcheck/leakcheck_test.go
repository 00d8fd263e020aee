package leakcheck

import (
	"strings"
	"testing"
	"time"
)

// TestLeftover sees a goroutine that outlives its wait, and not one that ends. (The test's
// own goroutine is reported too, as it would not be after the tests, so it is not counted.)
func TestLeftover(t *testing.T) {
	stop := make(chan struct{})
	go func() { <-stop }()
	if got := leftover(100 * time.Millisecond); !strings.Contains(got, "TestLeftover.func") {
		t.Fatalf("a blocked goroutine was not reported: %q", got)
	}
	close(stop)
	if got := leftover(time.Second); strings.Contains(got, "TestLeftover.func") {
		t.Fatalf("goroutines reported after they ended: %q", got)
	}
}
