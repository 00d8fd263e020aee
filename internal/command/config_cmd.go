package command

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/larderdb/larder/internal/config"
)

// configCommand is CONFIG GET, SET, RESETSTAT, REWRITE and HELP.
var configCommand = &Command{
	Name: "config", Arity: -2, ACL: []string{"slow"}, Group: "server", Since: "2.0.0",
	Complexity: "Depends on subcommand.", Summary: "A container for server configuration commands.",
	Handler: cmdContainer,
	Sub: map[string]*Command{
		"get": configSub("get", -3, "2.0.0", "O(N) when N is the number of configuration parameters provided",
			"Returns the effective values of configuration parameters.", cmdConfigGet),
		"set": configSub("set", -4, "2.0.0", "O(N) when N is the number of configuration parameters provided",
			"Sets configuration parameters in-flight.", cmdConfigSet),
		"resetstat": configSub("resetstat", 2, "2.0.0", "O(1)",
			"Resets the server's statistics.", cmdConfigResetStat),
		"rewrite": configSub("rewrite", 2, "2.8.0", "O(1)",
			"Persists the effective configuration to file.", cmdConfigRewrite),
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: []string{"slow"},
			Since: "5.0.0", Complexity: "O(1)", Summary: "Returns helpful text about the different subcommands.",
			Handler: cmdConfigHelp},
	},
}

func configSub(name string, arity int, since, complexity, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: arity, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		ACL: []string{"admin", "slow", "dangerous"}, Since: since, Complexity: complexity,
		Summary: summary, Handler: h}
}

// cmdConfigGet replies with a map of every setting matching one of the
// patterns; see config.Store.Match for the matching rules.
func cmdConfigGet(x *Ctx) {
	pats := make([]string, len(x.Args)-2)
	for i, a := range x.Args[2:] {
		pats[i] = string(a)
	}
	pairs := x.Srv.cfg.Match(pats...)
	x.W.Map(len(pairs))
	for _, kv := range pairs {
		x.W.BulkString(kv[0])
		x.W.BulkString(kv[1])
	}
}

// sensitiveSettings are the settings whose CONFIG SET value is hidden from
// the slow log, as Redis's SENSITIVE_CONFIG settings are.
var sensitiveSettings = []string{"requirepass", "masterauth", "masteruser"}

// cmdConfigSet sets every name/value pair or none (config.Store.Set).
func cmdConfigSet(x *Ctx) {
	if len(x.Args)%2 != 0 {
		x.Err(errSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(x.Args)-2)/2)
	for i := 2; i+1 < len(x.Args); i += 2 {
		pairs = append(pairs, [2]string{string(x.Args[i]), string(x.Args[i+1])})
	}
	err := x.Srv.cfg.Set(pairs...)
	// Hide secrets from the slow log, which copies x.Args after the call.
	for i := 2; i+1 < len(x.Args); i += 2 {
		for _, name := range sensitiveSettings {
			if eqFold(x.Args[i], name) {
				x.Args[i+1] = []byte("(redacted)")
			}
		}
	}
	if err != nil {
		x.Err(err.Error())
		return
	}
	x.OK()
}

func cmdConfigResetStat(x *Ctx) {
	x.Srv.ResetStats()
	x.OK()
}

func cmdConfigRewrite(x *Ctx) {
	path := x.Srv.opts.ConfigFile
	if path == "" {
		x.Err("ERR The server is running without a config file")
		return
	}
	if err := rewriteConfig(path, x.Srv.cfg); err != nil {
		x.Srv.log.Warn("CONFIG REWRITE failed", "file", path, "err", err)
		x.Err("ERR Rewriting config file: " + err.Error())
		return
	}
	x.Srv.log.Warn("CONFIG REWRITE executed with success", "file", path)
	x.OK()
}

func cmdConfigHelp(x *Ctx) {
	serverHelp(x,
		"GET <pattern> [<pattern> ...]",
		"    List the settings matching any glob-style <pattern>, with their values.",
		"SET <name> <value> [<name> <value> ...]",
		"    Change the settings, all of them or none.",
		"RESETSTAT",
		"    Zero the statistics INFO reports.",
		"REWRITE",
		"    Write the current settings to the configuration file.")
}

// rewriteConfig writes the settings of st into the YAML file at path, as
// CONFIG REWRITE does: every setting the file names gets its current value
// (comments and order are kept), every other setting that differs from its
// default is appended. The file is replaced atomically.
func rewriteConfig(path string, st *config.Store) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid YAML: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Tag != "!!null" {
			return errors.New("the file is not a map of setting: value")
		}
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	root := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		p, ok := config.Lookup(root.Content[i].Value)
		if !ok {
			continue
		}
		seen[p.Name] = true
		v, _ := st.Get(p.Name)
		root.Content[i+1] = yamlValue(v, root.Content[i+1])
	}
	wd, _ := os.Getwd()
	for _, p := range config.Params() {
		v, _ := st.Get(p.Name)
		if seen[p.Name] || p.Name == "config" || v == p.Default || (p.Name == "dir" && v == wd) {
			continue
		}
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: p.Name}, yamlValue(v, nil))
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return writeFileAtomic(path, out.Bytes())
}

// yamlValue returns a scalar node holding v, keeping the comments of old.
// Numbers and words stay plain (the loader reads every scalar as text); a
// value YAML would read as null is quoted.
func yamlValue(v string, old *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
	switch v {
	case "", "~", "null", "Null", "NULL":
		n.Tag = "!!str"
	}
	if old != nil {
		n.HeadComment, n.LineComment, n.FootComment = old.HeadComment, old.LineComment, old.FootComment
	}
	return n
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, keeping the file's permissions.
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return unwrapPathError(err)
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, mode)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return unwrapPathError(err)
	}
	return nil
}

// unwrapPathError drops the operation and path from an *os.PathError, so
// the reply reads as Redis's strerror text.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return errors.New(strings.ToUpper(pe.Err.Error()[:1]) + pe.Err.Error()[1:])
	}
	return err
}
