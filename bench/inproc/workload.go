package inproc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The workload's shape; see the package doc.
const (
	// KeyLen is the length of every key.
	KeyLen = 16
	// ValLen is the length of every value.
	ValLen = 32
	// ZipfS is the exponent of the key distribution (math/rand/v2's Zipf needs s > 1; YCSB
	// and Caffeine's benchmarks use 0.99).
	ZipfS = 1.01
	// CapacityFactor is the cache's capacity, in entries, over the number of keys.
	CapacityFactor = 2
)

// Workload is a key set and a precomputed stream of indices into it. It is read-only once
// built, so goroutines share it.
type Workload struct {
	// Keys are the distinct keys, KeyLen bytes each.
	Keys []string
	// Stream holds indices into Keys drawn from the scrambled Zipf distribution; its length
	// is a power of two.
	Stream []uint32
	// Value is the value every Set of the measured loop writes.
	Value []byte
}

// NewWorkload builds n keys and a stream of streamLen (rounded up to a power of two) key
// indices, deterministically from seed.
func NewWorkload(n, streamLen int, seed uint64) *Workload {
	if n < 2 || n > 1<<31 {
		panic(fmt.Sprintf("inproc: %d keys", n))
	}
	w := &Workload{Keys: make([]string, n), Value: make([]byte, ValLen)}
	for i := range w.Keys {
		w.Keys[i] = fmt.Sprintf("k:%014d", i)
	}
	for i := range w.Value {
		w.Value[i] = byte('a' + i%26)
	}
	l := 1
	for l < streamLen {
		l <<= 1
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	perm := r.Perm(n) // rank -> key: hot keys land anywhere in the key space
	z := rand.NewZipf(r, ZipfS, 1, uint64(n-1))
	w.Stream = make([]uint32, l)
	for i := range w.Stream {
		w.Stream[i] = uint32(perm[z.Uint64()])
	}
	return w
}

// valueFor returns a fresh value for key i, distinct from every other key's.
func valueFor(i int) []byte {
	v := make([]byte, ValLen)
	for j := range v {
		v[j] = byte(i >> (8 * (j % 4)))
	}
	return v
}

// Populate stores every key of w in c, each with its own copy of the key and a value of its
// own (so that caches storing by reference hold what they would in a program), and waits for
// buffered writes. It then reads every key back and stores again any that is missing, for up
// to retries rounds: a cache that may drop writes (ristretto) needs this to hold every key.
// It returns the number of keys still missing, which is 0 for any cache with room for them all.
func Populate(c Cache, w *Workload, retries int) (missing int) {
	for i, k := range w.Keys {
		c.Set(strings.Clone(k), valueFor(i))
	}
	buf := make([]byte, 0, 2*ValLen)
	for round := 0; ; round++ {
		c.Sync()
		missing = 0
		for i, k := range w.Keys {
			if _, ok := c.Get(buf, k); !ok {
				missing++
				if round < retries {
					c.Set(strings.Clone(k), valueFor(i))
				}
			}
		}
		if missing == 0 || round == retries {
			return missing
		}
	}
}

// MustPopulate is Populate with 10 rounds of retries, returning an error if a key is still
// missing: the speed benchmarks need every key in the cache.
func MustPopulate(c Cache, w *Workload) error {
	if n := Populate(c, w, 10); n > 0 {
		return fmt.Errorf("inproc: %d of %d keys still missing after populating", n, len(w.Keys))
	}
	return nil
}

// Run measures c under w with reads percent of the operations Gets (0, 25, 50, 75 or 100) and
// the rest Sets, on GOMAXPROCS goroutines (b.RunParallel), and reports ops/s, cpu-ns/op (the
// process's user and system CPU time per operation, the caches' own goroutines and the garbage
// collector included: on a shared machine it moves less than ops/s) and, when there are reads,
// hit% (the share of Gets that found their key). c must hold every key of w
// (Populate). Run fails the benchmark if a Get returns a value of the wrong length, or misses
// when it must hit: always at reads=100, where nothing writes, and at every share when
// mustHit is set (a cache that keeps every entry below its capacity).
func Run(b *testing.B, c Cache, w *Workload, reads int, mustHit bool) {
	if reads < 0 || reads > 100 || reads%25 != 0 {
		b.Fatalf("inproc: read share %d%% is not a multiple of 25", reads)
	}
	readsPer4 := uint(reads / 25)
	mask := uint(len(w.Stream) - 1)
	var (
		workers                atomic.Uint64
		gets, misses, wrongLen atomic.Int64
	)
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		keys, stream, value := w.Keys, w.Stream, w.Value
		// Each goroutine starts at its own place in the stream, far from the others'.
		i := uint(workers.Add(1)) * (mask/7 + 1)
		buf := make([]byte, 0, 2*ValLen)
		var get, miss, wrong int64
		for op := uint(0); pb.Next(); op++ {
			k := keys[stream[i&mask]]
			i++
			if op&3 < readsPer4 {
				v, ok := c.Get(buf, k)
				get++
				if !ok {
					miss++
				} else if len(v) != ValLen {
					wrong++
				}
			} else {
				c.Set(k, value)
			}
		}
		gets.Add(get)
		misses.Add(miss)
		wrongLen.Add(wrong)
	})
	b.StopTimer()
	cpu := cpuTime() - cpu0
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if g := gets.Load(); g > 0 {
		b.ReportMetric(100*float64(g-misses.Load())/float64(g), "hit%")
	}
	if n := wrongLen.Load(); n > 0 {
		b.Fatalf("%d Gets returned a value of the wrong length", n)
	}
	if n := misses.Load(); n > 0 && (reads == 100 || mustHit) {
		b.Fatalf("%d of %d Gets missed a key the cache must hold", n, gets.Load())
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
