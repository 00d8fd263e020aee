package command

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

func zargs(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

// zfill adds n members m0..m<n-1> with scores 0..n-1 to key.
func zfill(s *Server, x *Ctx, key string, n int) {
	for i := range n {
		x.Args = zargs("ZADD " + key + " " + strconv.Itoa(i) + " m" + strconv.Itoa(i))
		s.Dispatch(x)
	}
	x.W.Flush()
}

// BenchmarkDispatchZSet runs the hot sorted-set commands through Dispatch
// on a compact set (100 members) and a full one (100,000), replies
// discarded.
func BenchmarkDispatchZSet(b *testing.B) {
	for _, size := range []int{100, 100_000} {
		for _, tc := range []struct{ name, cmd string }{
			{"zadd-update", "ZADD z 5 m50"},
			{"zscore", "ZSCORE z m50"},
			{"zrank", "ZRANK z m50"},
			{"zrange10", "ZRANGE z 10 19 WITHSCORES"},
			{"zcount", "ZCOUNT z 10 (60"},
		} {
			b.Run("cmd="+tc.name+"/size="+strconv.Itoa(size), func(b *testing.B) {
				s, x := newStrBenchCtx(b, io.Discard)
				zfill(s, x, "z", size)
				args := zargs(tc.cmd)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if tc.name == "zadd-update" {
						args[2] = strconv.AppendInt(args[2][:0], int64(i%1000), 10)
					}
					x.Args = args
					s.Dispatch(x)
					x.W.Flush()
				}
			})
		}
		b.Run("cmd=zpopmin+zadd/size="+strconv.Itoa(size), func(b *testing.B) {
			s, x := newStrBenchCtx(b, io.Discard)
			zfill(s, x, "z", size)
			pop, add := zargs("ZPOPMIN z"), zargs("ZADD z 1 m0")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				x.Args = pop
				s.Dispatch(x)
				x.Args = add
				s.Dispatch(x)
				x.W.Flush()
			}
		})
	}
}

// TestDispatchZSetNoAlloc checks that reading commands and score updates on
// a compact set do not allocate.
func TestDispatchZSetNoAlloc(t *testing.T) {
	s, x := newStrBenchCtx(t, io.Discard)
	zfill(s, x, "z", 50)
	for _, cmd := range []string{
		"ZSCORE z m10", "ZRANK z m10", "ZREVRANK z m10", "ZCARD z", "ZCOUNT z 1 (20",
		"ZRANGE z 0 9 WITHSCORES", "ZRANGEBYSCORE z 5 15", "ZMSCORE z m1 m2 nosuch",
		"ZADD z 7 m10", "ZINCRBY z 1 m11", "ZLEXCOUNT z - +",
	} {
		x.Args = zargs(cmd)
		if n := testing.AllocsPerRun(100, func() { s.Dispatch(x); x.W.Flush() }); n != 0 {
			t.Errorf("%s: %v allocations", cmd, n)
		}
	}
}
