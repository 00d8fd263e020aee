package resp

import (
	"io"
	"strings"
	"testing"
)

func TestHotPathsDoNotAllocate(t *testing.T) {
	cmd := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nGET key\r\n"
	r := NewReader(&loopReader{data: []byte(strings.Repeat(cmd, 4))}, Limits{})
	if n := testing.AllocsPerRun(1000, func() {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadCommand: %v allocations per command", n)
	}
	w := NewWriter(io.Discard, 256)
	value, v, ok := []byte("value"), []byte("v"), []byte("+OK\r\n")
	for _, proto := range []int{2, 3} {
		w.SetProtocol(proto)
		if n := testing.AllocsPerRun(1000, func() {
			w.Simple("OK")
			w.Error("ERR no")
			w.Bulk(value)
			w.BulkString("value")
			w.BulkInt(-5)
			w.Int(7)
			w.Null()
			w.NullArray()
			w.Array(1)
			w.Map(1)
			w.Set(1)
			w.Push(1)
			w.Attribute(1)
			w.Double(2.5)
			w.Bool(true)
			w.Verbatim("txt", v)
			w.BigNumber("1")
			w.Raw(ok)
		}); n != 0 {
			t.Errorf("Writer RESP%d: %v allocations per round", proto, n)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}
