package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// expiryBook counts the keys written by their expiry time, in milliseconds since the run
// started, twice: when sent, and when the server acknowledged them. With it the program
// knows how many of the keys it wrote are alive at any instant, and so, from DBSIZE, how many
// resident keys have already expired. Keys are never overwritten.
type expiryBook struct {
	t0          time.Time
	sent, acked []atomic.Int64 // per millisecond of expiry time
	nSent       atomic.Int64
	nAcked      atomic.Int64
}

func newExpiryBook(t0 time.Time, span time.Duration) *expiryBook {
	ms := int(span / time.Millisecond)
	return &expiryBook{t0: t0, sent: make([]atomic.Int64, ms), acked: make([]atomic.Int64, ms)}
}

// ms returns the book's index of the unix millisecond at.
func (b *expiryBook) ms(at int64) int { return int(at - b.t0.UnixMilli()) }

// expiredBefore returns how many of counts expire before unix millisecond at: the keys a
// server whose clock reads at has expired (a key expires once the clock passes its time).
func expiredBefore(counts []atomic.Int64, i int) int64 {
	var n int64
	for j := range min(max(i, 0), len(counts)) {
		n += counts[j].Load()
	}
	return n
}

// sample is one reading of the keyspace.
type sample struct {
	at        time.Duration // since the start of the run
	resident  int64         // DBSIZE
	staleHigh int64         // resident keys already expired, counted high
	staleLow  int64         // and counted low (the two differ by the writes in flight)
	expired   int64         // expired_keys
	cpuMillis int64         // expire_cycle_cpu_milliseconds: the expiry loop's CPU time (Linux)
	wallMilli int64         // expire_cycle_time_milliseconds: its wall time, waiting for a CPU included
	written   int64         // keys acknowledged
	enginePct string        // expired_stale_perc, the engine's own estimate
}

func (s sample) share() float64 { return float64(s.staleHigh) / float64(max(s.resident, 1)) }

// runExpiry writes keys with TTLs spread uniformly over [c.minTTL, c.maxTTL] at a steady
// rate, c.maxTTL to warm up (the keyspace grows to rate × mean TTL) and then c.duration
// measured, sampling the keyspace every c.sample. With c.fill, it first writes c.keys keys
// as fast as it can, expiring over [c.minTTL, c.maxTTL] after c.fill, and the steady writes
// and the measured time begin c.fill after the start: the keyspace then starts at c.keys and
// tends to rate × mean TTL.
func runExpiry(c *config) error {
	meanTTL := (c.minTTL + c.maxTTL) / 2
	if c.rate == 0 {
		c.rate = int(float64(c.keys) / meanTTL.Seconds())
	}
	header(c)
	fmt.Printf("writing %d keys/s with TTLs uniform over [%s, %s] (mean %s): %d resident in steady state\n",
		c.rate, c.minTTL, c.maxTTL, meanTTL, int(float64(c.rate)*meanTTL.Seconds()))
	var rdb *redis.Client
	nodeRSS := rss
	if c.inproc {
		n, r, err := startNode(c, c.loaders+2)
		if err != nil {
			return err
		}
		defer n.Close()
		rdb = r
	} else {
		ch, err := startChild(c)
		if err != nil {
			return err
		}
		defer ch.stop()
		if rdb, err = ch.client(c.loaders + 2); err != nil {
			return err
		}
		nodeRSS = ch.rss
		fmt.Printf("node: pid %d on %s, settings %q\n", ch.cmd.Process.Pid, ch.addr, c.set)
	}
	defer rdb.Close()
	ctx := context.Background()

	warm := c.maxTTL
	if c.fill > 0 {
		warm = c.fill
	}
	total := warm + c.duration
	t0 := time.Now()
	book := newExpiryBook(t0, total+c.maxTTL+10*time.Second)
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		steady := phase{first: 0, rate: c.rate, start: t0}
		if c.fill > 0 {
			// Fill: c.keys keys as fast as possible, expiring over [min, max TTL] after the
			// fill window; then the steady writes, from the end of the window.
			base := t0.Add(c.fill)
			werr = writeExpiring(ctx, rdb, c, book, phase{count: int64(c.keys), base: base.UnixMilli()}, stop, &written)
			fmt.Printf("filled %d keys in %s\n", c.keys, time.Since(t0).Round(time.Millisecond))
			if werr != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Until(base)):
			}
			steady = phase{first: int64(c.keys), rate: c.rate, start: time.Now()}
		}
		werr = writeExpiring(ctx, rdb, c, book, steady, stop, &written)
	})

	var samples []sample
	cpu0, info0 := cpuTime(), sample{}
	var cpuWarm time.Duration
	tick := time.NewTicker(c.sample)
	for now := range tick.C {
		s, err := sampleKeyspace(ctx, rdb, book)
		if err != nil {
			close(stop)
			wg.Wait()
			return err
		}
		samples = append(samples, s)
		if s.at >= warm && info0.at == 0 {
			info0, cpuWarm = s, cpuTime()
			if c.inproc { // a child node profiles itself
				defer startProfile(c)()
			}
		}
		if len(samples)%10 == 0 {
			fmt.Printf("+%3.0fs resident %9d stale %6.2f%% (engine estimate %s%%) expired %9d written %9d expire CPU %5d ms load %s\n",
				s.at.Seconds(), s.resident, 100*s.share(), s.enginePct, s.expired, s.written, s.cpuMillis, loadAvg())
		}
		if now.Sub(t0) >= total {
			break
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	if werr != nil {
		return werr
	}
	cpu1 := cpuTime()
	last := samples[len(samples)-1]
	fmt.Printf("\nwrote %d keys in %s (%.0f/s); this program's CPU %.2f cores over the whole run\n",
		last.written, last.at.Round(time.Millisecond), float64(last.written)/last.at.Seconds(),
		(cpu1-cpu0).Seconds()/last.at.Seconds())
	report := func(name string, ss []sample) {
		if len(ss) == 0 {
			return
		}
		shares := make([]float64, len(ss))
		var res []int64
		worst := ss[0]
		for i, s := range ss {
			shares[i] = s.share()
			res = append(res, s.resident)
			if s.share() > worst.share() {
				worst = s
			}
		}
		slices.Sort(shares)
		slices.Sort(res)
		fmt.Printf("%s: %d samples, resident %d..%d; stale share max %.2f%% (at +%.1fs, %d keys, in-flight uncertainty %d), p99 %.2f%%, median %.2f%%\n",
			name, len(ss), res[0], res[len(res)-1], 100*worst.share(), worst.at.Seconds(), worst.staleHigh,
			worst.staleHigh-worst.staleLow, 100*shares[min(int(0.99*float64(len(shares))), len(shares)-1)],
			100*shares[len(shares)/2])
	}
	i := slices.IndexFunc(samples, func(s sample) bool { return s.at >= warm })
	report("warm-up (keyspace growing)", samples[:max(i, 0)])
	if i >= 0 {
		steady := samples[i:]
		report("steady", steady)
		wall := last.at - info0.at
		expired := last.expired - info0.expired
		cpu, cycles := last.cpuMillis-info0.cpuMillis, last.wallMilli-info0.wallMilli
		fmt.Printf("steady: %d keys expired (%.0f/s), %d written (%.0f/s); expiry CPU %d ms in %s = %.1f%% of one core (%.2f µs a key); its wall time %d ms = %.1f%% (%.2f µs a key); this program's CPU %.2f cores; load average %s\n",
			expired, float64(expired)/wall.Seconds(),
			last.written-info0.written, float64(last.written-info0.written)/wall.Seconds(),
			cpu, wall.Round(time.Millisecond), 100*float64(cpu)/float64(wall.Milliseconds()), 1000*float64(cpu)/float64(max(expired, 1)),
			cycles, 100*float64(cycles)/float64(wall.Milliseconds()), 1000*float64(cycles)/float64(max(expired, 1)),
			(cpu1-cpuWarm).Seconds()/wall.Seconds(), loadAvg())
	}
	fmt.Printf("node RSS %s\n", mib(nodeRSS()))
	return nil
}

// phase is one stretch of writing: keys first.. (count of them, or until stopped when 0), at
// rate keys a second from start (as fast as possible when 0), each expiring at a time uniform
// over [c.minTTL, c.maxTTL] after base (unix ms), or after it is sent when base is 0.
type phase struct {
	first, count int64
	rate         int
	start        time.Time
	base         int64
}

// writeExpiring sends pipelined SET key value PXAT t from c.loaders goroutines as ph says,
// until it is done or stop is closed.
func writeExpiring(ctx context.Context, rdb *redis.Client, c *config, book *expiryBook, ph phase,
	stop <-chan struct{}, written *atomic.Int64) error {
	vals := values(c.valSize)
	var next atomic.Int64 // keys claimed, from ph.first
	span := int64((c.maxTTL - c.minTTL) / time.Millisecond)
	return parallel(c.loaders, func() error {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		at := make([]int64, c.pipeline)
		for {
			select {
			case <-stop:
				return nil
			default:
			}
			lo := next.Load()
			n := int64(c.pipeline)
			if ph.count > 0 {
				n = min(n, ph.count-lo)
				if n <= 0 {
					return nil
				}
			}
			// Claim a batch only when the schedule allows it.
			if ph.rate > 0 && lo+n > int64(time.Since(ph.start).Seconds()*float64(ph.rate)) {
				time.Sleep(time.Millisecond)
				continue
			}
			if !next.CompareAndSwap(lo, lo+n) {
				continue
			}
			p := rdb.Pipeline()
			base := ph.base
			if base == 0 {
				base = time.Now().UnixMilli()
			}
			for j := range int(n) {
				at[j] = base + int64(c.minTTL/time.Millisecond) + rng.Int64N(span+1)
				book.sent[book.ms(at[j])].Add(1)
				i := int(ph.first + lo + int64(j))
				p.Do(ctx, "set", key('e', i), vals[i%len(vals)], "pxat", strconv.FormatInt(at[j], 10))
			}
			book.nSent.Add(n)
			if _, err := p.Exec(ctx); err != nil {
				return err
			}
			for j := range int(n) {
				book.acked[book.ms(at[j])].Add(1)
			}
			book.nAcked.Add(n)
			written.Add(n)
		}
	})
}

// sampleKeyspace reads DBSIZE and the expiry stats, and counts the resident keys that have
// expired: DBSIZE minus the keys written whose expiry time has not passed.
func sampleKeyspace(ctx context.Context, rdb *redis.Client, b *expiryBook) (sample, error) {
	acked := b.nAcked.Load()
	t1 := time.Now()
	resident, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return sample{}, err
	}
	t2 := time.Now()
	// The server read its clock between t1 and t2, and had run every write acknowledged by
	// t1 and none sent after t2.
	liveLow := acked - expiredBefore(b.acked, b.ms(t2.UnixMilli()))
	liveHigh := b.nSent.Load() - expiredBefore(b.sent, b.ms(t1.UnixMilli()))
	st, err := info(ctx, rdb, "stats")
	if err != nil {
		return sample{}, err
	}
	s := sample{at: t1.Sub(b.t0), resident: resident, staleHigh: resident - liveLow,
		staleLow: resident - liveHigh, written: acked, enginePct: st["expired_stale_perc"]}
	s.expired, _ = strconv.ParseInt(st["expired_keys"], 10, 64)
	s.cpuMillis, _ = strconv.ParseInt(st["expire_cycle_cpu_milliseconds"], 10, 64)
	s.wallMilli, _ = strconv.ParseInt(st["expire_cycle_time_milliseconds"], 10, 64)
	return s, nil
}
