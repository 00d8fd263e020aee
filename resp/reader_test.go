package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
)

// feedMode is one way of handing a test input to a Reader.
type feedMode struct {
	name string
	wrap func(input []byte, seed int64) io.Reader
}

// feedModes hands the input over whole, a byte at a time, with the last
// bytes carrying io.EOF, and split at random points.
var feedModes = []feedMode{
	{"whole", func(in []byte, _ int64) io.Reader { return bytes.NewReader(in) }},
	{"bytewise", func(in []byte, _ int64) io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) }},
	{"dataerr", func(in []byte, _ int64) io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) }},
	{"halfreads", func(in []byte, _ int64) io.Reader { return iotest.HalfReader(bytes.NewReader(in)) }},
	{"random", func(in []byte, seed int64) io.Reader { return newSplitReader(in, seed) }},
}

// splitReader returns its input in chunks cut at random points.
type splitReader struct {
	chunks [][]byte
}

// newSplitReader cuts in at a few random points chosen from seed.
func newSplitReader(in []byte, seed int64) *splitReader {
	rng := rand.New(rand.NewSource(seed))
	var cuts []int
	for i := 0; i < 1+rng.Intn(8) && len(in) > 0; i++ {
		cuts = append(cuts, rng.Intn(len(in)+1))
	}
	cuts = append(cuts, 0, len(in))
	// sort the few cut points
	for i := range cuts {
		for j := i + 1; j < len(cuts); j++ {
			if cuts[j] < cuts[i] {
				cuts[i], cuts[j] = cuts[j], cuts[i]
			}
		}
	}
	s := &splitReader{}
	for i := 1; i < len(cuts); i++ {
		s.chunks = append(s.chunks, in[cuts[i-1]:cuts[i]])
	}
	return s
}

// Read returns the next chunk, or as much of it as fits in p.
func (s *splitReader) Read(p []byte) (int, error) {
	for len(s.chunks) > 0 && len(s.chunks[0]) == 0 {
		s.chunks = s.chunks[1:]
	}
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	s.chunks[0] = s.chunks[0][n:]
	return n, nil
}

// readAll reads commands from rd until an error and returns copies of them
// with that error.
func readAll(rd io.Reader, lim Limits) ([][]string, error) {
	r := NewReader(rd, lim)
	var cmds [][]string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		cmd := make([]string, len(args))
		for i, a := range args {
			cmd[i] = string(a)
		}
		cmds = append(cmds, cmd)
	}
}

// protoErr builds the error Redis sends for msg.
func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// sameError reports whether got matches want: the same message for protocol
// errors, errors.Is otherwise.
func sameError(got, want error) bool {
	var gp, wp *ProtocolError
	if errors.As(want, &wp) {
		return errors.As(got, &gp) && gp.Error() == wp.Error()
	}
	return errors.Is(got, want)
}

type readCase struct {
	name  string
	input string
	lim   Limits
	want  [][]string
	err   error
}

// cmds is shorthand for a list of commands, each a space-free word list.
func cmds(cs ...string) [][]string {
	var out [][]string
	for _, c := range cs {
		out = append(out, strings.Fields(c))
	}
	return out
}

var longDigits = strings.Repeat("1", 70000)
var longWord = strings.Repeat("a", 70000)

var readCases = []readCase{
	{name: "empty", input: "", err: io.EOF},
	{name: "multibulk", input: "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n", want: cmds("SET a b"), err: io.EOF},
	{name: "pipelined", input: "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n", want: cmds("PING", "GET k", "PING"), err: io.EOF},
	{name: "binary bulk", input: "*2\r\n$3\r\nGET\r\n$5\r\n\x00\r\n\n\x00\r\n", want: [][]string{{"GET", "\x00\r\n\n\x00"}}, err: io.EOF},
	{name: "empty bulk", input: "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", want: [][]string{{"GET", ""}}, err: io.EOF},
	{name: "counts <= 0 skipped", input: "*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", want: cmds("PING"), err: io.EOF},
	{name: "inline crlf", input: "SET a b\r\n", want: cmds("SET a b"), err: io.EOF},
	{name: "inline lf", input: "SET a b\nGET a\n", want: cmds("SET a b", "GET a"), err: io.EOF},
	{name: "inline spaces", input: " \t GET \t  k  \r\n", want: cmds("GET k"), err: io.EOF},
	{name: "empty lines skipped", input: "\r\n\n   \r\n\t\nPING\r\n", want: cmds("PING"), err: io.EOF},
	{name: "inline then multibulk", input: "PING\r\n*1\r\n$4\r\nPING\r\n", want: cmds("PING", "PING"), err: io.EOF},
	{name: "inline star later", input: " *1\r\n", want: cmds("*1"), err: io.EOF},
	{name: "bulk not followed by crlf", input: "*1\r\n$3\r\nfooXY*1\r\n$4\r\nPING\r\n", want: cmds("foo", "PING"), err: io.EOF},
	{name: "count line any byte after cr", input: "*1\rX$3\rYfooZZ", want: cmds("foo"), err: io.EOF},
	{name: "cr alone", input: "\r", err: io.ErrUnexpectedEOF},
	{name: "eof in count", input: "*1\r", err: io.ErrUnexpectedEOF},
	{name: "eof in header", input: "*2\r\n$3\r\nGET\r\n$1", err: io.ErrUnexpectedEOF},
	{name: "eof in bulk", input: "*2\r\n$3\r\nGET\r\n$1\r\nk", err: io.ErrUnexpectedEOF},
	{name: "eof before crlf of bulk", input: "*1\r\n$4\r\nPING\r", err: io.ErrUnexpectedEOF},
	{name: "eof in inline", input: "PING\r\nGET k", want: cmds("PING"), err: io.ErrUnexpectedEOF},
	{name: "inline nul never ends", input: "GET a\x00b\r\nPING\r\n", err: io.ErrUnexpectedEOF},
	{name: "count nul never ends", input: "*1\x00\r\n$4\r\nPING\r\n", err: io.ErrUnexpectedEOF},

	// Inline quoting, as sdssplitargs.
	{name: "double quotes", input: "SET \"a b\" \"\"\r\n", want: [][]string{{"SET", "a b", ""}}, err: io.EOF},
	{name: "single quotes", input: "SET 'a \"b' 'it\\'s' 'a\\nb'\r\n", want: [][]string{{"SET", "a \"b", "it's", "a\\nb"}}, err: io.EOF},
	{name: "escapes", input: "\"\\n\\r\\t\\b\\a\\z\\\\\\\"\"\n", want: [][]string{{"\n\r\t\b\az\\\""}}, err: io.EOF},
	{name: "hex escapes", input: "\"\\x41\\x4a\\x4B\\x00\\xff\\x4\" \"\\xZZ\"\n", want: [][]string{{"AJK\x00\xffx4", "xZZ"}}, err: io.EOF},
	{name: "quote inside token", input: "a\"b c\" d\n", want: [][]string{{"ab c", "d"}}, err: io.EOF},
	{name: "single quote inside token", input: "a'b c'\n", want: [][]string{{"ab c"}}, err: io.EOF},
	{name: "vertical tab", input: "\va\vb\fc d\n", want: [][]string{{"a\vb\fc", "d"}}, err: io.EOF},
	{name: "quote then vtab", input: "\"a\"\vb\n", want: [][]string{{"a", "b"}}, err: io.EOF},
	{name: "quote then cr", input: "\"a\"\r\n", want: [][]string{{"a"}}, err: io.EOF},
	{name: "escaped quote at end", input: "\"a\\\"\n", err: protoErr(msgUnbalancedQuotes)},
	{name: "unterminated double", input: "SET \"foo\r\n", err: protoErr(msgUnbalancedQuotes)},
	{name: "unterminated single", input: "SET 'foo\r\n", err: protoErr(msgUnbalancedQuotes)},
	{name: "closing quote then text", input: "\"foo\"bar\r\n", err: protoErr(msgUnbalancedQuotes)},
	{name: "closing single then text", input: "'foo'bar\n", err: protoErr(msgUnbalancedQuotes)},
	{name: "error after good command", input: "PING\r\n\"x\n", want: cmds("PING"), err: protoErr(msgUnbalancedQuotes)},

	// Protocol errors.
	{name: "count not a number", input: "*abc\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count empty", input: "*\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count leading zero", input: "*01\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count minus zero", input: "*-0\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count plus", input: "*+1\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count space", input: "* 1\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count lf only", input: "*1\n$4\r\nPING\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count over int max", input: "*2147483648\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count int max", input: "*2147483647\r\n", err: io.ErrUnexpectedEOF},
	{name: "count overflow", input: "*99999999999999999999\r\n", err: protoErr(msgInvalidMultibulkLen)},
	{name: "count over limit", input: "*3\r\n", lim: Limits{MaxMultibulkLen: 2}, err: protoErr(msgInvalidMultibulkLen)},
	{name: "count at limit", input: "*2\r\n$1\r\na\r\n$1\r\nb\r\n", lim: Limits{MaxMultibulkLen: 2}, want: cmds("a b"), err: io.EOF},
	{name: "expected dollar", input: "*1\r\nfoo\r\n", err: protoErr("expected '$', got 'f'")},
	{name: "expected dollar second", input: "*2\r\n$1\r\na\r\n:1\r\n", err: protoErr("expected '$', got ':'")},
	{name: "expected dollar cr", input: "*1\r\n\r\n", err: protoErr("expected '$', got '\r'")},
	{name: "bulk negative", input: "*1\r\n$-1\r\n", err: protoErr(msgInvalidBulkLen)},
	{name: "bulk not a number", input: "*1\r\n$abc\r\n", err: protoErr(msgInvalidBulkLen)},
	{name: "bulk empty", input: "*1\r\n$\r\n", err: protoErr(msgInvalidBulkLen)},
	{name: "bulk space", input: "*1\r\n$ 3\r\n", err: protoErr(msgInvalidBulkLen)},
	{name: "bulk over default", input: "*1\r\n$600000000\r\n", err: protoErr(msgInvalidBulkLen)},
	{name: "bulk at default", input: "*1\r\n$536870912\r\nab", err: io.ErrUnexpectedEOF},
	{name: "bulk over limit", input: "*1\r\n$4\r\nPING\r\n", lim: Limits{MaxBulkLen: 3}, err: protoErr(msgInvalidBulkLen)},
	{name: "too big mbulk count", input: "*" + longDigits, err: protoErr(msgTooBigMbulkCount)},
	{name: "too big mbulk count nul", input: "*1\x00" + longDigits + "\r\n", err: protoErr(msgTooBigMbulkCount)},
	{name: "long mbulk count under limit", input: "*" + longDigits[:60000], err: io.ErrUnexpectedEOF},
	{name: "too big bulk count", input: "*1\r\n$" + longDigits, err: protoErr(msgTooBigBulkCount)},
	{name: "too big inline", input: longWord, err: protoErr(msgTooBigInline)},
	{name: "too big inline nul", input: "GET \x00" + longWord + "\r\n", err: protoErr(msgTooBigInline)},
	{name: "long inline under limit", input: longWord[:60000] + "\r\n", want: [][]string{{longWord[:60000]}}, err: io.EOF},
	{name: "inline limit", input: "PING\r\nGET abcdefgh", lim: Limits{MaxInlineLen: 10}, want: cmds("PING"), err: protoErr(msgTooBigInline)},
	{name: "inline at limit", input: "GET abcdef", lim: Limits{MaxInlineLen: 10}, err: io.ErrUnexpectedEOF},

	// Query buffer limit.
	{name: "query limit exact", input: "*1\r\n$4\r\nPING\r\n", lim: Limits{MaxQueryBuffer: 14}, want: cmds("PING"), err: io.EOF},
	{name: "query limit bulk", input: "*1\r\n$4\r\nPING\r\n", lim: Limits{MaxQueryBuffer: 13}, err: ErrQueryBufferLimit},
	{name: "query limit declared", input: "*1\r\n$2000\r\n", lim: Limits{MaxQueryBuffer: 1000}, err: ErrQueryBufferLimit},
	{name: "query limit many args", input: "*1000\r\n" + strings.Repeat("$1\r\na\r\n", 200), lim: Limits{MaxQueryBuffer: 1000}, err: ErrQueryBufferLimit},
	{name: "query limit inline", input: strings.Repeat("a", 200) + "\r\n", lim: Limits{MaxQueryBuffer: 100}, err: ErrQueryBufferLimit},
	{name: "query limit per command", input: strings.Repeat("*1\r\n$4\r\nPING\r\n", 10), lim: Limits{MaxQueryBuffer: 14}, want: cmds("PING", "PING", "PING", "PING", "PING", "PING", "PING", "PING", "PING", "PING"), err: io.EOF},
}

func TestReadCommand(t *testing.T) {
	for _, tc := range readCases {
		for _, mode := range feedModes {
			for seed := int64(0); seed < 4; seed++ {
				if seed > 0 && mode.name != "random" {
					break
				}
				name := fmt.Sprintf("%s/%s/%d", tc.name, mode.name, seed)
				got, err := readAll(mode.wrap([]byte(tc.input), seed), tc.lim)
				if !sameError(err, tc.err) {
					t.Errorf("%s: error %q (%T), want %q", name, err, err, tc.err)
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
					t.Errorf("%s: commands\n got %q\nwant %q", name, got, tc.want)
				}
			}
		}
	}
}

func TestProtocolErrorMessages(t *testing.T) {
	cases := map[string]string{
		"*x\r\n":               "Protocol error: invalid multibulk length",
		"*1\r\nfoo\r\n":        "Protocol error: expected '$', got 'f'",
		"*1\r\n$-5\r\n":        "Protocol error: invalid bulk length",
		"*" + longDigits:       "Protocol error: too big mbulk count string",
		"*1\r\n$" + longDigits: "Protocol error: too big bulk count string",
		longWord:               "Protocol error: too big inline request",
		"'a\r\n":               "Protocol error: unbalanced quotes in request",
	}
	for in, want := range cases {
		_, err := NewReader(strings.NewReader(in), Limits{}).ReadCommand()
		if err == nil || err.Error() != want {
			t.Errorf("%.20q: error %v, want %q", in, err, want)
		}
	}
}

func TestErrorsAreSticky(t *testing.T) {
	r := NewReader(strings.NewReader("*x\r\nPING\r\n"), Limits{})
	_, err1 := r.ReadCommand()
	_, err2 := r.ReadCommand()
	if err1 == nil || err1 != err2 {
		t.Fatalf("errors %v, %v: want the same protocol error twice", err1, err2)
	}
	r = NewReader(strings.NewReader("*1\r\n$100\r\n"), Limits{MaxQueryBuffer: 50})
	for i := 0; i < 2; i++ {
		if _, err := r.ReadCommand(); err != ErrQueryBufferLimit {
			t.Fatalf("call %d: error %v, want ErrQueryBufferLimit", i, err)
		}
	}
}

// errReader returns its data, then err, then nothing but err.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReadErrorPassesThrough(t *testing.T) {
	boom := errors.New("boom")
	er := &errReader{data: []byte("PING\r\n*1\r\n$4\r\nPI"), err: boom}
	r := NewReader(er, Limits{})
	if args, err := r.ReadCommand(); err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("got %q, %v; want [PING]", args, err)
	}
	if _, err := r.ReadCommand(); err != boom {
		t.Fatalf("error %v, want boom", err)
	}
	// A failed read is not sticky: the command resumes where it stopped.
	er.data = []byte("NG\r\n")
	if args, err := r.ReadCommand(); err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("after retry got %q, %v; want [PING]", args, err)
	}
}

func TestNoProgress(t *testing.T) {
	r := NewReader(readerFunc(func([]byte) (int, error) { return 0, nil }), Limits{})
	if _, err := r.ReadCommand(); err != io.ErrNoProgress {
		t.Fatalf("error %v, want io.ErrNoProgress", err)
	}
}

// readerFunc adapts a function to io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// countingReader counts the calls to Read.
type countingReader struct {
	r     io.Reader
	calls int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.calls++
	return c.r.Read(p)
}

func TestPipelinedCommandsNeedNoRead(t *testing.T) {
	cr := &countingReader{r: strings.NewReader("PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n")}
	r := NewReader(cr, Limits{})
	wantBuffered := []int{26, 6, 0}
	for i, want := range wantBuffered {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
		if cr.calls != 1 {
			t.Fatalf("after command %d: %d reads, want 1", i, cr.calls)
		}
		if got := r.Buffered(); got != want {
			t.Fatalf("after command %d: Buffered %d, want %d", i, got, want)
		}
	}
}

func TestArgsCannotClobberBuffer(t *testing.T) {
	r := NewReader(strings.NewReader("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), Limits{})
	args, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	_ = append(args[0], 'X')
	if string(args[1]) != "b" || cap(args[0]) != 1 {
		t.Fatalf("append to an argument changed the next one: %q", args)
	}
}

func TestSetLimits(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"), Limits{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	r.SetLimits(Limits{MaxBulkLen: 3})
	_, err := r.ReadCommand()
	if !sameError(err, protoErr(msgInvalidBulkLen)) {
		t.Fatalf("error %v, want invalid bulk length", err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{MaxBulkLen: -1}.withDefaults()
	want := Limits{MaxBulkLen: 512 << 20, MaxMultibulkLen: 2147483647, MaxQueryBuffer: 1 << 30, MaxInlineLen: 64 << 10}
	if got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}
