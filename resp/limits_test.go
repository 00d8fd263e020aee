package resp

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// allocatedBy returns how many bytes f allocates on the heap.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDeclaredLengthDoesNotAllocate(t *testing.T) {
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\nabc"
	var err error
	n := allocatedBy(func() {
		r := NewReader(strings.NewReader(in), Limits{MaxBulkLen: 1 << 30})
		_, err = r.ReadCommand()
	})
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if n > 64<<10 {
		t.Fatalf("allocated %d bytes for a declared 600000000-byte bulk", n)
	}
}

func TestBufferFollowsArrivingBytes(t *testing.T) {
	sent := 300 << 10
	in := io.MultiReader(strings.NewReader("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n"),
		bytes.NewReader(make([]byte, sent)))
	var err error
	n := allocatedBy(func() {
		r := NewReader(in, Limits{MaxBulkLen: 1 << 30})
		_, err = r.ReadCommand()
	})
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if n > uint64(4*sent) {
		t.Fatalf("allocated %d bytes after receiving %d", n, sent)
	}
}

func TestQueryBufferLimitStopsGrowth(t *testing.T) {
	// Clients streaming an endless inline line or endless arguments stop
	// at the limit.
	endless := func(pattern string) io.Reader {
		off := 0
		return readerFunc(func(p []byte) (int, error) {
			for i := range p {
				p[i] = pattern[off%len(pattern)]
				off++
			}
			return len(p), nil
		})
	}
	streams := map[string]io.Reader{
		"inline": endless("x"),
		"args":   io.MultiReader(strings.NewReader("*2147483647\r\n"), endless("$1\r\na\r\n")),
	}
	for name, in := range streams {
		r := NewReader(in, Limits{MaxQueryBuffer: 1 << 20, MaxInlineLen: 4 << 20})
		if _, err := r.ReadCommand(); err != ErrQueryBufferLimit {
			t.Fatalf("%s: error %v, want ErrQueryBufferLimit", name, err)
		}
		if len(r.buf) > 1<<20 {
			t.Fatalf("%s: buffer grew to %d bytes, past the 1 MiB limit", name, len(r.buf))
		}
	}
}

func TestBufferShrinksAfterBigCommand(t *testing.T) {
	big := strings.Repeat("v", 1<<20)
	var in strings.Builder
	in.WriteString("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n" + big + "\r\n")
	in.WriteString("*1000\r\n" + strings.Repeat("$1\r\na\r\n", 1000))
	in.WriteString("*1\r\n$4\r\nPING\r\n")
	r := NewReader(socketReader{strings.NewReader(in.String())}, Limits{})
	args, err := r.ReadCommand()
	if err != nil || len(args) != 3 || string(args[2]) != big {
		t.Fatalf("big SET: %v", err)
	}
	if len(r.buf) < 1<<20 || len(r.buf) > 2<<20 {
		t.Fatalf("buffer of %d bytes for a 1 MiB value", len(r.buf))
	}
	if args, err = r.ReadCommand(); err != nil || len(args) != 1000 {
		t.Fatalf("1000 args: %d, %v", len(args), err)
	}
	if len(r.buf) != initialBufSize {
		t.Fatalf("buffer of %d bytes after the big command, want %d", len(r.buf), initialBufSize)
	}
	if args, err = r.ReadCommand(); err != nil || string(args[0]) != "PING" {
		t.Fatalf("PING: %q, %v", args, err)
	}
	if cap(r.offs) > 2*shrinkArgs || cap(r.args) > shrinkArgs {
		t.Fatalf("argument slices kept capacity %d, %d", cap(r.offs), cap(r.args))
	}
}

// socketReader hides any WriterTo or other interface of its reader, and returns
// at most 64 KiB per read, as a socket would.
type socketReader struct{ r io.Reader }

func (i socketReader) Read(p []byte) (int, error) {
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	return i.r.Read(p)
}
