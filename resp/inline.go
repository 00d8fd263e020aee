package resp

// parseInline parses an inline command: one line ending in "\n" or "\r\n",
// split into arguments as Redis's sdssplitargs splits it.
func (r *Reader) parseInline() (done bool, err error) {
	nl := r.find('\n')
	if nl < 0 {
		if r.end-r.pos > r.lim.MaxInlineLen {
			return false, &ProtocolError{Msg: msgTooBigInline}
		}
		return false, nil
	}
	e := nl
	if e > r.pos && r.buf[e-1] == '\r' {
		e--
	}
	if !r.splitArgs(r.pos, e) {
		return false, &ProtocolError{Msg: msgUnbalancedQuotes}
	}
	r.pos = nl + 1
	return true, nil
}

// splitArgs splits the line buf[p:e] into arguments and records them in
// offs. The line holds no NUL byte, so e plays the part of the C string's
// terminator. Unquoting never makes an argument longer than its source, so
// arguments are written in place over the line. It reports false for
// unbalanced quotes, or for a closing quote followed by something other than
// a space, as sdssplitargs does.
func (r *Reader) splitArgs(p, e int) bool {
	buf := r.buf
	w := p // where the next unquoted byte is written; w <= p throughout
	for {
		for p < e && isSpace(buf[p]) {
			p++
		}
		if p >= e {
			return true
		}
		tok := w
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := byteAt(buf, p, e)
			switch {
			case inDouble:
				switch {
				case c == '\\' && byteAt(buf, p+1, e) == 'x' &&
					isHex(byteAt(buf, p+2, e)) && isHex(byteAt(buf, p+3, e)):
					buf[w] = unhex(buf[p+2])<<4 | unhex(buf[p+3])
					w++
					p += 3
				case c == '\\' && byteAt(buf, p+1, e) != 0:
					p++
					buf[w] = unescape(buf[p])
					w++
				case c == '"':
					if n := byteAt(buf, p+1, e); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false // unterminated quotes
				default:
					buf[w] = c
					w++
				}
			case inSingle:
				switch {
				case c == '\\' && byteAt(buf, p+1, e) == '\'':
					p++
					buf[w] = '\''
					w++
				case c == '\'':
					if n := byteAt(buf, p+1, e); n != 0 && !isSpace(n) {
						return false
					}
					done = true
				case c == 0:
					return false // unterminated quotes
				default:
					buf[w] = c
					w++
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					buf[w] = c
					w++
				}
			}
			if p < e {
				p++
			}
		}
		r.offs = append(r.offs, tok-r.start, w-r.start)
	}
}

// byteAt returns buf[i], or 0 (the C string terminator) when i is at or past
// the end e of the line.
func byteAt(buf []byte, i, e int) byte {
	if i < e {
		return buf[i]
	}
	return 0
}

// isSpace reports whether c is a space in the C locale, as isspace does.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// unhex returns the value of the hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// unescape returns the byte a backslash escape inside double quotes stands
// for: \n, \r, \t, \b and \a are control characters, anything else is itself.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
