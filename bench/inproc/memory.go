package inproc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// Footprint is what one cache costs holding a workload's keys.
type Footprint struct {
	// Cache is the cache's name.
	Cache string
	// Entries is the number of keys the cache holds after population.
	Entries int
	// RSS is the growth of the process's resident set (VmRSS), in bytes, from before the cache
	// was built to after it was populated: Go heap and memory mapped outside it (Larder's
	// arenas, fastcache's chunks) alike.
	RSS int64
	// Heap is the growth of the Go heap's live bytes (HeapAlloc after a collection).
	Heap int64
}

// Measure builds spec's cache with room for capacity entries, populates it with w's keys (up
// to 10 rounds of retries, as the speed benchmarks do) and returns its footprint. The process
// should do nothing else: garbage is collected and returned to the operating system before
// each reading, and the keys the harness holds (w.Keys) are there before the first, so only
// the cache's own copies count.
func Measure(spec Spec, w *Workload, capacity int) (Footprint, error) {
	rss0, heap0, err := settle()
	if err != nil {
		return Footprint{}, err
	}
	c, err := spec.New(capacity, KeyLen, ValLen)
	if err != nil {
		return Footprint{}, err
	}
	defer c.Close()
	Populate(c, w, 10) // a cache at its capacity may evict: Entries counts what it holds
	rss1, heap1, err := settle()
	if err != nil {
		return Footprint{}, err
	}
	f := Footprint{Cache: spec.Name, RSS: rss1 - rss0, Heap: heap1 - heap0}
	buf := make([]byte, 0, 2*ValLen)
	for _, k := range w.Keys {
		if _, ok := c.Get(buf, k); ok {
			f.Entries++
		}
	}
	runtime.KeepAlive(c)
	return f, nil
}

// settle collects garbage, returns free heap pages to the operating system, and reads the
// resident set and the live heap.
func settle() (rss, heap int64, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err = ResidentBytes()
	return rss, int64(ms.HeapAlloc), err
}

// ResidentBytes returns the process's resident set size, VmRSS in /proc/self/status (Linux).
func ResidentBytes() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Bytes()
		if !bytes.HasPrefix(line, []byte("VmRSS:")) {
			continue
		}
		fields := bytes.Fields(line[len("VmRSS:"):])
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("inproc: unexpected /proc/self/status line %q", line)
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		return kb << 10, err
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("inproc: no VmRSS in /proc/self/status")
}
