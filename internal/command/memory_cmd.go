package command

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/larderdb/larder/internal/engine"
)

// memoryCommand is MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP.
var memoryCommand = &Command{
	Name: "memory", Arity: -2, ACL: []string{"slow"}, Group: "server", Since: "4.0.0",
	Complexity: "Depends on subcommand.", Summary: "A container for memory diagnostics commands.",
	Handler: cmdContainer,
	Sub: map[string]*Command{
		"usage": {Name: "usage", Arity: -3, Flags: FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1,
			ACL: []string{"read", "slow"}, Since: "4.0.0", Complexity: "O(N) where N is the number of samples.",
			Summary: "Estimates the memory usage of a key.", Handler: cmdMemoryUsage},
		"stats":  memorySub("stats", "O(1)", "Returns details about memory usage.", cmdMemoryStats),
		"doctor": memorySub("doctor", "O(1)", "Outputs a memory problems report.", cmdMemoryDoctor),
		"malloc-stats": memorySub("malloc-stats", "Depends on how much memory is allocated, could be slow",
			"Returns the allocator statistics.", cmdMemoryMallocStats),
		"purge": memorySub("purge", "Depends on how much memory is allocated, could be slow",
			"Asks the allocator to release memory.", cmdMemoryPurge),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: []string{"slow"},
			Since: "4.0.0", Complexity: "O(1)", Summary: "Returns helpful text about the different subcommands.",
			Handler: cmdMemoryHelp},
	},
}

func memorySub(name, complexity, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: 2, ACL: []string{"slow"}, Since: "4.0.0",
		Complexity: complexity, Summary: summary, Handler: h}
}

// cmdMemoryUsage replies with engine.MemoryUsage of the key, or null. The
// engine sizes every value exactly, so SAMPLES is checked and ignored.
func cmdMemoryUsage(x *Ctx) {
	for j := 3; j < len(x.Args); j++ {
		if !eqFold(x.Args[j], "samples") || j+1 >= len(x.Args) {
			x.Err(errSyntax)
			return
		}
		n, ok := x.ArgInt(j + 1)
		if !ok {
			return
		}
		if n < 0 {
			x.Err(errSyntax)
			return
		}
		j++
	}
	e := x.Txn.Peek(x.Args[2])
	if e == nil {
		x.W.Null()
		return
	}
	x.W.Int(engine.MemoryUsage(x.Args[2], e))
}

// cmdMemoryStats replies with Redis's MEMORY STATS map. Larder accounts
// memory to keys only, so the overheads Redis lists separately are 0 and
// the dataset is all of used_memory; the allocator figures are the Go
// heap's.
func cmdMemoryStats(x *Ctx) {
	s := x.Srv
	st := s.db.Stats()
	m := s.info.memStats(s.now())
	used := st.UsedMemory
	peak := s.info.notePeak(used)
	heapRes := int64(m.HeapSys - m.HeapReleased)
	rss := int64(m.Sys - m.HeapReleased)
	alloc, active := int64(m.HeapAlloc), int64(m.HeapInuse)
	perKey := int64(0)
	if st.Keys > 0 {
		perKey = used / st.Keys
	}
	ndb := 0
	if st.Keys > 0 || st.Expires > 0 {
		ndb = 1
	}
	w := x.W
	w.Map(27 + ndb)
	kv := func(k string, v int64) { w.BulkString(k); w.Int(v) }
	kd := func(k string, v float64) { w.BulkString(k); w.Double(v) }
	kv("peak.allocated", peak)
	kv("total.allocated", used)
	for _, k := range []string{"startup.allocated", "replication.backlog", "clients.slaves",
		"clients.normal", "cluster.links", "aof.buffer", "lua.caches", "functions.caches"} {
		kv(k, 0)
	}
	if ndb == 1 {
		w.BulkString("db.0")
		w.Map(3)
		kv("overhead.hashtable.main", 0)
		kv("overhead.hashtable.expires", 0)
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", 0)
	kv("keys.count", st.Keys)
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", used)
	kd("dataset.percentage", percent(used, max(used, 1)))
	kd("peak.percentage", percent(used, peak))
	kv("allocator.allocated", alloc)
	kv("allocator.active", active)
	kv("allocator.resident", heapRes)
	kd("allocator-fragmentation.ratio", fratio(active, alloc))
	kv("allocator-fragmentation.bytes", active-alloc)
	kd("allocator-rss.ratio", fratio(heapRes, active))
	kv("allocator-rss.bytes", heapRes-active)
	kd("rss-overhead.ratio", fratio(rss, heapRes))
	kv("rss-overhead.bytes", rss-heapRes)
	kd("fragmentation", fratio(rss, alloc))
	kv("fragmentation.bytes", rss-alloc)
}

// fratio returns a/b, or 0 when b is not positive.
func fratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// cmdMemoryDoctor replies with a short report on what Larder can judge:
// how close the keyspace is to maxmemory.
func cmdMemoryDoctor(x *Ctx) {
	st := x.Srv.db.Stats()
	var b strings.Builder
	switch {
	case st.Keys == 0 && st.UsedMemory == 0:
		b.WriteString("The keyspace is empty: there is nothing to report.\n")
	case st.MaxMemory > 0 && st.UsedMemory*10 >= st.MaxMemory*9:
		fmt.Fprintf(&b, "The keyspace uses %s of its %s maxmemory (%.1f%%): writes will soon evict keys or fail, depending on maxmemory-policy (%s).\n",
			bytesToHuman(st.UsedMemory), bytesToHuman(st.MaxMemory),
			percent(st.UsedMemory, st.MaxMemory), x.Srv.cfg.String("maxmemory-policy"))
	default:
		fmt.Fprintf(&b, "No memory problems found: %d keys use %s.\n", st.Keys, bytesToHuman(st.UsedMemory))
	}
	x.W.Verbatim("txt", []byte(b.String()))
}

// cmdMemoryMallocStats replies with the Go runtime's heap statistics, the
// allocator Larder runs on.
func cmdMemoryMallocStats(x *Ctx) {
	m := x.Srv.info.memStats(x.Srv.now())
	var b strings.Builder
	fmt.Fprintf(&b, "Go runtime heap statistics\n")
	fmt.Fprintf(&b, "heap_alloc:%d\nheap_inuse:%d\nheap_idle:%d\nheap_released:%d\nheap_sys:%d\n",
		m.HeapAlloc, m.HeapInuse, m.HeapIdle, m.HeapReleased, m.HeapSys)
	fmt.Fprintf(&b, "heap_objects:%d\nmallocs:%d\nfrees:%d\nsys:%d\nnum_gc:%d\ngc_pause_total_ns:%d\n",
		m.HeapObjects, m.Mallocs, m.Frees, m.Sys, m.NumGC, m.PauseTotalNs)
	x.W.Verbatim("txt", []byte(b.String()))
}

// cmdMemoryPurge runs a garbage collection and returns free memory to the
// operating system.
func cmdMemoryPurge(x *Ctx) {
	debug.FreeOSMemory()
	x.OK()
}

func cmdMemoryHelp(x *Ctx) {
	serverHelp(x,
		"DOCTOR",
		"    Report memory problems.",
		"MALLOC-STATS",
		"    Show the memory allocator's statistics.",
		"PURGE",
		"    Give free memory back to the operating system.",
		"STATS",
		"    Show how the server's memory is used.",
		"USAGE <key> [SAMPLES <count>]",
		"    Estimate the bytes used by <key> and its value (SAMPLES is accepted for",
		"    compatibility; Larder sizes values exactly).")
}
