package command_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/larderdb/larder"
	"github.com/larderdb/larder/internal/config"
	"github.com/redis/go-redis/v9"
)

func TestConfigGet(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		m := srvMap(t, srvDo(t, ctx, c, "config", "get", "maxmemory", "HZ", "maxmemory-pol*", "nosuch"))
		want := map[string]string{"maxmemory": strconv.FormatInt(config.DefaultMaxMemory(), 10), "HZ": "10", "maxmemory-policy": "allkeys-tinylfu"}
		if len(m) != len(want) {
			t.Fatalf("CONFIG GET = %v, want %v", m, want)
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("CONFIG GET %s = %v, want %s", k, m[k], v)
			}
		}
		// A name matched by two patterns appears once.
		if m := srvMap(t, srvDo(t, ctx, c, "config", "get", "hz", "h?")); len(m) != 1 {
			t.Errorf("CONFIG GET hz h? = %v", m)
		}
		if m := srvMap(t, srvDo(t, ctx, c, "config", "get", "nosuch*")); len(m) != 0 {
			t.Errorf("CONFIG GET nosuch* = %v", m)
		}
		if m := srvMap(t, srvDo(t, ctx, c, "config", "get", "*")); len(m) < 100 {
			t.Errorf("CONFIG GET * returned %d settings", len(m))
		}
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'config|get' command", "config", "get")
		srvErr(t, ctx, c, "ERR unknown subcommand 'bogus'. Try CONFIG HELP.", "config", "bogus")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'config' command", "config")
	})
}

func TestConfigSet(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvEqual(t, ctx, c, "OK", "config", "set", "hz", "20", "maxmemory", "1mb")
		m := srvMap(t, srvDo(t, ctx, c, "config", "get", "hz", "maxmemory"))
		if m["hz"] != "20" || m["maxmemory"] != "1048576" {
			t.Fatalf("after SET: %v", m)
		}
		if got := srvInfo(t, ctx, c, "memory")["maxmemory"]; got != "1048576" {
			t.Errorf("INFO maxmemory = %q after CONFIG SET", got)
		}
		// All or nothing: the bad value fails the whole command.
		srvErr(t, ctx, c, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction, allkeys-tinylfu",
			"config", "set", "hz", "30", "maxmemory-policy", "bogus")
		if m := srvMap(t, srvDo(t, ctx, c, "config", "get", "hz")); m["hz"] != "20" {
			t.Errorf("hz = %v after a failed CONFIG SET", m["hz"])
		}
		srvErr(t, ctx, c, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
			"config", "set", "nosuch", "1")
		srvErr(t, ctx, c, "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter",
			"config", "set", "hz", "1", "hz", "2")
		srvErr(t, ctx, c, "ERR syntax error", "config", "set", "hz", "1", "maxmemory")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'config|set' command", "config", "set", "hz")
	})
}

func TestConfigRewriteWithoutFile(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		srvErr(t, ctx, c, "ERR The server is running without a config file", "config", "rewrite")
		srvErr(t, ctx, c, "ERR wrong number of arguments for 'config|rewrite' command", "config", "rewrite", "x")
	})
}

// startNodeWithConfigFile starts a node that reports path as its
// configuration file.
func startNodeWithConfigFile(t *testing.T, path string) *larder.Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n, err := larder.Open(&larder.Options{
		Listener: ln, ConfigFile: path, Logger: slog.New(slog.DiscardHandler),
		Settings: map[string]string{"maxmemory": "1mb"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func TestConfigRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "larder.yaml")
	orig := "# my settings\nmaxmemory: 1mb # the limit\nsave:\n  - 3600 1\n"
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	n := startNodeWithConfigFile(t, path)
	ctx := context.Background()
	c := newClient(t, n, 2)
	srvEqual(t, ctx, c, "OK", "config", "set", "maxmemory", "2mb", "hz", "25", "save", "", "loglevel", "warning")
	srvEqual(t, ctx, c, "OK", "config", "rewrite")

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"# my settings", "# the limit", "maxmemory:", "hz:"} {
		if !strings.Contains(text, want) {
			t.Errorf("rewritten file lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "maxmemory") > strings.Index(text, "hz") {
		t.Errorf("existing settings should keep their place:\n%s", text)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after rewrite = %v, %v", fi.Mode(), err)
	}
	loaded, err := config.Load([]string{"--config", path}, nil)
	if err != nil {
		t.Fatalf("rewritten file does not load: %v\n%s", err, text)
	}
	for k, want := range map[string]string{"maxmemory": "2097152", "hz": "25", "save": "", "loglevel": "warning"} {
		if got := loaded.Values[k]; got != want {
			t.Errorf("reloaded %s = %q, want %q\n%s", k, got, want, text)
		}
	}
}

func TestConfigRewriteErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("- a list\n- not a map\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, startNodeWithConfigFile(t, bad), 2)
	ctx := context.Background()
	if _, err := do(ctx, c, "config", "rewrite"); err == nil || !strings.HasPrefix(err.Error(), "ERR Rewriting config file: ") {
		t.Fatalf("CONFIG REWRITE of a list = %v", err)
	}

	missing := filepath.Join(dir, "nodir", "larder.yaml")
	c = newClient(t, startNodeWithConfigFile(t, missing), 2)
	srvErr(t, ctx, c, "ERR Rewriting config file: No such file or directory", "config", "rewrite")

	// A file that does not exist yet in an existing directory is created.
	fresh := filepath.Join(dir, "fresh.yaml")
	c = newClient(t, startNodeWithConfigFile(t, fresh), 2)
	srvEqual(t, ctx, c, "OK", "config", "rewrite")
	loaded, err := config.Load([]string{"--config", fresh}, nil)
	if err != nil || loaded.Values["maxmemory"] != "1048576" {
		t.Fatalf("fresh file: %v, %v", err, loaded)
	}
}

func TestConfigHelp(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		help := srvDo(t, ctx, c, "config", "help").([]any)
		if len(help) != 11 || help[0] != "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
			help[9] != "HELP" || help[10] != "    Prints this help." {
			t.Fatalf("CONFIG HELP = %q", help)
		}
	})
}
