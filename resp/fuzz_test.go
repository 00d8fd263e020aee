package resp

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"strconv"
	"strings"
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

// TestLongPipelinedStream reads a long stream of commands of mixed sizes,
// which crosses buffer boundaries, slides and grows the buffer, and checks
// every command.
func TestLongPipelinedStream(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var want [][]string
	var stream bytes.Buffer
	for i := 0; i < 3000; i++ {
		if rng.Intn(4) == 0 {
			cmd := []string{"GET", "key" + strconv.Itoa(i)}
			want = append(want, cmd)
			stream.WriteString(strings.Join(cmd, " ") + "\r\n")
			continue
		}
		cmd := []string{"SET", "key" + strconv.Itoa(i)}
		size := rng.Intn(100)
		if rng.Intn(50) == 0 {
			size = rng.Intn(200 << 10)
		}
		cmd = append(cmd, strings.Repeat(string(rune('a'+i%26)), size))
		want = append(want, cmd)
		stream.Write(encodeCommands([][]string{cmd}))
	}
	for seed := int64(0); seed < 3; seed++ {
		in := bytes.NewReader(stream.Bytes())
		var rd io.Reader = readerFunc(func(p []byte) (int, error) {
			return in.Read(p[:min(len(p), 1+rng.Intn(40000))])
		})
		got, err := readAll(rd, Limits{})
		if err != io.EOF {
			t.Fatalf("error %v after %d commands", err, len(got))
		}
		if len(got) != len(want) {
			t.Fatalf("%d commands, want %d", len(got), len(want))
		}
		for i := range want {
			if strings.Join(got[i], " ") != strings.Join(want[i], " ") {
				t.Fatalf("command %d differs", i)
			}
		}
	}
}
