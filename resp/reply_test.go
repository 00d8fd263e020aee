package resp

import (
	"bufio"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	cases := []struct {
		in   string
		want string // Value.String of the reply
	}{
		{"+OK\r\n", `+"OK"`},
		{"-ERR bad\r\n", `-"ERR bad"`},
		{":-7\r\n", ":-7"},
		{"$3\r\nfoo\r\n", `$"foo"`},
		{"$0\r\n\r\n", `$""`},
		{"$-1\r\n", "$null"},
		{"*-1\r\n", "*null"},
		{"*0\r\n", "*[]"},
		{"*2\r\n:1\r\n*1\r\n+x\r\n", `*[:1 *[+"x"]]`},
		{"_\r\n", "_null"},
		{",1.5\r\n", `,"1.5"`},
		{",-inf\r\n", `,"-inf"`},
		{"#t\r\n", "#1"},
		{"#f\r\n", "#0"},
		{"!5\r\nERR x\r\n", `!"ERR x"`},
		{"=8\r\ntxt:a\r\nb\r\n", `=txt:"a\r\nb"`},
		{"(12345678901234567890\r\n", `("12345678901234567890"`},
		{"%1\r\n+k\r\n:1\r\n", `%[+"k" :1]`},
		{"~2\r\n:1\r\n:2\r\n", "~[:1 :2]"},
		{">2\r\n+message\r\n$1\r\nx\r\n", `>[+"message" $"x"]`},
		{"$?\r\n;3\r\nfoo\r\n;2\r\nba\r\n;0\r\n", `$"fooba"`},
		{"*?\r\n:1\r\n*?\r\n.\r\n.\r\n", "*[:1 *[]]"},
		{"%?\r\n+a\r\n:1\r\n.\r\n", `%[+"a" :1]`},
	}
	for _, tc := range cases {
		v, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := v.String(); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestReadReplyValues(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("|1\r\n+ttl\r\n:3\r\n$2\r\nhi\r\n,nan\r\n=5\r\nmkd:x\r\n"))
	v, err := ReadReply(br)
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != KindBulk || v.Str != "hi" || len(v.Attrs) != 2 || v.Attrs[0].Str != "ttl" || v.Attrs[1].Int != 3 {
		t.Fatalf("attributed reply: %+v", v)
	}
	if v, err = ReadReply(br); err != nil || !math.IsNaN(v.Float) {
		t.Fatalf("nan: %+v %v", v, err)
	}
	if v, err = ReadReply(br); err != nil || v.Format != "mkd" || v.Str != "x" {
		t.Fatalf("verbatim: %+v %v", v, err)
	}
	if _, err = ReadReply(br); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestReadReplyErrors(t *testing.T) {
	cases := []struct {
		in  string
		err error
	}{
		{"+OK\n", errBadReply},
		{"\r\n", errBadReply},
		{"?\r\n", errBadReply},
		{":x\r\n", errBadReply},
		{"$-2\r\n", errBadReply},
		{"$3\r\nfoobar\r\n", errBadReply},
		{"*-2\r\n", errBadReply},
		{"#x\r\n", errBadReply},
		{",abc\r\n", errBadReply},
		{"_x\r\n", errBadReply},
		{"=2\r\nab\r\n", errBadReply},
		{"%9223372036854775807\r\n", errBadReply},
		{"$?\r\n+x\r\n", errBadReply},
		{"*?\r\n.x\r\n", errBadReply},
		{strings.Repeat("*1\r\n", 1000) + ":1\r\n", errBadReply},
		{"+OK", io.ErrUnexpectedEOF},
		{"$10\r\nabc", io.ErrUnexpectedEOF},
		{"*2\r\n:1\r\n", io.ErrUnexpectedEOF},
		{"$500000000\r\nabc", io.ErrUnexpectedEOF},
		{"*500000000\r\n:1\r\n", io.ErrUnexpectedEOF},
		{"|1\r\n+a\r\n+b\r\n", io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		_, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)))
		if !errors.Is(err, tc.err) {
			t.Errorf("%.30q: error %v, want %v", tc.in, err, tc.err)
		}
	}
}
