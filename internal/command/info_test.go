package command_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/larderdb/larder"
	"github.com/larderdb/larder/internal/config"
	"github.com/redis/go-redis/v9"
)

// infoHeaders returns the section headers of an INFO reply, in order.
func infoHeaders(t *testing.T, ctx context.Context, c *redis.Client, args ...any) []string {
	t.Helper()
	text := srvDo(t, ctx, c, append([]any{"info"}, args...)...).(string)
	var out []string
	for _, line := range strings.Split(text, "\r\n") {
		if h, ok := strings.CutPrefix(line, "# "); ok {
			out = append(out, h)
		}
	}
	return out
}

func TestInfoSections(t *testing.T) {
	defaults := "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"
	all := "Server Clients Memory Persistence Stats Replication CPU GC Modules Commandstats Errorstats Latencystats Cluster Keyspace"
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, tc := range []struct {
			args []any
			want string
		}{
			{nil, defaults},
			{[]any{"default"}, defaults},
			{[]any{"all"}, all},
			{[]any{"everything"}, all},
			{[]any{"cpu"}, "CPU"},
			{[]any{"commandSTATS"}, "Commandstats"},
			{[]any{"keyspace", "server"}, "Server Keyspace"},
			{[]any{"cpu", "default"}, defaults},
			{[]any{"cpu", "all"}, all},
			{[]any{"module_list"}, "Modules"},
			{[]any{"GC"}, "GC"},
			{[]any{"sentinel"}, ""},
		} {
			if got := strings.Join(infoHeaders(t, ctx, c, tc.args...), " "); got != tc.want {
				t.Errorf("INFO %v sections = %q, want %q", tc.args, got, tc.want)
			}
		}
		text := srvDo(t, ctx, c, "info", "cpu", "server").(string)
		if !strings.HasPrefix(text, "# Server\r\n") || !strings.Contains(text, "\r\n\r\n# CPU\r\n") ||
			!strings.HasSuffix(text, "\r\n") || strings.HasSuffix(text, "\r\n\r\n") {
			t.Errorf("INFO layout:\n%q", text)
		}
		if text := srvDo(t, ctx, c, "info", "nosuch").(string); text != "" {
			t.Errorf("INFO nosuch = %q, want empty", text)
		}
	})
}

// TestInfoFieldFormats checks every line of INFO everything against the
// formats tools parse: "# Section" headers, blank separators and
// "name:value" fields with Redis's names.
func TestInfoFieldFormats(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	srvDo(t, ctx, c, "set", "k", "v")
	text := srvDo(t, ctx, c, "info", "everything").(string)
	field := regexp.MustCompile(`^[a-z0-9_|]+:[^\r\n]*$`)
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if line != "" && !strings.HasPrefix(line, "# ") && !field.MatchString(line) {
			t.Errorf("bad INFO line %q", line)
		}
	}
	info := srvInfo(t, ctx, c, "everything")
	_, port, _ := net.SplitHostPort(n.Addr().String())
	for k, want := range map[string]string{
		"redis_version": "7.0.15", "larder_version": larder.Version, "redis_mode": "standalone",
		"tcp_port": port, "role": "master", "connected_slaves": "0", "cluster_enabled": "0",
		"maxmemory": strconv.FormatInt(config.DefaultMaxMemory(), 10), "maxmemory_policy": "allkeys-tinylfu", "maxclients": "10000",
		"loading": "0", "rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok",
		"aof_enabled": "0", "master_repl_offset": "0", "hz": "10", "blocked_clients": "0",
	} {
		if info[k] != want {
			t.Errorf("INFO %s = %q, want %q", k, info[k], want)
		}
	}
	for _, k := range []string{"uptime_in_seconds", "process_id", "used_memory", "used_memory_rss",
		"used_memory_peak", "total_connections_received", "total_commands_processed",
		"instantaneous_ops_per_sec", "rejected_connections", "expired_keys", "evicted_keys",
		"keyspace_hits", "keyspace_misses", "total_error_replies", "total_net_input_bytes",
		"connected_clients", "rdb_last_save_time", "server_time_usec", "lru_clock"} {
		if _, err := strconv.ParseInt(info[k], 10, 64); err != nil {
			t.Errorf("INFO %s = %q, want an integer", k, info[k])
		}
	}
	for k, re := range map[string]string{
		"run_id":                   `^[0-9a-f]{40}$`,
		"used_memory_human":        `^\d+(B|\.\d\d[KMGTP])$`,
		"used_memory_peak_perc":    `^\d+\.\d\d%$`,
		"mem_fragmentation_ratio":  `^\d+\.\d\d$`,
		"used_cpu_user":            `^\d+\.\d{6}$`,
		"used_cpu_sys":             `^\d+\.\d{6}$`,
		"instantaneous_input_kbps": `^\d+\.\d\d$`,
		"expired_stale_perc":       `^\d+\.\d\d$`,
		"db0":                      `^keys=1,expires=0,avg_ttl=0$`,
		"cmdstat_set":              `^calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$`,
	} {
		if !regexp.MustCompile(re).MatchString(info[k]) {
			t.Errorf("INFO %s = %q, want to match %s", k, info[k], re)
		}
	}
}

func TestInfoKeyspaceAndHits(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if _, ok := srvInfo(t, ctx, c, "keyspace")["db0"]; ok {
			t.Fatal("db0 line on an empty keyspace")
		}
		srvDo(t, ctx, c, "set", "a", "1")
		srvDo(t, ctx, c, "set", "b", "2")
		if err := c.Expire(ctx, "b", 100e9).Err(); err != nil {
			t.Fatal(err)
		}
		if got := srvInfo(t, ctx, c, "keyspace")["db0"]; got != "keys=2,expires=1,avg_ttl=0" {
			t.Fatalf("db0 = %q", got)
		}
		hits := srvInfoInt(t, ctx, c, "stats", "keyspace_hits")
		misses := srvInfoInt(t, ctx, c, "stats", "keyspace_misses")
		srvDo(t, ctx, c, "get", "a")
		srvDo(t, ctx, c, "get", "a")
		c.Get(ctx, "missing")
		if got := srvInfoInt(t, ctx, c, "stats", "keyspace_hits"); got != hits+2 {
			t.Errorf("keyspace_hits = %d, want %d", got, hits+2)
		}
		if got := srvInfoInt(t, ctx, c, "stats", "keyspace_misses"); got != misses+1 {
			t.Errorf("keyspace_misses = %d, want %d", got, misses+1)
		}
		if got := srvInfoInt(t, ctx, c, "memory", "used_memory"); got <= 0 {
			t.Errorf("used_memory = %d with two keys", got)
		}
	})
}

func TestInfoErrorAndCommandStats(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, "OK", "config", "resetstat")
		info := srvInfo(t, ctx, c, "errorstats", "stats")
		if info["total_error_replies"] != "0" || info["errorstat_ERR"] != "" {
			t.Fatalf("after RESETSTAT: %v", info)
		}
		do(ctx, c, "nosuchcommand")
		do(ctx, c, "get")
		do(ctx, c, "get", "a", "b")
		do(ctx, c, "wait", "x", "0")
		info = srvInfo(t, ctx, c, "errorstats", "stats", "commandstats")
		if info["errorstat_ERR"] != "count=4" || info["total_error_replies"] != "4" {
			t.Errorf("errorstat_ERR = %q, total_error_replies = %q; want count=4, 4",
				info["errorstat_ERR"], info["total_error_replies"])
		}
		if !strings.HasPrefix(info["cmdstat_get"], "calls=0,") || !strings.HasSuffix(info["cmdstat_get"], ",rejected_calls=2,failed_calls=0") {
			t.Errorf("cmdstat_get = %q", info["cmdstat_get"])
		}
		if !strings.HasPrefix(info["cmdstat_wait"], "calls=1,") || !strings.HasSuffix(info["cmdstat_wait"], ",rejected_calls=0,failed_calls=1") {
			t.Errorf("cmdstat_wait = %q", info["cmdstat_wait"])
		}
		srvDo(t, ctx, c, "config", "get", "hz")
		if got := srvInfo(t, ctx, c, "commandstats")["cmdstat_config|get"]; !strings.HasPrefix(got, "calls=1,") {
			t.Errorf("cmdstat_config|get = %q", got)
		}
		srvEqual(t, ctx, c, "OK", "config", "resetstat")
		info = srvInfo(t, ctx, c, "errorstats", "commandstats")
		if _, ok := info["errorstat_ERR"]; ok {
			t.Errorf("errorstat_ERR after RESETSTAT: %q", info["errorstat_ERR"])
		}
		if _, ok := info["cmdstat_get"]; ok {
			t.Errorf("cmdstat_get after RESETSTAT: %q", info["cmdstat_get"])
		}
		if !strings.HasPrefix(info["cmdstat_config|resetstat"], "calls=1,") {
			t.Errorf("cmdstat_config|resetstat = %q", info["cmdstat_config|resetstat"])
		}
	})
}

func TestInfoResetStatCounters(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	srvDo(t, ctx, c, "set", "a", "1")
	srvDo(t, ctx, c, "get", "a")
	c.Get(ctx, "nope")
	srvDo(t, ctx, c, "config", "resetstat")
	info := srvInfo(t, ctx, c, "stats")
	for _, k := range []string{"keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys", "total_error_replies"} {
		if info[k] != "0" {
			t.Errorf("%s after RESETSTAT = %q", k, info[k])
		}
	}
	// RESETSTAT and this INFO.
	if got := info["total_commands_processed"]; got != "1" && got != "2" {
		t.Errorf("total_commands_processed after RESETSTAT = %q", got)
	}
	if got := srvDo(t, ctx, c, "dbsize"); got != int64(1) {
		t.Errorf("RESETSTAT changed the data: DBSIZE = %v", got)
	}
}

// TestInfoWireFormat checks INFO's reply type on the wire: a bulk string in
// RESP2, a verbatim string of format txt in RESP3.
func TestInfoWireFormat(t *testing.T) {
	n := startNode(t, nil)
	conn, err := net.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	// reply sends a command and returns the first line of its reply and the
	// payload of a bulk or verbatim reply.
	reply := func(args ...string) (string, string) {
		t.Helper()
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line[0] != '$' && line[0] != '=' {
			return line, ""
		}
		size, _ := strconv.Atoi(line[1:])
		body := make([]byte, size+2)
		if _, err := io.ReadFull(r, body); err != nil {
			t.Fatal(err)
		}
		return line, string(body[:size])
	}
	head, body := reply("INFO", "server")
	if head[0] != '$' || !strings.HasPrefix(body, "# Server\r\n") {
		t.Fatalf("RESP2 INFO = %q %q", head, body)
	}
	hello, _ := reply("HELLO", "3")
	if hello[0] != '%' {
		t.Fatalf("HELLO 3 = %q", hello)
	}
	pairs, _ := strconv.Atoi(hello[1:])
	for range 2 * pairs {
		skipRESP(t, r)
	}
	head, body = reply("INFO", "server")
	if head[0] != '=' || !strings.HasPrefix(body, "txt:# Server\r\n") {
		t.Fatalf("RESP3 INFO = %q %q", head, body)
	}
}

// skipRESP reads and drops one RESP2 or RESP3 value.
func skipRESP(t *testing.T, r *bufio.Reader) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(line[1:], "\r\n"))
	switch line[0] {
	case '$', '=', '!':
		if n >= 0 {
			if _, err := io.ReadFull(r, make([]byte, n+2)); err != nil {
				t.Fatal(err)
			}
		}
	case '*', '~', '>':
		for range n {
			skipRESP(t, r)
		}
	case '%', '|':
		for range 2 * n {
			skipRESP(t, r)
		}
	}
}

// TestInfoMemoryRSS checks that used_memory_rss is the process's resident set, as Redis
// reports it: it includes the keys' bytes, which live in the engine's arenas outside the Go
// heap, so it is at least used_memory once the data is large; and mem_fragmentation_ratio is
// used_memory_rss over used_memory.
func TestInfoMemoryRSS(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 2)
	val := strings.Repeat("v", 4096)
	for i := range 64 {
		p := c.Pipeline()
		for j := range 256 {
			p.Set(ctx, fmt.Sprintf("key:%d:%d", i, j), val, 0)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	info := srvInfo(t, ctx, c, "memory")
	used, _ := strconv.ParseInt(info["used_memory"], 10, 64)
	rss, _ := strconv.ParseInt(info["used_memory_rss"], 10, 64)
	if used < 64<<20 {
		t.Fatalf("used_memory %d after 64 MiB of values", used)
	}
	if rss < used {
		t.Errorf("used_memory_rss %d < used_memory %d: not the process's resident set", rss, used)
	}
	frag, _ := strconv.ParseFloat(info["mem_fragmentation_ratio"], 64)
	if want := float64(rss) / float64(used); frag < want-0.011 || frag > want+0.011 {
		t.Errorf("mem_fragmentation_ratio %s, want used_memory_rss/used_memory = %.2f", info["mem_fragmentation_ratio"], want)
	}
}

// TestInfoEngineShards checks that INFO server reports the shards the keyspace has: the
// number maxmemory chose when the shards setting is 0 (its default), else the setting.
func TestInfoEngineShards(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{"maxmemory": "32mb"}, "32"},
		{map[string]string{"maxmemory": "1mb"}, "16"},
		{map[string]string{"maxmemory": "32mb", "shards": "64"}, "64"},
		{map[string]string{"maxmemory": "0"}, "256"},
	} {
		n := startNode(t, tc.settings)
		c := newClient(t, n, 2)
		if got := srvInfo(t, ctx, c, "server")["engine_shards"]; got != tc.want {
			t.Errorf("settings %v: INFO engine_shards = %q, want %s", tc.settings, got, tc.want)
		}
	}
}
