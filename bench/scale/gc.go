package main

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// nearGC is how close to a collection a request must come to count as near it.
const nearGC = 5 * time.Millisecond

// request is one measured request of the steady load.
type request struct {
	sched int64         // when it was due to be sent, unix ns (no pointer: the GC need not scan it)
	lat   time.Duration // from sched to its reply (so queueing behind a stall counts)
	svc   time.Duration // from the actual send to the reply
	set   bool
}

func (r request) due() time.Time { return time.Unix(0, r.sched) }

// runGC loads c.keys keys, then runs a steady GET/SET load at c.rate requests a second
// for c.duration, and reports collector pauses and request latency.
func runGC(c *config) error {
	if err := ensureGCTrace(); err != nil {
		return err
	}
	tr, err := startGCTracer()
	if err != nil {
		return err
	}
	if c.rate == 0 {
		c.rate = 20000
	}
	header(c)
	n, rdb, err := startNode(c, max(c.workers, c.loaders))
	if err != nil {
		return err
	}
	defer n.Close()
	defer rdb.Close()
	ctx := context.Background()

	m0 := readMetrics()
	if err := loadPlain(ctx, rdb, c); err != nil {
		return err
	}
	m1 := readMetrics()
	fmt.Printf("loaded %d keys in %s; RSS %s, Go heap live %s\n",
		c.keys, m1.at.Sub(m0.at).Round(time.Millisecond), mib(rss()), mib(int64(m1.uint(mHeapLive))))
	reportPauses("load", tr, m0, m1)

	cpu0 := cpuTime()
	m2 := readMetrics()
	stop := startProfile(c)
	reqs := steadyLoad(ctx, rdb, c)
	stop()
	m3 := readMetrics()
	cpu1 := cpuTime()
	fmt.Printf("\nsteady load: %d requests in %s (%.0f/s, %.0f%% GET), process CPU %.2f cores, load average %s\n",
		len(reqs), m3.at.Sub(m2.at).Round(time.Millisecond), float64(len(reqs))/m3.at.Sub(m2.at).Seconds(),
		100*c.getShare, (cpu1-cpu0).Seconds()/m3.at.Sub(m2.at).Seconds(), loadAvg())
	ws := reportPauses("steady", tr, m2, m3)
	reportLatency(reqs, ws)
	keys, _ := rdb.DBSize(ctx).Result()
	fmt.Printf("\nmemory: RSS %s, Go heap objects %s (live after last GC %s, of it scannable %s; goal %s), Go runtime total %s; %d keys\n",
		mib(rss()), mib(int64(m3.uint(mHeapObjs))), mib(int64(m3.uint(mHeapLive))), mib(int64(m3.uint(mScanHeap))),
		mib(int64(m3.uint(mHeapGoal))), mib(int64(m3.uint(mGoTotal))), keys)
	return nil
}

// loadPlain writes keys 0..c.keys-1 with pipelined SETs from c.loaders goroutines.
func loadPlain(ctx context.Context, rdb *redis.Client, c *config) error {
	vals := values(c.valSize)
	var next atomic.Int64
	return parallel(c.loaders, func() error {
		for {
			lo := int(next.Add(int64(c.pipeline))) - c.pipeline
			if lo >= c.keys {
				return nil
			}
			p := rdb.Pipeline()
			for i := lo; i < min(lo+c.pipeline, c.keys); i++ {
				p.Set(ctx, key('k', i), vals[i%len(vals)], 0)
			}
			if _, err := p.Exec(ctx); err != nil {
				return err
			}
		}
	})
}

// values returns 256 values of n bytes.
func values(n int) []string {
	v := make([]string, 256)
	for i := range v {
		v[i] = value(n, uint64(i))
	}
	return v
}

// parallel runs f in n goroutines and returns the first error.
func parallel(n int, f func() error) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// steadyLoad runs c.workers clients, each sending its share of c.rate requests a second on a
// fixed schedule for c.duration, and returns every request.
func steadyLoad(ctx context.Context, rdb *redis.Client, c *config) []request {
	vals := values(c.valSize)
	interval := time.Duration(float64(time.Second) * float64(c.workers) / float64(c.rate))
	perWorker := int(c.duration/interval) + 1
	out := make([][]request, c.workers)
	start := time.Now().Add(10 * time.Millisecond)
	var wg sync.WaitGroup
	for w := range c.workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			reqs := make([]request, 0, perWorker)
			first := start.Add(interval * time.Duration(w) / time.Duration(c.workers))
			for k := range perWorker {
				due := first.Add(time.Duration(k) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				sent := time.Now()
				i := rng.IntN(c.keys)
				set := rng.Float64() >= c.getShare
				var err error
				if set {
					err = rdb.Set(ctx, key('k', i), vals[rng.IntN(len(vals))], 0).Err()
				} else {
					err = rdb.Get(ctx, key('k', i)).Err()
				}
				if err != nil {
					panic(fmt.Sprintf("request %d of worker %d: %v", k, w, err))
				}
				reqs = append(reqs, request{sched: due.UnixNano(), lat: time.Since(due), svc: time.Since(sent), set: set})
			}
			out[w] = reqs
		})
	}
	wg.Wait()
	var all []request
	for _, r := range out {
		all = append(all, r...)
	}
	slices.SortFunc(all, func(a, b request) int { return cmp.Compare(a.sched, b.sched) })
	return all
}

// reportPauses prints the collections between two snapshots, from runtime/metrics and from
// the trace lines, and returns their windows.
func reportPauses(phase string, tr *gcTracer, a, b snapshot) []gcWindow {
	h := pausesBetween(a, b)
	cycles := b.uint(mCycles) - a.uint(mCycles)
	gcCPU := b.float(mGCCPU) - a.float(mGCCPU)
	allCPU := b.float(mTotalCPU) - a.float(mTotalCPU)
	st := histBetween(a, b, mStopping)
	fmt.Printf("%s: %d GC cycles (%.1f/s), %d stop-the-world pauses; runtime/metrics %s: p50 <= %s, p99 <= %s, max <= %s (of which stopping the world, max <= %s); GC CPU %.1f%% of the process's\n",
		phase, cycles, float64(cycles)/b.at.Sub(a.at).Seconds(), h.total(), mPauses,
		dur(h.quantile(0.5)), dur(h.quantile(0.99)), dur(h.quantile(1)), dur(st.quantile(1)), 100*gcCPU/max(allCPU, 1e-9))
	time.Sleep(50 * time.Millisecond) // let the last trace line arrive
	ws := tr.windows(a.at, b.at)
	if len(ws) == 0 {
		return nil
	}
	printWindows(phase, ws, "whole cycle (concurrent mark included)")
	return ws
}

// printWindows prints a phase's collections from gctrace (each line, when there are at most
// 12) and the p50, p99 and max of their pauses and the p50 and max of their cycles, which
// cycle names.
func printWindows(phase string, ws []gcWindow, cycle string) {
	var pauses, cycles []time.Duration
	for _, w := range ws {
		pauses = append(pauses, w.stw1, w.stw2)
		cycles = append(cycles, w.end.Sub(w.start))
	}
	if len(ws) <= 12 {
		for _, w := range ws {
			fmt.Printf("  %s\n", w.line)
		}
	}
	p, cy := sortedCopy(pauses), sortedCopy(cycles)
	fmt.Printf("%s: gctrace, %d collections: pause p50 %s, p99 %s, max %s; %s p50 %s, max %s\n",
		phase, len(ws), dur(percentile(p, 0.5)), dur(percentile(p, 0.99)), dur(p[len(p)-1]),
		cycle, dur(percentile(cy, 0.5)), dur(cy[len(cy)-1]))
}

// printLatencies prints the percentiles of the requests' latency (from the scheduled send)
// and service time (from the actual send).
func printLatencies(lat, svc []time.Duration) {
	s := sortedCopy(lat)
	fmt.Printf("request latency (from the scheduled send): p50 %s, p99 %s, p99.9 %s, max %s\n",
		dur(percentile(s, 0.5)), dur(percentile(s, 0.99)), dur(percentile(s, 0.999)), dur(s[len(s)-1]))
	s = sortedCopy(svc)
	fmt.Printf("service time (from the actual send): p50 %s, p99 %s, p99.9 %s, max %s\n",
		dur(percentile(s, 0.5)), dur(percentile(s, 0.99)), dur(percentile(s, 0.999)), dur(s[len(s)-1]))
}

// reportLatency prints request latency overall and near collections versus away from them.
func reportLatency(reqs []request, ws []gcWindow) {
	if len(reqs) == 0 {
		return
	}
	var all, svc, nearL, farL []time.Duration
	var worst request
	for _, r := range reqs {
		all = append(all, r.lat)
		svc = append(svc, r.svc)
		if _, ok := near(ws, r.due(), r.due().Add(r.lat), nearGC); ok {
			nearL = append(nearL, r.lat)
		} else {
			farL = append(farL, r.lat)
		}
		if r.lat > worst.lat {
			worst = r
		}
	}
	printLatencies(all, svc)
	for _, g := range []struct {
		name string
		l    []time.Duration
	}{{"within 5 ms of a GC cycle", nearL}, {"away from GC cycles", farL}} {
		if len(g.l) == 0 {
			fmt.Printf("  %s: no requests\n", g.name)
			continue
		}
		s := sortedCopy(g.l)
		over := len(s) - sortCount(s, 5*time.Millisecond)
		fmt.Printf("  %s: %d requests, p99 %s, p99.9 %s, max %s, %d over 5 ms\n",
			g.name, len(s), dur(percentile(s, 0.99)), dur(percentile(s, 0.999)), dur(s[len(s)-1]), over)
	}
	op := "GET"
	if worst.set {
		op = "SET"
	}
	if w, ok := near(ws, worst.due(), worst.due().Add(worst.lat), 0); ok {
		fmt.Printf("  slowest request: %s %s at +%s, during GC %d (pauses %s + %s, cycle %s)\n",
			op, dur(worst.lat), worst.due().Sub(reqs[0].due()).Round(time.Millisecond), w.num,
			dur(w.stw1), dur(w.stw2), dur(w.end.Sub(w.start)))
	} else {
		fmt.Printf("  slowest request: %s %s at +%s, no GC running\n", op, dur(worst.lat),
			worst.due().Sub(reqs[0].due()).Round(time.Millisecond))
	}
}

// sortCount returns how many of sorted are at most d.
func sortCount(sorted []time.Duration, d time.Duration) int {
	i, _ := slices.BinarySearch(sorted, d+1)
	return i
}
