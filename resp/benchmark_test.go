package resp

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

// loopReader serves the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], l.data[l.off:])
		n += k
		l.off = (l.off + k) % len(l.data)
		if l.off == 0 {
			break // one batch per read, as a client waiting for replies sends
		}
	}
	return n, nil
}

func BenchmarkReadCommand(b *testing.B) {
	commands := map[string]string{
		"GET": "*2\r\n$3\r\nGET\r\n$10\r\nkey:000001\r\n",
		"SET": "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$100\r\n" + strings.Repeat("v", 100) + "\r\n",
	}
	for _, name := range []string{"GET", "SET"} {
		for _, pipeline := range []int{1, 16} {
			b.Run("cmd="+name+"/pipeline="+strconv.Itoa(pipeline), func(b *testing.B) {
				batch := []byte(strings.Repeat(commands[name], pipeline))
				r := NewReader(&loopReader{data: batch}, Limits{})
				b.SetBytes(int64(len(commands[name])))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					args, err := r.ReadCommand()
					if err != nil || len(args) < 2 {
						b.Fatal(err)
					}
				}
			})
		}
	}
	b.Run("cmd=inline", func(b *testing.B) {
		r := NewReader(&loopReader{data: []byte("SET \"key 1\" value\r\n")}, Limits{})
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if args, err := r.ReadCommand(); err != nil || len(args) != 3 {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWriter(b *testing.B) {
	v3 := []byte("abc")
	v100 := []byte(strings.Repeat("v", 100))
	replies := []struct {
		name  string
		write func(w *Writer)
	}{
		{"simple=OK", func(w *Writer) { w.Simple("OK") }},
		{"bulk=3", func(w *Writer) { w.Bulk(v3) }},
		{"bulk=100", func(w *Writer) { w.Bulk(v100) }},
		{"int=12345", func(w *Writer) { w.Int(12345) }},
		{"null=resp2", func(w *Writer) { w.Null() }},
		{"double=3.14", func(w *Writer) { w.Double(3.14) }},
		{"bulkint=12345", func(w *Writer) { w.BulkInt(12345) }},
	}
	for _, rp := range replies {
		b.Run("reply="+strings.TrimPrefix(rp.name, "reply="), func(b *testing.B) {
			w := NewWriter(io.Discard, 0)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rp.write(w)
				if i%16 == 15 {
					w.Flush()
				}
			}
			w.Flush()
		})
	}
}
