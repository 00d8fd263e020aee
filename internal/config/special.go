package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Validators and normalizers of settings with their own syntax. Each returns
// the canonical form CONFIG GET shows, and errors worded as Redis 7.0's.

// splitArgs splits a multi-argument value as Redis does for CONFIG SET: on
// every single space, keeping empty fields; "" has no fields.
func splitArgs(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

// strtoll parses like C's strtoll in base 10 and reports whether the whole
// string was consumed: leading spaces and a sign are allowed, an empty string
// is 0, overflow saturates.
func strtoll(s string) (int64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var n uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if n <= math.MaxInt64 {
			n = n*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == start { // no digits: nothing is consumed
		return 0, s == ""
	}
	var v int64
	switch {
	case neg && n > math.MaxInt64:
		v = math.MinInt64
	case n > math.MaxInt64:
		v = math.MaxInt64
	case neg:
		v = -int64(n)
	default:
		v = int64(n)
	}
	return v, i == len(s)
}

func checkPowerOfTwo(v string) (string, error) {
	n, _ := strconv.ParseInt(v, 10, 64)
	if n&(n-1) != 0 {
		return "", errors.New("argument must be a power of two")
	}
	return v, nil
}

// baseName returns a check that v is a bare file or directory name.
func baseName(name, what string, nonEmpty bool) func(string) (string, error) {
	return func(v string) (string, error) {
		if nonEmpty && v == "" {
			return "", errors.New(name + " can't be empty")
		}
		if strings.ContainsAny(v, "/\\") {
			return "", errors.New(name + " can't be a path, just a " + what)
		}
		return v, nil
	}
}

func checkDir(v string) (string, error) { return v, nil }

var shutdownFlags = []string{"default", "save", "nosave", "now", "force"}

func checkShutdown(v string) (string, error) {
	args := splitArgs(v)
	set := map[string]bool{}
	for _, a := range args {
		a = strings.ToLower(a)
		if !contains(shutdownFlags, a) {
			args = nil
			break
		}
		set[a] = true
	}
	if len(args) == 0 {
		return "", errors.New("argument(s) must be one of the following: " + strings.Join(shutdownFlags, ", "))
	}
	if set["save"] && set["nosave"] {
		return "", errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
	}
	var out []string
	for _, f := range shutdownFlags[1:] {
		if set[f] {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return "default", nil
	}
	return strings.Join(out, " "), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkSave(v string) (string, error) {
	args := splitArgs(v)
	if len(args)%2 != 0 {
		return "", errors.New("Invalid save parameters")
	}
	out := make([]string, len(args))
	for i, a := range args {
		n, ok := strtoll(a)
		if !ok || (i%2 == 0 && n < 1) || (i%2 == 1 && n < 0) {
			return "", errors.New("Invalid save parameters")
		}
		if i%2 == 1 {
			n = int64(int32(n)) // Redis keeps changes in an int
		}
		out[i] = itoa(n)
	}
	return strings.Join(out, " "), nil
}

// Client classes of client-output-buffer-limit, in CONFIG GET order.
var outputClasses = []string{"normal", "slave", "pubsub"}

const defaultOutputLimits = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"

// checkOutputLimits validates "class hard soft seconds ..." and returns the
// classes given, in canonical order; mergeOutputLimits fills in the rest.
func checkOutputLimits(v string) (string, error) {
	args := splitArgs(v)
	if len(args)%4 != 0 {
		return "", errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	var limits [3]string
	for i := 0; i < len(args); i += 4 {
		class := -1
		switch strings.ToLower(args[i]) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		}
		if class < 0 {
			return "", errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, herr := ParseMemory(args[i+1])
		soft, serr := ParseMemory(args[i+2])
		secs, ok := strtoll(args[i+3])
		if herr != nil || serr != nil || !ok || secs < 0 {
			return "", errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		limits[class] = outputClasses[class] + " " + itoa(hard) + " " + itoa(soft) + " " + itoa(int64(int32(secs)))
	}
	var out []string
	for _, l := range limits {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " "), nil
}

// mergeOutputLimits overlays the classes in next (canonical) on old.
func mergeOutputLimits(old, next string) string {
	byClass := map[string]string{}
	for _, s := range []string{old, next} {
		f := splitArgs(s)
		for i := 0; i+3 < len(f); i += 4 {
			byClass[f[i]] = strings.Join(f[i:i+4], " ")
		}
	}
	var out []string
	for _, c := range outputClasses {
		if l, ok := byClass[c]; ok {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

func checkOOMValues(v string) (string, error) {
	args := splitArgs(v)
	if len(args) != 3 {
		return "", errors.New("wrong number of arguments")
	}
	for i, a := range args {
		n, ok := strtoll(a)
		if !ok || n < -2000 || n > 2000 {
			return "", errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
		}
		args[i] = itoa(n)
	}
	return strings.Join(args, " "), nil
}

// Keyspace event classes in the order Redis writes them.
const (
	notifyAll      = "g$lshzxetd" // what A stands for ('n' and 'm' are not in it, as in Redis)
	notifyEventKey = "KEm"
)

func checkNotify(v string) (string, error) {
	set := map[byte]bool{}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == 'A':
			for j := 0; j < len(notifyAll); j++ {
				set[notifyAll[j]] = true
			}
		case strings.IndexByte(notifyAll, c) >= 0, strings.IndexByte(notifyEventKey, c) >= 0, c == 'n':
			set[c] = true
		default:
			return "", errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
	}
	var b strings.Builder
	all := true
	for j := 0; j < len(notifyAll); j++ {
		all = all && set[notifyAll[j]]
	}
	if all {
		b.WriteByte('A')
	} else {
		for j := 0; j < len(notifyAll); j++ {
			if set[notifyAll[j]] {
				b.WriteByte(notifyAll[j])
			}
		}
		if set['n'] { // as Redis, "An" reads back as "A": n is listed only without A
			b.WriteByte('n')
		}
	}
	for j := 0; j < len(notifyEventKey); j++ {
		if set[notifyEventKey[j]] {
			b.WriteByte(notifyEventKey[j])
		}
	}
	return b.String(), nil
}

func checkBind(v string) (string, error) {
	if len(splitArgs(v)) > 16 {
		return "", errors.New("Too many bind addresses specified.")
	}
	return v, nil
}

func checkReplicaOf(v string) (string, error) {
	if v == "" {
		return "", nil // not a replica
	}
	args := splitArgs(v)
	if len(args) != 2 {
		return "", errors.New("wrong number of arguments")
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		return "", nil
	}
	port, ok := strtoll(args[1])
	if !ok || port < 0 || port > 65535 {
		return "", errors.New("Invalid master port")
	}
	return args[0] + " " + itoa(port), nil
}

func checkPercentiles(v string) (string, error) {
	args := splitArgs(v)
	out := make([]string, len(args))
	for i, a := range args {
		f, err := strconv.ParseFloat(a, 64)
		if a == "" || a[0] == ' ' || math.IsNaN(f) || (err != nil && !errors.Is(err, strconv.ErrRange)) {
			return "", errors.New("Invalid latency-tracking-info-percentiles parameters")
		}
		if f > 100 || f < 0 {
			return "", errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
		s := strconv.FormatFloat(f, 'f', 6, 64)
		s = strings.TrimRight(s, "0")
		out[i] = strings.TrimSuffix(s, ".")
	}
	return strings.Join(out, " "), nil
}
