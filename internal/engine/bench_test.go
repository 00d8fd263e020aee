package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

const benchKeys = 1 << 16

func benchDB(b *testing.B) (*DB, [][]byte) {
	db := openTest(b, Options{})
	return db, fillDB(db, benchKeys, "key:%08d", "value-of-sixteen")
}

// fillDB sets n keys, named by format from their index, to val, and returns the keys.
func fillDB(db *DB, n int, format, val string) [][]byte {
	keys := make([][]byte, n)
	var tx Txn
	for i := range keys {
		keys[i] = fmt.Appendf(nil, format, i)
		db.Begin(&tx, t0, keys[i])
		tx.SetString(keys[i], []byte(val), 0)
		tx.End()
	}
	return keys
}

// BenchmarkGet reads existing keys from every core.
func BenchmarkGet(b *testing.B) {
	db, keys := benchDB(b)
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var tx Txn
		i := seq.Add(1) * 7919
		for pb.Next() {
			k := keys[i%benchKeys]
			i++
			db.Begin(&tx, t0, k)
			if tx.Get(k) == nil {
				panic("miss")
			}
			tx.End()
		}
	})
}

// BenchmarkGetPolicy reads existing keys under each access-recording policy, with maxmemory
// at twice the memory used, so that TinyLFU's sketch counts but nothing is evicted.
func BenchmarkGetPolicy(b *testing.B) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", TinyLFU} {
		b.Run("policy="+policy, func(b *testing.B) {
			db, keys := benchDB(b)
			if err := db.SetPolicy(policy); err != nil {
				b.Fatal(err)
			}
			db.SetMaxMemory(2 * db.Stats().UsedMemory)
			var tx Txn
			for _, k := range keys { // a write per shard brings its capacity up to date
				db.Begin(&tx, t0, k)
				tx.SetString(k, []byte("value-of-sixteen"), 0)
				tx.End()
			}
			var seq atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var tx Txn
				i := seq.Add(1) * 7919
				for pb.Next() {
					k := keys[i%benchKeys]
					i++
					db.Begin(&tx, t0, k)
					if tx.Get(k) == nil {
						panic("miss")
					}
					tx.End()
				}
			})
		})
	}
}

// BenchmarkSetString writes existing keys (overwrite, same size) and new keys.
func BenchmarkSetString(b *testing.B) {
	b.Run("case=overwrite", func(b *testing.B) {
		db, keys := benchDB(b)
		val := []byte("value-of-sixteen")
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var tx Txn
			i := seq.Add(1) * 7919
			for pb.Next() {
				k := keys[i%benchKeys]
				i++
				db.Begin(&tx, t0, k)
				tx.SetString(k, val, 0)
				tx.End()
			}
		})
	})
	b.Run("case=new", func(b *testing.B) {
		db := openTest(b, Options{})
		val := []byte("value-of-sixteen")
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var tx Txn
			k := strconv.AppendUint([]byte("new:"), seq.Add(1), 10)
			k = append(k, ':')
			prefix := len(k)
			var n uint64
			for pb.Next() {
				k = strconv.AppendUint(k[:prefix], n, 10)
				n++
				db.Begin(&tx, t0, k)
				tx.SetString(k, val, 0)
				tx.End()
			}
		})
	})
}

// BenchmarkCheckMemory measures the check below the limit and eviction at it.
func BenchmarkCheckMemory(b *testing.B) {
	b.Run("case=below", func(b *testing.B) {
		db, _ := benchDB(b)
		db.SetMaxMemory(1 << 40)
		b.ReportAllocs()
		for b.Loop() {
			_ = db.CheckMemory(t0)
		}
	})
	for _, policy := range []string{"allkeys-lru", TinyLFU} {
		b.Run("case=evict/policy="+policy, func(b *testing.B) {
			db, _ := benchDB(b)
			if err := db.SetPolicy(policy); err != nil {
				b.Fatal(err)
			}
			db.SetMaxMemory(db.Stats().UsedMemory)
			val := []byte("value-of-sixteen")
			var tx Txn
			k := []byte("fresh:")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				k = strconv.AppendInt(k[:6], int64(i), 10)
				if err := db.CheckMemory(t0); err != nil {
					b.Fatal(err)
				}
				db.Begin(&tx, t0, k)
				tx.SetString(k, val, 0)
				tx.End()
			}
		})
	}
}

// BenchmarkGetLarge reads random keys of a 2M-key keyspace, far bigger than the CPU caches:
// the cost of a lookup is then its cache misses.
func BenchmarkGetLarge(b *testing.B) {
	const n = 2 << 20
	db := openTest(b, Options{})
	keys := fillDB(db, n, "key:%012d", "value-of-thirty-two-bytes-long..")
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var tx Txn
		i := seq.Add(1) * 7919
		for pb.Next() {
			k := keys[(i*2654435761)%n]
			i++
			db.Begin(&tx, t0, k)
			if tx.Get(k) == nil {
				panic("miss")
			}
			tx.End()
		}
	})
}

// BenchmarkGetString reads existing keys with DB.GetString from every core, under TinyLFU
// with maxmemory at twice the memory used, and reports the share of hits the policy was
// given (the read buffers sample and drop the others).
func BenchmarkGetString(b *testing.B) {
	db := openTest(b, Options{HashSlots: true, OptimisticReads: true})
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%08d", i)
		db.SetString(keys[i], []byte("value-of-sixteen"), 0, t0)
	}
	db.SetMaxMemory(2 * db.Stats().UsedMemory)
	for _, k := range keys { // a write per shard brings its capacity up to date
		db.SetString(k, []byte("value-of-sixteen"), 0, t0)
	}
	drained := func() (n int64) {
		for i := range db.shards {
			n += int64(db.shards[i].reads.head.Load())
		}
		return n
	}
	before := drained()
	var seq atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := seq.Add(1) * 7919
		var buf []byte
		for pb.Next() {
			var ok bool
			if buf, ok = db.GetString(buf[:0], keys[i%benchKeys], t0, nil); !ok {
				panic("miss")
			}
			i++
		}
	})
	b.ReportMetric(100*float64(drained()-before)/float64(b.N), "policy%")
}

// BenchmarkCacheSet is larder.Cache's Set: CheckMemory and DB.SetString on a keyspace opened
// as the cache opens it, with maxmemory at twice the memory used, from every core: overwrites
// with a value of the same size (in place) and of sizes that alternate, 32 and 200 bytes (a
// new record each).
func BenchmarkCacheSet(b *testing.B) {
	for _, c := range []struct {
		name string
		vals [2]string
	}{
		{"same", [2]string{"value-of-thirty-two-bytes-long..", "value-of-thirty-two-bytes-long.."}},
		{"alternate", [2]string{"value-of-thirty-two-bytes-long..", strings.Repeat("v", 200)}},
	} {
		b.Run("size="+c.name, func(b *testing.B) {
			db := openTest(b, Options{HashSlots: true, OptimisticReads: true, Shards: 256})
			keys := make([][]byte, benchKeys)
			for i := range keys {
				keys[i] = fmt.Appendf(nil, "key:%012d", i)
				db.SetString(keys[i], []byte(c.vals[1]), 0, t0)
			}
			db.SetMaxMemory(2 * db.Stats().UsedMemory)
			var seq atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := seq.Add(1) * 7919
				for pb.Next() {
					if err := db.CheckMemory(t0); err != nil {
						panic(err)
					}
					db.SetString(keys[i%benchKeys], []byte(c.vals[i&1]), 0, t0)
					i++
				}
			})
		})
	}
}
