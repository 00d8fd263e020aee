package zset

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// model is the simple reference: a map and a sorted slice rebuilt on demand.
type model map[string]float64

func (m model) sorted() []Pair {
	out := make([]Pair, 0, len(m))
	for k, v := range m {
		out = append(out, Pair{k, v})
	}
	slices.SortFunc(out, func(a, b Pair) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Member, b.Member)
	})
	return out
}

func contents(z *ZSet) []Pair {
	var out []Pair
	z.Each(func(m []byte, s float64) bool {
		out = append(out, Pair{string(m), s})
		return true
	})
	return out
}

// checkTree verifies the B+tree invariants: counts, order, separators,
// fill and leaf links.
func checkTree(t *testing.T, tr *tree) {
	t.Helper()
	if tr.root == nil {
		if tr.head != nil || tr.tail != nil {
			t.Fatal("empty tree with leaves")
		}
		return
	}
	var leaves []*node
	var walk func(x *node, lo, hi *item, root bool) int
	walk = func(x *node, lo, hi *item, root bool) int {
		if !root && x.size() < minFill-1 {
			t.Fatalf("underfull node: %d", x.size())
		}
		if x.size() > degree {
			t.Fatalf("overfull node: %d", x.size())
		}
		if x.leaf {
			for i := range x.items {
				it := &x.items[i]
				if i > 0 && !less(&x.items[i-1], it) {
					t.Fatal("leaf out of order")
				}
				if lo != nil && less(it, lo) || hi != nil && !less(it, hi) {
					t.Fatal("item outside its separators")
				}
			}
			if x.n != len(x.items) {
				t.Fatalf("leaf n %d != %d", x.n, len(x.items))
			}
			leaves = append(leaves, x)
			return x.n
		}
		if len(x.keys) != len(x.kids)-1 {
			t.Fatal("keys/kids mismatch")
		}
		sum := 0
		for i, k := range x.kids {
			l, h := lo, hi
			if i > 0 {
				l = &x.keys[i-1]
			}
			if i < len(x.keys) {
				h = &x.keys[i]
			}
			sum += walk(k, l, h, false)
		}
		if sum != x.n {
			t.Fatalf("inner n %d != %d", x.n, sum)
		}
		return sum
	}
	walk(tr.root, nil, nil, true)
	if tr.head != leaves[0] || tr.tail != leaves[len(leaves)-1] {
		t.Fatal("head/tail wrong")
	}
	for i, l := range leaves {
		if i > 0 && l.prev != leaves[i-1] || i == 0 && l.prev != nil {
			t.Fatal("prev link wrong")
		}
		if i < len(leaves)-1 && l.next != leaves[i+1] || i == len(leaves)-1 && l.next != nil {
			t.Fatal("next link wrong")
		}
	}
}

func randScore(r *rand.Rand) float64 {
	switch r.IntN(10) {
	case 0:
		return math.Inf(1 - 2*r.IntN(2))
	case 1, 2:
		return r.Float64()*100 - 50
	case 3:
		return math.Copysign(0, -1)
	default:
		return float64(r.IntN(40) - 10)
	}
}

func checkAgainst(t *testing.T, z *ZSet, m model, lim Limits) {
	t.Helper()
	want := m.sorted()
	got := contents(z)
	if len(want) == 0 {
		want = nil
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || z.Len() != len(want) {
		t.Fatalf("contents\n got %v\nwant %v", got, want)
	}
	if z.f != nil {
		checkTree(t, &z.f.t)
		if len(z.f.dict) != len(want) {
			t.Fatal("dict size")
		}
	}
	for i, p := range want {
		if r, ok := z.Rank([]byte(p.Member)); !ok || r != i {
			t.Fatalf("Rank(%q) = %d %v, want %d", p.Member, r, ok, i)
		}
		if s, ok := z.Score([]byte(p.Member)); !ok || s != p.Score {
			t.Fatalf("Score(%q) = %v", p.Member, s)
		}
		if m, s := z.At(i); string(m) != p.Member || s != p.Score {
			t.Fatalf("At(%d) = %q %v, want %v", i, m, s, p)
		}
	}
	var rev []Pair
	if n := z.Len(); n > 0 {
		z.Walk(n-1, n, true, func(m []byte, s float64) bool {
			rev = append(rev, Pair{string(m), s})
			return true
		})
	}
	slices.Reverse(rev)
	if fmt.Sprint(rev) != fmt.Sprint(got) {
		t.Fatal("reverse walk differs")
	}
}

func TestZSetAgainstModel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lim     Limits
		members int
		steps   int
	}{
		{"compact", Limits{MaxEntries: 1 << 30, MaxValue: 1 << 30}, 60, 3000},
		{"converting", Limits{MaxEntries: 16, MaxValue: 6}, 60, 3000},
		{"full", Limits{}, 3000, 30000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
			z, m := New(), model{}
			member := func() []byte {
				return fmt.Appendf(nil, "m%d%s", r.IntN(tc.members), strings.Repeat("x", r.IntN(3)*3))
			}
			for step := range tc.steps {
				switch op := r.IntN(100); {
				case op < 55:
					mb := member()
					s := randScore(r)
					flags := Flags(0)
					for _, f := range []Flags{NX, XX, GT, LT, Incr} {
						if r.IntN(6) == 0 {
							flags |= f
						}
					}
					if flags&NX != 0 {
						flags &^= XX | GT | LT
					}
					if flags&GT != 0 {
						flags &^= LT
					}
					got, res := z.Add(mb, s, flags, tc.lim)
					cur, exists := m[string(mb)]
					want := s
					switch {
					case !exists && flags&XX != 0:
						if res != Skipped {
							t.Fatalf("XX new: %v", res)
						}
						continue
					case !exists:
						m[string(mb)] = s
						if res != Added {
							t.Fatalf("add: %v", res)
						}
						continue
					case flags&NX != 0:
						if res != Skipped {
							t.Fatalf("NX: %v", res)
						}
						continue
					case flags&Incr != 0:
						want = cur + s
					}
					if math.IsNaN(want) {
						if res != NaN {
							t.Fatalf("want NaN, got %v", res)
						}
						continue
					}
					if (flags&LT != 0 && want >= cur) || (flags&GT != 0 && want <= cur) {
						if res != Skipped {
							t.Fatalf("GT/LT: %v", res)
						}
						continue
					}
					if got != want {
						t.Fatalf("Add returned %v want %v", got, want)
					}
					m[string(mb)] = want
				case op < 75:
					mb := member()
					_, ok := m[string(mb)]
					if z.Remove(mb) != ok {
						t.Fatal("Remove result")
					}
					delete(m, string(mb))
				case op < 80 && z.Len() > 0:
					n := z.Len()
					a, b := r.IntN(n), r.IntN(n)
					if a > b {
						a, b = b, a
					}
					want := m.sorted()
					if got := z.RemoveRange(a, b); got != b-a+1 {
						t.Fatalf("RemoveRange = %d", got)
					}
					for _, p := range want[a : b+1] {
						delete(m, p.Member)
					}
				case op < 85:
					want := m.sorted()
					mx := r.IntN(2) == 0
					cnt := r.IntN(5) + 1
					var got []Pair
					z.Pop(mx, cnt, func(mb []byte, s float64) { got = append(got, Pair{string(mb), s}) })
					if mx {
						slices.Reverse(want)
					}
					want = want[:min(cnt, len(want))]
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("Pop got %v want %v", got, want)
					}
					for _, p := range want {
						delete(m, p.Member)
					}
				case op < 95:
					checkSpans(t, z, m, r)
				}
				if step%97 == 0 || z.Len() < 3 {
					checkAgainst(t, z, m, tc.lim)
				}
			}
			checkAgainst(t, z, m, tc.lim)
			c := z.Copy().(*ZSet)
			checkAgainst(t, c, m, tc.lim)
			if c.Encoding() != z.Encoding() {
				t.Fatal("Copy changed the encoding")
			}
		})
	}
}

func checkSpans(t *testing.T, z *ZSet, m model, r *rand.Rand) {
	t.Helper()
	want := m.sorted()
	sr := ScoreRange{Min: randScore(r), Max: randScore(r), MinEx: r.IntN(2) == 0, MaxEx: r.IntN(2) == 0}
	lo, hi := z.ScoreSpan(sr)
	n := 0
	first := -1
	for i, p := range want {
		if sr.GteMin(p.Score) && sr.LteMax(p.Score) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if hi-lo != n || (n > 0 && lo != first) {
		t.Fatalf("ScoreSpan(%+v) = %d,%d want %d from %d", sr, lo, hi, n, first)
	}
	// Lex ranges over members with equal scores only mean something when
	// all scores are equal; check the member ordering on such a copy.
	lz := New()
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
		lz.Add([]byte(k), 0, 0, Limits{MaxEntries: 8, MaxValue: 64})
	}
	slices.Sort(names)
	bound := func() LexBound {
		switch r.IntN(6) {
		case 0:
			return LexBound{Inf: -1, Ex: true}
		case 1:
			return LexBound{Inf: 1, Ex: true}
		}
		return LexBound{Value: fmt.Appendf(nil, "m%d", r.IntN(40)), Ex: r.IntN(2) == 0}
	}
	lr := LexRange{Min: bound(), Max: bound()}
	lo, hi = lz.LexSpan(lr)
	n, first = 0, -1
	if !lexEmpty(&lr) {
		for i, k := range names {
			if lr.GteMin([]byte(k)) && lr.LteMax([]byte(k)) {
				if first < 0 {
					first = i
				}
				n++
			}
		}
	}
	if hi-lo != n || (n > 0 && lo != first) {
		t.Fatalf("LexSpan = %d,%d want %d from %d", lo, hi, n, first)
	}
}

func TestScoreEncoding(t *testing.T) {
	for _, s := range []float64{0, math.Copysign(0, -1), 1, -1, 63, 64, -65, 1 << 53, -(1 << 53), 1<<53 + 2,
		0.5, math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, 1e300} {
		buf := make([]byte, encodedLen([]byte("abc"), s))
		if n := putEntry(buf, []byte("abc"), s); n != len(buf) {
			t.Fatalf("%v: wrote %d of %d", s, n, len(buf))
		}
		m, got, next := entryAt(buf, 0)
		if string(m) != "abc" || math.Float64bits(got) != math.Float64bits(s) || next != len(buf) {
			t.Fatalf("%v: decoded %q %v %d", s, m, got, next)
		}
	}
	if n := encodedLen([]byte("abc"), 7); n != 5 {
		t.Fatalf("small int entry = %d bytes, want 5", n)
	}
}

func TestScanFull(t *testing.T) {
	z := New()
	lim := Limits{}
	for i := range 1000 {
		z.Add(fmt.Appendf(nil, "m%d", i), float64(i/10), 0, lim)
	}
	seen := map[string]int{}
	var cursor uint64
	calls := 0
	for {
		cursor = z.Scan(cursor, 25, func(m []byte, _ float64) { seen[string(m)]++ })
		calls++
		// Change the set under the scan: members added and removed
		// meanwhile may or may not be seen; the others must be, once.
		z.Add(fmt.Appendf(nil, "new%d", calls), float64(calls%100), 0, lim)
		z.Remove(fmt.Appendf(nil, "new%d", calls-1))
		if cursor == 0 {
			break
		}
	}
	for i := range 1000 {
		if n := seen[fmt.Sprintf("m%d", i)]; n != 1 {
			t.Fatalf("m%d seen %d times", i, n)
		}
	}
	if calls < 30 || calls > 45 {
		t.Fatalf("%d calls for 1000 members by 25", calls)
	}
	for _, s := range []float64{math.Inf(-1), -1.5, math.Copysign(0, -1), 0, 2, math.Inf(1)} {
		if c := scoreCursor(s); c == 0 || cursorScore(c) != s {
			t.Fatalf("cursor round trip of %v", s)
		}
	}
}

func TestFromPairs(t *testing.T) {
	pairs := []Pair{{"b", 2}, {"a", 2}, {"c", 1}}
	z := FromPairs(slices.Clone(pairs), Limits{MaxEntries: 3, MaxValue: 1})
	if !z.Compact() || fmt.Sprint(contents(z)) != "[{c 1} {a 2} {b 2}]" {
		t.Fatalf("compact FromPairs: %v %v", z.Encoding(), contents(z))
	}
	z = FromPairs(slices.Clone(pairs), Limits{MaxEntries: 2, MaxValue: 1})
	if z.Compact() || fmt.Sprint(contents(z)) != "[{c 1} {a 2} {b 2}]" {
		t.Fatalf("full FromPairs: %v %v", z.Encoding(), contents(z))
	}
	if z.MemoryUsage() <= FromPairs(slices.Clone(pairs), Limits{MaxEntries: 9, MaxValue: 9}).MemoryUsage() {
		t.Fatal("full form should cost more than compact")
	}
}

func TestTreeBulk(t *testing.T) {
	var tr tree
	r := rand.New(rand.NewPCG(7, 7))
	keys := r.Perm(60000)
	for _, k := range keys {
		tr.insert(item{score: float64(k % 97), member: fmt.Sprint(k)})
	}
	checkTree(t, &tr)
	if tr.len() != 60000 {
		t.Fatal("len")
	}
	for i, k := range keys[:59000] {
		tr.remove(item{score: float64(k % 97), member: fmt.Sprint(k)})
		if i%5000 == 0 {
			checkTree(t, &tr)
		}
	}
	checkTree(t, &tr)
	for _, k := range keys[59000:] {
		tr.remove(item{score: float64(k % 97), member: fmt.Sprint(k)})
	}
	if tr.root != nil || tr.len() != 0 {
		t.Fatal("tree not empty")
	}
}
