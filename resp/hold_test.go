package resp

import (
	"bytes"
	"strings"
	"testing"
)

// countingWriter records how many writes reach the connection.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

func TestHoldKeepsRepliesInMemory(t *testing.T) {
	dst := &countingWriter{}
	w := NewWriter(dst, 64)
	w.Hold(true)
	big := []byte(strings.Repeat("v", 1000))
	w.Bulk(big)
	for i := range 100 {
		w.Int(int64(i))
	}
	w.BulkString(strings.Repeat("s", 500))
	if dst.writes != 0 {
		t.Fatalf("held writer wrote to the connection %d times", dst.writes)
	}
	w.Hold(false)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if dst.writes != 1 {
		t.Fatalf("flush after hold: %d writes, want 1", dst.writes)
	}
	var want bytes.Buffer
	ref := NewWriter(&want, 0)
	ref.Bulk(big)
	for i := range 100 {
		ref.Int(int64(i))
	}
	ref.BulkString(strings.Repeat("s", 500))
	ref.Flush()
	if !bytes.Equal(dst.Bytes(), want.Bytes()) {
		t.Fatal("held output differs from unheld output")
	}
	if len(w.buf) != 64 {
		t.Fatalf("buffer is %d bytes after flush, want it back to 64", len(w.buf))
	}
}

func TestTruncateDiscardsAHeldReply(t *testing.T) {
	var dst bytes.Buffer
	w := NewWriter(&dst, 64)
	w.Simple("OK")
	w.Hold(true)
	mark := w.Buffered()
	w.Bulk(bytes.Repeat([]byte("x"), 500))
	w.Truncate(mark)
	w.Hold(false)
	w.Int(7)
	w.Flush()
	if got := dst.String(); got != "+OK\r\n:7\r\n" {
		t.Fatalf("got %q", got)
	}
}
