package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "larder.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadPrecedence(t *testing.T) {
	path := writeFile(t, `
maxmemory: 1gb          # file only
maxclients: 100         # file, env
hz: 50                  # file, env, flag
appendonly: true        # YAML bool
save: ["900 1", "300 10"]
client-output-buffer-limit: pubsub 1 2 3
slave-read-only: no
`)
	env := []string{
		"PATH=/bin", // not ours: ignored
		"LARDER_CONFIG=" + path,
		"LARDER_MAXCLIENTS=200",
		"LARDER_HZ=60",
		"LARDER_MAXMEMORY_POLICY=allkeys-lfu",
		"LARDER_CLIENT_OUTPUT_BUFFER_LIMIT=normal 4 5 6",
		"LARDER_SERVER_CPULIST=0-3",
	}
	l, err := Load([]string{"--hz", "70", "--port=7400", "--requirepass", "a b", "--version"}, env)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"maxmemory":                  "1073741824",
		"maxclients":                 "200",
		"hz":                         "70",
		"port":                       "7400",
		"requirepass":                "a b",
		"maxmemory-policy":           "allkeys-lfu",
		"appendonly":                 "yes",
		"save":                       "900 1 300 10",
		"replica-read-only":          "no",
		"client-output-buffer-limit": "normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3",
		"server_cpulist":             "0-3",
		"config":                     path,
		"timeout":                    "0", // default
		"bind":                       "127.0.0.1",
	}
	for name, v := range want {
		if got := l.Values[name]; got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if len(l.Values) != len(Params()) {
		t.Errorf("Values has %d settings, want all %d", len(l.Values), len(Params()))
	}
	if !l.Version || l.Help {
		t.Errorf("Version %v Help %v", l.Version, l.Help)
	}
	s := l.NewStore()
	if s.Int("port") != 7400 || s.Int("maxmemory") != 1<<30 || !s.Bool("appendonly") {
		t.Error("NewStore does not hold the loaded values")
	}

	// --config beats LARDER_CONFIG.
	other := writeFile(t, "maxclients: 5\nhz: 5\n")
	l, err = Load([]string{"--config", other}, []string{"LARDER_CONFIG=" + path})
	if err != nil {
		t.Fatal(err)
	}
	if l.Values["maxclients"] != "5" || l.Values["maxmemory"] != itoa(DefaultMaxMemory()) {
		t.Errorf("--config did not win: maxclients %s maxmemory %s", l.Values["maxclients"], l.Values["maxmemory"])
	}

	l, err = Load(nil, nil)
	if err != nil || l.Values["port"] != "7379" || l.Values["maxmemory-policy"] != "allkeys-tinylfu" {
		t.Errorf("defaults: %v %v", l, err)
	}
	if l, err = Load([]string{"--help"}, nil); err != nil || !l.Help {
		t.Errorf("--help: %v", err)
	}
	if _, err = Load(nil, []string{"LARDER_CONFIG=" + writeFile(t, "")}); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	good := writeFile(t, "hz: 5\n")
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	cases := []struct {
		args, env []string
		file      string // body of a config file passed with --config
		want      string
	}{
		{args: []string{"--maxmemory", "12xb"}, want: `invalid --maxmemory "12xb": argument must be a memory value`},
		{args: []string{"--maxmemory=12xb"}, want: `invalid --maxmemory "12xb": argument must be a memory value`},
		{args: []string{"--foo", "1"}, want: `unknown flag --foo`},
		{args: []string{"--port"}, want: `missing value for --port`},
		{args: []string{"port", "1"}, want: `unexpected argument "port": settings are given as --name value`},
		{args: []string{"-port", "1"}, want: `unexpected argument "-port": settings are given as --name value`},
		{args: []string{"--help=yes"}, want: `flag --help takes no value`},
		{args: []string{"--shards", "3"}, want: `invalid --shards "3": argument must be a power of two`},
		{args: []string{"--config", missing}, want: `cannot read config file: open ` + missing + `: no such file or directory`},
		{env: []string{"LARDER_PORT=abc"}, want: `invalid LARDER_PORT "abc": argument couldn't be parsed into an integer`},
		{env: []string{"LARDER_FOO=1"}, want: `unknown environment variable LARDER_FOO`},
		{env: []string{"LARDER_port=1"}, want: `unknown environment variable LARDER_port`},
		{env: []string{"LARDER_REPLICA_READ_ONLY=yes", "LARDER_SLAVE_READ_ONLY=no"}, want: `environment variables LARDER_REPLICA_READ_ONLY and LARDER_SLAVE_READ_ONLY both set "replica-read-only"`},
		{env: []string{"LARDER_CONFIG=" + missing}, want: `cannot read config file: open ` + missing + `: no such file or directory`},
		{file: "foo: 1\n", want: `unknown setting "foo" in FILE`},
		{file: "maxmemory: 12xb\n", want: `invalid maxmemory "12xb" in FILE: argument must be a memory value`},
		{file: "loglevel: loud\n", want: `invalid loglevel "loud" in FILE: argument(s) must be one of the following: debug, verbose, notice, warning`},
		{file: "port: {a: 1}\n", want: `invalid port in FILE (line 1): want a value or a list of values`},
		{file: "hz: 1\nhz: 2\n", want: `duplicate setting "hz" in FILE (line 2)`},
		{file: "replica-read-only: yes\nslave-read-only: no\n", want: `duplicate setting "slave-read-only" in FILE (line 2, same as "replica-read-only")`},
		{file: "config: other.yaml\n", want: `setting "config" is not allowed in FILE (line 1)`},
		{file: "- a\n- b\n", want: `invalid YAML in FILE: want a map of setting: value`},
		{file: "a: [\n", want: `invalid YAML in FILE: yaml: line 1: did not find expected node content`},
	}
	for _, c := range cases {
		args := c.args
		want := c.want
		if c.file != "" {
			path := writeFile(t, c.file)
			args = append([]string{"--config", path}, args...)
			want = strings.ReplaceAll(want, "FILE", path)
		}
		l, err := Load(args, append([]string{"LARDER_CONFIG=" + good}, c.env...))
		if err == nil {
			t.Errorf("Load(%q, %q) = %v, want error %q", args, c.env, l, want)
			continue
		}
		if err.Error() != want {
			t.Errorf("Load(%q, %q) error\n got %q\nwant %q", args, c.env, err, want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error %q is not one line", err)
		}
	}
}

func TestUsage(t *testing.T) {
	u := Usage()
	for _, s := range []string{"--maxmemory-policy", "allkeys-tinylfu", "--port", "7379", "--config", "--shards", "--help", "LARDER_"} {
		if !strings.Contains(u, s) {
			t.Errorf("Usage lacks %q", s)
		}
	}
	if strings.Contains(u, "--rdbchecksum") {
		t.Error("Usage lists a setting Larder does not act on")
	}
}
