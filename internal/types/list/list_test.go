package list

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// check compares l with the model and verifies the structure's invariants:
// counts, memory, no empty node, node limits.
func check(t *testing.T, l *List, model [][]byte, step string) {
	t.Helper()
	if l.Len() != len(model) {
		t.Fatalf("%s: Len = %d, model %d", step, l.Len(), len(model))
	}
	var mem int64
	total := 0
	for i := range l.nodes {
		nd := &l.nodes[i]
		mem += int64(cap(nd.buf))
		if nd.n == 0 {
			t.Fatalf("%s: node %d is empty", step, i)
		}
		if nd.n > 1 && nd.size() > l.maxBytes() {
			t.Fatalf("%s: node %d holds %d bytes, limit %d", step, i, nd.size(), l.maxBytes())
		}
		if l.fill > 0 && nd.n > l.fill {
			t.Fatalf("%s: node %d holds %d entries, fill %d", step, i, nd.n, l.fill)
		}
		k := 0
		for pos := nd.off; pos < len(nd.buf); k++ {
			_, pos = entryAt(nd.buf, pos)
		}
		if k != nd.n {
			t.Fatalf("%s: node %d counts %d entries, walk finds %d", step, i, nd.n, k)
		}
		total += nd.n
	}
	if total != l.count || mem != l.mem {
		t.Fatalf("%s: total %d count %d, mem %d recorded %d", step, total, l.count, mem, l.mem)
	}
	it := l.Iter(0, false)
	for i, want := range model {
		got, ok := it.Next()
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("%s: element %d = %q, %v; want %q", step, i, got, ok, want)
		}
	}
	if _, ok := it.Next(); ok {
		t.Fatalf("%s: iterator goes past the end", step)
	}
	it = l.Iter(-1, true)
	for i := len(model) - 1; i >= 0; i-- {
		got, ok := it.Next()
		if !ok || !bytes.Equal(got, model[i]) {
			t.Fatalf("%s: reverse element %d = %q, %v; want %q", step, i, got, ok, model[i])
		}
	}
}

func randValue(r *rand.Rand) []byte {
	switch r.IntN(10) {
	case 0:
		return []byte(strings.Repeat("x", r.IntN(3000)))
	case 1:
		return nil
	case 2, 3, 4:
		return []byte(fmt.Sprint(r.IntN(5)))
	}
	return []byte(fmt.Sprint(r.Int64()))
}

// TestListModel runs random operations on lists of several fill settings
// and on a plain slice, comparing them after every step.
func TestListModel(t *testing.T) {
	for _, fill := range []int{-2, -1, 1, 3, 16, 128} {
		t.Run(fmt.Sprintf("fill=%d", fill), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(fill+10), 7))
			l := New(fill)
			var model [][]byte
			for step := 0; step < 4000; step++ {
				op := r.IntN(12)
				name := fmt.Sprintf("step %d op %d", step, op)
				switch op {
				case 0, 1:
					v := randValue(r)
					l.PushFront(v)
					model = slices.Insert(model, 0, v)
				case 2, 3:
					v := randValue(r)
					l.PushBack(v)
					model = append(model, v)
				case 4:
					if len(model) > 0 {
						if !bytes.Equal(l.Front(), model[0]) {
							t.Fatalf("%s: Front = %q, want %q", name, l.Front(), model[0])
						}
						model = model[1:]
					}
					l.RemoveFront()
				case 5:
					if len(model) > 0 {
						if !bytes.Equal(l.Back(), model[len(model)-1]) {
							t.Fatalf("%s: Back = %q", name, l.Back())
						}
						model = model[:len(model)-1]
					}
					l.RemoveBack()
				case 6:
					i := r.IntN(2*len(model)+2) - len(model) - 1
					v := randValue(r)
					ok := l.Set(i, v)
					j := i
					if j < 0 {
						j += len(model)
					}
					want := j >= 0 && j < len(model)
					if ok != want {
						t.Fatalf("%s: Set(%d) = %v", name, i, ok)
					}
					if ok {
						model[j] = v
					}
				case 7:
					pivot := []byte(fmt.Sprint(r.IntN(5)))
					v := randValue(r)
					after := r.IntN(2) == 0
					ok := l.Insert(pivot, v, after)
					k := slices.IndexFunc(model, func(e []byte) bool { return bytes.Equal(e, pivot) })
					if ok != (k >= 0) {
						t.Fatalf("%s: Insert found %v, model %d", name, ok, k)
					}
					if k >= 0 {
						if after {
							k++
						}
						model = slices.Insert(model, k, v)
					}
				case 8:
					v := []byte(fmt.Sprint(r.IntN(5)))
					count := r.IntN(5) - 2
					got := l.Remove(v, count)
					want := 0
					if count >= 0 {
						var out [][]byte
						for _, e := range model {
							if bytes.Equal(e, v) && (count == 0 || want < count) {
								want++
								continue
							}
							out = append(out, e)
						}
						model = out
					} else {
						for i := len(model) - 1; i >= 0 && want < -count; i-- {
							if bytes.Equal(model[i], v) {
								model = slices.Delete(model, i, i+1)
								want++
							}
						}
					}
					if got != want {
						t.Fatalf("%s: Remove = %d, want %d", name, got, want)
					}
				case 9:
					if r.IntN(4) == 0 && len(model) > 0 {
						start := r.IntN(len(model))
						n := r.IntN(len(model)-start) + 1
						l.DeleteRange(start, n)
						model = slices.Delete(model, start, start+n)
					}
				case 10:
					i := r.IntN(2*len(model)+2) - len(model) - 1
					got, ok := l.Index(i)
					j := i
					if j < 0 {
						j += len(model)
					}
					if want := j >= 0 && j < len(model); ok != want || ok && !bytes.Equal(got, model[j]) {
						t.Fatalf("%s: Index(%d) = %q, %v", name, i, got, ok)
					}
				case 11:
					if len(model) > 0 {
						start := r.IntN(len(model))
						reverse := r.IntN(2) == 0
						it := l.Iter(start, reverse)
						for k := start; k >= 0 && k < len(model); {
							got, ok := it.Next()
							if !ok || !bytes.Equal(got, model[k]) {
								t.Fatalf("%s: Iter(%d,%v) at %d = %q", name, start, reverse, k, got)
							}
							if reverse {
								k--
							} else {
								k++
							}
						}
					}
				}
				check(t, l, model, name)
				if step%500 == 0 {
					c := l.Copy().(*List)
					check(t, c, model, name+" copy")
				}
			}
		})
	}
}

func TestEntryEncoding(t *testing.T) {
	for _, n := range []int{0, 1, 100, 124, 125, 126, 127, 128, 200, 16000, 16381, 16382, 16383, 16384, 70000, 3 << 20} {
		v := bytes.Repeat([]byte{'a'}, n)
		buf := make([]byte, entrySize(n)+3)
		putEntry(buf[3:], v)
		got, next := entryAt(buf, 3)
		if !bytes.Equal(got, v) || next != len(buf) {
			t.Fatalf("len %d: entryAt = %d bytes, next %d of %d", n, len(got), next, len(buf))
		}
		got, start := entryBefore(buf, len(buf))
		if !bytes.Equal(got, v) || start != 3 {
			t.Fatalf("len %d: entryBefore = %d bytes, start %d", n, len(got), start)
		}
	}
}

func TestNodeLimits(t *testing.T) {
	l := New(-2)
	for i := 0; i < 10000; i++ {
		l.PushBack([]byte("0123456789"))
	}
	if l.Nodes() < 10 || l.Nodes() > 20 {
		t.Fatalf("10000 small elements in %d nodes of 8 KB", l.Nodes())
	}
	if got := l.MemoryUsage(); got > 10000*13*2 {
		t.Fatalf("MemoryUsage = %d for 130 KB of entries", got)
	}
	l = New(4)
	for i := 0; i < 10; i++ {
		l.PushFront([]byte("x"))
	}
	if l.Nodes() != 3 {
		t.Fatalf("fill 4: 10 elements in %d nodes", l.Nodes())
	}
	big := New(-2)
	big.PushBack(bytes.Repeat([]byte{'b'}, 20000))
	big.PushBack([]byte("c"))
	if big.Nodes() != 2 {
		t.Fatalf("an element bigger than a node: %d nodes", big.Nodes())
	}
	if New(-100).fill != -5 || New(0).fill != 1 {
		t.Fatal("fill not clamped")
	}
}

func TestEmptyList(t *testing.T) {
	l := New(-2)
	if l.Front() != nil || l.Back() != nil || l.Len() != 0 {
		t.Fatal("empty list has elements")
	}
	l.RemoveFront()
	l.RemoveBack()
	l.DeleteRange(0, 5)
	if _, ok := l.Index(0); ok {
		t.Fatal("Index(0) on an empty list")
	}
	if l.Set(0, []byte("x")) || l.Insert([]byte("a"), []byte("b"), true) || l.Remove([]byte("a"), 0) != 0 {
		t.Fatal("change of an empty list succeeded")
	}
	it := l.Iter(0, false)
	if _, ok := it.Next(); ok {
		t.Fatal("iterator over an empty list")
	}
	if l.Kind().String() != "list" || l.Encoding() != "quicklist" {
		t.Fatal("kind or encoding")
	}
}
