package hash

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/larderdb/larder/internal/engine"
)

// TestHashModel holds Hash against a map through random sets and deletes
// with small limits, so that hashes convert from compact to table.
func TestHashModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		lim := Limits{MaxEntries: 1 + r.IntN(20), MaxValue: 1 + r.IntN(40)}
		h := New()
		model := map[string]string{}
		for range r.IntN(60) {
			f := fmt.Sprint("f", r.IntN(30))
			if r.IntN(3) == 0 {
				var found bool
				h, found = h.Delete([]byte(f))
				if _, had := model[f]; found != had {
					t.Fatalf("round %d: Delete(%q) = %v, want %v", round, f, found, had)
				}
				delete(model, f)
				continue
			}
			v := strings.Repeat("v", r.IntN(50))
			var added bool
			h, added = h.Set([]byte(f), []byte(v), lim)
			if _, had := model[f]; added == had {
				t.Fatalf("round %d: Set(%q) added=%v, had=%v", round, f, added, had)
			}
			model[f] = v
		}
		checkHash(t, h, model)
		checkEncoding(t, h, model, lim)
		c := h.Copy().(Hash)
		if c.Encoding() != h.Encoding() {
			t.Fatalf("Copy encoding %s, want %s", c.Encoding(), h.Encoding())
		}
		checkHash(t, c, model)
		if h.Len() > 0 {
			c.Set([]byte("f0"), []byte("changed"), lim)
			checkHash(t, h, model) // the copy is independent
		}
	}
}

// checkEncoding checks that the hash is compact exactly while it has
// never exceeded the limits (a table never converts back).
func checkEncoding(t *testing.T, h Hash, model map[string]string, lim Limits) {
	t.Helper()
	if h.Encoding() == "hashtable" {
		return
	}
	if len(model) > lim.MaxEntries {
		t.Fatalf("compact hash with %d entries, limit %d", len(model), lim.MaxEntries)
	}
	for f, v := range model {
		if len(f) > lim.MaxValue || len(v) > lim.MaxValue {
			t.Fatalf("compact hash holds %q=%q past limit %d", f, v, lim.MaxValue)
		}
	}
}

func checkHash(t *testing.T, h Hash, model map[string]string) {
	t.Helper()
	if h.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", h.Len(), len(model))
	}
	for f, v := range model {
		got, ok := h.Get([]byte(f))
		if !ok || string(got) != v {
			t.Fatalf("Get(%q) = %q, %v; want %q", f, got, ok, v)
		}
	}
	if _, ok := h.Get([]byte("absent")); ok {
		t.Fatal("Get of an absent field found it")
	}
	n := 0
	h.Range(func(f, v []byte) bool {
		n++
		if model[string(f)] != string(v) {
			t.Fatalf("Range %q=%q, want %q", f, v, model[string(f)])
		}
		return true
	})
	if n != len(model) {
		t.Fatalf("Range visited %d, want %d", n, len(model))
	}
	if len(model) > 1 {
		seen := map[string]bool{}
		h.Sample(len(model)-1, func(f, _ []byte) {
			if seen[string(f)] {
				t.Fatalf("Sample repeats %q", f)
			}
			seen[string(f)] = true
		})
		if len(seen) != len(model)-1 {
			t.Fatalf("Sample gave %d, want %d", len(seen), len(model)-1)
		}
	}
	if h.MemoryUsage() < 0 || (len(model) > 0 && h.MemoryUsage() == 0) {
		t.Fatalf("MemoryUsage = %d", h.MemoryUsage())
	}
}

// TestCompactNoBoxing checks that storing a compact hash in an interface
// does not allocate: it is pointer-shaped.
func TestCompactNoBoxing(t *testing.T) {
	h, _ := New().Set([]byte("a"), []byte("b"), Limits{MaxEntries: 8, MaxValue: 8})
	var sink engine.Object
	if n := testing.AllocsPerRun(100, func() { sink = h }); n != 0 {
		t.Fatalf("boxing a compact hash allocates %v times", n)
	}
	_ = sink
}

// TestCompactSize checks that a small hash costs one tight allocation: 5
// short fields take less than Redis's listpack (about 112 bytes).
func TestCompactSize(t *testing.T) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	h := New()
	for i := range 5 {
		h, _ = h.Set(fmt.Appendf(nil, "field%d", i), fmt.Appendf(nil, "value-%06d", i), lim)
	}
	if got := h.MemoryUsage(); got > 112 {
		t.Fatalf("5-field compact hash uses %d bytes", got)
	}
	v, _ := h.Get([]byte("field3"))
	if !bytes.Equal(v, []byte("value-000003")) {
		t.Fatalf("field3 = %q", v)
	}
}

func BenchmarkHashSet(b *testing.B) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	for _, n := range []int{5, 100, 1000} {
		b.Run(fmt.Sprintf("fields=%d", n), func(b *testing.B) {
			fields := make([][]byte, n)
			for i := range fields {
				fields[i] = fmt.Appendf(nil, "field:%d", i)
			}
			h := New()
			for _, f := range fields {
				h, _ = h.Set(f, []byte("v"), lim)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				h, _ = h.Set(fields[i%n], []byte("value"), lim)
			}
		})
	}
}

func TestNewSized(t *testing.T) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	args := [][]byte{[]byte("a"), []byte("1"), []byte("bb"), []byte("22")}
	h := NewSized(args)
	before := h.MemoryUsage()
	for i := 0; i < len(args); i += 2 {
		h, _ = h.Set(args[i], args[i+1], lim)
	}
	if h.Len() != 2 || h.MemoryUsage() != before || h.Encoding() != "listpack" {
		t.Fatalf("len %d memory %d (reserved %d) encoding %s", h.Len(), h.MemoryUsage(), before, h.Encoding())
	}
	// A big block mostly empty after reserve must not shrink while filling.
	big := make([][]byte, 40)
	for i := range big {
		big[i] = fmt.Appendf(nil, "x%02d", i)
	}
	h = NewSized(big)
	before = h.MemoryUsage()
	for i := 0; i < len(big); i += 2 {
		h, _ = h.Set(big[i], big[i+1], lim)
	}
	if h.MemoryUsage() != before || h.Len() != 20 {
		t.Fatalf("len %d memory %d, reserved %d", h.Len(), h.MemoryUsage(), before)
	}
}
