package command

import (
	"io"
	"log/slog"
	"testing"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// newStrBenchCtx returns a fresh server and a connected Ctx whose replies
// go to w.
func newStrBenchCtx(tb testing.TB, w io.Writer) (*Server, *Ctx) {
	tb.Helper()
	db, err := engine.Open(engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	s := New(Options{DB: db, Config: standaloneConfig(), Logger: slog.New(slog.DiscardHandler)})
	x := &Ctx{W: resp.NewWriter(w, 0)}
	s.Connect(&Client{}, x)
	tb.Cleanup(func() { s.Disconnect(x) })
	return s, x
}

// BenchmarkDispatchGetSet runs GET and SET through Dispatch, replies
// discarded; neither may allocate (SET replacing a value of the same size).
func BenchmarkDispatchGetSet(b *testing.B) {
	for _, size := range []int{16, 1024} {
		val := make([]byte, size)
		for i := range val {
			val[i] = 'a' + byte(i%26)
		}
		setArgs := [][]byte{[]byte("SET"), []byte("key:000001"), val}
		getArgs := [][]byte{[]byte("GET"), []byte("key:000001")}
		b.Run("cmd=get/size="+itoa(size), func(b *testing.B) {
			s, x := newStrBenchCtx(b, io.Discard)
			x.Args = setArgs
			s.Dispatch(x)
			x.Args = getArgs
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				s.Dispatch(x)
				x.W.Flush() // as the connection does after each command it has no successor for
			}
		})
		b.Run("cmd=set/size="+itoa(size), func(b *testing.B) {
			s, x := newStrBenchCtx(b, io.Discard)
			x.Args = setArgs
			s.Dispatch(x)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				s.Dispatch(x)
				x.W.Flush() // as the connection does after each command it has no successor for
			}
		})
	}
}

// TestDispatchGetSetNoAlloc checks what BenchmarkDispatchGetSet measures,
// and more: GET, SET of an existing key (with options), INCR, MGET and the
// other O(1) string commands on existing keys do not allocate.
func TestDispatchGetSetNoAlloc(t *testing.T) {
	s, x := newStrBenchCtx(t, io.Discard)
	cmds := [][][]byte{
		{[]byte("SET"), []byte("k"), []byte("some value")},
		{[]byte("GET"), []byte("k")},
		{[]byte("set"), []byte("k"), []byte("other valu"), []byte("XX"), []byte("KEEPTTL")},
		{[]byte("SET"), []byte("n"), []byte("100000000000")},
		{[]byte("INCR"), []byte("n")},
		{[]byte("INCRBY"), []byte("n"), []byte("-7")},
		{[]byte("MGET"), []byte("k"), []byte("n"), []byte("missing")},
		{[]byte("STRLEN"), []byte("k")},
		{[]byte("SET"), []byte("k"), []byte("some value"), []byte("EX"), []byte("100"), []byte("GET")},
		{[]byte("GETEX"), []byte("k"), []byte("PX"), []byte("100000")},
		{[]byte("GETRANGE"), []byte("k"), []byte("1"), []byte("-2")},
		{[]byte("SETRANGE"), []byte("k"), []byte("2"), []byte("xy")},
		{[]byte("SETNX"), []byte("k"), []byte("v")},
		{[]byte("MSET"), []byte("k"), []byte("some value"), []byte("n"), []byte("12")},
	}
	for _, args := range cmds {
		x.Args = args
		s.Dispatch(x) // create the key or its TTL first
		if n := testing.AllocsPerRun(100, func() { s.Dispatch(x); x.W.Flush() }); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", args[0], n)
		}
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// BenchmarkIncrByFloat measures INCRBYFLOAT, which computes in emulated
// long double precision.
func BenchmarkIncrByFloat(b *testing.B) {
	s, x := newStrBenchCtx(b, io.Discard)
	x.Args = [][]byte{[]byte("INCRBYFLOAT"), []byte("f"), []byte("0.1")}
	b.ReportAllocs()
	for b.Loop() {
		s.Dispatch(x)
		x.W.Flush()
	}
}
