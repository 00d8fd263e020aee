package memlimit

import (
	"math"
	"os"
	"runtime/debug"
	"sync"
)

// Headroom is the memory the Go runtime may use beyond the maxmemory of the keyspaces it holds:
// the runtime itself, goroutine stacks, connection buffers, memory accounting's error and the
// garbage awaiting collection. 64 MiB: a node's baseline is about 10 MiB, and a larger margin
// would make "maxmemory plus a small fixed overhead" a poor bound on small containers.
const Headroom = 64 << 20

// A Reservation is one keyspace's claim on the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit). While reservations are held and each has a limit, the Go
// memory limit is their sum plus Headroom, so that the garbage collector works harder before
// the process outgrows what its keyspaces may hold plus a fixed overhead, and the process's
// memory stays near maxmemory + Headroom. A reservation without a limit (0) lifts the Go limit
// while it is held, since nothing then bounds that keyspace; releasing the last reservation
// lifts it too.
//
// The Go limit is left alone when the environment sets GOMEMLIMIT, and when the program set
// its own limit (before the first reservation, or since the last change a reservation made).
// The methods of a Reservation are safe for concurrent use; the lock they take is a leaf.
type Reservation struct {
	g *governor
	n int64 // bytes; 0 = no limit. Guarded by g.mu.
}

// Reserve records a keyspace whose memory is bounded by maxmemory bytes (0 or less: no
// bound) and sets the Go memory limit accordingly. Call Release when the keyspace is gone.
func Reserve(maxmemory int64) *Reservation { return std.reserve(maxmemory) }

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
// than once, and on a nil Reservation.
func (r *Reservation) Release() {
	if r == nil {
		return
	}
	g := r.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.held[r]; !ok {
		return
	}
	delete(g.held, r)
	g.applyLocked()
}

// std governs the process's Go memory limit.
var std = &governor{getenv: os.Getenv, setLimit: debug.SetMemoryLimit}

// governor keeps the Go memory limit at the sum of the reservations plus Headroom.
type governor struct {
	getenv   func(string) string
	setLimit func(int64) int64 // debug.SetMemoryLimit: sets a limit and returns the previous one; -1 only reads

	mu   sync.Mutex // guards held and ours
	held map[*Reservation]struct{}
	ours int64 // the limit this governor last set and has not lifted since; 0 = none
}

func (g *governor) reserve(maxmemory int64) *Reservation {
	r := &Reservation{g: g, n: max(maxmemory, 0)}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		g.held = make(map[*Reservation]struct{})
	}
	g.held[r] = struct{}{}
	g.applyLocked()
	return r
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

// wantLocked returns the sum of the reservations plus Headroom, and false when there are no
// reservations or one of them is unbounded. The caller holds g.mu.
func (g *governor) wantLocked() (int64, bool) {
	if len(g.held) == 0 {
		return 0, false
	}
	sum := int64(Headroom)
	for r := range g.held {
		if r.n == 0 {
			return 0, false
		}
		sum += min(r.n, math.MaxInt64-sum) // saturate instead of overflowing
	}
	return sum, true
}
