package command_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestInfoGC checks INFO gc's fields as a client reads them: the cycles and
// pauses count the collections since the start or CONFIG RESETSTAT, and the
// pause quantiles are ordered.
func TestInfoGC(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if err := c.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		runtime.GC()
		info := srvInfo(t, ctx, c, "gc")
		for _, k := range []string{"gc_cycles", "gc_pauses", "gc_pause_p50_usec", "gc_pause_p99_usec",
			"gc_pause_max_usec", "gc_stopping_p50_usec", "gc_stopping_p99_usec", "gc_stopping_max_usec", "gc_cpu_seconds", "gc_allocated", "gc_allocated_objects", "gc_heap_live", "gc_heap_keyspace", "gc_heap_goal", "gc_heap_scannable", "gc_stacks_scannable", "gc_globals_scannable",
			"gc_gogc", "gc_gomemlimit"} {
			if _, ok := info[k]; !ok {
				t.Errorf("INFO gc has no %s:\n%v", k, info)
			}
		}
		// From one reply: every cycle stops the world twice, and collections the
		// runtime started itself may add to both. A cycle may be between its two
		// pauses when INFO reads them, and the runtime's pause histogram may lag its
		// cycle count by that cycle (seen under go test ./... on 2 cores: 3 cycles,
		// 5 pauses).
		cycles, _ := strconv.ParseInt(info["gc_cycles"], 10, 64)
		pauses, _ := strconv.ParseInt(info["gc_pauses"], 10, 64)
		if cycles < 2 || pauses < 2*(cycles-1) {
			t.Errorf("after two runtime.GC: gc_cycles %d, gc_pauses %d", cycles, pauses)
		}
		// The time to stop the world is part of each pause, and a pause's two figures are
		// recorded while the world is stopped, so no INFO reads one without the other.
		stopMax, _ := strconv.ParseInt(info["gc_stopping_max_usec"], 10, 64)
		pauseMax, _ := strconv.ParseInt(info["gc_pause_max_usec"], 10, 64)
		if stopMax <= 0 || stopMax > pauseMax {
			t.Errorf("gc_stopping_max_usec %d, gc_pause_max_usec %d: want 0 < stopping <= pause", stopMax, pauseMax)
		}
		p50 := srvInfoInt(t, ctx, c, "gc", "gc_pause_p50_usec")
		p99 := srvInfoInt(t, ctx, c, "gc", "gc_pause_p99_usec")
		pmax := srvInfoInt(t, ctx, c, "gc", "gc_pause_max_usec")
		if p50 <= 0 || p50 > p99 || p99 > pmax {
			t.Errorf("pause quantiles p50 %d, p99 %d, max %d µs: want 0 < p50 <= p99 <= max", p50, p99, pmax)
		}
		if srvInfoInt(t, ctx, c, "gc", "gc_heap_goal") <= 0 {
			t.Error("gc_heap_goal is not positive")
		}
		if err := c.Set(ctx, "gc-key", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if srvInfoInt(t, ctx, c, "gc", "gc_heap_keyspace") <= 0 {
			t.Error("gc_heap_keyspace is not positive with a key: its slot's index table is on the Go heap")
		}

		// RESETSTAT starts the counts again; a collection the runtime runs on its own
		// between it and INFO may count.
		if err := c.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if got := srvInfoInt(t, ctx, c, "gc", "gc_cycles"); got >= cycles {
			t.Errorf("gc_cycles after CONFIG RESETSTAT = %d, want fewer than %d", got, cycles)
		}
		before := srvInfoInt(t, ctx, c, "gc", "gc_cycles")
		runtime.GC()
		if got := srvInfoInt(t, ctx, c, "gc", "gc_cycles"); got < before+1 {
			t.Errorf("gc_cycles after runtime.GC = %d, want at least %d", got, before+1)
		}
	})
}
