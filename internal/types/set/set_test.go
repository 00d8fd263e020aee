package set

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/larderdb/larder/internal/engine"
)

// TestSetModel holds Set against a map through random adds, removes and
// pops, with members of every intset width and non-integers, so that sets
// widen and convert to tables.
func TestSetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	values := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.Itoa(r.IntN(100) - 50)
		case 1:
			return strconv.Itoa(r.IntN(1<<20) - 1<<19)
		case 2:
			return strconv.FormatInt(r.Int64()-math.MaxInt64/2, 10)
		case 3:
			return "007" // not canonical: never in an intset
		case 4:
			if r.IntN(20) == 0 {
				return fmt.Sprint("m", r.IntN(10))
			}
		}
		return strconv.Itoa(r.IntN(40))
	}
	for round := range 300 {
		maxIS := 1 + r.IntN(64)
		var s Set
		model := map[string]bool{}
		for range r.IntN(200) {
			m := values()
			switch {
			case s == nil:
				s = New([]byte(m))
				fallthrough
			case r.IntN(3) > 0:
				var added bool
				s, added = s.Add([]byte(m), maxIS)
				if added == model[m] {
					t.Fatalf("round %d: Add(%q) = %v, had %v", round, m, added, model[m])
				}
				model[m] = true
			case r.IntN(4) == 0 && s.Len() > 0:
				var got []byte
				s, got = s.Pop(nil)
				if !model[string(got)] {
					t.Fatalf("round %d: Pop = %q, not a member", round, got)
				}
				delete(model, string(got))
			default:
				var found bool
				s, found = s.Remove([]byte(m))
				if found != model[m] {
					t.Fatalf("round %d: Remove(%q) = %v, had %v", round, m, found, model[m])
				}
				delete(model, m)
			}
		}
		if s == nil {
			continue
		}
		checkSet(t, s, model)
		if s.Encoding() == "intset" {
			if len(model) > maxIS {
				t.Fatalf("intset of %d members, limit %d", len(model), maxIS)
			}
			var prev int64 = math.MinInt64
			first := true
			s.Range(func(m []byte) bool {
				v, ok := ParseInt(m)
				if !ok || (!first && v <= prev) {
					t.Fatalf("intset member %q out of order after %d", m, prev)
				}
				prev, first = v, false
				return true
			})
		}
		c := s.Copy().(Set)
		if c.Encoding() != s.Encoding() {
			t.Fatalf("Copy encoding %s, want %s", c.Encoding(), s.Encoding())
		}
		checkSet(t, c, model)
		c.Add([]byte("zz-extra"), maxIS)
		checkSet(t, s, model)
	}
}

func checkSet(t *testing.T, s Set, model map[string]bool) {
	t.Helper()
	if s.Len() != len(model) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(model))
	}
	for m := range model {
		if !s.Has([]byte(m)) {
			t.Fatalf("Has(%q) = false", m)
		}
	}
	if s.Has([]byte("absent")) || s.Has([]byte("-0")) {
		t.Fatal("Has found an absent member")
	}
	var got []string
	s.Range(func(m []byte) bool { got = append(got, string(m)); return true })
	want := make([]string, 0, len(model))
	for m := range model {
		want = append(want, m)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Range = %v, want %v", got, want)
	}
	seen := map[string]bool{}
	s.Sample(len(model)-1, func(m []byte) {
		if seen[string(m)] || !model[string(m)] {
			t.Fatalf("Sample gave %q (repeat or not a member)", m)
		}
		seen[string(m)] = true
	})
	if len(model) > 0 && len(seen) != len(model)-1 {
		t.Fatalf("Sample gave %d, want %d", len(seen), len(model)-1)
	}
}

func TestIntsetWidths(t *testing.T) {
	s := NewIntset()
	for _, v := range []int64{5, -3, 40000, -1 << 40, 1<<63 - 1, -1 << 63} {
		var ok bool
		s, ok = s.Add([]byte(strconv.FormatInt(v, 10)), 512)
		if !ok {
			t.Fatalf("Add(%d) not new", v)
		}
	}
	if s.Encoding() != "intset" || s.Len() != 6 {
		t.Fatalf("encoding %s len %d", s.Encoding(), s.Len())
	}
	var got []string
	s.Range(func(m []byte) bool { got = append(got, string(m)); return true })
	want := []string{"-9223372036854775808", "-1099511627776", "-3", "5", "40000", "9223372036854775807"}
	if !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
	if s.MemoryUsage() != 64 { // 12-byte header + 6*8
		t.Fatalf("MemoryUsage = %d, want 64", s.MemoryUsage())
	}
}

// TestIntsetSmall checks the memory target: 5 small integers take one
// 24-byte allocation, as much as Redis's intset, and boxing is free.
func TestIntsetSmall(t *testing.T) {
	s := NewIntset()
	for i := range 5 {
		s, _ = s.Add([]byte(strconv.Itoa(i*100)), 512)
	}
	if s.MemoryUsage() != 24 {
		t.Fatalf("MemoryUsage = %d, want 24", s.MemoryUsage())
	}
	var sink engine.Object
	if n := testing.AllocsPerRun(100, func() { sink = s }); n != 0 {
		t.Fatalf("boxing an intset allocates %v times", n)
	}
	_ = sink
}

func TestParseInt(t *testing.T) {
	for in, ok := range map[string]bool{
		"0": true, "-1": true, "9223372036854775807": true, "-9223372036854775808": true,
		"9223372036854775808": false, "01": false, "+1": false, " 1": false, "-0": false, "": false, "-": false,
	} {
		if _, got := ParseInt([]byte(in)); got != ok {
			t.Errorf("ParseInt(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

func BenchmarkSetAdd(b *testing.B) {
	for _, kind := range []string{"intset", "hashtable"} {
		b.Run("encoding="+kind, func(b *testing.B) {
			members := make([][]byte, 256)
			for i := range members {
				if kind == "intset" {
					members[i] = strconv.AppendInt(nil, int64(i), 10)
				} else {
					members[i] = fmt.Appendf(nil, "m:%d", i)
				}
			}
			s := New(members[0])
			for _, m := range members {
				s, _ = s.Add(m, 512)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				s, _ = s.Add(members[i%len(members)], 512)
			}
		})
	}
}

func TestNewSized(t *testing.T) {
	members := [][]byte{[]byte("1"), []byte("70000"), []byte("2"), []byte("1")}
	s := NewSized(members, 512)
	before := s.MemoryUsage()
	for _, m := range members {
		s, _ = s.Add(m, 512)
	}
	if s.Encoding() != "intset" || s.Len() != 3 || s.MemoryUsage() != before {
		t.Fatalf("encoding %s len %d memory %d (reserved %d)", s.Encoding(), s.Len(), s.MemoryUsage(), before)
	}
	s = NewSized([][]byte{[]byte("1"), []byte("x")}, 512)
	s, _ = s.Add([]byte("1"), 512)
	s, _ = s.Add([]byte("x"), 512)
	if s.Encoding() != "hashtable" || s.Len() != 2 {
		t.Fatalf("encoding %s len %d", s.Encoding(), s.Len())
	}
	if s := NewSized([][]byte{[]byte("a")}, 512); s.Encoding() != "hashtable" {
		t.Fatalf("non-integer first member: encoding %s", s.Encoding())
	}
}
