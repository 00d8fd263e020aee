package command

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/larderdb/larder/internal/memlimit"
)

// redisVersion is the Redis version INFO reports, for the tools that check
// it (redis-cli, redis_exporter, client libraries choosing features).
const redisVersion = "7.0.15"

// infoCommand is INFO [section ...].
var infoCommand = &Command{
	Name: "info", Arity: -1, Flags: FlagLoading | FlagStale,
	ACL: []string{"slow", "dangerous"}, Group: "server", Since: "1.0.0", Complexity: "O(1)",
	Summary: "Returns information and statistics about the server.", Handler: cmdInfo,
}

// cmdInfo replies with the INFO text: a bulk string in RESP2, a verbatim
// "txt" string in RESP3, as Redis does.
func cmdInfo(x *Ctx) {
	args := make([]string, len(x.Args)-1)
	for i, a := range x.Args[1:] {
		args[i] = string(a)
	}
	x.W.Verbatim("txt", []byte(x.Srv.Info(args...)))
}

// infoState is what INFO needs that the rest of the server does not keep:
// error replies by prefix, peak memory, the last SAVE and samples for the
// instantaneous rates. Safe for concurrent use; the zero value is ready.
type infoState struct {
	mu     sync.Mutex       // guards the fields below
	errors map[string]int64 // error replies by prefix ("ERR", "WRONGTYPE")
	peak   int64            // highest used_memory seen

	lastSave   int64  // unix seconds of the last SAVE; 0 = start time
	saveOffset uint64 // DB change offset at the last SAVE

	memAt time.Time // when mem was read
	mem   runtime.MemStats

	// The last sample for instantaneous_ops_per_sec and the kbps figures,
	// and the rates measured when it was taken.
	sampleAt                       time.Time
	sampleOps, sampleIn, sampleOut int64
	opsPerSec                      int64
	inKbps, outKbps                float64

	gc gcBase // the collector's counters at the last reset
}

// maxErrorPrefixes bounds the errorstats table, as Redis 7.2 does, so that
// a stream of odd error replies cannot grow it without limit.
const maxErrorPrefixes = 128

// countError records an error reply for INFO errorstats: its prefix is the
// first word of msg, or ERR when msg has none within 32 bytes, as in
// Redis's afterErrorReply.
func (st *infoState) countError(msg string) {
	prefix := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 32)], ' '); i > 0 {
		prefix = msg[:i]
	}
	st.mu.Lock()
	if st.errors == nil {
		st.errors = make(map[string]int64)
	}
	if _, ok := st.errors[prefix]; ok || len(st.errors) < maxErrorPrefixes {
		st.errors[prefix]++
	}
	st.mu.Unlock()
}

// memStats returns runtime.MemStats read at most every 100ms, since reading
// them stops the world.
func (st *infoState) memStats(now time.Time) runtime.MemStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.memAt.IsZero() || now.Sub(st.memAt) >= 100*time.Millisecond || now.Before(st.memAt) {
		runtime.ReadMemStats(&st.mem)
		st.memAt = now
	}
	return st.mem
}

// notePeak records used as a candidate for used_memory_peak and returns the
// peak.
func (st *infoState) notePeak(used int64) int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.peak = max(st.peak, used)
	return st.peak
}

// rates returns the instantaneous ops/sec and input/output kbps, measured
// over the time since the previous sample, which is taken at most once a
// second.
func (s *Server) rates(now time.Time) (ops int64, in, out float64) {
	st := &s.info
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sampleAt.IsZero() {
		st.sampleAt = s.start
	}
	if d := now.Sub(st.sampleAt); d >= time.Second {
		cmds := s.Stats.CommandsProcessed.Load()
		bin, bout := s.Stats.NetInputBytes.Load(), s.Stats.NetOutputBytes.Load()
		secs := d.Seconds()
		st.opsPerSec = int64(float64(max(cmds-st.sampleOps, 0)) / secs)
		st.inKbps = float64(max(bin-st.sampleIn, 0)) / secs / 1024
		st.outKbps = float64(max(bout-st.sampleOut, 0)) / secs / 1024
		st.sampleAt, st.sampleOps, st.sampleIn, st.sampleOut = now, cmds, bin, bout
	}
	return st.opsPerSec, st.inKbps, st.outKbps
}

// LastSave returns when the dataset was last marked saved, in unix seconds:
// the start time, or the last SAVE or BGSAVE.
func (s *Server) LastSave() int64 {
	s.info.mu.Lock()
	defer s.info.mu.Unlock()
	if s.info.lastSave == 0 {
		return s.start.Unix()
	}
	return s.info.lastSave
}

// markSaved records a SAVE at now: LASTSAVE and rdb_changes_since_last_save
// start again from here.
func (s *Server) markSaved(now time.Time) {
	off := s.db.Offset()
	s.info.mu.Lock()
	s.info.lastSave = now.Unix()
	s.info.saveOffset = off
	s.info.mu.Unlock()
}

// ResetStats zeroes the statistics CONFIG RESETSTAT resets, as Redis's
// resetServerStats, resetCommandTableStats and resetErrorTableStats do:
// the node-wide counters, the keyspace's hit, miss, expiry and eviction
// counters, every command's statistics and the error table, and the
// garbage collector's counts in INFO gc. The slow log and peak memory are
// kept.
func (s *Server) ResetStats() {
	st := &s.Stats
	st.ConnectionsReceived.Store(0)
	st.RejectedConnections.Store(0)
	st.CommandsProcessed.Store(0)
	st.NetInputBytes.Store(0)
	st.NetOutputBytes.Store(0)
	st.ErrorReplies.Store(0)
	s.db.ResetStats()
	for _, c := range s.table.cmds {
		c.stats.reset()
		for _, sub := range c.Sub {
			sub.stats.reset()
		}
	}
	s.info.mu.Lock()
	s.info.errors = nil
	s.info.sampleAt = s.now()
	s.info.sampleOps, s.info.sampleIn, s.info.sampleOut = 0, 0, 0
	s.info.opsPerSec, s.info.inKbps, s.info.outKbps = 0, 0, 0
	s.resetGCLocked()
	s.info.mu.Unlock()
}

func (cs *commandStats) reset() {
	cs.calls.Store(0)
	cs.usec.Store(0)
	cs.rejected.Store(0)
	cs.failed.Store(0)
}

// infoSections are INFO's sections in the order it prints them.
var infoSections = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "gc",
	"modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
}

// defaultInfoSections are the sections of a bare INFO (and of "default").
var defaultInfoSections = []string{
	"server", "clients", "memory", "persistence", "stats", "replication", "cpu",
	"module_list", "errorstats", "cluster", "keyspace",
}

// Info returns the INFO text for the given section arguments, as Redis 7.0
// prints it: no argument means the default sections; "default", "all" and
// "everything" are accepted among section names, which are matched without
// regard to case; an unknown section adds nothing.
func (s *Server) Info(args ...string) string {
	want := make(map[string]bool, 16)
	all := false
	if len(args) == 0 {
		args = []string{"default"}
	}
	for _, a := range args {
		switch a = strings.ToLower(a); a {
		case "default":
			for _, d := range defaultInfoSections {
				want[d] = true
			}
		case "all", "everything":
			all = true
		default:
			want[a] = true
		}
	}
	want["modules"] = want["modules"] || want["module_list"]

	now := s.now()
	var b strings.Builder
	b.Grow(4096)
	for _, sec := range infoSections {
		if !all && !want[sec] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		s.infoSection(&b, sec, now)
	}
	return b.String()
}

// infoSection appends one section, header included.
func (s *Server) infoSection(b *strings.Builder, sec string, now time.Time) {
	w := infoWriter{b}
	switch sec {
	case "server":
		w.header("Server")
		s.infoServer(w, now)
	case "clients":
		w.header("Clients")
		w.int("connected_clients", int64(s.ConnectedClients()))
		w.int("cluster_connections", 0)
		w.int("maxclients", s.cfg.Int("maxclients"))
		w.int("client_recent_max_input_buffer", 0)
		w.int("client_recent_max_output_buffer", 0)
		w.int("blocked_clients", s.BlockedClients())
		w.int("tracking_clients", 0)
		w.int("clients_in_timeout_table", 0)
	case "memory":
		w.header("Memory")
		s.infoMemory(w, now)
	case "persistence":
		w.header("Persistence")
		s.infoPersistence(w)
	case "stats":
		w.header("Stats")
		s.infoStats(w, now)
	case "replication":
		w.header("Replication")
		w.str("role", "master")
		w.int("connected_slaves", 0)
		w.str("master_failover_state", "no-failover")
		w.str("master_replid", s.runID)
		w.str("master_replid2", strings.Repeat("0", 40))
		w.int("master_repl_offset", 0)
		w.int("second_repl_offset", -1)
		w.int("repl_backlog_active", 0)
		w.int("repl_backlog_size", s.cfg.Int("repl-backlog-size"))
		w.int("repl_backlog_first_byte_offset", 0)
		w.int("repl_backlog_histlen", 0)
	case "cpu":
		w.header("CPU")
		sys, user := cpuTimes()
		w.str("used_cpu_sys", cpuSeconds(sys))
		w.str("used_cpu_user", cpuSeconds(user))
		w.str("used_cpu_sys_children", "0.000000")
		w.str("used_cpu_user_children", "0.000000")
	case "gc":
		// Larder's own section, not in a bare INFO: see infoGC.
		w.header("GC")
		s.infoGC(w)
	case "modules":
		w.header("Modules")
	case "commandstats":
		w.header("Commandstats")
		s.infoCommandStats(w)
	case "errorstats":
		w.header("Errorstats")
		s.infoErrorStats(w)
	case "latencystats":
		// Larder keeps no latency histograms, so the section is empty, as
		// in Redis with latency-tracking off.
		w.header("Latencystats")
	case "cluster":
		w.header("Cluster")
		w.int("cluster_enabled", boolInt(s.cfg.Bool("cluster-enabled")))
		if s.cinfo != nil {
			b.Write(s.cinfo(nil))
		}
	case "keyspace":
		w.header("Keyspace")
		st := s.db.Stats()
		if st.Keys != 0 || st.Expires != 0 {
			fmt.Fprintf(b, "db0:keys=%d,expires=%d,avg_ttl=0\r\n", st.Keys, st.Expires)
		}
	}
}

func (s *Server) infoServer(w infoWriter, now time.Time) {
	uptime := int64(now.Sub(s.start) / time.Second)
	mode := "standalone"
	if s.cfg.Bool("cluster-enabled") {
		mode = "cluster"
	}
	exe, _ := os.Executable()
	w.str("redis_version", redisVersion)
	w.str("larder_version", s.Version())
	w.str("redis_git_sha1", "00000000")
	w.int("redis_git_dirty", 0)
	w.str("redis_build_id", "0")
	w.str("redis_mode", mode)
	w.str("os", runtime.GOOS+" "+runtime.GOARCH)
	w.int("arch_bits", strconv.IntSize)
	w.str("monotonic_clock", "POSIX clock_gettime")
	w.str("multiplexing_api", "go-netpoll")
	w.str("atomicvar_api", "go-sync-atomic")
	w.str("gcc_version", "0.0.0")
	w.str("go_version", runtime.Version())
	w.int("process_id", int64(os.Getpid()))
	w.str("process_supervised", "no")
	w.str("run_id", s.runID)
	w.int("tcp_port", int64(s.opts.TCPPort))
	w.int("server_time_usec", now.UnixMicro())
	w.int("uptime_in_seconds", uptime)
	w.int("uptime_in_days", uptime/(3600*24))
	w.int("hz", s.cfg.Int("hz"))
	w.int("configured_hz", s.cfg.Int("hz"))
	w.int("lru_clock", now.Unix()&(1<<24-1))
	w.str("executable", exe)
	w.str("config_file", s.opts.ConfigFile)
	w.int("io_threads_active", 0)
	w.int("engine_shards", int64(s.db.Shards())) // CONFIG GET shards says 0 when maxmemory chose
}

func (s *Server) infoMemory(w infoWriter, now time.Time) {
	st := s.db.Stats()
	m := s.info.memStats(now)
	used := st.UsedMemory
	peak := s.info.notePeak(used)
	// The process's resident set, as Redis reports it: the Go heap, the engine's arenas
	// outside it and the binary's pages. Where it cannot be read, the Go runtime's share.
	rss := memlimit.Resident()
	if rss == 0 {
		rss = int64(m.Sys - m.HeapReleased)
	}
	alloc := int64(m.HeapAlloc)
	sysMem := systemMemory()
	w.int("used_memory", used)
	w.str("used_memory_human", bytesToHuman(used))
	w.int("used_memory_rss", rss)
	w.str("used_memory_rss_human", bytesToHuman(rss))
	w.int("used_memory_peak", peak)
	w.str("used_memory_peak_human", bytesToHuman(peak))
	w.str("used_memory_peak_perc", fmt.Sprintf("%.2f%%", percent(used, peak)))
	w.int("used_memory_overhead", 0)
	w.int("used_memory_startup", 0)
	w.int("used_memory_dataset", used)
	w.str("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", percent(used, max(used, 1))))
	w.int("allocator_allocated", alloc)
	w.int("allocator_active", int64(m.HeapInuse))
	w.int("allocator_resident", int64(m.HeapSys-m.HeapReleased))
	w.int("total_system_memory", sysMem)
	w.str("total_system_memory_human", bytesToHuman(sysMem))
	for _, name := range []string{"used_memory_lua", "used_memory_vm_eval"} {
		w.int(name, 0)
	}
	w.str("used_memory_lua_human", "0B")
	for _, name := range []string{"used_memory_scripts_eval", "number_of_cached_scripts",
		"number_of_functions", "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total"} {
		w.int(name, 0)
	}
	w.str("used_memory_vm_total_human", "0B")
	w.int("used_memory_functions", 0)
	w.int("used_memory_scripts", 0)
	w.str("used_memory_scripts_human", "0B")
	w.int("maxmemory", st.MaxMemory)
	w.str("maxmemory_human", bytesToHuman(st.MaxMemory))
	w.str("maxmemory_policy", s.cfg.String("maxmemory-policy"))
	w.str("allocator_frag_ratio", ratio(int64(m.HeapInuse), alloc))
	w.int("allocator_frag_bytes", int64(m.HeapInuse)-alloc)
	w.str("allocator_rss_ratio", ratio(int64(m.HeapSys-m.HeapReleased), int64(m.HeapInuse)))
	w.int("allocator_rss_bytes", int64(m.HeapSys-m.HeapReleased)-int64(m.HeapInuse))
	w.str("rss_overhead_ratio", ratio(rss, int64(m.HeapSys-m.HeapReleased)))
	w.int("rss_overhead_bytes", rss-int64(m.HeapSys-m.HeapReleased))
	// As Redis: the resident set over the memory accounted to the data.
	w.str("mem_fragmentation_ratio", ratio(rss, used))
	w.int("mem_fragmentation_bytes", rss-used)
	for _, name := range []string{"mem_not_counted_for_evict", "mem_replication_backlog",
		"mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
		"mem_cluster_links", "mem_aof_buffer"} {
		w.int(name, 0)
	}
	// Larder's own: what the engine's arenas hold beyond used_memory (counted against
	// maxmemory with it, within an allowance of a head segment per shard).
	w.int("mem_arena_dead", st.ArenaDead)
	w.int("mem_arena_slack", st.ArenaSlack)
	w.str("mem_allocator", "go")
	w.int("active_defrag_running", 0)
	w.int("lazyfree_pending_objects", 0)
	w.int("lazyfreed_objects", 0)
}

func (s *Server) infoPersistence(w infoWriter) {
	s.info.mu.Lock()
	saveOffset := s.info.saveOffset
	s.info.mu.Unlock()
	zero := func(names ...string) {
		for _, n := range names {
			w.int(n, 0)
		}
	}
	zero("loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age")
	w.str("current_fork_perc", "0.00")
	zero("current_save_keys_processed", "current_save_keys_total")
	w.int("rdb_changes_since_last_save", int64(s.db.Offset()-saveOffset))
	w.int("rdb_bgsave_in_progress", 0)
	w.int("rdb_last_save_time", s.LastSave())
	w.str("rdb_last_bgsave_status", "ok")
	w.int("rdb_last_bgsave_time_sec", -1)
	w.int("rdb_current_bgsave_time_sec", -1)
	zero("rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded",
		"aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled")
	w.int("aof_last_rewrite_time_sec", -1)
	w.int("aof_current_rewrite_time_sec", -1)
	w.str("aof_last_bgrewrite_status", "ok")
	zero("aof_rewrites", "aof_rewrites_consecutive_failures")
	w.str("aof_last_write_status", "ok")
	zero("aof_last_cow_size", "module_fork_in_progress", "module_fork_last_cow_size")
}

func (s *Server) infoStats(w infoWriter, now time.Time) {
	st := s.db.Stats()
	ops, in, out := s.rates(now)
	zero := func(names ...string) {
		for _, n := range names {
			w.int(n, 0)
		}
	}
	w.int("total_connections_received", s.Stats.ConnectionsReceived.Load())
	w.int("total_commands_processed", s.Stats.CommandsProcessed.Load())
	w.int("instantaneous_ops_per_sec", ops)
	w.int("total_net_input_bytes", s.Stats.NetInputBytes.Load())
	w.int("total_net_output_bytes", s.Stats.NetOutputBytes.Load())
	zero("total_net_repl_input_bytes", "total_net_repl_output_bytes")
	w.str("instantaneous_input_kbps", fmt.Sprintf("%.2f", in))
	w.str("instantaneous_output_kbps", fmt.Sprintf("%.2f", out))
	w.str("instantaneous_input_repl_kbps", "0.00")
	w.str("instantaneous_output_repl_kbps", "0.00")
	w.int("rejected_connections", s.Stats.RejectedConnections.Load())
	zero("sync_full", "sync_partial_ok", "sync_partial_err")
	w.int("expired_keys", st.ExpiredKeys)
	w.str("expired_stale_perc", fmt.Sprintf("%.2f", float64(st.ExpiredStalePerc)))
	w.int("expired_time_cap_reached_count", st.ExpireCycleCapped)
	// The expiry loop's CPU time where the OS counts a thread's (Linux), else its wall time;
	// Larder's own field beside it is the wall time, which also counts waiting for a CPU.
	w.int("expire_cycle_cpu_milliseconds", st.ExpireCycleCPU.Milliseconds())
	w.int("expire_cycle_time_milliseconds", st.ExpireCycleTime.Milliseconds())
	w.int("evicted_keys", st.EvictedKeys)
	zero("evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time")
	w.int("keyspace_hits", st.Hits)
	w.int("keyspace_misses", st.Misses)
	pch, ppat, psh := s.pubsubCounts()
	w.int("pubsub_channels", int64(pch))
	w.int("pubsub_patterns", int64(ppat))
	w.int("pubsubshard_channels", int64(psh))
	zero("latest_fork_usec",
		"total_forks", "migrate_cached_sockets", "slave_expires_tracked_keys",
		"active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
		"active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time",
		"tracking_total_keys", "tracking_total_items", "tracking_total_prefixes",
		"unexpected_error_replies")
	w.int("total_error_replies", s.Stats.ErrorReplies.Load())
	w.int("dump_payload_sanitizations", 0)
	w.int("total_reads_processed", s.Stats.CommandsProcessed.Load())
	w.int("total_writes_processed", s.Stats.CommandsProcessed.Load())
	zero("io_threaded_reads_processed", "io_threaded_writes_processed",
		"reply_buffer_shrinks", "reply_buffer_expands")
	// Not in Redis 7.0 (added in 7.4): pub/sub clients closed for their output limit.
	w.int("client_output_buffer_limit_disconnections", s.ps.disconnects.Load())
}

// infoCommandStats lists every command and subcommand called, rejected or
// failed since the last reset, by name.
func (s *Server) infoCommandStats(w infoWriter) {
	var cmds []*Command
	for _, c := range s.table.cmds {
		cmds = append(cmds, c)
		for _, sub := range c.Sub {
			cmds = append(cmds, sub)
		}
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].FullName() < cmds[j].FullName() })
	for _, c := range cmds {
		calls, usec := c.stats.calls.Load(), c.stats.usec.Load()
		rej, failed := c.stats.rejected.Load(), c.stats.failed.Load()
		if calls == 0 && rej == 0 && failed == 0 {
			continue
		}
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		fmt.Fprintf(w.b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
			infoSafe(c.FullName()), calls, usec, perCall, rej, failed)
	}
}

// infoErrorStats lists the error replies by prefix, in byte order.
func (s *Server) infoErrorStats(w infoWriter) {
	s.info.mu.Lock()
	names := make([]string, 0, len(s.info.errors))
	counts := make(map[string]int64, len(s.info.errors))
	for k, v := range s.info.errors {
		names = append(names, k)
		counts[k] = v
	}
	s.info.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w.b, "errorstat_%s:count=%d\r\n", infoSafe(n), counts[n])
	}
}

// infoWriter appends "name:value\r\n" lines.
type infoWriter struct{ b *strings.Builder }

func (w infoWriter) header(name string) {
	w.b.WriteString("# ")
	w.b.WriteString(name)
	w.b.WriteString("\r\n")
}

func (w infoWriter) str(name, v string) {
	w.b.WriteString(name)
	w.b.WriteByte(':')
	w.b.WriteString(v)
	w.b.WriteString("\r\n")
}

func (w infoWriter) int(name string, v int64) {
	w.b.WriteString(name)
	w.b.WriteByte(':')
	w.b.WriteString(strconv.FormatInt(v, 10))
	w.b.WriteString("\r\n")
}

// infoSafe replaces the characters that would break INFO's line format
// (#, :, CR, LF) with '_', as Redis's getSafeInfoString does.
func infoSafe(s string) string {
	if !strings.ContainsAny(s, "#:\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '#', ':', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

// bytesToHuman formats n as Redis's bytesToHuman does: 100B, 1.50K, 2.00M...
func bytesToHuman(n int64) string {
	const k = 1024
	d := float64(n)
	switch {
	case n < k:
		return strconv.FormatInt(n, 10) + "B"
	case n < k*k:
		return fmt.Sprintf("%.2fK", d/k)
	case n < k*k*k:
		return fmt.Sprintf("%.2fM", d/(k*k))
	case n < k*k*k*k:
		return fmt.Sprintf("%.2fG", d/(k*k*k))
	case n < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", d/(k*k*k*k))
	case n < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", d/(k*k*k*k*k))
	}
	return strconv.FormatInt(n, 10) + "B"
}

// percent returns 100*a/b, or 0 when b is 0.
func percent(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// ratio formats a/b with two decimals, or 0.00 when b is not positive.
func ratio(a, b int64) string {
	if b <= 0 {
		return "0.00"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// cpuSeconds formats d as Redis prints rusage times: seconds, six decimals.
func cpuSeconds(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// systemMemory returns the machine's memory in bytes from /proc/meminfo, or
// 0 where there is none.
func systemMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
