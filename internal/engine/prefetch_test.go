package engine

import (
	"fmt"
	"testing"
)

// BenchmarkMSetLarge overwrites 10 keys at a time, drawn from 2M (far beyond the CPU caches),
// in one transaction, as MSET does: with prefetch, the keys' cache misses overlap.
func BenchmarkMSetLarge(b *testing.B) {
	const n = 2 << 20
	for _, pre := range []bool{false, true} {
		b.Run(fmt.Sprintf("prefetch=%v", pre), func(b *testing.B) {
			defer func(was bool) { prefetch = was }(prefetch)
			prefetch = pre
			db := openTest(b, Options{})
			keys := make([][]byte, n)
			val := []byte("value-of-thirty-two-bytes-long..")
			var tx Txn
			for i := range keys {
				keys[i] = fmt.Appendf(nil, "key:%012d", i)
				db.Begin(&tx, t0, keys[i])
				tx.SetString(keys[i], val, 0)
				tx.End()
			}
			batch := make([][]byte, 10)
			i := uint64(7919)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for j := range batch {
					batch[j] = keys[(i*2654435761)%n]
					i++
				}
				db.Begin(&tx, t0, batch...)
				for _, k := range batch {
					tx.SetString(k, val, 0)
				}
				tx.End()
			}
		})
	}
}
