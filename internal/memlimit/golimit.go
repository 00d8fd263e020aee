package memlimit

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Headroom is the garbage the Go heap may hold beyond its live objects, or beyond the part of
// the keyspaces' used memory that lies on the Go heap (index tables, sketches, objects of
// collections) while that is the larger: the collector starts a cycle once that much has been
// allocated since the last. The records are in arenas outside the Go heap and bounded by
// maxmemory on their own, so the process holds about maxmemory + Headroom + the live objects
// outside the keyspace (connection buffers: a few MiB) + the runtime's own memory (see
// readRuntime) + the arenas' allowance + the binary's pages, whatever maxmemory is.
// 8 MiB: with 16 MiB the peak over maxmemory was 3-6 MiB higher at 64mb and 256mb; with less
// the collector runs more often for little.
const Headroom = 8 << 20

// limitStep is the granularity of the limit: the sum is rounded up to it, so that the limit
// changes once the Go heap's share has grown or shrunk by that much, not on every table resize.
const limitStep = 1 << 20

// pollEvery is how often the limit follows the reservations' Go heap shares.
const pollEvery = 100 * time.Millisecond

// A Reservation is one keyspace's claim on the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit). While reservations are held and each has a bound, the Go
// memory limit is Headroom, plus the runtime's own memory (readRuntime), plus the larger of
// the heap's live objects at the last collection and the sum over the reservations of the part
// of each keyspace's used memory that lies on the Go heap (its heap function; all of maxmemory
// without one), at most its maxmemory; rounded up to a MiB. The limit follows them every
// 100 ms. So the collector runs once the heap holds Headroom of garbage, rather than as much
// garbage as live objects (GOGC's default), and the process stays near maxmemory + Headroom +
// the runtime's own memory whatever maxmemory is. The live objects are a floor so that buffers
// and other objects outside the keyspaces never make the collector run without pause; the
// keyspaces' share counts while the keyspaces grow faster than collections measure it. A
// reservation without a bound (0) lifts the Go limit while it is held, since nothing then
// bounds that keyspace; releasing the last reservation lifts it too.
//
// The Go limit is left alone when the environment sets GOMEMLIMIT, and when the program set
// its own limit (before the first reservation, or since the last change a reservation made).
// The methods of a Reservation are safe for concurrent use; the lock they take is a leaf.
type Reservation struct {
	g    *governor
	n    int64        // bytes; 0 = no limit. Guarded by g.mu.
	heap func() int64 // the keyspace's used memory on the Go heap; nil = all of n
}

// Reserve records a keyspace whose memory is bounded by maxmemory bytes (0 or less: no bound)
// and sets the Go memory limit accordingly. heap, if not nil, returns the part of the
// keyspace's used memory on the Go heap (engine.DB.HeapUsed); it is called every 100 ms, and
// under a lock, so it must be cheap, safe for concurrent use, and must not call this package.
// Call Release when the keyspace is gone.
func Reserve(maxmemory int64, heap func() int64) *Reservation {
	return std.reserve(maxmemory, heap)
}

// Set changes the reservation's bound to maxmemory bytes (0 or less: no bound), as CONFIG SET
// maxmemory does, and updates the Go memory limit. Set after Release, or on a nil
// Reservation, does nothing.
func (r *Reservation) Set(maxmemory int64) {
	if r == nil {
		return
	}
	g := r.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.held[r]; !ok {
		return
	}
	r.n = max(maxmemory, 0)
	g.applyLocked()
}

// Release withdraws the reservation and updates the Go memory limit. It may be called more
// than once, and on a nil Reservation. Releasing the last reservation stops the goroutine that
// makes the limit follow the Go heap, and waits for it.
func (r *Reservation) Release() {
	if r == nil {
		return
	}
	g := r.g
	g.mu.Lock()
	if _, ok := g.held[r]; !ok {
		g.mu.Unlock()
		return
	}
	delete(g.held, r)
	g.applyLocked()
	var stop, done chan struct{}
	if len(g.held) == 0 {
		stop, done = g.stop, g.done
		g.stop, g.done = nil, nil
	}
	g.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// std governs the process's Go memory limit.
var std = &governor{getenv: os.Getenv, setLimit: debug.SetMemoryLimit, runtime: readRuntime, every: pollEvery}

// governor keeps the Go memory limit at Headroom, the runtime's overhead and the larger of the
// live heap and the reservations' Go heap shares.
type governor struct {
	getenv   func(string) string
	setLimit func(int64) int64             // debug.SetMemoryLimit: sets a limit and returns the previous one; -1 only reads
	runtime  func() (overhead, live int64) // readRuntime; nil = 0, 0
	every    time.Duration                 // how often the poller refreshes the limit; 0 = no poller (tests call refresh)

	mu   sync.Mutex // guards held, ours, stop and done
	held map[*Reservation]struct{}
	ours int64 // the limit this governor last set and has not lifted since; 0 = none
	// stop and done belong to the poller, running while reservations are held: closing stop
	// ends it, and it closes done as it returns.
	stop, done chan struct{}
}

func (g *governor) reserve(maxmemory int64, heap func() int64) *Reservation {
	r := &Reservation{g: g, n: max(maxmemory, 0), heap: heap}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		g.held = make(map[*Reservation]struct{})
	}
	g.held[r] = struct{}{}
	g.applyLocked()
	if g.stop == nil && g.every > 0 {
		g.stop, g.done = make(chan struct{}), make(chan struct{})
		go g.poll(g.stop, g.done)
	}
	return r
}

// poll refreshes the limit every g.every until stop is closed, then closes done.
func (g *governor) poll(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(g.every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			g.refresh()
		}
	}
}

// refresh sets the limit the reservations call for now.
func (g *governor) refresh() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.applyLocked()
}

// applyLocked sets the Go memory limit the reservations call for, unless someone else manages
// it. The caller holds g.mu.
func (g *governor) applyLocked() {
	if g.getenv("GOMEMLIMIT") != "" {
		return
	}
	cur := g.setLimit(-1)
	if g.ours == 0 && cur != math.MaxInt64 {
		return // the program set a limit of its own
	}
	if g.ours != 0 && cur != g.ours {
		g.ours = 0 // the program changed our limit: it manages the limit from now on
		return
	}
	want, ok := g.wantLocked()
	switch {
	case ok && want != g.ours:
		g.setLimit(want)
		g.ours = want
	case !ok && g.ours != 0:
		g.setLimit(math.MaxInt64)
		g.ours = 0
	}
}

// wantLocked returns Headroom plus the runtime's overhead plus the larger of the live heap and
// the sum over the reservations of their Go heap shares, each at most its maxmemory, rounded
// up to limitStep; and false when there are no reservations or one of them is unbounded. The
// caller holds g.mu.
func (g *governor) wantLocked() (int64, bool) {
	if len(g.held) == 0 {
		return 0, false
	}
	var shares int64
	for r := range g.held {
		if r.n == 0 {
			return 0, false
		}
		n := r.n
		if r.heap != nil {
			n = min(max(r.heap(), 0), n)
		}
		shares += min(n, math.MaxInt64-shares) // saturate instead of overflowing
	}
	var overhead, live int64
	if g.runtime != nil {
		overhead, live = g.runtime()
	}
	sum := int64(Headroom)
	sum += min(max(overhead, 0), math.MaxInt64-sum)
	sum += min(max(shares, live), math.MaxInt64-sum)
	if sum > math.MaxInt64-limitStep {
		return math.MaxInt64, true
	}
	return (sum + limitStep - 1) / limitStep * limitStep, true
}

// The runtime/metrics readRuntime reads: the live heap, then the overhead's parts. Reading
// them does not stop the world.
const liveMetric = "/gc/heap/live:bytes"

var overheadMetrics = []string{
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/other:bytes",
	"/memory/classes/profiling/buckets:bytes",
}

// readRuntime returns the runtime's overhead, the memory the Go runtime holds for itself rather
// than for heap objects, as counted in the Go memory limit: goroutine stacks, the unused parts
// of spans that hold objects (the allocator's fragmentation), the spans' and arenas' metadata
// and the runtime's other structures; and the heap's live objects at the last collection. The
// overhead grows with the heap, a little (at 7M keys, 124 MiB of index tables: 11 MiB, of which
// 2.5 MiB of span structures and 3.8 MiB unused in spans; at 64mb after phases of 32 B to 16 KB
// values, 13 MiB, 9 MiB of it unused in spans of index tables that shrank), and the limit leaves
// it out of what it bounds: were it part of a fixed Headroom, a large index would make the
// collector run without pause. Free pages not yet returned to the OS are not in it.
func readRuntime() (overhead, live int64) {
	s := make([]metrics.Sample, 1+len(overheadMetrics))
	s[0].Name = liveMetric
	for i, n := range overheadMetrics {
		s[1+i].Name = n
	}
	metrics.Read(s)
	v := func(m metrics.Sample) int64 {
		if m.Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(min(m.Value.Uint64(), math.MaxInt64/16))
	}
	for _, m := range s[1:] {
		overhead += v(m)
	}
	return overhead, v(s[0])
}
