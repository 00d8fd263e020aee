package larder_test

import (
	"context"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime/debug"
	"testing"

	"github.com/larderdb/larder"
	"github.com/larderdb/larder/internal/memlimit"
	"github.com/redis/go-redis/v9"
)

// TestMaxMemorySetsGoMemoryLimit checks that a node's maxmemory, at Open and by CONFIG SET,
// becomes the Go runtime's memory limit plus memlimit.Headroom, summed over the nodes of the
// process, and that closing the nodes lifts it.
func TestMaxMemorySetsGoMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("GOMEMLIMIT or the test binary sets the Go memory limit")
	}
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	const mb = 1 << 20
	check := func(step string, want int64) {
		t.Helper()
		if got := debug.SetMemoryLimit(-1); got != want {
			t.Fatalf("%s: Go memory limit %d, want %d", step, got, want)
		}
	}
	open := func(maxmemory int64) *larder.Node {
		t.Helper()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n, err := larder.Open(&larder.Options{Listener: ln, MaxMemory: maxmemory, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		return n
	}

	a := open(100 * mb)
	check("Open with maxmemory 100mb", 100*mb+memlimit.Headroom)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: a.Addr().String(), DisableIdentity: true})
	defer c.Close()
	if err := c.ConfigSet(ctx, "maxmemory", "200mb").Err(); err != nil {
		t.Fatal(err)
	}
	check("CONFIG SET maxmemory 200mb", 200*mb+memlimit.Headroom)

	b := open(50 * mb)
	check("a second node", 250*mb+memlimit.Headroom)
	if err := c.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	check("a node without maxmemory", math.MaxInt64)
	a.Close()
	check("only the second node", 50*mb+memlimit.Headroom)
	b.Close()
	check("no node", math.MaxInt64)
}
