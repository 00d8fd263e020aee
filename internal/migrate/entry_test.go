package migrate

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/hash"
	"github.com/larderdb/larder/internal/types/list"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/internal/types/zset"
)

// sampleValues returns a value of every kind, each in its compact and its full encoding.
func sampleValues() map[string]engine.Object {
	lim := Limits{}.withDefaults()
	out := map[string]engine.Object{}
	for _, n := range []int{1, 5, 300} {
		l := list.New(-2)
		var s set.Set = set.NewIntset()
		var ss set.Set = set.NewIntset()
		h := hash.New()
		z := zset.New()
		for i := range n {
			l.PushBack(fmt.Appendf(nil, "elem-%d", i))
			s, _ = s.Add(fmt.Appendf(nil, "%d", i*1000-7), lim.Intset)
			ss, _ = ss.Add(fmt.Appendf(nil, "m%d", i), lim.Intset)
			h, _ = h.Set(fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i), lim.Hash)
			z.Add(fmt.Appendf(nil, "z%d", i), float64(i)/3-7, 0, lim.ZSet)
		}
		z.Add([]byte("inf"), math.Inf(1), 0, lim.ZSet)
		z.Add([]byte("-0"), math.Copysign(0, -1), 0, lim.ZSet)
		out[fmt.Sprint("list", n)] = l
		out[fmt.Sprint("intset", n)] = s
		out[fmt.Sprint("set", n)] = ss
		out[fmt.Sprint("hash", n)] = h
		out[fmt.Sprint("zset", n)] = z
	}
	return out
}

func TestValueRoundTrip(t *testing.T) {
	n := newNode(t, "a", SourceOptions{}, TargetOptions{})
	vals := sampleValues()
	for name, obj := range vals {
		n.setObj(name, obj, 0)
	}
	n.setString("empty", "", 0)
	n.setString("str", "hello\x00world", t0+5000)
	n.setString("int", "12345", 0)
	for name := range vals {
		vals[name] = nil
	}
	for _, k := range []string{"empty", "str", "int"} {
		vals[k] = nil
	}
	for name := range vals {
		n.do(name, func(txn *engine.Txn, k []byte) {
			e := txn.Peek(k)
			b, err := AppendValue(nil, e)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			v, err := DecodeValue(b, Limits{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := engine.Entry{Str: v.Str, Obj: v.Obj}
			want := normalize(e)
			g := normalize(&got)
			g.kind, g.expireAt = v.Kind, want.expireAt
			if g != want {
				t.Fatalf("%s: decoded %v, want %v", name, g, want)
			}
			if v.Obj != nil && v.Obj.Encoding() != e.Obj.Encoding() {
				t.Errorf("%s: encoding %s, source had %s", name, v.Obj.Encoding(), e.Obj.Encoding())
			}
			// Every corruption of one byte is refused, never a panic.
			for i := range b {
				c := append([]byte(nil), b...)
				c[i] ^= 0x5a
				if _, err := DecodeValue(c, Limits{}); !errors.Is(err, ErrBadEntry) {
					t.Fatalf("%s: byte %d corrupted: %v", name, i, err)
				}
			}
			for i := range min(len(b), 40) {
				if _, err := DecodeValue(b[:i], Limits{}); !errors.Is(err, ErrBadEntry) {
					t.Fatalf("%s: cut at %d: %v", name, i, err)
				}
			}
		})
	}
}

// FuzzDecodeValue: no input makes DecodeValue panic, and a value it accepts is not empty.
func FuzzDecodeValue(f *testing.F) {
	n := newNode(f, "a", SourceOptions{}, TargetOptions{})
	for name, obj := range sampleValues() {
		n.setObj(name, obj, 0)
		n.do(name, func(txn *engine.Txn, k []byte) {
			b, err := AppendValue(nil, txn.Peek(k))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		})
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b, Limits{})
		if err == nil && v.Obj != nil && v.Obj.Len() == 0 {
			t.Fatal("accepted an empty collection")
		}
	})
}

// FuzzRecords: no batch makes the record parser panic.
func FuzzRecords(f *testing.F) {
	f.Add(appendFlush(appendDel(appendSet(nil, []byte("k"), 5, []byte("v")), []byte("d")), 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			var err error
			if _, b, err = nextRecord(b); err != nil {
				return
			}
		}
	})
}
