package resp

import (
	"io"
	"math"
	"strconv"
)

// Writer sizes.
const (
	// defaultWriterSize is the buffer size used when NewWriter is given 0.
	defaultWriterSize = 16 << 10
	// minWriterSize is the smallest buffer a Writer uses: room for any
	// header or number it formats in one piece.
	minWriterSize = 64
	// maxHeader is the most bytes a type byte, a 64-bit integer and "\r\n"
	// take, or a double with its RESP2 bulk header.
	maxHeader = 48
)

// Writer encodes replies for one client into a buffer and writes the buffer
// to the connection when it fills up or when Flush is called. Values larger
// than the buffer are written straight through, so a Writer's memory stays
// bounded whatever the reply size.
//
// After a write to the connection fails, every method does nothing and Err
// and Flush report the failure. A Writer is not safe for concurrent use.
type Writer struct {
	dst   io.Writer
	buf   []byte // buf[:n] is pending; len(buf) is the buffer size
	n     int
	proto int
	err   error
	size  int  // the buffer size to return to after a held reply grew it
	hold  bool // grow the buffer instead of writing to the connection
}

// NewWriter returns a Writer that writes to w through a buffer of size
// bytes: 16 KiB when size <= 0, and at least 64 bytes. It speaks RESP2
// until SetProtocol says otherwise.
func NewWriter(w io.Writer, size int) *Writer {
	if size <= 0 {
		size = defaultWriterSize
	}
	if size < minWriterSize {
		size = minWriterSize
	}
	return &Writer{dst: w, buf: make([]byte, size), proto: 2, size: size}
}

// SetProtocol sets the protocol version replies are encoded for: 3 selects
// RESP3, any other value RESP2.
func (w *Writer) SetProtocol(v int) {
	if v == 3 {
		w.proto = 3
	} else {
		w.proto = 2
	}
}

// Protocol returns the protocol version replies are encoded for, 2 or 3.
func (w *Writer) Protocol() int { return w.proto }

// Buffered returns the number of bytes written to the buffer and not yet
// flushed.
func (w *Writer) Buffered() int { return w.n }

// Err returns the first error met while writing to the connection, if any.
func (w *Writer) Err() error { return w.err }

// Reset discards buffered bytes and any error, and makes the Writer write to
// dst, speaking RESP2, so it can be reused for another connection.
func (w *Writer) Reset(dst io.Writer) {
	w.dst = dst
	w.n = 0
	w.err = nil
	w.proto = 2
}

// Flush writes the buffered bytes to the connection. Once a write fails,
// Flush keeps returning that error.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.n == 0 {
		return nil
	}
	n, err := w.dst.Write(w.buf[:w.n])
	if n < w.n && err == nil {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 && n < w.n {
			copy(w.buf, w.buf[n:w.n])
		}
		w.n -= max(n, 0)
		w.err = err
		return err
	}
	w.n = 0
	if !w.hold && len(w.buf) > 4*w.size {
		w.buf = make([]byte, w.size)
	}
	return nil
}

// Hold, while on, keeps every reply in memory: the buffer grows instead of
// being written to the connection. A server holds the Writer while it holds
// locks, so a slow client never stalls others; the buffer returns to its
// normal size at the next Flush after Hold(false).
func (w *Writer) Hold(on bool) { w.hold = on }

// spill makes room for k more bytes: it grows the buffer while held, else
// flushes it.
func (w *Writer) spill(k int) {
	if !w.hold {
		w.Flush()
		return
	}
	nb := make([]byte, max(2*len(w.buf), w.n+k))
	copy(nb, w.buf[:w.n])
	w.buf = nb
}

// reserve makes sure k <= len(buf) bytes are free, flushing if needed, and
// reports whether they are.
func (w *Writer) reserve(k int) bool {
	if len(w.buf)-w.n < k {
		w.spill(k)
	}
	return w.err == nil
}

// write appends b to the buffer; what does not fit once the buffer is empty
// goes straight to the connection.
func (w *Writer) write(b []byte) {
	if w.hold && len(b) > len(w.buf)-w.n {
		w.spill(len(b))
	}
	for len(b) > len(w.buf)-w.n && w.err == nil {
		if w.n == 0 {
			// Large write, empty buffer: write directly to avoid a copy.
			n, err := w.dst.Write(b)
			if n < len(b) && err == nil {
				err = io.ErrShortWrite
			}
			w.err = err
			return
		}
		k := copy(w.buf[w.n:], b)
		w.n += k
		b = b[k:]
		w.Flush()
	}
	if w.err != nil {
		return
	}
	w.n += copy(w.buf[w.n:], b)
}

// writeString appends s to the buffer, flushing as it fills up.
func (w *Writer) writeString(s string) {
	for w.err == nil {
		k := copy(w.buf[w.n:], s)
		w.n += k
		s = s[k:]
		if len(s) == 0 {
			return
		}
		w.spill(len(s))
	}
}

// crlf appends "\r\n".
func (w *Writer) crlf() {
	if w.reserve(2) {
		w.buf[w.n] = '\r'
		w.buf[w.n+1] = '\n'
		w.n += 2
	}
}

// header appends prefix, n and "\r\n", as in "$5\r\n" or ":42\r\n".
func (w *Writer) header(prefix byte, n int64) {
	if !w.reserve(maxHeader) {
		return
	}
	w.buf[w.n] = prefix
	b := strconv.AppendInt(w.buf[w.n+1:w.n+1], n, 10)
	w.n += 1 + len(b)
	w.buf[w.n] = '\r'
	w.buf[w.n+1] = '\n'
	w.n += 2
}

// line appends prefix, s and "\r\n".
func (w *Writer) line(prefix byte, s string) {
	if w.reserve(1) {
		w.buf[w.n] = prefix
		w.n++
	}
	w.writeString(s)
	w.crlf()
}

// Simple writes a simple string reply: "+s\r\n". s must not contain '\r'
// or '\n'.
func (w *Writer) Simple(s string) { w.line('+', s) }

// Error writes an error reply: "-msg\r\n". msg already carries its error
// code ("ERR ...", "WRONGTYPE ..."); any '\r' or '\n' in it is written as a
// space, as Redis does, so the reply stays well formed.
func (w *Writer) Error(msg string) {
	if w.reserve(1) {
		w.buf[w.n] = '-'
		w.n++
	}
	for w.err == nil {
		k := copy(w.buf[w.n:], msg)
		for i, c := range w.buf[w.n : w.n+k] {
			if c == '\r' || c == '\n' {
				w.buf[w.n+i] = ' '
			}
		}
		w.n += k
		msg = msg[k:]
		if len(msg) == 0 {
			break
		}
		w.Flush()
	}
	w.crlf()
}

// Int writes an integer reply: ":n\r\n".
func (w *Writer) Int(n int64) { w.header(':', n) }

// Bulk writes a bulk string reply: "$len\r\nb\r\n". A nil b is written as an
// empty bulk string, not as a null.
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.write(b)
	w.crlf()
}

// BulkString writes s as a bulk string reply.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.writeString(s)
	w.crlf()
}

// BulkInt writes the decimal form of n as a bulk string reply, as Redis's
// addReplyBulkLongLong does.
func (w *Writer) BulkInt(n int64) {
	if !w.reserve(maxHeader) {
		return
	}
	var tmp [24]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	w.buf[w.n] = '$'
	w.buf[w.n+1] = byte('0' + len(d)/10)
	w.buf[w.n+2] = byte('0' + len(d)%10)
	i := w.n + 2
	if len(d) < 10 {
		w.buf[w.n+1] = byte('0' + len(d))
		i = w.n + 1
	}
	i++
	w.buf[i], w.buf[i+1] = '\r', '\n'
	i += 2
	i += copy(w.buf[i:], d)
	w.buf[i], w.buf[i+1] = '\r', '\n'
	w.n = i + 2
}

// Null writes a null reply: "$-1\r\n" in RESP2 (a null bulk string), "_\r\n"
// in RESP3.
func (w *Writer) Null() {
	if w.proto == 3 {
		w.raw("_\r\n")
	} else {
		w.raw("$-1\r\n")
	}
}

// NullArray writes a null array reply: "*-1\r\n" in RESP2, "_\r\n" in RESP3.
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.raw("_\r\n")
	} else {
		w.raw("*-1\r\n")
	}
}

// Array writes the header of an array of n elements: "*n\r\n". The caller
// then writes the n elements.
func (w *Writer) Array(n int) { w.header('*', int64(n)) }

// Map writes the header of a map of n key-value pairs: "%n\r\n" in RESP3,
// an array of 2n elements in RESP2. The caller then writes each key followed
// by its value.
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.header('%', int64(n))
	} else {
		w.header('*', 2*int64(n))
	}
}

// Set writes the header of a set of n elements: "~n\r\n" in RESP3, an array
// in RESP2.
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.header('~', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Push writes the header of a push message of n elements: ">n\r\n" in
// RESP3, an array in RESP2 (as Pub/Sub messages are).
func (w *Writer) Push(n int) {
	if w.proto == 3 {
		w.header('>', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Attribute writes the header of an attribute of n key-value pairs in
// RESP3: "|n\r\n", followed by the pairs and then the reply they describe.
// RESP2 has no attributes: Attribute writes nothing, and the caller must
// not write the pairs either (check Protocol first).
func (w *Writer) Attribute(n int) {
	if w.proto == 3 {
		w.header('|', int64(n))
	}
}

// Double writes a floating point reply: ",repr\r\n" in RESP3, a bulk string
// of repr in RESP2. repr is what Redis 7.0 prints: "inf", "-inf", "nan" (or
// "-nan" for a NaN with its sign bit set, as glibc prints it) and otherwise
// the C format "%.17g".
func (w *Writer) Double(f float64) {
	if !w.reserve(maxHeader) {
		return
	}
	var tmp [32]byte
	var d []byte
	switch {
	case math.IsInf(f, 1):
		d = append(tmp[:0], "inf"...)
	case math.IsInf(f, -1):
		d = append(tmp[:0], "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			d = append(tmp[:0], "-nan"...)
		} else {
			d = append(tmp[:0], "nan"...)
		}
	default:
		// strconv's 'g' with precision 17 prints what C's "%.17g" prints.
		d = strconv.AppendFloat(tmp[:0], f, 'g', 17, 64)
	}
	i := w.n
	if w.proto == 3 {
		w.buf[i] = ','
		i++
	} else {
		w.buf[i] = '$'
		if len(d) >= 10 {
			w.buf[i+1] = byte('0' + len(d)/10)
			i++
		}
		w.buf[i+1] = byte('0' + len(d)%10)
		w.buf[i+2], w.buf[i+3] = '\r', '\n'
		i += 4
	}
	i += copy(w.buf[i:], d)
	w.buf[i], w.buf[i+1] = '\r', '\n'
	w.n = i + 2
}

// Bool writes a boolean reply: "#t\r\n" or "#f\r\n" in RESP3, the integer 1
// or 0 in RESP2.
func (w *Writer) Bool(b bool) {
	switch {
	case w.proto == 3 && b:
		w.raw("#t\r\n")
	case w.proto == 3:
		w.raw("#f\r\n")
	case b:
		w.raw(":1\r\n")
	default:
		w.raw(":0\r\n")
	}
}

// Verbatim writes a verbatim string reply: "=len\r\nfmt:b\r\n" in RESP3,
// where fmt is format cut or padded with spaces to three bytes as Redis
// does ("txt" or "mkd"); a plain bulk string of b in RESP2.
func (w *Writer) Verbatim(format string, b []byte) {
	if w.proto != 3 {
		w.Bulk(b)
		return
	}
	w.header('=', int64(len(b))+4)
	if !w.reserve(4) {
		return
	}
	for i := 0; i < 3; i++ {
		c := byte(' ')
		if i < len(format) {
			c = format[i]
		}
		w.buf[w.n+i] = c
	}
	w.buf[w.n+3] = ':'
	w.n += 4
	w.write(b)
	w.crlf()
}

// BigNumber writes a big number reply: "(s\r\n" in RESP3, a bulk string in
// RESP2. s must be a decimal integer.
func (w *Writer) BigNumber(s string) {
	if w.proto == 3 {
		w.line('(', s)
	} else {
		w.BulkString(s)
	}
}

// Raw writes b, which must already be encoded RESP, as it is.
func (w *Writer) Raw(b []byte) { w.write(b) }

// raw writes the short constant s.
func (w *Writer) raw(s string) {
	if w.reserve(len(s)) {
		w.n += copy(w.buf[w.n:], s)
	}
}

// Truncate drops the buffered bytes after the first n, so a reply written
// since Buffered returned n is discarded (CLIENT REPLY OFF). It is exact only
// while the Writer is held, so that nothing was flushed in between.
func (w *Writer) Truncate(n int) {
	if n >= 0 && n < w.n {
		w.n = n
	}
}
