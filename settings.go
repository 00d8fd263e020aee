package larder

import (
	"log/slog"
	"strconv"
	"time"
)

// watchSettings applies CONFIG SET of the settings Larder acts on to the
// running parts.
func (n *Node) watchSettings() {
	cfg := n.cfg
	num := func(v string) int64 { x, _ := strconv.ParseInt(v, 10, 64); return x }
	cfg.OnChange("maxmemory", func(v string) error {
		n.db.SetMaxMemory(num(v))
		n.mem.Set(num(v)) // the Go memory limit follows
		return nil
	})
	cfg.OnChange("maxmemory-policy", func(v string) error { return n.db.SetPolicy(v) })
	cfg.OnChange("maxmemory-samples", func(v string) error { n.db.SetSamples(int(num(v))); return nil })
	cfg.OnChange("maxclients", func(v string) error { n.srv.SetMaxClients(int(num(v))); return nil })
	cfg.OnChange("timeout", func(v string) error {
		n.srv.SetIdleTimeout(time.Duration(num(v)) * time.Second)
		return nil
	})
	limits := func(string) error { n.srv.SetLimits(limitsOf(cfg)); return nil }
	cfg.OnChange("proto-max-bulk-len", limits)
	cfg.OnChange("client-query-buffer-limit", limits)
	if lv := n.opts.LogLevel; lv != nil {
		cfg.OnChange("loglevel", func(v string) error { lv.Set(LogLevel(v)); return nil })
	}
}

// LogLevel maps a Redis loglevel name (debug, verbose, notice, warning,
// nothing) to a slog level.
func LogLevel(name string) slog.Level {
	switch name {
	case "debug":
		return slog.LevelDebug
	case "verbose":
		return slog.LevelDebug + 2
	case "warning":
		return slog.LevelWarn
	case "nothing":
		return slog.LevelError + 4
	default:
		return slog.LevelInfo
	}
}
