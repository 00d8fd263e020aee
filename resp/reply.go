package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Reply type bytes, the first byte of each RESP2 and RESP3 reply.
const (
	KindSimple    = '+' // simple string
	KindError     = '-' // simple error
	KindInt       = ':' // integer
	KindBulk      = '$' // bulk string
	KindArray     = '*' // array
	KindNull      = '_' // RESP3 null
	KindDouble    = ',' // RESP3 double
	KindBool      = '#' // RESP3 boolean
	KindBulkError = '!' // RESP3 bulk error
	KindVerbatim  = '=' // RESP3 verbatim string
	KindBigNumber = '(' // RESP3 big number
	KindMap       = '%' // RESP3 map
	KindSet       = '~' // RESP3 set
	KindPush      = '>' // RESP3 push
	KindAttribute = '|' // RESP3 attribute
)

// maxReplyDepth bounds how deeply ReadReply follows nested aggregates.
const maxReplyDepth = 512

// Value is one parsed reply.
type Value struct {
	// Kind is the reply's type byte, one of the Kind constants. A RESP2
	// null bulk string ("$-1") or null array ("*-1") keeps its Kind
	// ('$' or '*') and has Null set.
	Kind byte
	// Str holds the text of simple strings, errors, bulk strings, verbatim
	// strings (without the format), big numbers and doubles (as sent).
	Str string
	// Int holds an integer, or 1 and 0 for a boolean.
	Int int64
	// Float holds a double.
	Float float64
	// Format holds a verbatim string's three-byte format, such as "txt".
	Format string
	// Null is set for nulls of any protocol version.
	Null bool
	// Elems holds the elements of an array, set or push, and the keys and
	// values of a map, alternating.
	Elems []Value
	// Attrs holds the key-value pairs of a RESP3 attribute sent before this
	// reply, alternating, or nil.
	Attrs []Value
}

// String returns a compact human-readable form of v, for test failures.
func (v Value) String() string {
	var b strings.Builder
	v.format(&b)
	return b.String()
}

// format writes v's human-readable form to b.
func (v Value) format(b *strings.Builder) {
	switch {
	case v.Null:
		fmt.Fprintf(b, "%cnull", v.Kind)
	case v.Kind == KindInt || v.Kind == KindBool:
		fmt.Fprintf(b, "%c%d", v.Kind, v.Int)
	case v.Elems != nil || isAggregate(v.Kind):
		fmt.Fprintf(b, "%c[", v.Kind)
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.format(b)
		}
		b.WriteByte(']')
	case v.Kind == KindVerbatim:
		fmt.Fprintf(b, "%c%s:%q", v.Kind, v.Format, v.Str)
	default:
		fmt.Fprintf(b, "%c%q", v.Kind, v.Str)
	}
}

// isAggregate reports whether kind is an aggregate type.
func isAggregate(kind byte) bool {
	switch kind {
	case KindArray, KindMap, KindSet, KindPush, KindAttribute:
		return true
	}
	return false
}

// errBadReply is wrapped by every error ReadReply returns for malformed
// input.
var errBadReply = errors.New("resp: malformed reply")

// ReadReply reads one RESP2 or RESP3 reply from r. Attributes are attached
// to the reply that follows them. Streamed strings ("$?") and streamed
// aggregates ("*?" ... ".") are collected into ordinary values. ReadReply
// allocates freely and is meant for tests and clients, not for hot paths;
// it does not preallocate according to declared lengths.
func ReadReply(r *bufio.Reader) (Value, error) {
	return readValue(r, 0)
}

// readValue reads one reply nested depth aggregates deep.
func readValue(r *bufio.Reader, depth int) (Value, error) {
	if depth > maxReplyDepth {
		return Value{}, fmt.Errorf("%w: nested too deeply", errBadReply)
	}
	line, err := readLine(r)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, fmt.Errorf("%w: empty line", errBadReply)
	}
	v := Value{Kind: line[0]}
	rest := line[1:]
	switch v.Kind {
	case KindSimple, KindError:
		v.Str = rest
	case KindInt:
		v.Int, err = atoi(rest)
	case KindBigNumber:
		v.Str = rest
	case KindNull:
		v.Null = true
		if rest != "" {
			err = fmt.Errorf("%w: %q", errBadReply, line)
		}
	case KindBool:
		switch rest {
		case "t":
			v.Int = 1
		case "f":
		default:
			err = fmt.Errorf("%w: bad boolean %q", errBadReply, rest)
		}
	case KindDouble:
		v.Str = rest
		v.Float, err = parseDouble(rest)
	case KindBulk, KindBulkError, KindVerbatim:
		err = readBulkBody(r, rest, &v)
	case KindArray, KindSet, KindPush, KindMap, KindAttribute:
		err = readAggregate(r, rest, &v, depth)
		if err == nil && v.Kind == KindAttribute {
			attrs := v.Elems
			v, err = readValue(r, depth)
			err = unexpected(err)
			v.Attrs = attrs
		}
	default:
		err = fmt.Errorf("%w: unknown type %q", errBadReply, v.Kind)
	}
	if err != nil {
		return Value{}, err
	}
	return v, nil
}

// readBulkBody reads the body of a bulk string, bulk error or verbatim
// string whose header line, after the type byte, is hdr.
func readBulkBody(r *bufio.Reader, hdr string, v *Value) error {
	var body string
	switch {
	case hdr == "-1" && v.Kind == KindBulk:
		v.Null = true
		return nil
	case hdr == "?" && v.Kind == KindBulk:
		var err error
		if body, err = readStreamedString(r); err != nil {
			return err
		}
	default:
		n, err := atoi(hdr)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: bad length %q", errBadReply, hdr)
		}
		if body, err = readBody(r, n); err != nil {
			return err
		}
	}
	if v.Kind == KindVerbatim {
		if len(body) < 4 || body[3] != ':' {
			return fmt.Errorf("%w: bad verbatim string %q", errBadReply, body)
		}
		v.Format, body = body[:3], body[4:]
	}
	v.Str = body
	return nil
}

// readStreamedString reads the chunks of a streamed string ("$?") up to its
// empty terminating chunk (";0").
func readStreamedString(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := readLine(r)
		if err != nil {
			return "", unexpected(err)
		}
		if len(line) == 0 || line[0] != ';' {
			return "", fmt.Errorf("%w: bad chunk %q", errBadReply, line)
		}
		n, err := atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("%w: bad chunk %q", errBadReply, line)
		}
		if n == 0 {
			return b.String(), nil
		}
		chunk, err := readBody(r, n)
		if err != nil {
			return "", err
		}
		b.WriteString(chunk)
	}
}

// readAggregate reads the elements of an aggregate whose header line, after
// the type byte, is hdr.
func readAggregate(r *bufio.Reader, hdr string, v *Value, depth int) error {
	if hdr == "?" {
		v.Elems = []Value{}
		for {
			if b, err := r.Peek(1); err == nil && b[0] == '.' {
				line, err := readLine(r)
				if err != nil {
					return unexpected(err)
				}
				if line != "." {
					return fmt.Errorf("%w: bad stream end %q", errBadReply, line)
				}
				return nil
			}
			e, err := readValue(r, depth+1)
			if err != nil {
				return unexpected(err)
			}
			v.Elems = append(v.Elems, e)
		}
	}
	n, err := atoi(hdr)
	if err != nil {
		return fmt.Errorf("%w: bad length %q", errBadReply, hdr)
	}
	if n < 0 {
		if n == -1 && v.Kind == KindArray {
			v.Null = true
			return nil
		}
		return fmt.Errorf("%w: bad length %q", errBadReply, hdr)
	}
	if v.Kind == KindMap || v.Kind == KindAttribute {
		if n > math.MaxInt64/2 {
			return fmt.Errorf("%w: bad length %q", errBadReply, hdr)
		}
		n *= 2
	}
	v.Elems = make([]Value, 0, min(n, 1024))
	for i := int64(0); i < n; i++ {
		e, err := readValue(r, depth+1)
		if err != nil {
			return unexpected(err)
		}
		v.Elems = append(v.Elems, e)
	}
	return nil
}

// readLine reads a line ending in "\r\n" and returns it without the ending.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF && line != "" {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("%w: line not ending in CRLF: %q", errBadReply, line)
	}
	return line[:len(line)-2], nil
}

// readBody reads n bytes and the "\r\n" after them, growing its buffer only
// as bytes arrive.
func readBody(r *bufio.Reader, n int64) (string, error) {
	var b strings.Builder
	if _, err := io.CopyN(&b, r, n); err != nil {
		return "", unexpected(err)
	}
	var end [2]byte
	if _, err := io.ReadFull(r, end[:]); err != nil {
		return "", unexpected(err)
	}
	if end != [2]byte{'\r', '\n'} {
		return "", fmt.Errorf("%w: body not followed by CRLF", errBadReply)
	}
	return b.String(), nil
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// atoi parses a decimal integer.
func atoi(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bad integer %q", errBadReply, s)
	}
	return n, nil
}

// parseDouble parses a RESP3 double, accepting the inf and nan spellings
// Redis sends.
func parseDouble(s string) (float64, error) {
	switch s {
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan", "-nan":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bad double %q", errBadReply, s)
	}
	return f, nil
}
