package command_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestMemoryUsage(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if _, err := do(ctx, c, "memory", "usage", "missing"); err != redis.Nil {
			t.Fatalf("MEMORY USAGE missing: %v, want nil", err)
		}
		srvDo(t, ctx, c, "set", "small", "v")
		srvDo(t, ctx, c, "set", "big", strings.Repeat("x", 10000))
		small := srvDo(t, ctx, c, "memory", "usage", "small").(int64)
		big := srvDo(t, ctx, c, "MEMORY", "USAGE", "big", "SAMPLES", "5").(int64)
		if small <= 1 || big < 10000 || big <= small {
			t.Fatalf("MEMORY USAGE small = %d, big = %d", small, big)
		}
		srvEqual(t, ctx, c, small, "memory", "usage", "small", "samples", "0")
		srvEqual(t, ctx, c, small, "memory", "usage", "small", "samples", "1", "samples", "2")
		srvErr(t, ctx, c, "ERR syntax error", "memory", "usage", "small", "samples", "-1")
		srvErr(t, ctx, c, "ERR value is not an integer or out of range", "memory", "usage", "small", "samples", "x")
		srvErr(t, ctx, c, "ERR syntax error", "memory", "usage", "small", "samples")
		srvErr(t, ctx, c, "ERR syntax error", "memory", "usage", "small", "bogus", "1")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'memory|usage' command", "memory", "usage")
		// MEMORY USAGE does not count as a keyspace hit.
		hits := srvInfoInt(t, ctx, c, "stats", "keyspace_hits")
		srvDo(t, ctx, c, "memory", "usage", "small")
		if got := srvInfoInt(t, ctx, c, "stats", "keyspace_hits"); got != hits {
			t.Fatalf("keyspace_hits %d -> %d after MEMORY USAGE", hits, got)
		}
	})
}

func TestMemoryStats(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		m := srvMap(t, srvDo(t, ctx, c, "memory", "stats"))
		if len(m) != 27 || m["keys.count"] != int64(0) {
			t.Fatalf("MEMORY STATS on an empty node = %v", m)
		}
		srvDo(t, ctx, c, "set", "a", "1")
		srvDo(t, ctx, c, "set", "b", "2")
		m = srvMap(t, srvDo(t, ctx, c, "memory", "stats"))
		if len(m) != 28 {
			t.Fatalf("MEMORY STATS has %d fields, want 28", len(m))
		}
		if m["keys.count"] != int64(2) {
			t.Errorf("keys.count = %v", m["keys.count"])
		}
		used := srvInfoInt(t, ctx, c, "memory", "used_memory")
		if m["dataset.bytes"] != used || m["total.allocated"] != used {
			t.Errorf("dataset.bytes = %v, total.allocated = %v, used_memory = %d", m["dataset.bytes"], m["total.allocated"], used)
		}
		if m["keys.bytes-per-key"] != used/2 {
			t.Errorf("keys.bytes-per-key = %v, want %d", m["keys.bytes-per-key"], used/2)
		}
		if len(srvMap(t, m["db.0"])) != 3 {
			t.Errorf("db.0 = %v", m["db.0"])
		}
		for _, k := range []string{"dataset.percentage", "peak.percentage", "fragmentation"} {
			switch v := m[k].(type) {
			case float64: // RESP3 double
			case string: // RESP2 bulk string
				if v == "" {
					t.Errorf("%s is empty", k)
				}
			default:
				t.Errorf("%s = %#v, want a double", k, v)
			}
		}
	})
}

func TestMemoryOtherSubcommands(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if s, ok := srvDo(t, ctx, c, "memory", "doctor").(string); !ok || !strings.Contains(s, "empty") {
			t.Errorf("MEMORY DOCTOR on an empty node = %q", s)
		}
		srvDo(t, ctx, c, "set", "a", "1")
		if s := srvDo(t, ctx, c, "memory", "doctor").(string); !strings.Contains(s, "No memory problems") {
			t.Errorf("MEMORY DOCTOR = %q", s)
		}
		srvEqual(t, ctx, c, "OK", "config", "set", "maxmemory", "100")
		if s := srvDo(t, ctx, c, "memory", "doctor").(string); !strings.Contains(s, "maxmemory") {
			t.Errorf("MEMORY DOCTOR near maxmemory = %q", s)
		}
		if s := srvDo(t, ctx, c, "memory", "malloc-stats").(string); !strings.Contains(s, "heap_alloc:") {
			t.Errorf("MEMORY MALLOC-STATS = %q", s)
		}
		srvEqual(t, ctx, c, "OK", "memory", "purge")
		help := srvDo(t, ctx, c, "memory", "help").([]any)
		if help[0] != "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" || help[len(help)-1] != "    Prints this help." {
			t.Errorf("MEMORY HELP = %q", help)
		}
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'memory|stats' command", "memory", "stats", "x")
		srvErr(t, ctx, c, "ERR unknown subcommand 'nope'. Try MEMORY HELP.", "memory", "nope")
	})
}
