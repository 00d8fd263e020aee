package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// slow is the request latency the issue bounds: no request over it because of the GC.
const slow = 5 * time.Millisecond

// runGCProcess is -mode gc with the node in a child process: it loads c.keys keys, runs the
// steady GET/SET load, and reports the node's collections (from its gctrace lines and INFO
// gc), request latency, and for every request over 5 ms whether a node collection or a stall
// of this process ran while it waited.
func runGCProcess(c *config) error {
	if c.rate == 0 {
		c.rate = 20000
	}
	if (c.trace != "" || c.gcEvery > 0) && c.nodeBin != "" {
		return fmt.Errorf("-trace and -gc-every need the node in -mode node, not -node-bin")
	}
	header(c)
	ch, err := startChild(c)
	if err != nil {
		return err
	}
	defer ch.stop()
	rdb, err := ch.client(max(c.workers, c.loaders))
	if err != nil {
		return err
	}
	defer rdb.Close()
	ctx := context.Background()
	node := "this program in -mode node"
	if c.nodeBin != "" {
		node = c.nodeBin
	}
	fmt.Printf("node: %s, pid %d, on %s, settings %q\n", node, ch.cmd.Process.Pid, ch.addr, c.set)
	if m, err := info(ctx, rdb, "gc"); err == nil {
		fmt.Printf("node: GOGC %s, GOMEMLIMIT %s\n", m["gc_gogc"], m["gc_gomemlimit"])
	}

	t0 := time.Now()
	if err := loadPlain(ctx, rdb, c); err != nil {
		return err
	}
	t1 := time.Now()
	fmt.Printf("loaded %d keys in %s; node RSS %s\n", c.keys, t1.Sub(t0).Round(time.Millisecond), mib(ch.rss()))
	time.Sleep(50 * time.Millisecond) // let the last trace line arrive
	printNodeGC(ctx, rdb, "load", c.keys, ch.tr.windows(t0, t1))

	// The measured load: this process's collector off, so that it does not stall the clients.
	runtime.GC()
	gcPercent := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(gcPercent)
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		return err
	}
	var own0, own1 runtime.MemStats
	runtime.ReadMemStats(&own0)
	mon := startStallMonitor(time.Millisecond, 2*time.Millisecond)
	if c.trace != "" {
		go func() {
			time.Sleep(c.traceAt)
			ch.signal(syscall.SIGUSR1)
			time.Sleep(c.traceFor)
			ch.signal(syscall.SIGUSR2)
			fmt.Printf("node: execution trace of +%s..+%s of the measured load in %s\n", c.traceAt, c.traceAt+c.traceFor, c.trace)
		}()
	}
	cpu0, own0cpu, t2 := ch.cpu(), cpuTime(), time.Now()
	reqs := steadyLoad(ctx, rdb, c)
	cpu1, own1cpu, t3 := ch.cpu(), cpuTime(), time.Now()
	stalls := mon.stop()
	runtime.ReadMemStats(&own1)
	fmt.Printf("\nsteady load: %d requests in %s (%.0f/s, %.0f%% GET); node CPU %.2f cores; load average %s\n",
		len(reqs), t3.Sub(t2).Round(time.Millisecond), float64(len(reqs))/t3.Sub(t2).Seconds(),
		100*c.getShare, (cpu1-cpu0).Seconds()/t3.Sub(t2).Seconds(), loadAvg())
	fmt.Printf("load generator: CPU %.2f cores, %d collections of its own during the load; %d stalls over 2 ms (max %s)\n",
		(own1cpu-own0cpu).Seconds()/t3.Sub(t2).Seconds(), own1.NumGC-own0.NumGC, len(stalls), dur(maxStall(stalls)))
	time.Sleep(50 * time.Millisecond)
	ws := ch.tr.windows(t2, t3)
	printNodeGC(ctx, rdb, "steady", len(reqs), ws)
	reportSpikes(reqs, ws, stalls, t3.Sub(t2))
	keys, _ := rdb.DBSize(ctx).Result()
	m, _ := info(ctx, rdb, "gc")
	fmt.Printf("\nnode memory: RSS %s, Go heap live %s B (scannable %s B, goal %s B), stacks %s B, globals %s B; %d keys\n",
		mib(ch.rss()), m["gc_heap_live"], m["gc_heap_scannable"], m["gc_heap_goal"], m["gc_stacks_scannable"],
		m["gc_globals_scannable"], keys)
	return nil
}

// printNodeGC prints the node's collections of a phase: INFO gc (runtime/metrics, since the
// start or the last CONFIG RESETSTAT) and the gctrace lines of the phase.
func printNodeGC(ctx context.Context, rdb *redis.Client, phase string, requests int, ws []gcWindow) {
	if m, err := info(ctx, rdb, "gc"); err == nil {
		fmt.Printf("%s: node INFO gc: %s cycles, %s pauses, pause p50 <= %s µs, p99 <= %s µs, max <= %s µs (of it stopping the world: p50 <= %s, p99 <= %s, max <= %s µs); GC CPU %s s; allocated %s B in %s objects\n",
			phase, m["gc_cycles"], m["gc_pauses"], m["gc_pause_p50_usec"], m["gc_pause_p99_usec"], m["gc_pause_max_usec"],
			m["gc_stopping_p50_usec"], m["gc_stopping_p99_usec"], m["gc_stopping_max_usec"],
			m["gc_cpu_seconds"], m["gc_allocated"], m["gc_allocated_objects"])
		if phase == "steady" && requests > 0 {
			b, _ := strconv.ParseFloat(m["gc_allocated"], 64)
			o, _ := strconv.ParseFloat(m["gc_allocated_objects"], 64)
			fmt.Printf("%s: node allocated %.1f B and %.2f objects per request\n", phase, b/float64(requests), o/float64(requests))
		}
	} else {
		fmt.Printf("%s: INFO gc: %v\n", phase, err)
	}
	if len(ws) == 0 {
		fmt.Printf("%s: no gctrace lines\n", phase)
		return
	}
	printWindows(phase, ws, "whole cycle")
}

// stall is a time this process's monitor goroutine woke late, unix ns.
type stall struct{ from, to int64 }

// stallMonitor records when a goroutine of this process that sleeps tick at a time wakes
// more than over late: times this process (the load generator) could not run.
type stallMonitor struct {
	stopc  chan struct{}
	done   chan struct{}
	stalls []stall
}

func startStallMonitor(tick, over time.Duration) *stallMonitor {
	m := &stallMonitor{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		prev := time.Now()
		for {
			select {
			case <-m.stopc:
				return
			default:
			}
			time.Sleep(tick)
			now := time.Now()
			if now.Sub(prev) > tick+over {
				m.stalls = append(m.stalls, stall{prev.Add(tick).UnixNano(), now.UnixNano()})
			}
			prev = now
		}
	}()
	return m
}

// stop stops the monitor and returns the stalls it saw, in order.
func (m *stallMonitor) stop() []stall {
	close(m.stopc)
	<-m.done
	return m.stalls
}

func maxStall(ss []stall) time.Duration {
	var d int64
	for _, s := range ss {
		d = max(d, s.to-s.from)
	}
	return time.Duration(d)
}

// overlapsStall reports whether [from, to] (unix ns) overlaps one of the sorted stalls.
func overlapsStall(ss []stall, from, to int64) bool {
	i, _ := slices.BinarySearchFunc(ss, from, func(s stall, t int64) int {
		if s.to < t {
			return -1
		}
		return 1
	})
	return i < len(ss) && ss[i].from <= to
}

// reportSpikes prints request latency, and for the requests over 5 ms (from the scheduled
// send to the reply) how many overlapped a node collection (its whole cycle, concurrent mark
// included), came within 5 ms of one, or overlapped a stall of the load generator.
func reportSpikes(reqs []request, ws []gcWindow, stalls []stall, length time.Duration) {
	if len(reqs) == 0 {
		return
	}
	lat := make([]time.Duration, len(reqs))
	svc := make([]time.Duration, len(reqs))
	for i, r := range reqs {
		lat[i], svc[i] = r.lat, r.svc
	}
	printLatencies(lat, svc)

	var inGC time.Duration
	for _, w := range ws {
		inGC += w.end.Sub(w.start)
	}
	fmt.Printf("node GC cycles covered %s of the %s (%.2f%%)\n", dur(inGC), length.Round(time.Millisecond),
		100*inGC.Seconds()/length.Seconds())
	// A request is counted against the GC if it was waiting for its reply while a node
	// collection ran: from its scheduled send (so that the generator's backlog counts) and
	// from its actual send (the node's share). If the collections caused the slow requests,
	// the share over 5 ms is much higher among the requests that overlapped one.
	type perGC struct {
		n   int
		max time.Duration
	}
	byGC := make([]perGC, len(ws))
	var worstAway time.Duration
	for _, from := range []string{"scheduled", "actual"} {
		var n, nGC, over, overGC, overNear, overStall, overBoth, overNeither int
		for _, r := range reqs {
			l, start := r.lat, r.due()
			if from == "actual" {
				l, start = r.svc, r.due().Add(r.lat-r.svc)
			}
			end := start.Add(l)
			_, inCycle := near(ws, start, end, 0)
			n++
			if inCycle {
				nGC++
			}
			if l <= slow {
				continue
			}
			over++
			_, nearOne := near(ws, start, end, nearGC)
			st := overlapsStall(stalls, start.UnixNano(), end.UnixNano())
			switch {
			case inCycle && st:
				overBoth++
			case !nearOne && !st:
				overNeither++
			}
			if inCycle {
				overGC++
			}
			if nearOne {
				overNear++
			}
			if st {
				overStall++
			}
			if from == "scheduled" {
				if inCycle {
					for i, w := range ws {
						if !w.end.Before(start) && !w.start.After(end) {
							byGC[i].n++
							byGC[i].max = max(byGC[i].max, l)
						}
					}
				} else {
					worstAway = max(worstAway, l)
				}
			}
		}
		fmt.Printf("from the %s send: %d of %d requests over 5 ms (%.3f%%); of the %d that overlapped a node GC cycle %d (%.3f%%), of the %d others %d (%.3f%%)\n",
			from, over, n, pct(over, n), nGC, overGC, pct(overGC, nGC), n-nGC, over-overGC, pct(over-overGC, n-nGC))
		fmt.Printf("  of the %d over 5 ms: within 5 ms of a cycle %d; overlapping a stall of the load generator %d (and a cycle too %d); near neither %d\n",
			over, overNear, overStall, overBoth, overNeither)
	}
	fmt.Printf("slowest request away from GC cycles (from the scheduled send): %s\n", dur(worstAway))
	if len(ws) <= 40 {
		for i, w := range ws {
			fmt.Printf("  GC %d at +%s: cycle %s (pauses %s + %s): %d requests over 5 ms overlapped it, slowest %s\n",
				w.num, w.start.Sub(reqs[0].due()).Round(time.Millisecond), dur(w.end.Sub(w.start)),
				dur(w.stw1), dur(w.stw2), byGC[i].n, dur(byGC[i].max))
		}
	}
}

// pct returns 100*a/b, or 0.
func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
