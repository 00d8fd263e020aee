package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/glob"
)

// value is a setting's canonical value, with its number parsed once.
type value struct {
	s string
	n int64 // KindInt and KindMemory only
}

// Store holds the current value of every setting. Safe for concurrent use.
type Store struct {
	setMu sync.Mutex // serializes Set and OnChange; held while change functions run

	mu   sync.RWMutex     // guards vals
	vals map[string]value // by Param.Name

	onChange map[string][]func(string) error // by Param.Name; guarded by setMu
	vars     map[string]*IntVar              // by Param.Name; guarded by mu
}

// IntVar is a live view of one int or memory setting: Load returns its current value without
// the Store's lock or a lookup by name, for settings read by every command (the listpack
// limits of HSET, RPUSH, SADD, ZADD). See Store.IntVar.
type IntVar struct {
	v atomic.Int64
}

// Load returns the setting's current value, as Store.Int would.
func (v *IntVar) Load() int64 { return v.v.Load() }

// NewStore returns a Store holding every setting's default. The "dir"
// setting defaults to the current working directory, as in Redis.
func NewStore() *Store {
	s := &Store{
		vals:     make(map[string]value, len(params)),
		onChange: map[string][]func(string) error{},
		vars:     map[string]*IntVar{},
	}
	for _, p := range params {
		s.vals[p.Name] = makeValue(p, p.Default)
	}
	if wd, err := os.Getwd(); err == nil {
		s.vals["dir"] = value{s: wd}
	}
	return s
}

// newStoreFrom returns a Store holding vals (canonical values by name) over
// the defaults.
func newStoreFrom(vals map[string]string) *Store {
	s := NewStore()
	for name, v := range vals {
		if p, ok := Lookup(name); ok {
			s.vals[p.Name] = makeValue(p, v)
		}
	}
	return s
}

func makeValue(p *Param, canonical string) value {
	v := value{s: canonical}
	if p.Kind == KindInt || p.Kind == KindMemory {
		if p.percent && strings.HasSuffix(canonical, "%") {
			n, _ := strconv.ParseInt(canonical[:len(canonical)-1], 10, 64)
			v.n = -n
		} else if p.octal {
			v.n, _ = strconv.ParseInt(canonical, 8, 64)
		} else {
			v.n, _ = strconv.ParseInt(canonical, 10, 64)
		}
	}
	return v
}

// Get returns the canonical value of the setting called name (or alias).
func (s *Store) Get(name string) (string, bool) {
	p, ok := Lookup(name)
	if !ok {
		return "", false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.vals[p.Name].s, true
}

func (s *Store) mustGet(name string) value {
	p, ok := Lookup(name)
	if !ok {
		panic("config: unknown setting " + strconv.Quote(name))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.vals[p.Name]
}

// Int returns the value of an int or memory setting (a percentage, as
// maxmemory-clients allows, comes back negative as in Redis). It panics if
// no setting is called name, a programmer's error.
func (s *Store) Int(name string) int64 { return s.mustGet(name).n }

// IntVar returns the live view of the int or memory setting called name: every call for one
// setting returns the same IntVar, which Set keeps current. It panics if no setting is called
// name, a programmer's error.
func (s *Store) IntVar(name string) *IntVar {
	p, ok := Lookup(name)
	if !ok {
		panic("config: unknown setting " + strconv.Quote(name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vars[p.Name]
	if v == nil {
		v = new(IntVar)
		v.v.Store(s.vals[p.Name].n)
		s.vars[p.Name] = v
	}
	return v
}

// Bool reports whether a yes/no setting is yes. It panics if no setting is
// called name.
func (s *Store) Bool(name string) bool { return s.mustGet(name).s == "yes" }

// String returns a setting's canonical value. It panics if no setting is
// called name.
func (s *Store) String(name string) string { return s.mustGet(name).s }

// Match returns name/value pairs for CONFIG GET patterns, as Redis 7.0 does.
// A pattern without glob characters (*, ? or [) is looked up directly and
// answered under the name as given (also a hidden setting or an alias); a
// glob pattern is matched case-insensitively against every name and every
// alias except hidden settings, so "*" returns both "replica-read-only" and
// "slave-read-only". Each name appears once, compared case-insensitively.
func (s *Store) Match(patterns ...string) [][2]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][2]string
	seen := map[string]bool{}
	add := func(name string, p *Param) {
		if key := strings.ToLower(name); !seen[key] {
			seen[key] = true
			out = append(out, [2]string{name, s.vals[p.Name].s})
		}
	}
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			if p, ok := Lookup(pat); ok {
				add(pat, p)
			}
			continue
		}
		for _, name := range allNames {
			p := byName[name]
			if !p.Hidden && glob.MatchString(pat, name, true) {
				add(name, p)
			}
		}
	}
	return out
}

// OnChange registers fn to apply a new value of the setting called name. Set
// calls fn, with the canonical value, when the value changes, before it
// returns; if fn returns an error, every change of that Set is undone (the
// functions already called are called again with the old values) and Set
// fails. fn must not call Set or OnChange. It panics if no setting is called
// name.
func (s *Store) OnChange(name string, fn func(value string) error) {
	p, ok := Lookup(name)
	if !ok {
		panic("config: OnChange of unknown setting " + strconv.Quote(name))
	}
	s.setMu.Lock()
	defer s.setMu.Unlock()
	s.onChange[p.Name] = append(s.onChange[p.Name], fn)
}

// SetError is the error Set returns; its message is the Redis error reply
// without the leading "-".
type SetError struct {
	msg string
}

// Error returns the message, such as "ERR Unknown option or number of
// arguments for CONFIG SET - 'foo'".
func (e *SetError) Error() string { return e.msg }

func setFailed(arg, why string) error {
	return &SetError{msg: "ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + why}
}

// Set validates and sets several settings atomically, as CONFIG SET a 1 b 2:
// all or nothing. Errors are worded exactly as Redis 7.0's replies (see
// SetError). As in Redis, a setting and its alias given together are not
// duplicates: the later one wins.
func (s *Store) Set(pairs ...[2]string) error {
	type change struct {
		p     *Param
		entry string // the name or alias the argument resolved to
		value string
	}
	changes := make([]change, 0, len(pairs))
	for _, kv := range pairs {
		arg := kv[0]
		p, ok := Lookup(arg)
		if !ok {
			return &SetError{msg: "ERR Unknown option or number of arguments for CONFIG SET - '" + arg + "'"}
		}
		entry := strings.ToLower(arg)
		if p.Immutable {
			return setFailed(arg, "can't set immutable config")
		}
		if p.Protected && s.String("enable-protected-configs") != "yes" {
			return setFailed(arg, "can't set protected config")
		}
		for _, c := range changes {
			if c.entry == entry {
				return setFailed(arg, "duplicate parameter")
			}
		}
		changes = append(changes, change{p: p, entry: entry, value: kv[1]})
	}

	s.setMu.Lock()
	defer s.setMu.Unlock()

	s.mu.RLock()
	old := make(map[string]string, len(changes))
	next := make(map[string]string, len(changes))
	var order []*Param // settings whose value changes, first-set order
	for _, c := range changes {
		if _, ok := old[c.p.Name]; !ok {
			old[c.p.Name] = s.vals[c.p.Name].s
		}
	}
	s.mu.RUnlock()
	for _, c := range changes {
		v, err := c.p.Normalize(c.value)
		if err != nil {
			return setFailed(c.entry, err.Error())
		}
		if c.p.merge != nil {
			cur, ok := next[c.p.Name]
			if !ok {
				cur = old[c.p.Name]
			}
			v = c.p.merge(cur, v)
		}
		if _, seen := next[c.p.Name]; !seen {
			order = append(order, c.p)
		}
		next[c.p.Name] = v
	}

	// Apply, undoing on the first failure.
	type call struct {
		name string
		fn   func(string) error
	}
	var applied []call
	for _, p := range order {
		if next[p.Name] == old[p.Name] {
			continue
		}
		for _, fn := range s.onChange[p.Name] {
			if err := fn(next[p.Name]); err != nil {
				for i := len(applied) - 1; i >= 0; i-- {
					_ = applied[i].fn(old[applied[i].name])
				}
				return setFailed(p.Name, err.Error())
			}
			applied = append(applied, call{p.Name, fn})
		}
	}

	s.mu.Lock()
	for _, p := range order {
		v := makeValue(p, next[p.Name])
		s.vals[p.Name] = v
		if iv := s.vars[p.Name]; iv != nil {
			iv.v.Store(v.n)
		}
	}
	s.mu.Unlock()
	return nil
}

var _ error = (*SetError)(nil)

// NewStoreWith returns a Store holding the defaults overridden by settings,
// immutable ones included (this is start-up, not CONFIG SET). An error names
// the first setting that is unknown or invalid, and why.
func NewStoreWith(settings [][2]string) (*Store, error) {
	vals := make(map[string]string, len(settings))
	for _, kv := range settings {
		p, ok := Lookup(kv[0])
		if !ok {
			return nil, fmt.Errorf("unknown setting %q", kv[0])
		}
		v, err := p.Normalize(kv[1])
		if err != nil {
			return nil, fmt.Errorf("invalid %s %q: %v", p.Name, kv[1], err)
		}
		vals[p.Name] = v
	}
	return newStoreFrom(vals), nil
}
