package larder_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/larderdb/larder/internal/memlimit"
	"github.com/redis/go-redis/v9"
)

// TestMaxMemorySetsGoMemoryLimit checks that the Go runtime's memory limit is memlimit.Headroom
// plus the part of each node's used memory on the Go heap (INFO gc's gc_heap_keyspace: objects
// and sketches; the records and the index are outside the Go heap), or the live heap where
// larger, plus the runtime's own memory (a few MiB here), not maxmemory; that it follows the
// keyspace as it grows; that a node without maxmemory lifts it; and that closing the nodes
// lifts it.
func TestMaxMemorySetsGoMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("GOMEMLIMIT or the test binary sets the Go memory limit")
	}
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	const mb = 1 << 20
	// The runtime's own memory, which the limit adds, and the live heap beyond the keyspace's
	// share (the test binary's own objects) are a few MiB.
	const overhead = 32 * mb
	check := func(step string, want int64) {
		t.Helper()
		got := debug.SetMemoryLimit(-1)
		if want == math.MaxInt64 && got != want || want != math.MaxInt64 && (got < want || got > want+overhead) {
			t.Fatalf("%s: Go memory limit %d, want %d plus the runtime's overhead, at most %d", step, got, want, overhead)
		}
	}
	open := func(maxmemory int64) (*larder.Node, *redis.Client) {
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
		c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
		t.Cleanup(func() { c.Close() })
		return n, c
	}
	ctx := context.Background()
	// share returns gc_heap_keyspace, and gc_gomemlimit from the same reply.
	share := func(c *redis.Client) (heap, limit int64) {
		t.Helper()
		s, err := c.Info(ctx, "gc").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(s, "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "gc_heap_keyspace":
				heap, _ = strconv.ParseInt(v, 10, 64)
			case "gc_gomemlimit":
				limit, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		return heap, limit
	}
	roundMiB := func(n int64) int64 { return (n + mb - 1) / mb * mb }
	if memlimit.Headroom+overhead >= 100*mb {
		t.Fatal("the test cannot tell the limit from maxmemory")
	}

	a, ca := open(100 * mb)
	check("Open with maxmemory 100mb, no keys", memlimit.Headroom)

	// 100 hashes of 200 fields: past the compact encoding, each is an object on the Go heap
	// (string keys are in the arenas). The limit follows within the
	// governor's poll (100 ms). The pipeline is garbage once sent: the live heap, which the
	// limit also follows, must not keep the test's own requests.
	func() {
		pipe := ca.Pipeline()
		for i := range 20_000 {
			pipe.HSet(ctx, fmt.Sprintf("hash:%d", i%100), fmt.Sprintf("field:%d", i), strings.Repeat("v", 100))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}()
	runtime.GC()
	var heap, limit int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		heap, limit = share(ca)
		if heap > 0 && limit >= memlimit.Headroom+heap && limit <= memlimit.Headroom+roundMiB(heap)+overhead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20,000 fields: gc_heap_keyspace %d, gc_gomemlimit %d, want Headroom + %d + the runtime's overhead",
				heap, limit, heap)
		}
	}
	if heap > 20*mb {
		t.Fatalf("gc_heap_keyspace %d for 20,000 fields: more than the objects and sketch", heap)
	}
	check("after 20,000 fields", memlimit.Headroom+heap)

	if err := ca.ConfigSet(ctx, "maxmemory", "200mb").Err(); err != nil {
		t.Fatal(err)
	}
	check("CONFIG SET maxmemory 200mb: the Go heap's share is the same", memlimit.Headroom+heap)

	b, _ := open(50 * mb)
	check("a second node, empty", memlimit.Headroom+heap)
	if err := ca.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	check("a node without maxmemory", math.MaxInt64)
	a.Close()
	check("only the second node", memlimit.Headroom)
	b.Close()
	check("no node", math.MaxInt64)
}
