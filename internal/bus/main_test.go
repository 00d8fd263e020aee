package bus

import (
	"testing"

	"github.com/larderdb/larder/internal/leakcheck"
)

// TestMain fails the run if goroutines outlive the tests that started them.
func TestMain(m *testing.M) { leakcheck.Main(m) }
