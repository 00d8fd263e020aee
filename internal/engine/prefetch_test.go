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
			keys := fillDB(db, n, "key:%012d", "value-of-thirty-two-bytes-long..")
			val := []byte("value-of-thirty-two-bytes-long..")
			var tx Txn
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

// TestTxnPlacesInAnyOrder writes and reads keys of a multi-key transaction in the order given
// to Begin (placed once), in reverse and twice over (placed again), and checks each key by
// itself afterwards: the cached places never send a key to another slot.
func TestTxnPlacesInAnyOrder(t *testing.T) {
	db := openTest(t, Options{})
	var keys [][]byte
	for i := range 40 {
		keys = append(keys, fmt.Appendf(nil, "key:%d", i))
	}
	var tx Txn
	for round, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {9, 7, 5, 3, 1, 0, 2, 4, 6, 8}, {3, 3, 4, 4, 0, 1, 1}} {
		ks := make([][]byte, 0, len(order))
		for i := range 10 {
			ks = append(ks, keys[round*10+i])
		}
		db.Begin(&tx, t0, ks...)
		for _, i := range order {
			tx.SetString(ks[i], fmt.Appendf(nil, "v%d", round*10+i), 0)
		}
		tx.End()
	}
	for i, k := range keys[:30] {
		db.Begin(&tx, t0, k)
		e := tx.Get(k)
		want := fmt.Sprintf("v%d", i)
		set := i < 20 || i%10 <= 4 && i%10 != 2 // the third round writes 0, 1, 3 and 4
		switch {
		case set && (e == nil || string(e.Str) != want):
			t.Errorf("%s: %v, want %s", k, e, want)
		case !set && e != nil:
			t.Errorf("%s is set, but the transaction did not write it", k)
		}
		tx.End()
	}
}
