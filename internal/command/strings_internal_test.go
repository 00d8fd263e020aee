package command

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// strHarness runs commands through Dispatch on a server whose clock is
// fake, and returns the raw replies.
type strHarness struct {
	t   *testing.T
	s   *Server
	x   *Ctx
	out bytes.Buffer
	now atomic.Int64 // unix ms
}

func newStrHarness(t *testing.T, proto int) *strHarness {
	h := &strHarness{t: t}
	h.now.Store(time.Now().UnixMilli())
	db, err := engine.Open(engine.Options{Clock: h.now.Load})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	h.s = New(Options{DB: db, Config: standaloneConfig(), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.UnixMilli(h.now.Load()) }})
	h.x = &Ctx{W: resp.NewWriter(&h.out, 0)}
	h.s.Connect(&Client{}, h.x)
	h.x.W.SetProtocol(proto)
	h.x.C.proto.Store(int32(proto))
	return h
}

// do runs one command and returns its raw reply.
func (h *strHarness) do(args ...string) string {
	h.t.Helper()
	h.x.Args = h.x.Args[:0]
	for _, a := range args {
		h.x.Args = append(h.x.Args, []byte(a))
	}
	h.s.Dispatch(h.x)
	h.x.EndBatch() // as the server does before it flushes
	if err := h.x.W.Flush(); err != nil {
		h.t.Fatal(err)
	}
	r := h.out.String()
	h.out.Reset()
	return r
}

// expect runs a command and checks its raw reply.
func (h *strHarness) expect(want string, args ...string) {
	h.t.Helper()
	if got := h.do(args...); got != want {
		h.t.Errorf("%q: got %q, want %q", args, got, want)
	}
}

// expireAt returns key's expire time (0 none, -1 missing).
func (h *strHarness) expireAt(key string) int64 {
	var txn engine.Txn
	h.s.db.Begin(&txn, h.now.Load(), []byte(key))
	defer txn.End()
	e := txn.Peek([]byte(key))
	if e == nil {
		return -1
	}
	return e.ExpireAt()
}

// putObject stores a non-string value under key.
func (h *strHarness) putObject(key string) {
	var txn engine.Txn
	h.s.db.Begin(&txn, h.now.Load(), []byte(key))
	txn.SetObject([]byte(key), strFakeList{}, 0)
	txn.End()
}

// strFakeList is a list value, enough for WRONGTYPE checks.
type strFakeList struct{}

func (strFakeList) Kind() engine.Kind  { return engine.KindList }
func (strFakeList) Encoding() string   { return "quicklist" }
func (strFakeList) MemoryUsage() int64 { return 16 }
func (strFakeList) Len() int           { return 1 }

const wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

func TestStringWrongType(t *testing.T) {
	h := newStrHarness(t, 2)
	h.putObject("l")
	h.putObject("l2{t}")
	for _, c := range [][]string{
		{"get", "l"}, {"getset", "l", "x"}, {"getdel", "l"}, {"getex", "l"}, {"getex", "l", "persist"},
		{"set", "l", "x", "get"}, {"set", "l", "x", "nx", "get"}, {"append", "l", "x"}, {"strlen", "l"},
		{"incr", "l"}, {"decr", "l"}, {"incrby", "l", "1"}, {"decrby", "l", "1"},
		{"incrbyfloat", "l", "1"}, {"getrange", "l", "0", "-1"}, {"substr", "l", "0", "-1"},
		{"setrange", "l", "0", "x"}, {"setrange", "l", "0", ""},
	} {
		h.expect(wrongType, c...)
	}
	// the errors above changed nothing
	if h.expireAt("l") != 0 {
		t.Fatal("list key changed")
	}
	// options and arguments are checked before the type
	h.expect("-ERR syntax error\r\n", "getex", "l", "bogus")
	h.expect("-ERR value is not an integer or out of range\r\n", "getrange", "l", "x", "1")
	h.expect("-ERR value is not an integer or out of range\r\n", "incrby", "l", "x")
	h.expect("-ERR invalid expire time in 'set' command\r\n", "set", "l", "x", "get", "ex", "0")
	// SET without GET, SETNX, MSET and GETSET-free writes replace any type
	h.expect("*2\r\n$-1\r\n$-1\r\n", "mget", "l", "nokey")
	h.expect("+OK\r\n", "set", "l", "x")
	h.expect("$1\r\nx\r\n", "get", "l")
	h.expect(":0\r\n", "msetnx", "l2{t}", "a", "n{t}", "b")
	h.expect("+OK\r\n", "mset", "l2{t}", "a")
	h.expect("$1\r\na\r\n", "get", "l2{t}")
	h.putObject("l")
	h.expect(":0\r\n", "setnx", "l", "x")
	h.expect("+OK\r\n", "setex", "l", "10", "x")
	h.putObject("l")
	h.expect("-ERR The specified keys must contain string values\r\n", "lcs", "l", "nokey")
	h.expect("-ERR The specified keys must contain string values\r\n", "lcs", "nokey", "l")
}

func TestStringExpireTimes(t *testing.T) {
	h := newStrHarness(t, 2)
	now := h.now.Load()
	h.expect("+OK\r\n", "set", "k", "v", "ex", "100")
	if got := h.expireAt("k"); got != now+100_000 {
		t.Fatalf("SET EX 100: expireAt %d, want %d", got, now+100_000)
	}
	h.expect("+OK\r\n", "set", "k", "v", "px", "1500")
	if got := h.expireAt("k"); got != now+1500 {
		t.Fatalf("SET PX: expireAt %d", got)
	}
	h.expect("+OK\r\n", "set", "k", "v", "keepttl")
	if got := h.expireAt("k"); got != now+1500 {
		t.Fatalf("SET KEEPTTL: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "set", "k", "w", "xx", "get", "keepttl")
	if got := h.expireAt("k"); got != now+1500 {
		t.Fatalf("SET GET KEEPTTL: expireAt %d", got)
	}
	h.expect("+OK\r\n", "set", "k", "v", "exat", "4000000000")
	if got := h.expireAt("k"); got != 4_000_000_000_000 {
		t.Fatalf("SET EXAT: expireAt %d", got)
	}
	h.expect("+OK\r\n", "set", "k", "v", "pxat", "4000000000123")
	if got := h.expireAt("k"); got != 4_000_000_000_123 {
		t.Fatalf("SET PXAT: expireAt %d", got)
	}
	h.expect("+OK\r\n", "set", "k", "v")
	if got := h.expireAt("k"); got != 0 {
		t.Fatalf("plain SET: expireAt %d", got)
	}
	h.expect("+OK\r\n", "setex", "k", "7", "v")
	if got := h.expireAt("k"); got != now+7000 {
		t.Fatalf("SETEX: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "getset", "k", "v")
	if got := h.expireAt("k"); got != 0 {
		t.Fatalf("GETSET: expireAt %d", got)
	}
	h.expect("+OK\r\n", "psetex", "k", "7", "v")
	if got := h.expireAt("k"); got != now+7 {
		t.Fatalf("PSETEX: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "getex", "k", "ex", "9")
	if got := h.expireAt("k"); got != now+9000 {
		t.Fatalf("GETEX EX: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "getex", "k")
	if got := h.expireAt("k"); got != now+9000 {
		t.Fatalf("GETEX: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "getex", "k", "pxat", "4000000000123")
	if got := h.expireAt("k"); got != 4_000_000_000_123 {
		t.Fatalf("GETEX PXAT: expireAt %d", got)
	}
	h.expect("$1\r\nv\r\n", "getex", "k", "persist")
	if got := h.expireAt("k"); got != 0 {
		t.Fatalf("GETEX PERSIST: expireAt %d", got)
	}
	// INCR, APPEND, SETRANGE and INCRBYFLOAT keep the TTL
	h.expect("+OK\r\n", "set", "n", "1", "px", "5000")
	for _, c := range [][]string{{"incr", "n"}, {"incrbyfloat", "n", "1.5"}, {"append", "n", "0"}, {"setrange", "n", "0", "4"}} {
		h.do(c...)
		if got := h.expireAt("n"); got != now+5000 {
			t.Fatalf("%v: expireAt %d", c, got)
		}
	}
	h.expect("$4\r\n4.50\r\n", "get", "n")
	// a relative time at exactly now+ms; the key goes when the clock passes it
	h.expect("$4\r\n4.50\r\n", "getex", "n")
	h.now.Add(5000)
	h.expect("$4\r\n4.50\r\n", "get", "n") // expires after, not at, its time
	h.now.Add(1)
	h.expect("$-1\r\n", "get", "n")
	// GETEX with an absolute time equal to now deletes the key
	h.expect("+OK\r\n", "set", "k", "v")
	h.expect("$1\r\nv\r\n", "getex", "k", "pxat", itoa64(h.now.Load()))
	if got := h.expireAt("k"); got != -1 {
		t.Fatalf("GETEX PXAT now: key still there (%d)", got)
	}
	// overflow of now + EX is caught
	h.expect("$-1\r\n", "getex", "nokey2", "px", "9223372036854775807") // lookup first
	h.expect("+OK\r\n", "set", "k", "v")
	h.expect("-ERR invalid expire time in 'getex' command\r\n", "getex", "k", "px", "9223372036854775807")
	h.expect("-ERR invalid expire time in 'getex' command\r\n", "getex", "k", "ex", "9223372036854775")
	h.expect("$1\r\nv\r\n", "getex", "k", "exat", "9223372036854775")
	if got := h.expireAt("k"); got != 9223372036854775000 {
		t.Fatalf("GETEX EXAT max: expireAt %d", got)
	}
}

func TestStringRESP3Replies(t *testing.T) {
	h := newStrHarness(t, 3)
	h.expect("_\r\n", "get", "nokey")
	h.expect("_\r\n", "set", "k", "v", "xx")
	h.expect("_\r\n", "set", "k", "v", "get")
	h.expect("*2\r\n$1\r\nv\r\n_\r\n", "mget", "k", "nokey")
	h.expect("_\r\n", "getex", "nokey", "persist")
	h.expect("_\r\n", "getdel", "nokey")
	h.expect("$0\r\n\r\n", "getrange", "nokey", "0", "-1")
	h.expect("$3\r\n1.5\r\n", "incrbyfloat", "f", "1.5")
	h.expect("+OK\r\n", "mset", "a{t}", "ohmytext", "b{t}", "mynewtext")
	h.expect("%2\r\n$7\r\nmatches\r\n*2\r\n"+
		"*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"+
		"*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"+
		"$3\r\nlen\r\n:6\r\n", "lcs", "a{t}", "b{t}", "idx", "withmatchlen")

	h2 := newStrHarness(t, 2)
	h2.expect("+OK\r\n", "mset", "a{t}", "ohmytext", "b{t}", "mynewtext")
	h2.expect("*4\r\n$7\r\nmatches\r\n*1\r\n"+
		"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"+
		"$3\r\nlen\r\n:6\r\n", "lcs", "a{t}", "b{t}", "IDX", "MINMATCHLEN", "3")
	h2.expect("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "lcs", "x{t}", "b{t}", "idx")
}

func TestStringLongDoubleFormat(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"0", "1", "1"},
		{"1.25", "0", "1.25"},
		{"10.5", "0.1", "10.6"},
		{"10.6", "1e3", "1010.59999999999999998"},
		{"1", "-1.1", "-0.1"},
		{"0.1", "0.2", "0.3"},
		{"0.3", "0.6", "0.9"},
		{"1e-20", "0", "0"},
		{"-1e-20", "0", "0"},
		{"-0", "0", "0"},
		{"3.0e-17", "0", "0.00000000000000003"},
		{"5e-18", "0", "0"}, // just below half of the last digit
		{"1.5e-17", "0", "0.00000000000000002"},
		{"123456789012345678901234567890", "0", "123456789012345678899921813504"}, // 64-bit mantissa
		{"1e30", "0", "1000000000000000000024696061952"},
		{"9223372036854775807", "1", "9223372036854775808"},
		{"0x1p-2", "0x.8", "0.75"},
		{"2.5", "-2.5", "0"},
		{"100", "0", "100"},
	} {
		var a, b longDouble
		if !a.parse([]byte(tc.a)) || !b.parse([]byte(tc.b)) {
			t.Fatalf("parse %q or %q failed", tc.a, tc.b)
		}
		if !a.add(&b) {
			t.Fatalf("%s + %s: add failed", tc.a, tc.b)
		}
		if got := string(a.appendHuman(nil)); got != tc.want {
			t.Errorf("%s + %s = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "\t1", "1\x00", "1_0", "0b1", "0o7", "nan", "-nan", "NaN",
		"1e", "1e+", ".", "-", "+", "0x", "0x.", "0x1p", "e5", "1.2.3", "1e5000", "-1e5000", "1e-5000",
		"0x1p99999", "inf1", "infinit", strings.Repeat("1", 5120)} {
		var l longDouble
		if l.parse([]byte(bad)) {
			t.Errorf("parse(%q) succeeded", bad)
		}
	}
	for _, good := range []string{"1", "-1", "+1", "1.", ".5", "1e5", "1E-5", "0x1P+3", "0XaB.cDp-1",
		"inf", "-INF", "Infinity", "0e999999999999999999999", "00012", strings.Repeat("0", 5118) + "1"} {
		var l longDouble
		if !l.parse([]byte(good)) {
			t.Errorf("parse(%q) failed", good)
		}
	}
}

func itoa64(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// FuzzLongDoubleParse checks that parsing any input neither panics nor
// accepts what the grammar rejects, and that every accepted finite value
// formats as a number that parses back.
func FuzzLongDoubleParse(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "0x1.8p3", "inf", "1e4932", "1e-4940", " 1", "1_0", "nan", ".5e-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l longDouble
		if !l.parse([]byte(s)) {
			return
		}
		if form, _ := ldSyntax([]byte(s)); form == ldInvalid {
			t.Fatalf("parse(%q) accepted a string the grammar rejects", s)
		}
		if l.f.IsInf() {
			return
		}
		out := l.appendHuman(nil)
		var back longDouble
		if !back.parse(out) {
			t.Fatalf("parse(%q) printed %q, which does not parse back", s, out)
		}
	})
}
