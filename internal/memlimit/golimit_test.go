package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRuntime stands in for debug.SetMemoryLimit and the environment.
type fakeRuntime struct {
	limit int64
	env   string // GOMEMLIMIT
	sets  int    // calls that changed the limit
}

func newFake() (*fakeRuntime, *governor) {
	f := &fakeRuntime{limit: math.MaxInt64}
	g := &governor{
		getenv: func(k string) string {
			if k == "GOMEMLIMIT" {
				return f.env
			}
			return ""
		},
		setLimit: func(n int64) int64 {
			prev := f.limit
			if n >= 0 {
				f.limit = n
				f.sets++
			}
			return prev
		},
	}
	return f, g
}

// checker returns a check that fails t unless the limit f holds is want, after step.
func (f *fakeRuntime) checker(t *testing.T) func(step string, want int64) {
	return func(step string, want int64) {
		t.Helper()
		if f.limit != want {
			t.Fatalf("%s: Go memory limit %d, want %d", step, f.limit, want)
		}
	}
}

func TestReservations(t *testing.T) {
	f, g := newFake()
	check := f.checker(t)
	a := g.reserve(100<<20, nil)
	check("one reservation", 100<<20+Headroom)
	b := g.reserve(50<<20, nil)
	check("two reservations add up", 150<<20+Headroom)
	a.Set(200 << 20)
	check("CONFIG SET maxmemory", 250<<20+Headroom)
	c := g.reserve(0, nil)
	check("an unbounded keyspace lifts the limit", math.MaxInt64)
	c.Set(10 << 20)
	check("bounded again", 260<<20+Headroom)
	c.Release()
	c.Release()
	c.Set(1 << 40) // after Release: nothing
	check("released", 250<<20+Headroom)
	a.Release()
	check("one left", 50<<20+Headroom)
	b.Set(-5)
	check("negative is no bound", math.MaxInt64)
	b.Set(1 << 20)
	check("bound", 1<<20+Headroom)
	b.Release()
	check("none left", math.MaxInt64)
	var nilRes *Reservation
	nilRes.Set(1)
	nilRes.Release()
}

func TestReservationSaturates(t *testing.T) {
	f, g := newFake()
	a := g.reserve(math.MaxInt64-10, nil)
	b := g.reserve(math.MaxInt64-10, nil)
	if f.limit != math.MaxInt64 {
		t.Fatalf("limit %d, want it saturated at MaxInt64", f.limit)
	}
	a.Release()
	b.Release()
	if f.limit != math.MaxInt64 {
		t.Fatalf("limit %d after releasing all", f.limit)
	}
}

func TestGOMEMLIMITWins(t *testing.T) {
	f, g := newFake()
	f.env = "2GiB"
	f.limit = 2 << 30
	r := g.reserve(100<<20, nil)
	r.Set(200 << 20)
	r.Release()
	if f.limit != 2<<30 || f.sets != 0 {
		t.Fatalf("GOMEMLIMIT set: the limit became %d after %d changes, want it untouched", f.limit, f.sets)
	}
	f.env, f.limit = "off", math.MaxInt64
	r = g.reserve(100<<20, nil)
	if f.limit != math.MaxInt64 || f.sets != 0 {
		t.Fatalf("GOMEMLIMIT=off: the limit became %d, want it untouched", f.limit)
	}
	r.Release()
}

func TestProgramLimitWins(t *testing.T) {
	f, g := newFake()
	f.limit = 3 << 30 // set by the program before any reservation
	r := g.reserve(100<<20, nil)
	if f.limit != 3<<30 {
		t.Fatalf("the program's own limit was replaced by %d", f.limit)
	}
	r.Release()

	f.limit = math.MaxInt64
	r = g.reserve(100<<20, nil)
	if f.limit != 100<<20+Headroom {
		t.Fatalf("limit %d, want %d", f.limit, 100<<20+Headroom)
	}
	f.limit = 1 << 30 // the program takes over
	r.Set(200 << 20)
	r.Release()
	if f.limit != 1<<30 {
		t.Fatalf("the program's later limit was replaced by %d", f.limit)
	}
}

// TestReserveRuntime runs against the real runtime limit, restoring it afterwards.
func TestReserveRuntime(t *testing.T) {
	if std.getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("the Go memory limit is set by GOMEMLIMIT or the test binary")
	}
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	r := Reserve(1<<30, nil)
	// The runtime's own memory is added: a few MiB in a test binary.
	if got := debug.SetMemoryLimit(-1); got < 1<<30+Headroom || got > 1<<30+Headroom+64<<20 || got%limitStep != 0 {
		t.Errorf("after Reserve(1 GiB): Go memory limit %d, want 1 GiB + Headroom + the runtime's overhead, in MiB", got)
	}
	r.Release()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after Release: Go memory limit %d, want none", got)
	}
}

func TestReservationsConcurrent(t *testing.T) {
	f, g := newFake()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := g.reserve(int64(i+1)<<20, nil)
			for j := range 100 {
				r.Set(int64(j+1) << 20)
			}
			r.Release()
		})
	}
	wg.Wait()
	if f.limit != math.MaxInt64 || len(g.held) != 0 {
		t.Fatalf("after every reservation is released: limit %d, %d held", f.limit, len(g.held))
	}
}

// TestHeapShare checks that a reservation with a heap function counts the part of used memory
// on the Go heap, at most its maxmemory, rounded up to a MiB, that refresh follows it, and that
// the runtime's overhead and the larger of the live heap and the shares are added.
func TestHeapShare(t *testing.T) {
	f, g := newFake()
	check := f.checker(t)
	const mb = 1 << 20
	var heapA, heapB atomic.Int64
	a := g.reserve(1<<30, heapA.Load)
	check("an empty keyspace", Headroom)
	heapA.Store(40 * mb)
	check("before refresh", Headroom)
	g.refresh()
	check("refreshed", 40*mb+Headroom)
	heapA.Store(40*mb + 1)
	g.refresh()
	check("rounded up to a MiB", 41*mb+Headroom)
	b := g.reserve(8*mb, heapB.Load)
	heapB.Store(100 * mb)
	g.refresh()
	check("a share at most maxmemory", 49*mb+Headroom)
	b.Set(0)
	check("an unbounded keyspace lifts the limit", math.MaxInt64)
	b.Release()
	check("released", 41*mb+Headroom)
	heapA.Store(3 * mb)
	g.refresh()
	check("the share shrank", 3*mb+Headroom)
	heapA.Store(-1)
	g.refresh()
	check("a negative share is none", Headroom)
	var overhead, live int64
	g.runtime = func() (int64, int64) { return overhead, live }
	overhead = 3*mb + mb/2
	g.refresh()
	check("the runtime's overhead is added", 4*mb+Headroom)
	heapA.Store(mb / 2)
	g.refresh()
	check("added before rounding", 4*mb+Headroom)
	live = 10 * mb
	g.refresh()
	check("the live heap when larger than the shares", 14*mb+Headroom)
	heapA.Store(20 * mb)
	g.refresh()
	check("the shares when larger than the live heap", 24*mb+Headroom)
	a.Release()
	check("none left", math.MaxInt64)
}

// TestPoller checks that the limit follows the heap functions without a call, and that
// releasing the last reservation stops the goroutine that refreshes it.
func TestPoller(t *testing.T) {
	f, g := newFake()
	var mu sync.Mutex // guards f.limit, which the poller sets
	set := g.setLimit
	g.setLimit = func(n int64) int64 { mu.Lock(); defer mu.Unlock(); return set(n) }
	g.every = time.Millisecond
	var heap atomic.Int64
	r := g.reserve(1<<30, heap.Load)
	heap.Store(5 << 20)
	for deadline := time.Now().Add(10 * time.Second); ; {
		mu.Lock()
		got := f.limit
		mu.Unlock()
		if got == 5<<20+Headroom {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("limit %d 10 s after the share grew, want %d", got, 5<<20+Headroom)
		}
		time.Sleep(time.Millisecond)
	}
	g.mu.Lock()
	done := g.done
	g.mu.Unlock()
	r.Release()
	select {
	case <-done:
	default:
		t.Fatal("the poller still runs after the last Release returned")
	}
	if g.stop != nil || g.done != nil {
		t.Fatal("the governor still names a poller")
	}
}

// TestReadRuntime checks that the runtime knows every metric readRuntime reads (it would read
// an unknown one as nothing) and that the figures are plausible.
func TestReadRuntime(t *testing.T) {
	known := map[string]bool{}
	for _, d := range metrics.All() {
		known[d.Name] = d.Kind == metrics.KindUint64
	}
	for _, n := range append([]string{liveMetric}, overheadMetrics...) {
		if !known[n] {
			t.Errorf("runtime/metrics has no uint64 metric %s", n)
		}
	}
	runtime.GC()
	if overhead, live := readRuntime(); overhead <= 0 || overhead > 1<<30 || live <= 0 || live > 1<<30 {
		t.Errorf("readRuntime() = %d, %d", overhead, live)
	}
}
