package resp

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"
)

type writeCase struct {
	name  string
	write func(w *Writer)
	resp2 string
	resp3 string
}

var writeCases = []writeCase{
	{"simple", func(w *Writer) { w.Simple("OK") }, "+OK\r\n", "+OK\r\n"},
	{"error", func(w *Writer) { w.Error("ERR bad\r\nthing\n") }, "-ERR bad  thing \r\n", "-ERR bad  thing \r\n"},
	{"wrongtype", func(w *Writer) {
		w.Error("WRONGTYPE Operation against a key holding the wrong kind of value")
	}, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{"int", func(w *Writer) { w.Int(-42) }, ":-42\r\n", ":-42\r\n"},
	{"int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
	{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
	{"bulk empty", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
	{"bulk string", func(w *Writer) { w.BulkString("hello") }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
	{"bulk int", func(w *Writer) { w.BulkInt(12345) }, "$5\r\n12345\r\n", "$5\r\n12345\r\n"},
	{"bulk int zero", func(w *Writer) { w.BulkInt(0) }, "$1\r\n0\r\n", "$1\r\n0\r\n"},
	{"bulk int ten digits", func(w *Writer) { w.BulkInt(1234567890) }, "$10\r\n1234567890\r\n", "$10\r\n1234567890\r\n"},
	{"bulk int min", func(w *Writer) { w.BulkInt(math.MinInt64) }, "$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n"},
	{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
	{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
	{"array", func(w *Writer) { w.Array(2); w.Int(1); w.Simple("x") }, "*2\r\n:1\r\n+x\r\n", "*2\r\n:1\r\n+x\r\n"},
	{"empty array", func(w *Writer) { w.Array(0) }, "*0\r\n", "*0\r\n"},
	{"map", func(w *Writer) { w.Map(1); w.BulkString("k"); w.Int(1) }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
	{"set", func(w *Writer) { w.Set(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
	{"push", func(w *Writer) { w.Push(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", ">1\r\n$1\r\nm\r\n"},
	{"attribute", func(w *Writer) {
		w.Attribute(1)
		if w.Protocol() == 3 {
			w.BulkString("ttl")
			w.Int(3)
		}
		w.Simple("OK")
	}, "+OK\r\n", "|1\r\n$3\r\nttl\r\n:3\r\n+OK\r\n"},
	{"double", func(w *Writer) { w.Double(3.14) }, "$18\r\n3.1400000000000001\r\n", ",3.1400000000000001\r\n"},
	{"double int", func(w *Writer) { w.Double(10) }, "$2\r\n10\r\n", ",10\r\n"},
	{"double zero", func(w *Writer) { w.Double(0) }, "$1\r\n0\r\n", ",0\r\n"},
	{"double minus zero", func(w *Writer) { w.Double(math.Copysign(0, -1)) }, "$2\r\n-0\r\n", ",-0\r\n"},
	{"double exp", func(w *Writer) { w.Double(1e20) }, "$5\r\n1e+20\r\n", ",1e+20\r\n"},
	{"double small", func(w *Writer) { w.Double(1e-5) }, "$22\r\n1.0000000000000001e-05\r\n", ",1.0000000000000001e-05\r\n"},
	{"double 1e16", func(w *Writer) { w.Double(1e16) }, "$17\r\n10000000000000000\r\n", ",10000000000000000\r\n"},
	{"double 1e17", func(w *Writer) { w.Double(1e17) }, "$5\r\n1e+17\r\n", ",1e+17\r\n"},
	{"double tiny", func(w *Writer) { w.Double(5e-324) }, "$23\r\n4.9406564584124654e-324\r\n", ",4.9406564584124654e-324\r\n"},
	{"double min normal", func(w *Writer) { w.Double(-2.2250738585072014e-308) }, "$24\r\n-2.2250738585072014e-308\r\n", ",-2.2250738585072014e-308\r\n"},
	{"double inf", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
	{"double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
	{"double nan", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
	{"double -nan", func(w *Writer) { w.Double(math.Copysign(math.NaN(), -1)) }, "$4\r\n-nan\r\n", ",-nan\r\n"},
	{"bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
	{"bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
	{"verbatim", func(w *Writer) { w.Verbatim("txt", []byte("hi\r\n")) }, "$4\r\nhi\r\n\r\n", "=8\r\ntxt:hi\r\n\r\n"},
	{"verbatim short format", func(w *Writer) { w.Verbatim("m", []byte("x")) }, "$1\r\nx\r\n", "=5\r\nm  :x\r\n"},
	{"verbatim long format", func(w *Writer) { w.Verbatim("mkdown", []byte("x")) }, "$1\r\nx\r\n", "=5\r\nmkd:x\r\n"},
	{"big number", func(w *Writer) { w.BigNumber("1234567890123456789012") }, "$22\r\n1234567890123456789012\r\n", "(1234567890123456789012\r\n"},
	{"raw", func(w *Writer) { w.Raw([]byte("+PONG\r\n")) }, "+PONG\r\n", "+PONG\r\n"},
}

// written returns what write produces for protocol proto with a buffer of
// size bytes.
func written(t *testing.T, write func(*Writer), proto, size int) string {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out, size)
	w.SetProtocol(proto)
	write(w)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestWriterBytes(t *testing.T) {
	for _, tc := range writeCases {
		for _, size := range []int{0, 1, 70} {
			if got := written(t, tc.write, 2, size); got != tc.resp2 {
				t.Errorf("%s RESP2 size %d: got %q, want %q", tc.name, size, got, tc.resp2)
			}
			if got := written(t, tc.write, 3, size); got != tc.resp3 {
				t.Errorf("%s RESP3 size %d: got %q, want %q", tc.name, size, got, tc.resp3)
			}
		}
	}
}

func TestWriterOutputParses(t *testing.T) {
	for _, tc := range writeCases {
		for _, proto := range []int{2, 3} {
			want := tc.resp2
			if proto == 3 {
				want = tc.resp3
			}
			br := bufio.NewReader(strings.NewReader(written(t, tc.write, proto, 0)))
			v, err := ReadReply(br)
			if err != nil {
				t.Errorf("%s RESP%d: ReadReply: %v", tc.name, proto, err)
				continue
			}
			if br.Buffered() != 0 {
				t.Errorf("%s RESP%d: %d bytes left after %v", tc.name, proto, br.Buffered(), v)
			}
			if v.Kind != want[0] && !(v.Attrs != nil && want[0] == '|') {
				t.Errorf("%s RESP%d: kind %q, want %q", tc.name, proto, v.Kind, want[0])
			}
		}
	}
}

func TestWriterValuesRoundTrip(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 0)
	w.SetProtocol(3)
	w.Map(2)
	w.BulkString("a")
	w.Double(1.5)
	w.BulkString("b")
	w.Set(2)
	w.Bool(true)
	w.Null()
	w.Verbatim("txt", []byte("some text"))
	w.BigNumber("-99999999999999999999")
	w.Error("ERR x")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(&out)
	var got []string
	for br.Buffered() > 0 || out.Len() > 0 {
		v, err := ReadReply(br)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.String())
	}
	want := []string{
		`%[$"a" ,"1.5" $"b" ~[#1 _null]]`,
		`=txt:"some text"`,
		`("-99999999999999999999"`,
		`-"ERR x"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// recordingWriter records the size of every Write.
type recordingWriter struct {
	bytes.Buffer
	sizes []int
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.sizes = append(r.sizes, len(p))
	return r.Buffer.Write(p)
}

func TestWriterLargeBulkWrittenThrough(t *testing.T) {
	var rec recordingWriter
	w := NewWriter(&rec, 1024)
	big := bytes.Repeat([]byte("x"), 100000)
	w.Simple("OK")
	w.Bulk(big)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "+OK\r\n$100000\r\n" + string(big) + "\r\n"
	if rec.String() != want {
		t.Fatalf("output differs (len %d, want %d)", rec.Len(), len(want))
	}
	direct := 0
	for _, s := range rec.sizes {
		if s > 1024 {
			direct += s
		}
	}
	if direct < len(big)-1024 {
		t.Fatalf("writes %v: the 100000-byte bulk was copied through the 1024-byte buffer", rec.sizes)
	}
}

func TestWriterFlushesWhenFull(t *testing.T) {
	var rec recordingWriter
	w := NewWriter(&rec, 64)
	for i := 0; i < 100; i++ {
		w.Int(int64(i))
		if w.Buffered() > 64 {
			t.Fatalf("buffered %d bytes, more than the buffer size", w.Buffered())
		}
	}
	if len(rec.sizes) == 0 {
		t.Fatal("no write before Flush although the buffer filled up")
	}
	w.Flush()
	if w.Buffered() != 0 {
		t.Fatalf("buffered %d after Flush", w.Buffered())
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errFail = errors.New("write failed")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	return n, errFail
}

func TestWriterStickyError(t *testing.T) {
	w := NewWriter(&failWriter{n: 10}, 64)
	for i := 0; i < 100; i++ {
		w.BulkString("hello world")
	}
	if !errors.Is(w.Err(), errFail) {
		t.Fatalf("Err %v, want %v", w.Err(), errFail)
	}
	if err := w.Flush(); !errors.Is(err, errFail) {
		t.Fatalf("Flush %v, want %v", err, errFail)
	}
	w.Bulk(make([]byte, 1000)) // must not panic or write
	var out bytes.Buffer
	w.Reset(&out)
	w.Simple("OK")
	if err := w.Flush(); err != nil || out.String() != "+OK\r\n" || w.Protocol() != 2 {
		t.Fatalf("after Reset: %v %q proto %d", err, out.String(), w.Protocol())
	}
}

func TestWriterShortWrite(t *testing.T) {
	short := writerFunc(func(p []byte) (int, error) { return len(p) / 2, nil })
	w := NewWriter(short, 0)
	w.Simple("OK")
	if err := w.Flush(); err == nil {
		t.Fatal("short write not reported")
	}
}

// writerFunc adapts a function to io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestWriterBufferSizeInvariant writes a random sequence of replies through
// buffers of different sizes and checks that the bytes are the same.
func TestWriterBufferSizeInvariant(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var ops []func(*Writer)
	for i := 0; i < 2000; i++ {
		n := rng.Intn(300)
		s := strings.Repeat(string(rune('a'+rng.Intn(26))), n)
		switch rng.Intn(8) {
		case 0:
			ops = append(ops, func(w *Writer) { w.Bulk([]byte(s)) })
		case 1:
			ops = append(ops, func(w *Writer) { w.BulkString(s) })
		case 2:
			ops = append(ops, func(w *Writer) { w.Error("ERR " + s) })
		case 3:
			ops = append(ops, func(w *Writer) { w.Simple(s) })
		case 4:
			f := rng.NormFloat64() * 1e10
			ops = append(ops, func(w *Writer) { w.Double(f) })
		case 5:
			v := rng.Int63() - rng.Int63()
			ops = append(ops, func(w *Writer) { w.Int(v); w.BulkInt(v) })
		case 6:
			ops = append(ops, func(w *Writer) { w.Verbatim("txt", []byte(s)) })
		case 7:
			ops = append(ops, func(w *Writer) { w.Map(n); w.Null(); w.Bool(n%2 == 0) })
		}
	}
	all := func(w *Writer) {
		for _, op := range ops {
			op(w)
		}
	}
	for _, proto := range []int{2, 3} {
		want := written(t, all, proto, 1<<24)
		for _, size := range []int{1, 100, 1000, 4096} {
			if got := written(t, all, proto, size); got != want {
				t.Fatalf("RESP%d: output with a %d-byte buffer differs", proto, size)
			}
		}
	}
}
