// Command cmd runs the in-process cache benchmark of package inproc in interleaved rounds and
// prints markdown tables of medians and ratios, or, with -mem, each cache's resident memory
// per entry, measured in a process of its own.
//
// Usage, from the bench directory:
//
//	go run ./inproc/cmd [-rounds 5] [-cpu 1,2] [-reads 100,75,50,0] [-caches larder,otter] [-raw FILE]
//	go run ./inproc/cmd -mem [-capfactor 2]
//
// Each round builds and populates every cache anew, once per goroutine count, and runs every
// read share on it; the order of the caches rotates from one round to the next, so that drift
// in a shared machine falls on all of them. -raw writes every run as a line of `go test -bench`
// output, for benchstat.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder/bench/inproc"
)

func main() {
	testing.Init()
	var (
		keys      = flag.Int("keys", 1<<20, "keys in the workload; each cache has room for capfactor times as many")
		rounds    = flag.Int("rounds", 5, "rounds; the tables give the median of each cell")
		cpus      = flag.String("cpu", "1,"+strconv.Itoa(runtime.NumCPU()), "goroutine counts (GOMAXPROCS), comma separated")
		reads     = flag.String("reads", "100,75,50,0", "read shares in percent, comma separated")
		caches    = flag.String("caches", "", "caches to run, comma separated (default all)")
		benchtime = flag.Duration("benchtime", time.Second, "time per run")
		raw       = flag.String("raw", "", "file to write every run to, in go test -bench format")
		mem       = flag.Bool("mem", false, "measure resident bytes per entry instead of speed")
		capFactor = flag.Int("capfactor", inproc.CapacityFactor, "with -mem: capacity over keys")
		memOne    = flag.String("mem-one", "", "with -mem: measure this cache only and print JSON (run by -mem itself)")
	)
	flag.Parse()
	specs, err := selectSpecs(*caches)
	if err != nil {
		fatal(err)
	}
	if *memOne != "" {
		s, ok := inproc.SpecByName(*memOne)
		if !ok {
			fatal(fmt.Errorf("unknown cache %q", *memOne))
		}
		w := inproc.NewWorkload(*keys, 2, 1)
		f, err := inproc.Measure(s, w, *capFactor**keys)
		if err != nil {
			fatal(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(f); err != nil {
			fatal(err)
		}
		return
	}
	if *mem {
		if err := memTable(os.Stdout, specs, *keys, *capFactor); err != nil {
			fatal(err)
		}
		return
	}
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fatal(err)
	}
	cpuList, err := ints(*cpus)
	if err != nil {
		fatal(fmt.Errorf("-cpu: %w", err))
	}
	readList, err := ints(*reads)
	if err != nil {
		fatal(fmt.Errorf("-reads: %w", err))
	}
	var rawOut io.Writer = io.Discard
	if *raw != "" {
		f, err := os.Create(*raw)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		rawOut = f
	}
	if err := speed(os.Stdout, rawOut, specs, *keys, *rounds, cpuList, readList); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "inproc:", err)
	os.Exit(1)
}

func selectSpecs(list string) ([]inproc.Spec, error) {
	if list == "" {
		return inproc.Specs, nil
	}
	var specs []inproc.Spec
	for _, name := range strings.Split(list, ",") {
		s, ok := inproc.SpecByName(name)
		if !ok {
			return nil, fmt.Errorf("unknown cache %q", name)
		}
		specs = append(specs, s)
	}
	return specs, nil
}

func ints(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// cell identifies one table cell.
type cell struct {
	cache string
	cpu   int
	reads int
}

// sample is one run's figures.
type sample struct {
	ops, cpuNs float64 // ops/s, cpu-ns/op
}

// medianOf returns the median of f over samples.
func medianOf(samples []sample, f func(sample) float64) float64 {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	return median(v)
}

func opsOf(s sample) float64 { return s.ops }
func cpuOf(s sample) float64 { return s.cpuNs }

// speed runs the rounds and prints one table per goroutine count.
func speed(out, raw io.Writer, specs []inproc.Spec, keys, rounds int, cpus, reads []int) error {
	fmt.Fprintf(out, "# in-process speed, %s\n\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "%s, %d CPUs (%s), %s; %d keys of %d B, values of %d B, capacity %dx; %d rounds; load average before: %s\n\n",
		runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), cpuModel(), runtime.Version(),
		keys, inproc.KeyLen, inproc.ValLen, inproc.CapacityFactor, rounds, loadavg())
	w := inproc.NewWorkload(keys, 1<<22, 1)
	results := map[cell][]sample{}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	for r := range rounds {
		for _, cpu := range cpus {
			runtime.GOMAXPROCS(cpu)
			for i := range specs {
				s := specs[(i+r)%len(specs)]
				if err := runCache(raw, results, s, w, cpu, reads); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(os.Stderr, "round %d of %d done, load average %s\n", r+1, rounds, loadavg())
	}
	fmt.Fprintf(out, "load average after: %s\n", loadavg())
	for _, cpu := range cpus {
		fmt.Fprintf(out, "\n## %d goroutine(s): median ops/s (millions)\n\n", cpu)
		table(out, results, specs, cpu, reads, opsOf, 1e-6, false)
		fmt.Fprintf(out, "\n## %d goroutine(s): median CPU ns per operation (all threads; lower is better)\n\n", cpu)
		table(out, results, specs, cpu, reads, cpuOf, 1, true)
	}
	return nil
}

// table prints one markdown table of f's medians, scaled, with Larder's ratios to otter and
// ristretto, inverted when lower is better so that a ratio above 1 always favours Larder.
func table(out io.Writer, results map[cell][]sample, specs []inproc.Spec, cpu int, reads []int, f func(sample) float64, scale float64, lowerIsBetter bool) {
	fmt.Fprint(out, "| reads |")
	for _, s := range specs {
		fmt.Fprintf(out, " %s |", s.Name)
	}
	fmt.Fprintln(out, " larder vs otter | larder vs ristretto |")
	fmt.Fprint(out, "|---|")
	for range specs {
		fmt.Fprint(out, "---|")
	}
	fmt.Fprintln(out, "---|---|")
	for _, rd := range reads {
		fmt.Fprintf(out, "| %d%% |", rd)
		for _, s := range specs {
			fmt.Fprintf(out, " %.3g |", medianOf(results[cell{s.Name, cpu, rd}], f)*scale)
		}
		l := medianOf(results[cell{"larder", cpu, rd}], f)
		o := medianOf(results[cell{"otter", cpu, rd}], f)
		r := medianOf(results[cell{"ristretto", cpu, rd}], f)
		if lowerIsBetter {
			fmt.Fprintf(out, " %s | %s |\n", ratio(o, l), ratio(r, l))
		} else {
			fmt.Fprintf(out, " %s | %s |\n", ratio(l, o), ratio(l, r))
		}
	}
}

// runCache builds and populates one cache and runs every read share on it.
func runCache(raw io.Writer, results map[cell][]sample, s inproc.Spec, w *inproc.Workload, cpu int, reads []int) error {
	runtime.GC()
	c, err := s.New(inproc.CapacityFactor*len(w.Keys), inproc.KeyLen, inproc.ValLen)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	defer c.Close()
	if err := inproc.MustPopulate(c, w); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	for _, rd := range reads {
		res := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			inproc.Run(b, c, w, rd, s.MustHit)
		})
		if res.N == 0 {
			return fmt.Errorf("%s at reads=%d failed (a Get missed or returned a wrong value)", s.Name, rd)
		}
		name := fmt.Sprintf("BenchmarkGetSet/cache=%s/reads=%d", s.Name, rd)
		if cpu != 1 {
			name += "-" + strconv.Itoa(cpu)
		}
		fmt.Fprintf(raw, "%s\t%s\t%s\n", name, res.String(), res.MemString())
		k := cell{s.Name, cpu, rd}
		results[k] = append(results[k], sample{res.Extra["ops/s"], res.Extra["cpu-ns/op"]})
	}
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// memTable measures each cache in a child process (this command with -mem-one), so that no
// cache inherits another's heap, and prints a table.
func memTable(out io.Writer, specs []inproc.Spec, keys, capFactor int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# resident memory per entry, %s\n\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "%d keys of %d B with values of %d B (%d B of payload per entry), capacity %dx the keys; growth of VmRSS and of the live Go heap from before the cache was built to after it was populated\n\n",
		keys, inproc.KeyLen, inproc.ValLen, inproc.KeyLen+inproc.ValLen, capFactor)
	fmt.Fprintln(out, "| cache | entries held | RSS B/entry | Go heap B/entry | RSS / larder's |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	var rows []inproc.Footprint
	for _, s := range specs {
		cmd := exec.Command(self, "-mem-one", s.Name, "-keys", strconv.Itoa(keys), "-capfactor", strconv.Itoa(capFactor))
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		var f inproc.Footprint
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		rows = append(rows, f)
	}
	var larderRSS float64
	for _, f := range rows {
		if f.Cache == "larder" && f.Entries > 0 {
			larderRSS = float64(f.RSS) / float64(f.Entries)
		}
	}
	for _, f := range rows {
		per := float64(f.RSS) / float64(max(f.Entries, 1))
		rel := "n/a"
		if larderRSS > 0 {
			rel = fmt.Sprintf("%.2f", per/larderRSS)
		}
		fmt.Fprintf(out, "| %s | %d | %.0f | %.0f | %s |\n", f.Cache, f.Entries, per,
			float64(f.Heap)/float64(max(f.Entries, 1)), rel)
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadavg() string {
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
