package migrate

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/engine"
)

var rateKeys = flag.Int("migrate.keys", 100_000, "keys TestMoveRate moves (1000000 for the figure in BENCHMARKS.md)")

// fill writes n small string keys into nd, every other one with a TTL.
func fill(nd *node, n int) {
	var txn engine.Txn
	key := make([]byte, 0, 32)
	val := make([]byte, 0, 32)
	for i := range n {
		key = strconv.AppendInt(append(key[:0], "key:"...), int64(i), 10)
		val = strconv.AppendInt(append(val[:0], "value:"...), int64(i), 10)
		at := int64(0)
		if i%2 == 1 {
			at = t0 + 3_600_000
		}
		nd.db.Begin(&txn, t0, key)
		txn.SetString(key, val, at)
		txn.End()
	}
}

// TestMoveRate moves -migrate.keys small keys (all 16384 slots) from one node to another over
// gRPC on loopback and reports the rate.
func TestMoveRate(t *testing.T) {
	n := *rateKeys
	if testing.Short() {
		n = min(n, 10_000)
	}
	a := newNode(t, "a", SourceOptions{Logger: quiet()}, TargetOptions{Logger: quiet()})
	b := newNode(t, "b", SourceOptions{Logger: quiet()}, TargetOptions{Logger: quiet()})
	fill(a, n)
	start := time.Now()
	if err := a.src.Move(context.Background(), dial(t, b), "b", allSlots()); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if a.db.Len() != 0 || b.db.Len() != n {
		t.Fatalf("after the move: source %d keys, target %d, want 0 and %d", a.db.Len(), b.db.Len(), n)
	}
	p := a.src.Progress()
	t.Logf("moved %d keys (%d slots, %.1f MB of records) in %v: %.0f keys/s, %.1f MB/s; longest pause %v",
		n, p.SlotsMoved, float64(p.Bytes)/1e6, d.Round(time.Millisecond), float64(n)/d.Seconds(),
		float64(p.Bytes)/1e6/d.Seconds(), p.MaxPause.Round(time.Microsecond))
}

// BenchmarkMove moves every slot back and forth between two nodes holding keys small keys;
// keys/s is the rate.
func BenchmarkMove(b *testing.B) {
	for _, keys := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint("keys=", keys), func(b *testing.B) {
			x := newNode(b, "x", SourceOptions{Logger: quiet()}, TargetOptions{Logger: quiet()})
			y := newNode(b, "y", SourceOptions{Logger: quiet()}, TargetOptions{Logger: quiet()})
			fill(x, keys)
			cx, cy := dial(b, x), dial(b, y)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				var err error
				if i%2 == 0 {
					err = x.src.Move(context.Background(), cy, "y", allSlots())
				} else {
					err = y.src.Move(context.Background(), cx, "x", allSlots())
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(keys)*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
