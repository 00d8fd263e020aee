// Command hitratio replays cache access traces against Larder's eviction policies and against
// other Go caches, all in one harness, and prints their hit ratios as a Markdown table.
//
// Run it from the bench module:
//
//	cd bench && go run ./hitratio
//	cd bench && go run ./hitratio -traces ../../shared/traces -only 'lirs|web' -limit 1000000
//
// Each trace (every *.trace.zst in -traces: zstd text, one decimal key per line) runs at three
// cache sizes, fractions of its number of distinct keys (-sizes). Every cache gets the same
// capacity in entries and holds each key at size 1. A request is a read; a miss is followed by a
// write of the key, as a read-through cache does.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

func main() {
	dir := flag.String("traces", "../../shared/traces", "directory of *.trace.zst files")
	only := flag.String("only", "", "run only the traces whose name matches this regular expression")
	limit := flag.Int("limit", 0, "replay at most this many requests of each trace (0: all)")
	sizes := flag.String("sizes", "0.01,0.05,0.2", "cache sizes, as fractions of a trace's distinct keys")
	minSize := flag.Int("min", 16, "smallest cache size in entries")
	names := flag.String("policies", strings.Join(defaultPolicies, ","), "caches to run, comma separated; all: "+strings.Join(policyNames(), ","))
	par := flag.Int("parallel", 1, "replays at a time")
	runs := flag.Int("runs", 0, "replays of each trace per cache, each with other key hashes, averaged (0: enough for 5M requests, 1 to 10)")
	flag.Parse()

	if err := run(*dir, *only, *limit, *sizes, *minSize, *names, *par, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "hitratio:", err)
		os.Exit(1)
	}
}

func run(dir, only string, limit int, sizeList string, minSize int, nameList string, par, runs int) error {
	var fracs []float64
	for _, f := range strings.Split(sizeList, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("-sizes: bad fraction %q", f)
		}
		fracs = append(fracs, v)
	}
	var pols []policy
	for _, n := range strings.Split(nameList, ",") {
		p, ok := policyByName(strings.TrimSpace(n))
		if !ok {
			return fmt.Errorf("-policies: unknown cache %q", n)
		}
		pols = append(pols, p)
	}
	re, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.trace.zst"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no *.trace.zst files in %s", dir)
	}

	t := &table{policies: pols}
	start := time.Now()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".trace.zst")
		if !re.MatchString(name) {
			continue
		}
		keys, err := readTrace(f, limit)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		distinct := countDistinct(keys)
		n := runs
		if n <= 0 {
			n = min(max(autoRequests/len(keys), 1), 10)
		}
		for _, frac := range fracs {
			size := max(int(frac*float64(distinct)+0.5), minSize)
			row := row{trace: name, requests: len(keys), distinct: distinct, frac: frac, size: size,
				runs: n, ratio: make([]float64, len(pols))}
			runAll(keys, size, pols, row.ratio, par, n)
			fmt.Fprintf(os.Stderr, "%s size %d: done at %s\n", name, size, time.Since(start).Round(time.Second))
			t.rows = append(t.rows, row)
		}
		runtime.GC()
	}
	t.print(os.Stdout)
	fmt.Fprintf(os.Stderr, "total %s\n", time.Since(start).Round(time.Second))
	return nil
}

// autoRequests is how many requests -runs 0 replays of each trace at least (with at most 10
// runs): short traces are replayed more often, as their hit ratios depend more on the hashes.
const autoRequests = 5_000_000

// runAll replays the trace against a cache of each policy, runs times each, par replays at a
// time, and stores the mean hit ratios. Run r hashes key k to mix(k ^ r*seedStep): every run
// keeps the trace's identities, and places keys differently in every hash table and sketch.
func runAll(keys []uint64, size int, pols []policy, ratio []float64, par, runs int) {
	sem := make(chan struct{}, max(par, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	hashed := make([]uint64, len(keys))
	for r := range max(runs, 1) {
		wg.Wait()
		seed := uint64(r) * seedStep
		for j, k := range keys {
			hashed[j] = mix(k ^ seed)
		}
		for i, p := range pols {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				v := replay(hashed, p.new(size))
				mu.Lock()
				ratio[i] += v / float64(max(runs, 1))
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
}

// seedStep separates the key hashes of successive runs.
const seedStep = 0x9e3779b97f4a7c15

// replay runs every request against c and returns the hit ratio in percent.
func replay(keys []uint64, c cache) float64 {
	defer c.close()
	hits := 0
	for _, k := range keys {
		if c.get(k) {
			hits++
		} else {
			c.set(k)
		}
	}
	return 100 * float64(hits) / float64(len(keys))
}

// readTrace decompresses a trace and returns its keys.
func readTrace(path string, limit int) ([]uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 1<<20)
	var keys []uint64
	for line := 1; limit == 0 || len(keys) < limit; line++ {
		b, err := br.ReadSlice('\n')
		if err == io.EOF && len(b) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		b = trimSpace(b)
		if len(b) == 0 {
			continue
		}
		k, ok := parseUint(b)
		if !ok {
			return nil, fmt.Errorf("line %d: not an unsigned integer: %q", line, b)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

func parseUint(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// mix is a bijection on uint64 that spreads the bits (the finaliser of SplitMix64), so that every
// cache sees well-spread 64-bit hashes while hits stay what they were.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func countDistinct(keys []uint64) int {
	s := slices.Clone(keys)
	slices.Sort(s)
	return len(slices.Compact(s))
}
