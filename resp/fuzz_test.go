package resp

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"testing"
	"testing/iotest"
)

// encodeCommands encodes cmds as multibulk requests.
func encodeCommands(cmds [][]string) []byte {
	var b bytes.Buffer
	for _, c := range cmds {
		b.WriteString("*" + strconv.Itoa(len(c)) + "\r\n")
		for _, a := range c {
			b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
		}
	}
	return b.Bytes()
}

// FuzzReadCommand checks that ReadCommand never panics, that feeding the
// input a byte at a time changes nothing, and that the commands it parses
// come back unchanged once encoded as multibulk requests and parsed again.
func FuzzReadCommand(f *testing.F) {
	for _, tc := range readCases {
		if len(tc.input) < 1000 {
			f.Add([]byte(tc.input))
		}
	}
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n"))
	f.Add([]byte("SET \"a\\x00b\" 'c\\'d' e\r\nGET a\n"))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$500000000\r\nabc"))
	lim := Limits{MaxBulkLen: 1 << 20, MaxQueryBuffer: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmds, err := readAll(bytes.NewReader(data), lim)
		if len(data) <= 64<<10 {
			// Below the line limit, how bytes arrive cannot matter.
			cmds2, err2 := readAll(iotest.OneByteReader(bytes.NewReader(data)), lim)
			if fmt.Sprintf("%q %v", cmds, err) != fmt.Sprintf("%q %v", cmds2, err2) {
				t.Fatalf("whole: %q %v\nbytewise: %q %v", cmds, err, cmds2, err2)
			}
		}
		for _, c := range cmds {
			if len(c) == 0 {
				t.Fatalf("empty command returned")
			}
		}
		again, err := readAll(bytes.NewReader(encodeCommands(cmds)), lim)
		if err != io.EOF {
			t.Fatalf("re-encoded commands: error %v", err)
		}
		if fmt.Sprintf("%q", again) != fmt.Sprintf("%q", cmds) {
			t.Fatalf("re-encoded commands differ:\n got %q\nwant %q", again, cmds)
		}
	})
}
