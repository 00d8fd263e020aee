package topology

import (
	"testing"

	"github.com/larderdb/larder/internal/leakcheck"
)

// TestMain fails the run if goroutines outlive the tests that started them:
// every node, bus and gossip member is closed by t.Cleanup.
func TestMain(m *testing.M) { leakcheck.Main(m) }
