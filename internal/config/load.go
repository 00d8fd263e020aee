package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts the environment variables Load reads.
const EnvPrefix = "LARDER_"

// Loaded is the result of Load.
type Loaded struct {
	// Values holds the canonical value of every setting, by name, after
	// flags, environment, file and defaults were combined.
	Values map[string]string
	// Version is set by --version.
	Version bool
	// Help is set by --help.
	Help bool
}

// NewStore returns a Store holding l's values.
func (l *Loaded) NewStore() *Store { return newStoreFrom(l.Values) }

// Load parses the command line args (without program name), the environment
// (os.Environ form) and the YAML file named by --config or LARDER_CONFIG, in
// precedence flag > env > file > default, validating each value.
//
// Flags are --name value or --name=value for every setting by its Redis name
// or alias, plus --version and --help. Environment variables are LARDER_ and
// the name in upper case with '-' as '_' (LARDER_MAXMEMORY_POLICY); unknown
// LARDER_ variables are an error. The file is a flat YAML map of name: value,
// where a list of scalars stands for their values joined by spaces (save,
// bind). Errors are one line naming the setting, its source and the reason.
func Load(args []string, environ []string) (*Loaded, error) {
	l := &Loaded{}
	flags, err := parseFlags(args, l)
	if err != nil {
		return nil, err
	}
	env, err := parseEnv(environ)
	if err != nil {
		return nil, err
	}
	path := flags["config"]
	if path == "" {
		path = env["config"]
	}
	var file map[string]string
	if path != "" {
		if file, err = parseFile(path); err != nil {
			return nil, err
		}
	}
	l.Values = make(map[string]string, len(params))
	for _, p := range params {
		l.Values[p.Name] = p.Default
	}
	for _, src := range []map[string]string{file, env, flags} {
		for name, v := range src {
			p, _ := Lookup(name)
			if p.merge != nil {
				v = p.merge(l.Values[name], v)
			}
			l.Values[name] = v
		}
	}
	return l, nil
}

// parseFlags returns the settings given as flags, canonical, by name.
func parseFlags(args []string, l *Loaded) (map[string]string, error) {
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") || arg == "--" {
			return nil, fmt.Errorf("unexpected argument %q: settings are given as --name value", arg)
		}
		name, v, hasValue := strings.Cut(arg[2:], "=")
		switch name {
		case "help", "version":
			if hasValue {
				return nil, fmt.Errorf("flag --%s takes no value", name)
			}
			if name == "help" {
				l.Help = true
			} else {
				l.Version = true
			}
			continue
		}
		p, ok := Lookup(name)
		if !ok {
			return nil, fmt.Errorf("unknown flag --%s", name)
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, fmt.Errorf("missing value for --%s", name)
			}
			i++
			v = args[i]
		}
		canon, err := p.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("invalid --%s %q: %v", name, v, err)
		}
		if p.merge != nil {
			if prev, ok := out[p.Name]; ok {
				canon = p.merge(prev, canon)
			}
		}
		out[p.Name] = canon // a repeated flag overrides the earlier one
	}
	return out, nil
}

// parseEnv returns the settings given in the environment.
func parseEnv(environ []string) (map[string]string, error) {
	out := map[string]string{}
	from := map[string]string{} // setting -> variable, to catch name and alias both set
	for _, kv := range environ {
		key, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(key, EnvPrefix) {
			continue
		}
		p, ok := envNames[key]
		if !ok {
			return nil, fmt.Errorf("unknown environment variable %s", key)
		}
		if prev, dup := from[p.Name]; dup && prev != key {
			return nil, fmt.Errorf("environment variables %s and %s both set %q", prev, key, p.Name)
		}
		canon, err := p.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("invalid %s %q: %v", key, v, err)
		}
		from[p.Name] = key
		out[p.Name] = canon
	}
	return out, nil
}

// parseFile returns the settings in the YAML file at path.
func parseFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %v", oneLine(err.Error()))
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return map[string]string{}, nil // an empty file
		}
		return nil, fmt.Errorf("invalid YAML in %s: %s", path, oneLine(err.Error()))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return map[string]string{}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("invalid YAML in %s: want a map of setting: value", path)
	}
	out := map[string]string{}
	from := map[string]string{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		name := key.Value
		p, ok := Lookup(name)
		if !ok || key.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("unknown setting %q in %s", name, path)
		}
		if p.Name == "config" {
			return nil, fmt.Errorf("setting \"config\" is not allowed in %s (line %d)", path, key.Line)
		}
		if prev, dup := from[p.Name]; dup {
			if strings.EqualFold(prev, name) {
				return nil, fmt.Errorf("duplicate setting %q in %s (line %d)", name, path, key.Line)
			}
			return nil, fmt.Errorf("duplicate setting %q in %s (line %d, same as %q)", name, path, key.Line, prev)
		}
		v, err := scalarValue(p, val)
		if err != nil {
			return nil, fmt.Errorf("invalid %s in %s (line %d): %v", name, path, val.Line, err)
		}
		canon, err := p.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("invalid %s %q in %s: %v", name, v, path, err)
		}
		from[p.Name] = name
		out[p.Name] = canon
	}
	return out, nil
}

// scalarValue turns a YAML value into a setting's text: scalars as written
// (true/false as yes/no for yes/no settings, null as ""), lists of scalars
// joined by spaces.
func scalarValue(p *Param, n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", nil
		}
		if p.Kind == KindBool && n.Tag == "!!bool" {
			if b, err := strconv.ParseBool(n.Value); err == nil {
				if b {
					return "yes", nil
				}
				return "no", nil
			}
		}
		return n.Value, nil
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return "", errors.New("want a value or a list of values")
			}
			parts = append(parts, c.Value)
		}
		return strings.Join(parts, " "), nil
	case yaml.AliasNode:
		return scalarValue(p, n.Alias)
	}
	return "", errors.New("want a value or a list of values")
}

// oneLine folds a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Usage returns the help text: how to give settings, and the settings Larder
// acts on with their defaults.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: larder [--name value | --name=value]... [--config file.yaml]\n\n")
	b.WriteString("Every Redis 7 setting is accepted by its name. Precedence: flag, then\n")
	b.WriteString("environment (LARDER_NAME, e.g. LARDER_MAXMEMORY_POLICY), then the YAML\n")
	b.WriteString("file (a map of name: value), then the default.\n\n")
	b.WriteString("Settings Larder acts on:\n")
	width := 0
	for _, p := range params {
		if p.Larder && len(p.Name) > width {
			width = len(p.Name)
		}
	}
	for _, p := range params {
		if !p.Larder {
			continue
		}
		def := p.Default
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(&b, "  --%-*s  %s (default %s)\n", width, p.Name, p.Doc, def)
	}
	b.WriteString("\n  --help     show this help\n  --version  print the version\n")
	return b.String()
}
