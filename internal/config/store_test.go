package config

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/larderdb/larder/internal/memlimit"
)

func TestStoreDefaults(t *testing.T) {
	s := NewStore()
	// maxmemory defaults to a share of the memory the node may use (0 where that is unknown).
	if got, want := s.Int("maxmemory"), DefaultMaxMemory(); got != want || (memlimit.Available() > 0) != (got > 0) {
		t.Errorf("maxmemory = %d, want %d", got, want)
	}
	if got := s.Int("proto-max-bulk-len"); got != 512<<20 {
		t.Errorf("proto-max-bulk-len = %d", got)
	}
	if got := s.Int("unixsocketperm"); got != 0 {
		t.Errorf("unixsocketperm = %d", got)
	}
	if !s.Bool("slave-read-only") || s.Bool("appendonly") {
		t.Error("bool defaults wrong")
	}
	if got := s.String("maxmemory-policy"); got != "allkeys-tinylfu" {
		t.Errorf("maxmemory-policy = %q", got)
	}
	if v, ok := s.Get("MAXCLIENTS"); !ok || v != "10000" {
		t.Errorf("Get(MAXCLIENTS) = %q, %v", v, ok)
	}
	if _, ok := s.Get("nope"); ok {
		t.Error("Get(nope) succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("Int of an unknown setting did not panic")
		}
	}()
	s.Int("nope")
}

func TestStoreMatch(t *testing.T) {
	s := NewStore()
	def := itoa(DefaultMaxMemory())
	cases := []struct {
		patterns []string
		want     [][2]string
	}{
		{[]string{"maxmemory"}, [][2]string{{"maxmemory", def}}},
		{[]string{"MAXMEMORY"}, [][2]string{{"MAXMEMORY", def}}}, // exact names come back as given
		{[]string{"maxmemory", "MAXMEMORY", "maxmemory"}, [][2]string{{"maxmemory", def}}},
		{[]string{"slave-read-only"}, [][2]string{{"slave-read-only", "yes"}}},
		{[]string{"*read-only*"}, [][2]string{{"replica-read-only", "yes"}, {"slave-read-only", "yes"}}},
		{[]string{"MaxMemory-*"}, [][2]string{
			{"maxmemory-clients", "0"}, {"maxmemory-eviction-tenacity", "10"},
			{"maxmemory-policy", "allkeys-tinylfu"}, {"maxmemory-samples", "5"}}},
		{[]string{"hash-max-*-entries"}, [][2]string{{"hash-max-listpack-entries", "512"}, {"hash-max-ziplist-entries", "512"}}},
		{[]string{"h?"}, [][2]string{{"hz", "10"}}},
		{[]string{"[hp]o*"}, [][2]string{{"port", "7379"}}},
		{[]string{"[^a-z]*"}, nil},
		{[]string{"watchdog-period"}, [][2]string{{"watchdog-period", "0"}}}, // hidden: exact only
		{[]string{"*watchdog*"}, nil},
		{[]string{"nope", "no*pe"}, nil},
		{[]string{"timeout", "*timeout"}, [][2]string{
			{"timeout", "0"}, {"cluster-node-timeout", "15000"}, {"repl-timeout", "60"},
			{"shutdown-timeout", "10"}, {"tls-session-cache-timeout", "300"}}},
	}
	for _, c := range cases {
		if got := s.Match(c.patterns...); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Match(%q) = %q, want %q", c.patterns, got, c.want)
		}
	}
	all := s.Match("*")
	seen := map[string]bool{}
	for _, kv := range all {
		if seen[kv[0]] {
			t.Errorf("Match(*) returns %q twice", kv[0])
		}
		seen[kv[0]] = true
	}
	if !seen["slaveof"] || !seen["replicaof"] || seen["use-exit-on-panic"] {
		t.Error("Match(*) must list aliases and skip hidden settings")
	}
}

func TestStoreSet(t *testing.T) {
	cases := []struct {
		pairs [][2]string
		err   string
	}{
		{[][2]string{{"foo", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"maxmemory", "1"}, {"foo", "2"}, {"port", "3"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"port", "3"}, {"foo", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"},
		{[][2]string{{"maxmemory", "12xb"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"MAXMEMORY", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"maxclients", "-5"}}, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"},
		{[][2]string{{"maxclients", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"},
		{[][2]string{{"daemonize", "no"}}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[][2]string{{"Port", "1"}}, "ERR CONFIG SET failed (possibly related to argument 'Port') - can't set immutable config"},
		{[][2]string{{"dir", "/tmp"}}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[][2]string{{"maxmemory", "1"}, {"maxmemory", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"},
		{[][2]string{{"maxmemory", "1"}, {"MAXMEMORY", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"},
		{[][2]string{{"SLAVE-READ-ONLY", "maybe"}}, "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'"},
		{[][2]string{{"hz", "20"}, {"maxmemory-policy", "bad"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction, allkeys-tinylfu"},
		{[][2]string{{"save", "100 1 50"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
	}
	for _, c := range cases {
		s := NewStore()
		before := s.Match("*")
		err := s.Set(c.pairs...)
		var se *SetError
		if err == nil || err.Error() != c.err || !errors.As(err, &se) {
			t.Errorf("Set(%q) = %v, want %q", c.pairs, err, c.err)
		}
		if after := s.Match("*"); !reflect.DeepEqual(before, after) {
			t.Errorf("failed Set(%q) changed the store", c.pairs)
		}
	}

	s := NewStore()
	err := s.Set([2]string{"maxmemory", "1gb"}, [2]string{"MaxMemory-Policy", "ALLKEYS-LRU"},
		[2]string{"replica-read-only", "yes"}, [2]string{"slave-read-only", "no"}, // not duplicates, as in Redis
		[2]string{"client-output-buffer-limit", "pubsub 1 2 3"}, [2]string{"maxmemory-clients", "10%"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"maxmemory": "1073741824", "maxmemory-policy": "allkeys-lru", "replica-read-only": "no",
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 1 2 3",
		"maxmemory-clients":          "10%",
	} {
		if got := s.String(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if s.Int("maxmemory") != 1<<30 || s.Int("maxmemory-clients") != -10 {
		t.Errorf("Int: maxmemory %d maxmemory-clients %d", s.Int("maxmemory"), s.Int("maxmemory-clients"))
	}
	if err := s.Set([2]string{"client-output-buffer-limit", "normal 5 6 7"}); err != nil {
		t.Fatal(err)
	}
	if got, want := s.String("client-output-buffer-limit"), "normal 5 6 7 slave 268435456 67108864 60 pubsub 1 2 3"; got != want {
		t.Errorf("merged limits %q, want %q", got, want)
	}
}

func TestStoreProtectedAllowed(t *testing.T) {
	l, err := Load([]string{"--enable-protected-configs", "yes"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := l.NewStore()
	if err := s.Set([2]string{"dbfilename", "x.rdb"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set([2]string{"dbfilename", "a/x.rdb"}); err == nil ||
		err.Error() != "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename" {
		t.Errorf("got %v", err)
	}
}

func TestOnChange(t *testing.T) {
	s := NewStore()
	var applied []string
	s.OnChange("maxmemory", func(v string) error {
		applied = append(applied, "maxmemory="+v)
		return nil
	})
	s.OnChange("slave-read-only", func(v string) error { // registered by alias
		applied = append(applied, "ro="+v)
		return nil
	})
	s.OnChange("hz", func(v string) error {
		if v == "500" {
			return errors.New("hz too high for this test")
		}
		applied = append(applied, "hz="+v)
		return nil
	})

	err := s.Set([2]string{"maxmemory", "1mb"}, [2]string{"replica-read-only", "no"}, [2]string{"hz", "500"})
	want := "ERR CONFIG SET failed (possibly related to argument 'hz') - hz too high for this test"
	if err == nil || err.Error() != want {
		t.Fatalf("Set = %v, want %q", err, want)
	}
	def := itoa(DefaultMaxMemory())
	wantApplied := []string{"maxmemory=1048576", "ro=no", "ro=yes", "maxmemory=" + def} // applied, then undone in reverse
	if !reflect.DeepEqual(applied, wantApplied) {
		t.Errorf("calls %q, want %q", applied, wantApplied)
	}
	if s.Int("maxmemory") != DefaultMaxMemory() || !s.Bool("replica-read-only") || s.Int("hz") != 10 {
		t.Error("failed Set was not rolled back")
	}

	applied = nil
	if err := s.Set([2]string{"hz", "10"}, [2]string{"maxmemory", "2mb"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(applied, []string{"maxmemory=2097152"}) { // hz unchanged: not applied
		t.Errorf("calls %q", applied)
	}
}

func TestStoreConcurrent(t *testing.T) {
	s := NewStore()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if err := s.Set([2]string{"hz", fmt.Sprint(1 + j)}); err != nil {
					t.Error(err)
					return
				}
				_ = s.Int("hz")
				_ = s.Match("h*")
			}
		}()
	}
	wg.Wait()
}

func TestIntVar(t *testing.T) {
	s, err := NewStoreWith([][2]string{{"hash-max-listpack-entries", "64"}})
	if err != nil {
		t.Fatal(err)
	}
	v := s.IntVar("hash-max-listpack-entries")
	if s.IntVar("HASH-MAX-ZIPLIST-ENTRIES") != v {
		t.Error("the alias, in capitals, gave another IntVar")
	}
	if got := v.Load(); got != 64 {
		t.Errorf("Load = %d, want the start-up value 64", got)
	}
	if err := s.Set([2]string{"hash-max-listpack-entries", "7"}); err != nil {
		t.Fatal(err)
	}
	if got := v.Load(); got != 7 {
		t.Errorf("after CONFIG SET 7: Load = %d", got)
	}
	// A Set that fails changes nothing, the IntVar included.
	s.OnChange("maxclients", func(string) error { return errors.New("no") })
	if err := s.Set([2]string{"hash-max-listpack-entries", "9"}, [2]string{"maxclients", "5"}); err == nil {
		t.Fatal("Set with a failing change succeeded")
	}
	if got := v.Load(); got != 7 {
		t.Errorf("after a failed Set: Load = %d, want 7", got)
	}
	m := s.IntVar("maxmemory")
	if err := s.Set([2]string{"maxmemory", "2mb"}); err != nil {
		t.Fatal(err)
	}
	if got := m.Load(); got != 2<<20 {
		t.Errorf("maxmemory 2mb: Load = %d", got)
	}
}
