package command

import (
	"io"
	"strconv"
	"testing"
)

// bitArgs splits a command line into arguments.
func bitArgs(words ...string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

// TestDispatchBitsNoAlloc checks that the bitmap commands on an existing
// key of sufficient length do not allocate.
func TestDispatchBitsNoAlloc(t *testing.T) {
	s, x := newStrBenchCtx(t, io.Discard)
	x.Args = bitArgs("SETBIT", "bm", "8191", "1")
	s.Dispatch(x)
	x.W.Flush()
	for _, args := range [][][]byte{
		bitArgs("SETBIT", "bm", "100", "1"),
		bitArgs("SETBIT", "bm", "100", "0"),
		bitArgs("GETBIT", "bm", "100"),
		bitArgs("GETBIT", "missing", "100"),
		bitArgs("BITCOUNT", "bm"),
		bitArgs("BITCOUNT", "bm", "3", "-7", "BIT"),
		bitArgs("BITPOS", "bm", "1"),
		bitArgs("BITPOS", "bm", "0", "10", "20", "bit"),
		bitArgs("BITFIELD", "bm", "SET", "u8", "#3", "200", "INCRBY", "i5", "100", "1", "GET", "u4", "0"),
		bitArgs("BITFIELD", "bm", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"),
		bitArgs("BITFIELD_RO", "bm", "GET", "i64", "8000"),
	} {
		x.Args = args
		if n := testing.AllocsPerRun(100, func() { s.Dispatch(x); x.W.Flush() }); n != 0 {
			t.Errorf("%q: %v allocations per run", args, n)
		}
	}
}

// BenchmarkDispatchBits runs the bitmap commands through Dispatch on a
// bitmap of size bytes, replies discarded.
func BenchmarkDispatchBits(b *testing.B) {
	for _, size := range []int{128, 1 << 20} {
		last := strconv.Itoa(size*8 - 1)
		for _, bc := range []struct {
			name string
			args [][]byte
		}{
			{"setbit", bitArgs("SETBIT", "bm", "77", "1")},
			{"getbit", bitArgs("GETBIT", "bm", "77")},
			{"bitcount", bitArgs("BITCOUNT", "bm")},
			{"bitpos", bitArgs("BITPOS", "bm", "1", "1")},
			{"bitfield", bitArgs("BITFIELD", "bm", "INCRBY", "u12", "#5", "1")},
		} {
			b.Run("cmd="+bc.name+"/size="+strconv.Itoa(size), func(b *testing.B) {
				s, x := newStrBenchCtx(b, io.Discard)
				x.Args = bitArgs("SETBIT", "bm", last, "1")
				s.Dispatch(x)
				x.Args = bc.args
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					s.Dispatch(x)
					x.W.Flush()
				}
			})
		}
	}
}
