// Package config knows every setting by its Redis name: it validates values,
// holds the live values behind CONFIG GET and CONFIG SET, and loads the
// binary's settings from flags, the environment and a YAML file.
package config

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of a setting's value.
type Kind uint8

// The kinds of settings.
const (
	KindBool    Kind = iota // yes or no
	KindInt                 // a decimal integer within [Min, Max]
	KindMemory              // bytes, with Redis's memory suffixes, within [Min, Max]
	KindEnum                // one of Enum
	KindString              // any string
	KindSpecial             // free-form with its own syntax, such as save
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindMemory:
		return "memory"
	case KindEnum:
		return "enum"
	case KindString:
		return "string"
	case KindSpecial:
		return "special"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Param describes one setting. Params are shared and must not be modified.
type Param struct {
	Name      string   // lower-case Redis name, e.g. "maxmemory-policy"
	Alias     string   // Redis alias if any, e.g. "slave-read-only"
	Kind      Kind     // type of the value
	Default   string   // default value, in canonical form
	Enum      []string // KindEnum choices, in Redis's order
	Min, Max  int64    // KindInt and KindMemory bounds, inclusive
	Immutable bool     // cannot change at runtime (CONFIG SET fails)
	Protected bool     // CONFIG SET needs enable-protected-configs yes
	Hidden    bool     // matched by CONFIG GET only by its exact name
	Larder    bool     // Larder acts on it; otherwise accepted, stored and reported only
	Doc       string   // one line for the README table

	octal   bool                         // KindInt written in octal (unixsocketperm)
	percent bool                         // KindMemory also accepting "N%" (maxmemory-clients)
	check   func(string) (string, error) // extra validation; the normalizer for KindSpecial
	merge   func(old, new string) string // combines a new value with the current one
}

var (
	params   []*Param          // sorted by name
	byName   map[string]*Param // lower-case name and alias -> Param
	allNames []string          // every name and alias, sorted
	envNames map[string]*Param // LARDER_ variable -> Param, for names and aliases
)

func init() {
	params = table()
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	byName = make(map[string]*Param, 2*len(params))
	for _, p := range params {
		for _, n := range []string{p.Name, p.Alias} {
			if n == "" {
				continue
			}
			if _, dup := byName[n]; dup {
				panic("config: duplicate setting " + n)
			}
			byName[n] = p
		}
		if _, err := p.Normalize(p.Default); err != nil {
			panic("config: bad default for " + p.Name + ": " + err.Error())
		}
	}
	envNames = make(map[string]*Param, len(byName))
	for n, p := range byName {
		allNames = append(allNames, n)
		envNames[EnvPrefix+strings.ToUpper(strings.ReplaceAll(n, "-", "_"))] = p
	}
	sort.Strings(allNames)
}

// Lookup returns the setting called name, case-insensitively, by its name or
// its alias.
func Lookup(name string) (*Param, bool) {
	p, ok := byName[strings.ToLower(name)]
	return p, ok
}

// Params returns every setting, sorted by name. The slice is a copy.
func Params() []*Param {
	return append([]*Param(nil), params...)
}

// Normalize validates v for p and returns its canonical form: memory values
// as decimal bytes, booleans as yes or no, enums in lower case. Errors read
// as Redis's CONFIG SET reasons, such as "argument must be a memory value".
func (p *Param) Normalize(v string) (string, error) {
	var out string
	switch p.Kind {
	case KindBool:
		switch strings.ToLower(v) {
		case "yes":
			out = "yes"
		case "no":
			out = "no"
		default:
			return "", errors.New("argument must be 'yes' or 'no'")
		}
	case KindInt, KindMemory:
		n, err := p.parseNumber(v)
		if err != nil {
			return "", err
		}
		out = p.formatNumber(n)
	case KindEnum:
		lv := strings.ToLower(v)
		for _, c := range p.Enum {
			if c == lv {
				out = c
			}
		}
		if out == "" {
			return "", errors.New("argument(s) must be one of the following: " + strings.Join(p.Enum, ", "))
		}
		if p.Name == "oom-score-adj" && out == "relative" {
			out = "yes" // the same value in Redis, reported by its first name
		}
	case KindString:
		out = v
	case KindSpecial:
		return p.check(v)
	}
	if p.check != nil && p.Kind != KindSpecial {
		return p.check(out)
	}
	return out, nil
}

// parseNumber parses and bounds-checks an int or memory value. Percentages
// come back negative, as Redis stores them.
func (p *Param) parseNumber(v string) (int64, error) {
	var n int64
	parsed := false
	if p.Kind == KindMemory {
		if m, err := ParseMemory(v); err == nil {
			n, parsed = m, true
		}
	}
	if !parsed && p.percent && len(v) > 1 && v[len(v)-1] == '%' {
		if m, ok := parseInt(v[:len(v)-1]); ok && m >= 0 {
			n, parsed = -m, true
		}
	}
	if !parsed && p.octal {
		if m, err := strconv.ParseInt(v, 8, 64); err == nil {
			n, parsed = m, true
		}
	}
	if !parsed && p.Kind == KindInt && !p.octal {
		n, parsed = parseInt(v)
	}
	if !parsed {
		switch {
		case p.percent:
			return 0, errors.New("argument must be a memory or percent value")
		case p.Kind == KindMemory:
			return 0, errors.New("argument must be a memory value")
		case p.octal:
			return 0, errors.New("argument couldn't be parsed as an octal number")
		}
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	if p.percent && n < 0 {
		if n < p.Min {
			return 0, errors.New("percentage argument must be less or equal to " + itoa(-p.Min))
		}
		return n, nil
	}
	if n < p.Min || n > p.Max {
		lo, hi := itoa(p.Min), itoa(p.Max)
		if p.octal {
			lo, hi = strconv.FormatInt(p.Min, 8), strconv.FormatInt(p.Max, 8)
		}
		return 0, errors.New("argument must be between " + lo + " and " + hi + " inclusive")
	}
	return n, nil
}

// formatNumber writes n as CONFIG GET shows it.
func (p *Param) formatNumber(n int64) string {
	switch {
	case p.percent && n < 0:
		return itoa(-n) + "%"
	case p.octal:
		return strconv.FormatInt(n, 8)
	}
	return itoa(n)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// parseInt parses a decimal integer as strictly as Redis's string2ll: an
// optional '-', no '+', no leading zeros, no spaces, no overflow.
func parseInt(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	d := s
	if strings.HasPrefix(d, "-") {
		d = d[1:]
	}
	if d == "" || d[0] < '1' || d[0] > '9' {
		return 0, false
	}
	for i := 1; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
