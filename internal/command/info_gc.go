package command

import (
	"fmt"
	"math"
	"runtime/metrics"
	"slices"
)

// The runtime/metrics INFO gc reads. None of them stops the world.
const (
	gcmCycles   = "/gc/cycles/total:gc-cycles"
	gcmPauses   = "/sched/pauses/total/gc:seconds" // the same histogram as /gc/pauses:seconds
	gcmStopping = "/sched/pauses/stopping/gc:seconds"
	gcmCPU      = "/cpu/classes/gc/total:cpu-seconds"
	gcmHeapLive = "/gc/heap/live:bytes"
	gcmHeapGoal = "/gc/heap/goal:bytes"
	gcmScan     = "/gc/scan/heap:bytes"
	gcmStacks   = "/gc/scan/stack:bytes"
	gcmGlobals  = "/gc/scan/globals:bytes"
	gcmGOGC     = "/gc/gogc:percent"
	gcmLimit    = "/gc/gomemlimit:bytes"
	gcmAllocs   = "/gc/heap/allocs:bytes"
	gcmObjects  = "/gc/heap/allocs:objects"
)

var gcMetricNames = []string{gcmCycles, gcmPauses, gcmStopping, gcmCPU, gcmHeapLive, gcmHeapGoal, gcmScan, gcmStacks, gcmGlobals, gcmGOGC, gcmLimit, gcmAllocs, gcmObjects}

// gcBase is the garbage collector's counters at the last CONFIG RESETSTAT,
// so that INFO gc's cycles, pauses and CPU count from there, as Redis's
// stats do.
type gcBase struct {
	cycles         uint64
	cpu            float64
	pauses         []uint64 // counts of the pause histogram's buckets
	stopping       []uint64 // and of the histogram of their time to stop the world
	alloc, objects uint64   // bytes and objects allocated on the heap
}

// readGCMetrics reads the runtime metrics of INFO gc.
func readGCMetrics() []metrics.Sample {
	s := make([]metrics.Sample, len(gcMetricNames))
	for i, n := range gcMetricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	return s
}

// gcValue returns the value of metric name in s, or the zero Value.
func gcValue(s []metrics.Sample, name string) metrics.Value {
	for _, m := range s {
		if m.Name == name {
			return m.Value
		}
	}
	return metrics.Value{}
}

// gcUint returns the value of the uint64 metric name in s, or 0.
func gcUint(s []metrics.Sample, name string) uint64 {
	if v := gcValue(s, name); v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

// resetGCLocked records the collector's counters now as INFO gc's new
// base. The caller holds s.info.mu.
func (s *Server) resetGCLocked() {
	m := readGCMetrics()
	b := gcBase{cycles: gcUint(m, gcmCycles)}
	if v := gcValue(m, gcmCPU); v.Kind() == metrics.KindFloat64 {
		b.cpu = v.Float64()
	}
	if v := gcValue(m, gcmPauses); v.Kind() == metrics.KindFloat64Histogram {
		b.pauses = slices.Clone(v.Float64Histogram().Counts)
	}
	if v := gcValue(m, gcmStopping); v.Kind() == metrics.KindFloat64Histogram {
		b.stopping = slices.Clone(v.Float64Histogram().Counts)
	}
	b.alloc, b.objects = gcUint(m, gcmAllocs), gcUint(m, gcmObjects)
	s.info.gc = b
}

// infoGC writes INFO's gc section, Larder's own: the Go garbage collector's
// cycles, its stop-the-world pauses (quantiles of the runtime's histogram,
// each the upper bound of its bucket, in microseconds), of the part of them
// spent stopping the world (waiting for every running goroutine to reach a
// safe point: long when a thread is off its CPU), and its CPU time since
// the start or the last CONFIG RESETSTAT, the bytes and objects allocated on
// the heap in that time (what sets the collector's pace), and the heap it
// works on now, with the part of the keyspace's used memory on it
// (gc_heap_keyspace), which sets the Go memory limit (internal/memlimit).
func (s *Server) infoGC(w infoWriter) {
	m := readGCMetrics()
	s.info.mu.Lock()
	base := s.info.gc
	s.info.mu.Unlock()

	cycles := gcUint(m, gcmCycles) - min(gcUint(m, gcmCycles), base.cycles)
	var cpu float64
	if v := gcValue(m, gcmCPU); v.Kind() == metrics.KindFloat64 {
		cpu = v.Float64() - base.cpu
	}
	var pauses, stopping pauseQuantiles
	if v := gcValue(m, gcmPauses); v.Kind() == metrics.KindFloat64Histogram {
		pauses = quantilesSince(v.Float64Histogram(), base.pauses)
	}
	if v := gcValue(m, gcmStopping); v.Kind() == metrics.KindFloat64Histogram {
		stopping = quantilesSince(v.Float64Histogram(), base.stopping)
	}
	u := func(name string) int64 { return int64(min(gcUint(m, name), math.MaxInt64)) }
	w.int("gc_cycles", int64(cycles))
	w.int("gc_pauses", int64(pauses.n))
	w.int("gc_pause_p50_usec", pauses.p50)
	w.int("gc_pause_p99_usec", pauses.p99)
	w.int("gc_pause_max_usec", pauses.max)
	w.int("gc_stopping_p50_usec", stopping.p50)
	w.int("gc_stopping_p99_usec", stopping.p99)
	w.int("gc_stopping_max_usec", stopping.max)
	w.str("gc_cpu_seconds", fmt.Sprintf("%.6f", cpu))
	w.int("gc_allocated", int64(gcUint(m, gcmAllocs)-min(gcUint(m, gcmAllocs), base.alloc)))
	w.int("gc_allocated_objects", int64(gcUint(m, gcmObjects)-min(gcUint(m, gcmObjects), base.objects)))
	w.int("gc_heap_live", u(gcmHeapLive))
	w.int("gc_heap_keyspace", s.db.HeapUsed())
	w.int("gc_heap_goal", u(gcmHeapGoal))
	w.int("gc_heap_scannable", u(gcmScan))
	w.int("gc_stacks_scannable", u(gcmStacks))
	w.int("gc_globals_scannable", u(gcmGlobals))
	w.int("gc_gogc", u(gcmGOGC))
	w.int("gc_gomemlimit", u(gcmLimit))
}

// pauseQuantiles are the number of pauses and quantiles of their lengths, in
// microseconds, rounded up.
type pauseQuantiles struct {
	n             uint64
	p50, p99, max int64
}

// quantilesSince returns the quantiles of h's counts less base (the counts of
// an earlier reading of the same histogram, or nil). Each quantile is the
// upper bound of the bucket that holds it; an unbounded last bucket gives its
// lower bound.
func quantilesSince(h *metrics.Float64Histogram, base []uint64) pauseQuantiles {
	counts := make([]uint64, len(h.Counts))
	var n uint64
	for i, c := range h.Counts {
		if i < len(base) {
			c -= min(c, base[i])
		}
		counts[i] = c
		n += c
	}
	q := pauseQuantiles{n: n}
	if n == 0 {
		return q
	}
	at := func(frac float64) int64 {
		want := max(uint64(math.Ceil(frac*float64(n))), 1)
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= want {
				ub := h.Buckets[i+1]
				if math.IsInf(ub, 1) {
					ub = h.Buckets[i]
				}
				return int64(math.Ceil(ub * 1e6))
			}
		}
		return 0
	}
	q.p50, q.p99, q.max = at(0.5), at(0.99), at(1)
	return q
}
