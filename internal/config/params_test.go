package config

import (
	"strings"
	"testing"
)

func TestParseMemory(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1073741824", 1 << 30},
		{"5b", 5}, {"5B", 5},
		{"5k", 5000}, {"5K", 5000},
		{"10kb", 10240}, {"10KB", 10240}, {"10Kb", 10240},
		{"100m", 100e6}, {"100mb", 100 << 20}, {"100MB", 100 << 20},
		{"1g", 1e9}, {"1gb", 1 << 30}, {"1GB", 1 << 30}, {"3Gb", 3 << 30},
		{"007", 7},
		{"9223372036854775807", 1<<63 - 1},
	}
	for _, c := range good {
		got, err := ParseMemory(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	bad := []string{"", "-1", "-1gb", "gb", "12xb", "1.5gb", "1 gb", " 1", "1tb", "1kbb", "+5",
		"9223372036854775808", "9007199254740993gb", "0x10"}
	for _, in := range bad {
		if got, err := ParseMemory(in); err == nil {
			t.Errorf("ParseMemory(%q) = %d, want an error", in, got)
		} else if err.Error() != "argument must be a memory value" {
			t.Errorf("ParseMemory(%q) error %q", in, err)
		}
	}
}

func mustLookup(t *testing.T, name string) *Param {
	t.Helper()
	p, ok := Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	return p
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name, in, want, err string
	}{
		{"appendonly", "YES", "yes", ""},
		{"appendonly", "No", "no", ""},
		{"appendonly", "true", "", "argument must be 'yes' or 'no'"},
		{"hz", "100", "100", ""},
		{"hz", "-1", "", "argument must be between 0 and 2147483647 inclusive"},
		{"hz", "05", "", "argument couldn't be parsed into an integer"},
		{"hz", "+5", "", "argument couldn't be parsed into an integer"},
		{"hz", "1k", "", "argument couldn't be parsed into an integer"},
		{"hz", "99999999999999999999", "", "argument couldn't be parsed into an integer"},
		{"list-max-listpack-size", "-5", "-5", ""},
		{"slowlog-log-slower-than", "-1", "-1", ""},
		{"slowlog-log-slower-than", "-2", "", "argument must be between -1 and 9223372036854775807 inclusive"},
		{"maxclients", "0", "", "argument must be between 1 and 4294967295 inclusive"},
		{"maxclients", "4294967295", "4294967295", ""},
		{"maxmemory", "1gb", "1073741824", ""},
		{"maxmemory", "1G", "1000000000", ""},
		{"maxmemory", "12xb", "", "argument must be a memory value"},
		{"proto-max-bulk-len", "1000", "", "argument must be between 1048576 and 9223372036854775807 inclusive"},
		{"maxmemory-clients", "10%", "10%", ""},
		{"maxmemory-clients", "150%", "", "percentage argument must be less or equal to 100"},
		{"maxmemory-clients", "x%", "", "argument must be a memory or percent value"},
		{"maxmemory-clients", "1mb", "1048576", ""},
		{"unixsocketperm", "700", "700", ""},
		{"unixsocketperm", "800", "", "argument couldn't be parsed as an octal number"},
		{"unixsocketperm", "1000", "", "argument must be between 0 and 777 inclusive"},
		{"maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru", ""},
		{"maxmemory-policy", "lru", "", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction, allkeys-tinylfu"},
		{"loglevel", "LOUD", "", "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"oom-score-adj", "relative", "yes", ""},
		{"requirepass", "s3cret pass", "s3cret pass", ""},
		{"dbfilename", "a/b.rdb", "", "dbfilename can't be a path, just a filename"},
		{"appendfilename", "", "", "appendfilename can't be empty"},
		{"shards", "64", "64", ""},
		{"shards", "100", "", "argument must be a power of two"},
		{"shards", "0", "0", ""},
		{"shards", "-1", "", "argument must be between 0 and 65536 inclusive"},
		{"save", "", "", ""},
		{"save", "100 1 50 2", "100 1 50 2", ""},
		{"save", "100 1 50", "", "Invalid save parameters"},
		{"save", "0 1", "", "Invalid save parameters"},
		{"save", "   ", "", "Invalid save parameters"},
		{"save", "x 1", "", "Invalid save parameters"},
		{"client-output-buffer-limit", "normal 1mb 2mb 3", "normal 1048576 2097152 3", ""},
		{"client-output-buffer-limit", "pubsub 1 2 3 replica 4 5 6", "slave 4 5 6 pubsub 1 2 3", ""},
		{"client-output-buffer-limit", "normal 1 2", "", "Wrong number of arguments in buffer limit configuration."},
		{"client-output-buffer-limit", "master 1 2 3", "", "Invalid client class specified in buffer limit configuration."},
		{"client-output-buffer-limit", "normal 1 2 -3", "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"client-output-buffer-limit", "normal 1x 2 3", "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"oom-score-adj-values", "0 200 800", "0 200 800", ""},
		{"oom-score-adj-values", "1 2", "", "wrong number of arguments"},
		{"oom-score-adj-values", "1 2 3000", "", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
		{"notify-keyspace-events", "KEA", "AKE", ""},
		{"notify-keyspace-events", "Kgx", "gxK", ""},
		{"notify-keyspace-events", "AKEtmdn", "AKEm", ""},
		{"notify-keyspace-events", "", "", ""},
		{"notify-keyspace-events", "xyz", "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"bind", "127.0.0.1 ::1", "127.0.0.1 ::1", ""},
		{"bind", strings.Repeat("a ", 16) + "a", "", "Too many bind addresses specified."},
		{"replicaof", "NO ONE", "", ""},
		{"replicaof", "host 6379", "host 6379", ""},
		{"replicaof", "host x", "", "Invalid master port"},
		{"replicaof", "host", "", "wrong number of arguments"},
		{"shutdown-on-sigint", "NOW nosave force", "nosave now force", ""},
		{"shutdown-on-sigint", "default", "default", ""},
		{"shutdown-on-sigint", "save nosave", "", "shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{"shutdown-on-sigint", "later", "", "argument(s) must be one of the following: default, save, nosave, now, force"},
		{"latency-tracking-info-percentiles", "99 50.5", "99 50.5", ""},
		{"latency-tracking-info-percentiles", "99.90000", "99.9", ""},
		{"latency-tracking-info-percentiles", "101", "", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{"latency-tracking-info-percentiles", "x", "", "Invalid latency-tracking-info-percentiles parameters"},
	}
	for _, c := range cases {
		p := mustLookup(t, c.name)
		got, err := p.Normalize(c.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("%s.Normalize(%q) = %q, %q; want %q, %q", c.name, c.in, got, gotErr, c.want, c.err)
		}
	}
}

func TestRegistry(t *testing.T) {
	ps := Params()
	if len(ps) < 180 {
		t.Fatalf("only %d settings", len(ps))
	}
	for i, p := range ps {
		if i > 0 && ps[i-1].Name >= p.Name {
			t.Errorf("Params not sorted at %q", p.Name)
		}
		if p.Doc == "" {
			t.Errorf("%s has no Doc", p.Name)
		}
		if got, err := p.Normalize(p.Default); err != nil || got != p.Default {
			t.Errorf("%s: default %q is not canonical (%q, %v)", p.Name, p.Default, got, err)
		}
	}
	for _, c := range []struct{ name, want, def string }{
		{"SLAVE-READ-ONLY", "replica-read-only", "yes"},
		{"hash-max-ziplist-entries", "hash-max-listpack-entries", "512"},
		{"lua-time-limit", "busy-reply-threshold", "5000"},
		{"MaxMemory-Policy", "maxmemory-policy", "allkeys-tinylfu"},
		{"maxclients", "maxclients", "10000"},
		{"proto-max-bulk-len", "proto-max-bulk-len", "536870912"},
		{"client-query-buffer-limit", "client-query-buffer-limit", "1073741824"},
		{"shards", "shards", "0"},
		{"save", "save", "3600 1 300 100 60 10000"},
	} {
		p := mustLookup(t, c.name)
		if p.Name != c.want || p.Default != c.def {
			t.Errorf("Lookup(%q) = %s default %q; want %s default %q", c.name, p.Name, p.Default, c.want, c.def)
		}
	}
	if _, ok := Lookup("foo"); ok {
		t.Error("Lookup(foo) succeeded")
	}
	for _, n := range []string{"port", "bind", "config", "shards", "daemonize"} {
		if !mustLookup(t, n).Immutable {
			t.Errorf("%s should be immutable", n)
		}
	}
	if mustLookup(t, "databases").Larder || !mustLookup(t, "maxmemory").Larder {
		t.Error("Larder flags wrong")
	}
}
