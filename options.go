package larder

import (
	"log/slog"
	"net"
	"strconv"
	"time"
)

// Version is the Larder release this package is.
const Version = "0.1.0"

// Options configures a Node. Open copies them, fills the defaults and
// validates them; it never changes the caller's struct. The zero value runs
// a node on 127.0.0.1:7379 with Redis's defaults.
type Options struct {
	// Port is the TCP port clients connect to (port). Default 7379.
	Port int
	// Bind is the address to listen on (bind). Default "127.0.0.1".
	Bind string
	// MaxMemory is the memory limit in bytes (maxmemory). Default (0 here): 75% of the
	// memory the node may use, its cgroup's limit or else physical memory (see the README);
	// Settings "maxmemory": "0" runs without a limit.
	// Keys are evicted when the memory accounted to them (used_memory) passes it, or when the
	// keyspace's arenas hold more than it plus a small allowance in deleted records and pages
	// without records (INFO mem_arena_dead, mem_arena_slack; with the default engine shards,
	// one a MiB of maxmemory from 16 to 256, the allowance is 1.8 MiB at 16 MiB and 10 MiB
	// from 256 MiB, plus, from 2 GiB, what keys with TTLs may keep in expiry groups' heads).
	// While a node with a limit runs, the Go runtime's soft memory limit is the part of its
	// used memory on the Go heap (sketches and collections' objects, at most maxmemory; INFO gc's
	// gc_heap_keyspace), or the live heap where larger, plus 8 MiB of garbage and the
	// runtime's own memory, summed over the nodes of the process and followed every 100 ms
	// (internal/memlimit), so that the process stays near maxmemory plus a fixed overhead;
	// unless GOMEMLIMIT is set or the program set a Go memory limit of its own. A node
	// without a limit lifts it.
	MaxMemory int64
	// MaxMemoryPolicy names what happens at the limit (maxmemory-policy).
	// Default "allkeys-tinylfu": W-TinyLFU evicts; "noeviction" gives writes an OOM error.
	MaxMemoryPolicy string
	// RequirePass is the password clients must AUTH with (requirepass).
	// Default "": none.
	RequirePass string
	// MaxClients bounds the connected clients (maxclients). Default 10000.
	MaxClients int
	// Settings holds any other setting by its Redis name, as CONFIG SET
	// takes it ("proto-max-bulk-len": "512mb"). The typed fields above win
	// over the same names here.
	Settings map[string]string
	// ConfigFile is the path the settings were read from, reported by INFO.
	// Default "".
	ConfigFile string
	// Logger receives the node's log lines. Default: slog.Default().
	Logger *slog.Logger
	// LogLevel, when set, is adjusted by CONFIG SET loglevel.
	LogLevel *slog.LevelVar
	// Listener, when set, is served instead of listening on Bind:Port
	// (tests use 127.0.0.1:0). The node closes it.
	Listener net.Listener
	// ShutdownTimeout bounds how long Close waits for clients to finish the
	// command they are running. Default 10s.
	ShutdownTimeout time.Duration
}

// settings returns the options as setting name/value pairs, typed fields
// last so that they win.
func (o *Options) settings() [][2]string {
	var out [][2]string
	for k, v := range o.Settings {
		out = append(out, [2]string{k, v})
	}
	if o.Port != 0 {
		out = append(out, [2]string{"port", strconv.Itoa(o.Port)})
	}
	if o.Bind != "" {
		out = append(out, [2]string{"bind", o.Bind})
	}
	if o.MaxMemory != 0 {
		out = append(out, [2]string{"maxmemory", strconv.FormatInt(o.MaxMemory, 10)})
	}
	if o.MaxMemoryPolicy != "" {
		out = append(out, [2]string{"maxmemory-policy", o.MaxMemoryPolicy})
	}
	if o.RequirePass != "" {
		out = append(out, [2]string{"requirepass", o.RequirePass})
	}
	if o.MaxClients != 0 {
		out = append(out, [2]string{"maxclients", strconv.Itoa(o.MaxClients)})
	}
	return out
}
