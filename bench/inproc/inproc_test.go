package inproc

import (
	"bytes"
	"flag"
	"fmt"
	"sync"
	"testing"
)

var numKeys = flag.Int("keys", 1<<20, "keys in the benchmarks' workload (the caches hold twice as many)")

var (
	benchOnce sync.Once
	benchW    *Workload
)

// benchWorkload is built once per process: every cache and every read share sees the same
// keys and the same stream.
func benchWorkload() *Workload {
	benchOnce.Do(func() { benchW = NewWorkload(*numKeys, 1<<22, 1) })
	return benchW
}

// BenchmarkGetSet runs every cache at every read share, as cache=NAME/reads=PCT. Run it with
// -cpu 1,2 (up to GOMAXPROCS) for the goroutine counts. Each cache is built and populated once
// per -cpu value, outside the timed runs.
func BenchmarkGetSet(b *testing.B) {
	w := benchWorkload()
	for _, s := range Specs {
		b.Run("cache="+s.Name, func(b *testing.B) {
			c, err := s.New(CapacityFactor*len(w.Keys), KeyLen, ValLen)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if err := MustPopulate(c, w); err != nil {
				b.Fatal(err)
			}
			for _, reads := range []int{100, 75, 50, 0} {
				b.Run(fmt.Sprintf("reads=%d", reads), func(b *testing.B) {
					Run(b, c, w, reads, s.MustHit)
				})
			}
		})
	}
}

// TestCaches checks every adapter: a populated cache returns each key's own value, and a Set
// replaces it.
func TestCaches(t *testing.T) {
	w := NewWorkload(5000, 1<<10, 2)
	for _, s := range Specs {
		t.Run(s.Name, func(t *testing.T) {
			c, err := s.New(CapacityFactor*len(w.Keys), KeyLen, ValLen)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := MustPopulate(c, w); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 0, 2*ValLen)
			for i, k := range w.Keys {
				if v, ok := c.Get(buf, k); !ok || !bytes.Equal(v, valueFor(i)) {
					t.Fatalf("Get(%q) = %x, %v; want %x", k, v, ok, valueFor(i))
				}
			}
			c.Set(w.Keys[7], w.Value)
			c.Sync()
			if v, ok := c.Get(buf, w.Keys[7]); !ok || !bytes.Equal(v, w.Value) {
				t.Fatalf("Get after Set = %q, %v; want %q", v, ok, w.Value)
			}
		})
	}
}

// TestWorkload checks the stream: indices in range, and skewed as a Zipf stream is.
func TestWorkload(t *testing.T) {
	const n = 10000
	w := NewWorkload(n, 1<<16, 3)
	if len(w.Stream) != 1<<16 {
		t.Fatalf("stream length %d, want %d", len(w.Stream), 1<<16)
	}
	count := make([]int, n)
	for _, k := range w.Stream {
		if int(k) >= n {
			t.Fatalf("index %d out of range", k)
		}
		count[k]++
	}
	top := 0
	for _, c := range count {
		top = max(top, c)
	}
	// With s = 1.01 over 10^4 keys the hottest key takes about a tenth of the stream; a
	// uniform stream would give it a few draws.
	if top < len(w.Stream)/20 {
		t.Fatalf("hottest key drawn %d times of %d: not skewed", top, len(w.Stream))
	}
	if len(w.Keys[0]) != KeyLen || len(w.Keys[n-1]) != KeyLen {
		t.Fatalf("key lengths %d, %d; want %d", len(w.Keys[0]), len(w.Keys[n-1]), KeyLen)
	}
}

// TestLarderGetNoAlloc checks what the harness relies on: Larder's read path, GetAppend into
// a buffer of enough capacity, allocates nothing on a hit.
func TestLarderGetNoAlloc(t *testing.T) {
	w := NewWorkload(1000, 1<<10, 4)
	s, _ := SpecByName("larder")
	c, err := s.New(CapacityFactor*len(w.Keys), KeyLen, ValLen)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := MustPopulate(c, w); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 2*ValLen)
	if a := testing.AllocsPerRun(1000, func() { c.Get(buf, w.Keys[5]) }); a != 0 {
		t.Fatalf("Get allocates %v times per hit", a)
	}
}
