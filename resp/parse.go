package resp

import "bytes"

// parse advances over the buffered bytes of the current command. It reports
// done once a whole command is parsed, with its arguments recorded in offs
// and pos just past it; otherwise it needs more bytes. It follows Redis's
// processMultibulkBuffer and processInlineBuffer, including their quirks.
func (r *Reader) parse() (done bool, err error) {
	for {
		switch r.state {
		case stateStart:
			if r.pos == r.end {
				return false, nil
			}
			r.start = r.pos
			r.scan = r.pos
			r.offs = r.offs[:0]
			if r.buf[r.pos] == '*' {
				r.state = stateCount
			} else {
				r.state = stateInline
			}
		case stateInline:
			return r.parseInline()
		case stateCount:
			i, ok, err := r.line(msgTooBigMbulkCount)
			if !ok || err != nil {
				return false, err
			}
			n, ok := parseInt(r.buf[r.pos+1 : i])
			if !ok || n > r.lim.MaxMultibulkLen {
				return false, &ProtocolError{Msg: msgInvalidMultibulkLen}
			}
			r.pos = i + 2
			if n <= 0 {
				return true, nil
			}
			r.remain = n
			r.state = stateBulkHeader
			r.scan = r.pos
		case stateBulkHeader:
			i, ok, err := r.line(msgTooBigBulkCount)
			if !ok || err != nil {
				return false, err
			}
			if c := r.buf[r.pos]; c != '$' {
				return false, errExpectedDollar(c)
			}
			n, ok := parseInt(r.buf[r.pos+1 : i])
			if !ok || n < 0 || n > r.lim.MaxBulkLen {
				return false, &ProtocolError{Msg: msgInvalidBulkLen}
			}
			r.pos = i + 2
			if int64(r.pos-r.start)+n+2 > r.lim.MaxQueryBuffer {
				return false, ErrQueryBufferLimit
			}
			r.bulkLen = n
			r.state = stateBulkData
		case stateBulkData:
			if int64(r.end-r.pos) < r.bulkLen+2 {
				return false, nil
			}
			b := r.pos - r.start
			r.offs = append(r.offs, b, b+int(r.bulkLen))
			// Like Redis, skip the two bytes after the bulk without
			// checking that they are "\r\n".
			r.pos += int(r.bulkLen) + 2
			r.remain--
			if r.remain == 0 {
				return true, nil
			}
			r.state = stateBulkHeader
			r.scan = r.pos
		}
	}
}

// line finds the '\r' that ends the count line starting at pos. It reports
// ok only when at least one byte follows the '\r' (Redis skips that byte
// without checking that it is '\n'). When no '\r' is buffered and more than
// MaxInlineLen bytes are, it fails with the protocol error tooBig.
func (r *Reader) line(tooBig string) (i int, ok bool, err error) {
	i = r.find('\r')
	if i < 0 {
		if r.end-r.pos > r.lim.MaxInlineLen {
			return 0, false, &ProtocolError{Msg: tooBig}
		}
		return 0, false, nil
	}
	if i+1 >= r.end {
		return 0, false, nil
	}
	return i, true, nil
}

// find returns the index of the first c at or after scan, or -1 when the
// buffered bytes hold none. Like strchr on Redis's query buffer, the search
// stops at a NUL byte: a line with a NUL before its end is never found.
// scan is moved forward so that the next search resumes where this one
// stopped.
func (r *Reader) find(c byte) int {
	seg := r.buf[r.scan:r.end]
	i := bytes.IndexByte(seg, c)
	before := seg
	if i >= 0 {
		before = seg[:i]
	}
	if z := bytes.IndexByte(before, 0); z >= 0 {
		r.scan += z // stays on the NUL: every later search stops there
		return -1
	}
	if i < 0 {
		r.scan = r.end
		return -1
	}
	r.scan += i
	return r.scan
}
