package command

import (
	"io"
	"testing"
)

// BenchmarkDispatchList runs the hot list commands through Dispatch with
// replies discarded, on a list kept at about 1000 elements.
func BenchmarkDispatchList(b *testing.B) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		cmd, undo [][]byte
	}{
		{"lpush", args("LPUSH", "mylist", "xxx"), args("RPOP", "mylist")},
		{"rpush", args("RPUSH", "mylist", "xxx"), args("LPOP", "mylist")},
		{"lpop", args("LPOP", "mylist"), args("RPUSH", "mylist", "xxx")},
		{"rpop", args("RPOP", "mylist"), args("LPUSH", "mylist", "xxx")},
		{"lrange_100", args("LRANGE", "mylist", "0", "99"), nil},
		{"lindex_mid", args("LINDEX", "mylist", "500"), nil},
	} {
		b.Run("cmd="+tc.name, func(b *testing.B) {
			s, x := newStrBenchCtx(b, io.Discard)
			for range 1000 {
				x.Args = args("RPUSH", "mylist", "xxx")
				s.Dispatch(x)
			}
			x.W.Flush()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				x.Args = tc.cmd
				s.Dispatch(x)
				if tc.undo != nil {
					x.Args = tc.undo
					s.Dispatch(x)
				}
				x.W.Flush()
			}
		})
	}
}

// TestDispatchListNoAlloc checks that pushes and pops on an existing list,
// LRANGE, LINDEX and LLEN do not allocate.
func TestDispatchListNoAlloc(t *testing.T) {
	s, x := newStrBenchCtx(t, io.Discard)
	arg := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	x.Args = arg("RPUSH", "l", "a", "b", "c", "d")
	s.Dispatch(x)
	for _, cmd := range [][][]byte{
		arg("LPUSH", "l", "x"), arg("RPOP", "l"), arg("RPUSH", "l", "y"), arg("LPOP", "l"),
		arg("LRANGE", "l", "0", "-1"), arg("LINDEX", "l", "2"), arg("LLEN", "l"),
	} {
		x.Args = cmd
		if n := testing.AllocsPerRun(200, func() { s.Dispatch(x); x.W.Flush() }); n > 0 {
			t.Errorf("%s allocates %.1f times", cmd[0], n)
		}
	}
}
