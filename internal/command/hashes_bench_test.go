package command

import (
	"io"
	"strconv"
	"testing"
)

// BenchmarkDispatchCollections runs the hot hash and set commands through
// Dispatch, as redis-benchmark's hset, sadd and spop tests do, replies
// discarded.
func BenchmarkDispatchCollections(b *testing.B) {
	for _, name := range []string{"hset", "hget", "sadd", "sismember", "spop"} {
		b.Run("cmd="+name, func(b *testing.B) {
			s, x := newStrBenchCtx(b, io.Discard)
			var args [][]byte
			switch name {
			case "hset":
				args = [][]byte{[]byte("HSET"), []byte("myhash"), []byte("element:1"), []byte("xxx")}
			case "hget":
				x.Args = [][]byte{[]byte("HSET"), []byte("myhash"), []byte("element:1"), []byte("xxx")}
				s.Dispatch(x)
				args = [][]byte{[]byte("HGET"), []byte("myhash"), []byte("element:1")}
			case "sadd":
				args = [][]byte{[]byte("SADD"), []byte("myset"), []byte("element:1")}
			case "sismember":
				x.Args = [][]byte{[]byte("SADD"), []byte("myset"), []byte("element:1")}
				s.Dispatch(x)
				args = [][]byte{[]byte("SISMEMBER"), []byte("myset"), []byte("element:1")}
			case "spop":
				args = [][]byte{[]byte("SPOP"), []byte("myset")}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if name == "spop" && i%1000 == 0 {
					b.StopTimer()
					x.Args = [][]byte{[]byte("SADD"), []byte("myset")}
					for j := range 1000 {
						x.Args = append(x.Args, []byte("m"+strconv.Itoa(j)))
					}
					s.Dispatch(x)
					x.W.Flush()
					b.StartTimer()
				}
				x.Args = args
				s.Dispatch(x)
				x.W.Flush()
			}
		})
	}
}

// TestDispatchCollectionsNoAlloc checks that updating or reading an
// existing small hash or set does not allocate.
func TestDispatchCollectionsNoAlloc(t *testing.T) {
	s, x := newStrBenchCtx(t, io.Discard)
	setup := [][][]byte{
		{[]byte("HSET"), []byte("h"), []byte("f"), []byte("abc")},
		{[]byte("SADD"), []byte("s"), []byte("1"), []byte("x")},
		{[]byte("SADD"), []byte("i"), []byte("1"), []byte("2")},
	}
	for _, a := range setup {
		x.Args = a
		s.Dispatch(x)
	}
	for _, a := range [][][]byte{
		{[]byte("HSET"), []byte("h"), []byte("f"), []byte("xyz")},
		{[]byte("HGET"), []byte("h"), []byte("f")},
		{[]byte("HEXISTS"), []byte("h"), []byte("f")},
		{[]byte("HLEN"), []byte("h")},
		{[]byte("SADD"), []byte("s"), []byte("x")},
		{[]byte("SADD"), []byte("i"), []byte("2")},
		{[]byte("SISMEMBER"), []byte("s"), []byte("x")},
		{[]byte("SISMEMBER"), []byte("i"), []byte("1")},
		{[]byte("SCARD"), []byte("s")},
	} {
		x.Args = a
		if n := testing.AllocsPerRun(100, func() { s.Dispatch(x); x.W.Flush() }); n != 0 {
			t.Errorf("%s allocates %v times per call", a[0], n)
		}
	}
}
