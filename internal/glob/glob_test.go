package glob

import (
	"strings"
	"testing"
	"time"
)

// Expected results; the case-sensitive ones were checked against
// redis-server 7.0.15 with KEYS (along with 30,000 random patterns).
var cases = []struct {
	pattern, s string
	nocase     bool
	want       bool
}{
	{"", "", false, true},
	{"", "a", false, false},
	{"*", "", false, false}, // Redis: the empty string matches nothing
	{"*", "anything", false, true},
	{"**", "x", false, true},
	{"a*", "a", false, true},
	{"a**", "a", false, true},
	{"a*", "abc", false, true},
	{"*c", "abc", false, true},
	{"*b*", "abc", false, true},
	{"*d*", "abc", false, false},
	{"a*b*c", "aXbYc", false, true},
	{"a*b*c", "aXbYcZ", false, false},
	{"*a*a*b", "aaaaab", false, true},
	{"?", "a", false, true},
	{"?", "", false, false},
	{"?", "ab", false, false},
	{"a?c", "abc", false, true},
	{"??*", "a", false, false},
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"h[b-a]llo", "hallo", false, true}, // reversed range
	{"[a-]", "]", false, true},          // range 'a'..']'
	{"[a-]", "-", false, false},
	{"[abc", "b", false, true}, // unterminated class
	{"[", "[", false, false},
	{"[^", "x", false, true},
	{"[\\]]", "]", false, true},
	{"[\\", "\\", false, true},
	{"[]", "]", false, false},
	{"[]a]", "a", false, false},
	{"[]a]", "]a]", false, false},
	{"[^]a]", "xa]", false, true}, // "[^]" matches any byte
	{"\\*", "*", false, true},
	{"\\*", "a", false, false},
	{"\\?", "?", false, true},
	{"\\[a]", "[a]", false, true},
	{"\\", "\\", false, true},
	{"a\\", "a\\", false, true},
	{"HELLO", "hello", false, false},
	{"HELLO", "hello", true, true},
	{"h[A-Z]llo", "hello", true, true},
	{"h[A-Z]llo", "hello", false, false},
	{"[A-z]", "[", false, true},
	{"[A-z]", "[", true, false}, // folded to a..z
	{"[E]", "e", true, true},
	{"[\\E]", "e", true, false}, // escapes in classes ignore nocase
	{"\\E", "e", true, true},
	{"[\x00-\xff]", "a", false, false}, // signed chars: range is 0xff..0x00
	{"[\x00-\xff]", "\xff", false, true},
	{"[\x80-\x7f]", "a", false, true},
	{"maxmemory*", "maxmemory-policy", false, true},
	{"*max*", "maxmemory-samples", false, true},
	{"slave-*", "replica-read-only", false, false},
}

func TestMatch(t *testing.T) {
	for _, c := range cases {
		if got := MatchString(c.pattern, c.s, c.nocase); got != c.want {
			t.Errorf("MatchString(%q, %q, %v) = %v, want %v", c.pattern, c.s, c.nocase, got, c.want)
		}
		if got := Match([]byte(c.pattern), []byte(c.s), c.nocase); got != c.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", c.pattern, c.s, c.nocase, got, c.want)
		}
		if got := refMatch([]byte(c.pattern), []byte(c.s), c.nocase); got != c.want {
			t.Errorf("refMatch(%q, %q, %v) = %v, want %v (table or reference wrong)", c.pattern, c.s, c.nocase, got, c.want)
		}
	}
}

// TestNoBlowup checks that patterns which make naive backtracking exponential
// finish quickly (Redis CVE-2022-36021).
func TestNoBlowup(t *testing.T) {
	s := strings.Repeat("a", 10000)
	patterns := []string{
		strings.Repeat("a*", 1000) + "b",
		strings.Repeat("*a", 1000) + "b",
		strings.Repeat("*?", 1000) + "b",
		strings.Repeat("*", 100000) + "b",
		strings.Repeat("[a]*", 500) + "[b]",
	}
	start := time.Now()
	for _, p := range patterns {
		if MatchString(p, s, false) {
			t.Errorf("pattern of %d bytes unexpectedly matched", len(p))
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("matching took %v", d)
	}
}

func TestNoAllocs(t *testing.T) {
	p, s := []byte("*a*[b-d]?\\x*"), []byte("zzazzczxyy")
	allocs := testing.AllocsPerRun(100, func() {
		Match(p, s, true)
		MatchString("*a*[b-d]?\\x*", "zzazzczxyy", false)
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per run, want 0", allocs)
	}
}

func FuzzMatch(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c.pattern), []byte(c.s), c.nocase)
	}
	f.Fuzz(func(t *testing.T, p, s []byte, nocase bool) {
		if len(p) > 64 || len(s) > 64 {
			return // keep the exponential-free reference fast enough
		}
		got, want := Match(p, s, nocase), refMatch(p, s, nocase)
		if got != want {
			t.Fatalf("Match(%q, %q, %v) = %v, reference says %v", p, s, nocase, got, want)
		}
		if MatchString(string(p), string(s), nocase) != got {
			t.Fatalf("MatchString and Match disagree on %q, %q", p, s)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	p, s := []byte("user:*:session[0-9]"), []byte("user:123456:session7")
	for b.Loop() {
		Match(p, s, false)
	}
}
