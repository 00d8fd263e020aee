package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// rss returns the resident set size of this process in bytes (VmRSS), or 0.
func rss() int64 { return rssOf("/proc/self/status") }

// rssOf returns the VmRSS line of a /proc/PID/status file in bytes, or 0.
func rssOf(status string) int64 {
	f, err := os.Open(status)
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The runtime/metrics this program reads.
const (
	mPauses    = "/sched/pauses/total/gc:seconds"
	mStopping  = "/sched/pauses/stopping/gc:seconds"
	mCycles    = "/gc/cycles/total:gc-cycles"
	mHeapLive  = "/gc/heap/live:bytes"
	mHeapObjs  = "/memory/classes/heap/objects:bytes"
	mGoTotal   = "/memory/classes/total:bytes"
	mGCCPU     = "/cpu/classes/gc/total:cpu-seconds"
	mTotalCPU  = "/cpu/classes/total:cpu-seconds"
	mHeapGoal  = "/gc/heap/goal:bytes"
	mAllocated = "/gc/heap/allocs:bytes"
	mScanHeap  = "/gc/scan/heap:bytes"
)

// snapshot is one reading of the runtime metrics above.
type snapshot struct {
	at      time.Time
	samples []metrics.Sample
}

// readMetrics reads the metrics now.
func readMetrics() snapshot {
	names := []string{mPauses, mStopping, mCycles, mHeapLive, mHeapObjs, mGoTotal, mGCCPU, mTotalCPU, mHeapGoal, mAllocated, mScanHeap}
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	return snapshot{at: time.Now(), samples: s}
}

func (s snapshot) value(name string) metrics.Value {
	for _, m := range s.samples {
		if m.Name == name {
			return m.Value
		}
	}
	panic("scale: metric not read: " + name)
}

func (s snapshot) uint(name string) uint64 { return s.value(name).Uint64() }

func (s snapshot) float(name string) float64 { return s.value(name).Float64() }

// pauseHist is the difference of the pause histograms of two snapshots.
type pauseHist struct {
	counts  []uint64
	buckets []float64 // len(counts)+1 boundaries, in seconds
}

func pausesBetween(a, b snapshot) pauseHist { return histBetween(a, b, mPauses) }

// histBetween is the difference of the histograms of metric name in two snapshots.
func histBetween(a, b snapshot, name string) pauseHist {
	ha, hb := a.value(name).Float64Histogram(), b.value(name).Float64Histogram()
	h := pauseHist{counts: make([]uint64, len(hb.Counts)), buckets: hb.Buckets}
	for i := range hb.Counts {
		h.counts[i] = hb.Counts[i] - ha.Counts[i]
	}
	return h
}

// total returns the number of pauses.
func (h pauseHist) total() uint64 {
	var n uint64
	for _, c := range h.counts {
		n += c
	}
	return n
}

// quantile returns the upper bound of the bucket holding quantile q (0 < q <= 1).
func (h pauseHist) quantile(q float64) time.Duration {
	n := h.total()
	if n == 0 {
		return 0
	}
	want := uint64(q*float64(n) + 0.999999)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= want {
			return secs(h.buckets[i+1])
		}
	}
	return secs(h.buckets[len(h.buckets)-1])
}

func secs(s float64) time.Duration { return time.Duration(s * 1e9) }

// percentile returns the q quantile (0..1) of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)))
	return sorted[min(i, len(sorted)-1)]
}

// sortedCopy returns d sorted, leaving d as it is.
func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}

// info returns the fields of INFO section as a map.
func info(ctx context.Context, rdb *redis.Client, section string) (map[string]string, error) {
	s, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// infoInt returns an integer field of INFO section, failing if it is missing.
func infoInt(ctx context.Context, rdb *redis.Client, section, field string) (int64, error) {
	m, err := info(ctx, rdb, section)
	if err != nil {
		return 0, err
	}
	v, ok := m[field]
	if !ok {
		return 0, fmt.Errorf("INFO %s has no %s", section, field)
	}
	return strconv.ParseInt(v, 10, 64)
}
