package hash

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTableModel holds a Table against a Go map through random puts and
// deletes, growing and shrinking it across many sizes.
func TestTableModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tb Table[int]
	model := map[string]int{}
	for step := range 200000 {
		k := fmt.Sprint(r.IntN(3000))
		// Phases bias towards inserting or deleting, so that the table
		// grows, shrinks and compacts repeatedly.
		insert := (step/20000)%2 == 0
		if r.IntN(4) == 0 {
			insert = !insert
		}
		if insert {
			_, had := model[k]
			if added := tb.Put([]byte(k), step); added == had {
				t.Fatalf("Put(%q) added=%v, model had=%v", k, added, had)
			}
			model[k] = step
		} else {
			_, had := model[k]
			if del := tb.Delete([]byte(k)); del != had {
				t.Fatalf("Delete(%q) = %v, model had=%v", k, del, had)
			}
			delete(model, k)
		}
		if tb.Len() != len(model) {
			t.Fatalf("Len = %d, want %d", tb.Len(), len(model))
		}
		if step%5000 == 0 {
			checkTable(t, &tb, model)
		}
	}
	checkTable(t, &tb, model)
}

func checkTable(t *testing.T, tb *Table[int], model map[string]int) {
	t.Helper()
	for k, v := range model {
		if p := tb.Get([]byte(k)); p == nil || *p != v {
			t.Fatalf("Get(%q) = %v, want %d", k, p, v)
		}
	}
	seen := map[string]bool{}
	tb.Range(func(k string, v *int) bool {
		if seen[k] {
			t.Fatalf("Range visits %q twice", k)
		}
		seen[k] = true
		if model[k] != *v {
			t.Fatalf("Range %q = %d, want %d", k, *v, model[k])
		}
		return true
	})
	if len(seen) != len(model) {
		t.Fatalf("Range visited %d, want %d", len(seen), len(model))
	}
	if tb.Len() > 0 && len(tb.ents) > 4*minBuckets && tb.Len() < len(tb.ents)/4 {
		t.Fatalf("entries slice too sparse: %d live of %d", tb.Len(), len(tb.ents))
	}
}

// TestTableScanResize checks the scan guarantee: an entry present for the
// whole scan is returned, even when the table grows or shrinks between
// calls.
func TestTableScanResize(t *testing.T) {
	for _, grow := range []bool{true, false} {
		t.Run(fmt.Sprintf("grow=%v", grow), func(t *testing.T) {
			var tb Table[struct{}]
			for i := range 1000 {
				tb.Put(fmt.Appendf(nil, "stay%d", i), struct{}{})
			}
			if !grow {
				for i := range 20000 {
					tb.Put(fmt.Appendf(nil, "tmp%d", i), struct{}{})
				}
			}
			seen := map[string]bool{}
			cursor, calls, extra := uint64(0), 0, 0
			for {
				cursor = tb.Scan(cursor, 10, func(k string, _ *struct{}) { seen[k] = true })
				calls++
				if grow {
					for range 30 {
						tb.Put(fmt.Appendf(nil, "new%d", extra), struct{}{})
						extra++
					}
				} else if extra < 20000 {
					for range 300 {
						tb.Delete(fmt.Appendf(nil, "tmp%d", extra))
						extra++
					}
				}
				if cursor == 0 {
					break
				}
				if calls > 1e6 {
					t.Fatal("scan does not end")
				}
			}
			for i := range 1000 {
				if !seen[fmt.Sprint("stay", i)] {
					t.Fatalf("stay%d missed by the scan", i)
				}
			}
		})
	}
}

func TestTableRandomUniform(t *testing.T) {
	var tb Table[int]
	for i := range 10 {
		tb.Put([]byte{byte('a' + i)}, i)
	}
	// Holes in the entry slice must not bias the choice.
	tb.Delete([]byte("c"))
	tb.Delete([]byte("d"))
	counts := map[string]int{}
	const n = 80000
	for range n {
		k, _ := tb.Random()
		counts[k]++
	}
	if len(counts) != 8 {
		t.Fatalf("Random returned %d distinct keys, want 8: %v", len(counts), counts)
	}
	for k, c := range counts {
		if c < n/8*8/10 || c > n/8*12/10 {
			t.Fatalf("key %q drawn %d times of %d: not uniform", k, c, n)
		}
	}
}
