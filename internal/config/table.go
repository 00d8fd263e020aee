package config

import (
	"math"

	"github.com/larderdb/larder/internal/memlimit"
)

// Bounds used by Redis's config table, named after their C types.
const (
	intMin   = math.MinInt32
	intMax   = math.MaxInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
	// ullongMax stands for ULLONG_MAX, which Larder caps at int64.
	ullongMax = math.MaxInt64
)

// DefaultMaxMemory returns the default of maxmemory: memlimit.DefaultMaxMemory of the memory
// the process may use (its cgroup's limit, else physical memory), 75% of it from about 430 MiB
// up; 0 (no limit) where that memory is unknown.
func DefaultMaxMemory() int64 { return memlimit.DefaultMaxMemory(memlimit.Available()) }

// Flags for the table below.
const (
	fImm    = 1 << iota // immutable at runtime
	fLarder             // Larder acts on it
	fHidden             // left out of CONFIG GET patterns
	fProt               // protected (needs enable-protected-configs)
)

func mk(name, alias string, k Kind, def string, fl int, doc string) *Param {
	return &Param{
		Name: name, Alias: alias, Kind: k, Default: def, Doc: doc,
		Immutable: fl&fImm != 0, Larder: fl&fLarder != 0,
		Hidden: fl&fHidden != 0, Protected: fl&fProt != 0,
	}
}

func yn(name, alias string, def bool, fl int, doc string) *Param {
	d := "no"
	if def {
		d = "yes"
	}
	return mk(name, alias, KindBool, d, fl, doc)
}

func num(name, alias string, lo, hi, def int64, fl int, doc string) *Param {
	p := mk(name, alias, KindInt, itoa(def), fl, doc)
	p.Min, p.Max = lo, hi
	return p
}

func mem(name, alias string, lo, hi, def int64, fl int, doc string) *Param {
	p := num(name, alias, lo, hi, def, fl, doc)
	p.Kind = KindMemory
	return p
}

func str(name, alias, def string, fl int, doc string) *Param {
	return mk(name, alias, KindString, def, fl, doc)
}

func enum(name, alias string, choices []string, def string, fl int, doc string) *Param {
	p := mk(name, alias, KindEnum, def, fl, doc)
	p.Enum = choices
	return p
}

func special(name, alias, def string, fl int, check func(string) (string, error), doc string) *Param {
	p := mk(name, alias, KindSpecial, def, fl, doc)
	p.check = check
	return p
}

// table returns every setting: Redis 7.0's standard configs (TLS included)
// with Redis's defaults and bounds, except where Larder's design differs
// (port 7379, bind 127.0.0.1), plus Larder's own settings.
func table() []*Param {
	ps := []*Param{
		// Larder's own settings.
		str("config", "", "", fImm|fLarder, "Path of the YAML configuration file."),
		withCheck(num("shards", "", 0, 1<<16, 0, fImm|fLarder, "Number of engine shards (a power of two; 0: from maxmemory, 16 up to 16 MiB, one a MiB up to 256 from 256 MiB or without maxmemory)."), checkPowerOfTwo),
		yn("cluster-enabled", "", clusterBuilt, fImm|fLarder, "Run as a Redis Cluster node (no: a standalone Redis-like server)."),
		str("join", "", "", fImm|fLarder, "Client addresses (host:port, comma separated; host:port@busport when a member's bus is not on port+10000) of cluster members to join; empty: bootstrap a cluster of one, or restart as the member the data directory says."),
		num("cluster-gossip-port", "", 0, 65535, 0, fImm|fLarder, "Gossip port, TCP and UDP (0: port+20000)."),
		num("cluster-voters", "", 1, 5, 3, fImm|fLarder, "Raft voters of a cluster this node bootstraps: 1, 3 or 5 (the first nodes to join vote)."),
		num("cluster-replication-factor", "", 1, 5, 1, fImm|fLarder, "Owners of each slot (primary and replicas) in a cluster this node bootstraps."),

		// Booleans.
		yn("rdbchecksum", "", true, fImm, "Checksum RDB files."),
		yn("daemonize", "", false, fImm, "Run as a daemon."),
		yn("io-threads-do-reads", "", false, fImm, "Read and parse in I/O threads."),
		num("io-loops-spin-us", "", 0, 10000, 50, fImm|fLarder, "Microseconds an event loop that has just served clients keeps polling before it sleeps, so that a busy client's next request needs no wake-up; 0: sleep at once."),
		yn("io-loops-keep-p", "", true, fImm|fLarder, "Event loops sleep in epoll_wait keeping their scheduler slot (P): less CPU per request; no: through the scheduler, so that GC pauses need not wait for a sleeping loop's thread (shorter pauses on a busy host)."),
		yn("always-show-logo", "", false, fImm, "Always show the ASCII logo."),
		yn("protected-mode", "", true, 0, "Refuse non-local clients when no password or bind is set."),
		yn("rdbcompression", "", true, 0, "Compress strings in RDB files."),
		yn("rdb-del-sync-files", "", false, 0, "Delete RDB files used only for replication."),
		yn("activerehashing", "", true, 0, "Rehash hash tables incrementally in the background."),
		yn("stop-writes-on-bgsave-error", "", true, 0, "Refuse writes when the last background save failed."),
		yn("set-proc-title", "", true, fImm, "Set the process title."),
		yn("dynamic-hz", "", true, 0, "Scale hz with the number of clients."),
		yn("lazyfree-lazy-eviction", "", false, 0, "Free evicted values in the background."),
		yn("lazyfree-lazy-expire", "", false, 0, "Free expired values in the background."),
		yn("lazyfree-lazy-server-del", "", false, 0, "Free implicitly deleted values in the background."),
		yn("lazyfree-lazy-user-del", "", false, 0, "Make DEL behave as UNLINK."),
		yn("lazyfree-lazy-user-flush", "", false, fLarder, "Make FLUSHALL/FLUSHDB default to ASYNC."),
		yn("repl-disable-tcp-nodelay", "", false, 0, "Disable TCP_NODELAY on replica links."),
		yn("repl-diskless-sync", "", true, 0, "Send full syncs over the socket, not through disk."),
		yn("aof-rewrite-incremental-fsync", "", true, 0, "Fsync the AOF rewrite incrementally."),
		yn("no-appendfsync-on-rewrite", "", false, 0, "Skip AOF fsync while rewriting."),
		yn("cluster-require-full-coverage", "", true, 0, "Stop serving when some slots are uncovered."),
		yn("rdb-save-incremental-fsync", "", true, 0, "Fsync RDB saves incrementally."),
		yn("aof-load-truncated", "", true, 0, "Load a truncated AOF."),
		yn("aof-use-rdb-preamble", "", true, 0, "Start AOF rewrites with an RDB preamble."),
		yn("aof-timestamp-enabled", "", false, 0, "Write timestamps into the AOF."),
		yn("cluster-replica-no-failover", "cluster-slave-no-failover", false, 0, "Never fail over to this replica."),
		yn("replica-lazy-flush", "slave-lazy-flush", false, 0, "Flush asynchronously before a full sync."),
		yn("replica-serve-stale-data", "slave-serve-stale-data", true, 0, "Serve stale data while the link to the primary is down."),
		yn("replica-read-only", "slave-read-only", true, 0, "Refuse writes on replicas."),
		yn("replica-ignore-maxmemory", "slave-ignore-maxmemory", true, 0, "Replicas do not evict on their own."),
		yn("jemalloc-bg-thread", "", true, 0, "Purge jemalloc memory in a background thread."),
		yn("activedefrag", "", false, 0, "Enable active defragmentation."),
		yn("syslog-enabled", "", false, fImm, "Log to syslog."),
		yn("appendonly", "", false, 0, "Enable the append-only file."),
		yn("cluster-allow-reads-when-down", "", false, 0, "Serve reads while the cluster is down."),
		yn("cluster-allow-pubsubshard-when-down", "", true, 0, "Serve sharded pub/sub while the cluster is down."),
		yn("crash-log-enabled", "", true, 0, "Log a stack trace on crash."),
		yn("crash-memcheck-enabled", "", true, 0, "Run a memory check on crash."),
		yn("use-exit-on-panic", "", false, fHidden, "Exit instead of abort on panic (testing)."),
		yn("disable-thp", "", true, fImm, "Disable transparent huge pages."),
		yn("cluster-allow-replica-migration", "", true, 0, "Let replicas migrate to orphaned primaries."),
		yn("replica-announced", "", true, 0, "Announce this replica to Sentinel."),
		yn("latency-tracking", "", true, 0, "Track per-command latency percentiles."),
		yn("aof-disable-auto-gc", "", false, 0, "Keep old AOF files."),
		yn("replica-ignore-disk-write-errors", "", false, 0, "Keep replicating after disk write errors."),
		yn("tls-cluster", "", false, 0, "Use TLS on the cluster bus."),
		yn("tls-replication", "", false, 0, "Use TLS for replication."),
		yn("tls-prefer-server-ciphers", "", false, 0, "Prefer the server's cipher order."),
		yn("tls-session-caching", "", true, 0, "Cache TLS sessions."),

		// Strings.
		str("aclfile", "", "", fImm, "Path of the ACL file."),
		str("unixsocket", "", "", fImm, "Path of the Unix socket to listen on."),
		str("pidfile", "", "", fImm, "Path of the pid file."),
		str("replica-announce-ip", "slave-announce-ip", "", 0, "IP a replica announces to its primary."),
		str("masteruser", "", "", 0, "User to authenticate to the primary as."),
		str("cluster-announce-ip", "", "", fImm|fLarder, "IP other nodes and clients reach this node at (NAT, Kubernetes; empty: the bind address)."),
		str("cluster-config-file", "", "nodes.conf", fImm, "Cluster state file."),
		str("cluster-announce-hostname", "", "", 0, "Hostname announced to the cluster."),
		str("syslog-ident", "", "redis", fImm, "Syslog identity."),
		withCheck(str("dbfilename", "", "dump.rdb", fProt, "RDB file name."), baseName("dbfilename", "filename", false)),
		withCheck(str("appendfilename", "", "appendonly.aof", fImm, "AOF base file name."), baseName("appendfilename", "filename", true)),
		withCheck(str("appenddirname", "", "appendonlydir", fImm, "AOF directory name."), baseName("appenddirname", "dirname", true)),
		str("server_cpulist", "", "", fImm, "CPU affinity of the main threads."),
		str("bio_cpulist", "", "", fImm, "CPU affinity of background I/O threads."),
		str("aof_rewrite_cpulist", "", "", fImm, "CPU affinity of AOF rewrite children."),
		str("bgsave_cpulist", "", "", fImm, "CPU affinity of background save children."),
		str("ignore-warnings", "", "", 0, "Startup warnings to ignore."),
		str("proc-title-template", "", "{title} {listen-addr} {server-mode}", 0, "Template of the process title."),
		str("bind-source-addr", "", "", 0, "Source address of outgoing connections."),
		str("logfile", "", "", fImm, "Log file path (empty: standard output)."),
		str("masterauth", "", "", 0, "Password to authenticate to the primary."),
		str("requirepass", "", "", fLarder, "Password clients must AUTH with (empty: none)."),
		str("tls-cert-file", "", "", 0, "TLS certificate file."),
		str("tls-key-file", "", "", 0, "TLS private key file."),
		str("tls-key-file-pass", "", "", 0, "Passphrase of the TLS private key."),
		str("tls-client-cert-file", "", "", 0, "TLS client certificate file."),
		str("tls-client-key-file", "", "", 0, "TLS client private key file."),
		str("tls-client-key-file-pass", "", "", 0, "Passphrase of the TLS client key."),
		str("tls-dh-params-file", "", "", 0, "DH parameters file."),
		str("tls-ca-cert-file", "", "", 0, "CA certificate bundle."),
		str("tls-ca-cert-dir", "", "", 0, "CA certificate directory."),
		str("tls-protocols", "", "", 0, "Allowed TLS protocol versions."),
		str("tls-ciphers", "", "", 0, "Allowed TLS 1.2 ciphers."),
		str("tls-ciphersuites", "", "", 0, "Allowed TLS 1.3 cipher suites."),

		// Enums, choices in Redis's order.
		enum("supervised", "", []string{"upstart", "systemd", "auto", "no"}, "no", fImm, "Supervision mode."),
		enum("syslog-facility", "", []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, "local0", fImm, "Syslog facility."),
		enum("repl-diskless-load", "", []string{"disabled", "on-empty-db", "swapdb"}, "disabled", 0, "How replicas load a full sync."),
		enum("loglevel", "", []string{"debug", "verbose", "notice", "warning"}, "notice", fLarder, "Log verbosity."),
		enum("maxmemory-policy", "", []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction", "allkeys-tinylfu"}, "allkeys-tinylfu", fLarder, "What to evict when maxmemory is reached (allkeys-tinylfu: Larder's W-TinyLFU)."),
		enum("appendfsync", "", []string{"everysec", "always", "no"}, "everysec", 0, "When to fsync the append-only file."),
		enum("oom-score-adj", "", []string{"no", "yes", "relative", "absolute"}, "no", 0, "How to set the OOM score."),
		enum("acl-pubsub-default", "", []string{"allchannels", "resetchannels"}, "resetchannels", 0, "Default pub/sub permissions of new users."),
		enum("sanitize-dump-payload", "", []string{"no", "yes", "clients"}, "no", 0, "Deep-check RESTORE payloads."),
		enum("enable-protected-configs", "", []string{"no", "yes", "local"}, "no", fImm, "Allow changing protected settings."),
		enum("enable-debug-command", "", []string{"no", "yes", "local"}, "no", fImm, "Allow the DEBUG command."),
		enum("enable-module-command", "", []string{"no", "yes", "local"}, "no", fImm, "Allow the MODULE command."),
		enum("cluster-preferred-endpoint-type", "", []string{"ip", "hostname", "unknown-endpoint"}, "ip", 0, "Endpoint type in redirections."),
		enum("propagation-error-behavior", "", []string{"ignore", "panic", "panic-on-replicas"}, "ignore", 0, "What to do when a propagated command fails."),
		enum("tls-auth-clients", "", []string{"no", "yes", "optional"}, "yes", 0, "Require TLS client certificates."),
		special("shutdown-on-sigint", "", "default", 0, checkShutdown, "Shutdown flags on SIGINT."),
		special("shutdown-on-sigterm", "", "default", 0, checkShutdown, "Shutdown flags on SIGTERM."),

		// Integers.
		num("databases", "", 1, intMax, 16, fImm, "Number of databases (Larder serves only db 0)."),
		num("port", "", 0, 65535, 7379, fImm|fLarder, "TCP port for RESP clients."),
		num("io-threads", "", 1, 128, 1, fImm, "Number of I/O threads."),
		num("io-loops", "", -1, 64, -1, fImm|fLarder, "Linux epoll event loops serving clients (-1: half the cores, at least one, on Linux; 0: a goroutine per client)."),
		num("auto-aof-rewrite-percentage", "", 0, intMax, 100, 0, "AOF growth that triggers a rewrite, percent."),
		num("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, intMax, 10, 0, "Maximum data age factor for failover."),
		num("list-max-listpack-size", "list-max-ziplist-size", intMin, intMax, -2, fLarder, "Size of list nodes."),
		num("tcp-keepalive", "", 0, intMax, 300, 0, "TCP keepalive period, seconds."),
		num("cluster-migration-barrier", "", 0, intMax, 1, 0, "Replicas a primary keeps before one migrates."),
		num("active-defrag-cycle-min", "", 1, 99, 1, 0, "Minimum CPU for defragmentation, percent."),
		num("active-defrag-cycle-max", "", 1, 99, 25, 0, "Maximum CPU for defragmentation, percent."),
		num("active-defrag-threshold-lower", "", 0, 1000, 10, 0, "Fragmentation that starts defragmentation, percent."),
		num("active-defrag-threshold-upper", "", 0, 1000, 100, 0, "Fragmentation that gets maximum effort, percent."),
		num("lfu-log-factor", "", 0, intMax, 10, fLarder, "LFU counter logarithm factor."),
		num("lfu-decay-time", "", 0, intMax, 1, fLarder, "LFU counter decay period, minutes."),
		num("replica-priority", "slave-priority", 0, intMax, 100, 0, "Replica priority for promotion."),
		num("repl-diskless-sync-delay", "", 0, intMax, 5, 0, "Seconds to wait before a diskless sync."),
		num("maxmemory-samples", "", 1, intMax, 5, fLarder, "Keys sampled per eviction."),
		num("maxmemory-eviction-tenacity", "", 0, 100, 10, 0, "Eviction effort per command."),
		num("timeout", "", 0, intMax, 0, fLarder, "Close clients idle this many seconds (0: never)."),
		num("replica-announce-port", "slave-announce-port", 0, 65535, 0, 0, "Port a replica announces."),
		num("tcp-backlog", "", 0, intMax, 511, fImm, "TCP listen backlog."),
		num("cluster-port", "", 0, 65535, 0, fImm|fLarder, "Cluster bus port, gRPC and Raft (0: port+10000)."),
		num("cluster-announce-bus-port", "", 0, 65535, 0, fImm|fLarder, "Announced cluster bus port (0: the bus port)."),
		num("cluster-announce-port", "", 0, 65535, 0, fImm|fLarder, "Announced client port (0: the port)."),
		num("cluster-announce-tls-port", "", 0, 65535, 0, 0, "Announced TLS client port."),
		num("repl-timeout", "", 1, intMax, 60, 0, "Replication timeout, seconds."),
		num("repl-ping-replica-period", "repl-ping-slave-period", 1, intMax, 10, 0, "Seconds between replica pings."),
		num("list-compress-depth", "", 0, intMax, 0, 0, "Uncompressed nodes at each end of a list."),
		num("rdb-key-save-delay", "", intMin, intMax, 0, fHidden, "Delay per key saved, microseconds (testing)."),
		num("key-load-delay", "", intMin, intMax, 0, fHidden, "Delay per key loaded, microseconds (testing)."),
		num("active-expire-effort", "", 1, 10, 1, 0, "Effort of the active expire cycle."),
		num("hz", "", 0, intMax, 10, fLarder, "Background task frequency, per second."),
		num("min-replicas-to-write", "min-slaves-to-write", 0, intMax, 0, 0, "Replicas needed to accept writes."),
		num("min-replicas-max-lag", "min-slaves-max-lag", 0, intMax, 10, 0, "Maximum lag of those replicas, seconds."),
		num("watchdog-period", "", 0, intMax, 0, fHidden, "Software watchdog period, milliseconds."),
		num("shutdown-timeout", "", 0, intMax, 10, 0, "Seconds to wait for replicas on shutdown."),
		num("repl-diskless-sync-max-replicas", "", 0, intMax, 0, 0, "Replicas that start a diskless sync early."),
		num("maxclients", "", 1, uintMax, 10000, fLarder, "Maximum number of connected clients."),
		withOctal(num("unixsocketperm", "", 0, 0o777, 0, fImm, "Permissions of the Unix socket (octal).")),
		num("socket-mark-id", "", 0, uintMax, 0, fImm, "Socket mark ID."),
		num("active-defrag-max-scan-fields", "", 1, longMax, 1000, 0, "Fields above which a key is defragmented on its own."),
		num("slowlog-max-len", "", 0, longMax, 128, fLarder, "Entries kept in the slow log."),
		num("acllog-max-len", "", 0, longMax, 128, 0, "Entries kept in the ACL log."),
		num("busy-reply-threshold", "lua-time-limit", 0, longMax, 5000, 0, "Script time before BUSY replies, milliseconds."),
		num("cluster-node-timeout", "", 0, llongMax, 15000, 0, "Cluster node timeout, milliseconds."),
		num("slowlog-log-slower-than", "", -1, llongMax, 10000, fLarder, "Log commands slower than this, microseconds (-1: none)."),
		num("latency-monitor-threshold", "", 0, llongMax, 0, 0, "Latency monitor threshold, milliseconds."),
		num("stream-node-max-entries", "", 0, llongMax, 100, 0, "Entries per stream node."),
		num("tracking-table-max-keys", "", 0, longMax, 1000000, 0, "Keys in the client tracking table."),
		num("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, longMax, 512, fLarder, "Entries in a compact hash."),
		num("set-max-intset-entries", "", 0, longMax, 512, fLarder, "Entries in a compact integer set."),
		num("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, longMax, 128, fLarder, "Entries in a compact sorted set."),
		num("repl-backlog-ttl", "", 0, longMax, 3600, 0, "Seconds the backlog outlives its last replica."),
		num("loading-process-events-interval-bytes", "", 1024, intMax, 2<<20, fHidden, "Bytes loaded between event processing."),
		num("tls-port", "", 0, 65535, 0, 0, "TLS port (0: off)."),
		num("tls-session-cache-size", "", 0, intMax, 20480, 0, "TLS session cache entries."),
		num("tls-session-cache-timeout", "", 0, intMax, 300, 0, "TLS session cache timeout, seconds."),

		// Memory values.
		mem("proto-max-bulk-len", "", 1<<20, longMax, 512<<20, fLarder, "Largest bulk string a client may send."),
		mem("repl-backlog-size", "", 1, llongMax, 1<<20, 0, "Replication backlog size."),
		mem("maxmemory", "", 0, ullongMax, DefaultMaxMemory(), fLarder, "Memory limit for data (0: none). Default: 75% of the memory the node may use (cgroup limit, else physical memory)."),
		mem("cluster-link-sendbuf-limit", "", 0, ullongMax, 0, 0, "Send buffer limit of cluster links (0: none)."),
		mem("active-defrag-ignore-bytes", "", 1, llongMax, 100<<20, 0, "Fragmentation below which nothing is defragmented."),
		mem("hash-max-listpack-value", "hash-max-ziplist-value", 0, longMax, 64, fLarder, "Largest value in a compact hash."),
		mem("stream-node-max-bytes", "", 0, longMax, 4096, 0, "Bytes per stream node."),
		mem("zset-max-listpack-value", "zset-max-ziplist-value", 0, longMax, 64, fLarder, "Largest member in a compact sorted set."),
		mem("hll-sparse-max-bytes", "", 0, longMax, 3000, 0, "Largest sparse HyperLogLog."),
		mem("client-query-buffer-limit", "", 1<<20, longMax, 1<<30, fLarder, "Largest query buffer of one client."),
		withPercent(mem("maxmemory-clients", "", -100, longMax, 0, 0, "Memory limit for all clients, bytes or percent of maxmemory (0: none).")),
		mem("auto-aof-rewrite-min-size", "", 0, llongMax, 64<<20, 0, "Smallest AOF that is rewritten."),

		// Free-form settings.
		special("dir", "", "", fProt, checkDir, "Working directory (empty: the current directory)."),
		special("save", "", "3600 1 300 100 60 10000", 0, checkSave, "RDB save points: seconds changes ..."),
		withMerge(special("client-output-buffer-limit", "", defaultOutputLimits, fLarder, checkOutputLimits, "Output buffer limits: class hard soft seconds ... (Larder enforces the pubsub class)"), mergeOutputLimits),
		special("oom-score-adj-values", "", "0 200 800", 0, checkOOMValues, "OOM score adjustments for primary, replica, child."),
		special("notify-keyspace-events", "", "", fLarder, checkNotify, "Keyspace event classes to publish."),
		special("bind", "", "127.0.0.1", fImm|fLarder, checkBind, "Addresses to listen on, space separated."),
		special("replicaof", "slaveof", "", fImm, checkReplicaOf, "Primary to replicate: host port."),
		special("latency-tracking-info-percentiles", "", "50 99 99.9", 0, checkPercentiles, "Latency percentiles reported by INFO."),
	}
	return ps
}

func withCheck(p *Param, check func(string) (string, error)) *Param {
	p.check = check
	return p
}

func withOctal(p *Param) *Param   { p.octal = true; p.Default = "0"; return p }
func withPercent(p *Param) *Param { p.percent = true; return p }
func withMerge(p *Param, merge func(old, new string) string) *Param {
	p.merge = merge
	return p
}
