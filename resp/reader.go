package resp

import (
	"errors"
	"io"
	"math"
)

// Buffer sizes of a Reader.
const (
	// initialBufSize is the size of a fresh Reader's buffer (Redis's
	// PROTO_IOBUF_LEN).
	initialBufSize = 16 << 10
	// shrinkBufSize is the size past which a buffer is given back once the
	// command that needed it has been consumed.
	shrinkBufSize = 64 << 10
	// shrinkArgs is the number of arguments past which the argument slices
	// are given back once the command that needed them has been consumed.
	shrinkArgs = 1024
	// maxEmptyReads bounds consecutive (0, nil) reads before giving up with
	// io.ErrNoProgress, as bufio does.
	maxEmptyReads = 100
)

// Limits bounds what a Reader accepts from one client. A zero or negative
// field takes the default shown in its comment.
type Limits struct {
	// MaxBulkLen is the longest bulk argument accepted, Redis's
	// proto-max-bulk-len; default 512 MiB. A longer declared length is a
	// "Protocol error: invalid bulk length".
	MaxBulkLen int64
	// MaxMultibulkLen is the largest multibulk count accepted; default
	// 2147483647 (INT_MAX), as in Redis. A larger count is a
	// "Protocol error: invalid multibulk length".
	MaxMultibulkLen int64
	// MaxQueryBuffer is the most bytes buffered for one unfinished command,
	// Redis's client-query-buffer-limit; default 1 GiB. A command needing
	// more makes ReadCommand return ErrQueryBufferLimit.
	MaxQueryBuffer int64
	// MaxInlineLen is the longest inline line, or multibulk or bulk count
	// string, still waiting for its line ending; default 64 KiB (Redis's
	// PROTO_INLINE_MAX_SIZE).
	MaxInlineLen int
}

// withDefaults returns l with every unset field replaced by its default.
func (l Limits) withDefaults() Limits {
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = 512 << 20
	}
	if l.MaxMultibulkLen <= 0 {
		l.MaxMultibulkLen = math.MaxInt32
	}
	if l.MaxQueryBuffer <= 0 {
		l.MaxQueryBuffer = 1 << 30
	}
	if l.MaxInlineLen <= 0 {
		l.MaxInlineLen = 64 << 10
	}
	return l
}

// Parser states of a Reader.
const (
	stateStart      = iota // between commands
	stateInline            // looking for the end of an inline line
	stateCount             // looking for the end of the "*<count>" line
	stateBulkHeader        // looking for the end of a "$<len>" line
	stateBulkData          // waiting for bulkLen bytes and two more
)

// Reader reads commands from a client connection. It keeps a buffer that
// starts at 16 KiB, grows as bytes arrive and shrinks back after a big
// command. A Reader is not safe for concurrent use.
type Reader struct {
	rd  io.Reader
	lim Limits

	// buf[start:end] holds bytes read and not yet consumed; start is where
	// the current command begins and pos is how far it has been parsed.
	buf   []byte
	start int
	pos   int
	end   int
	// scan is where the search for the current line's end resumes, so a
	// line arriving a byte at a time is not searched from its start again.
	scan int

	state   int
	remain  int64 // arguments still expected by the current multibulk
	bulkLen int64 // length of the bulk being waited for in stateBulkData

	// offs holds (begin, end) pairs of the current command's arguments,
	// relative to start so that compacting the buffer keeps them valid.
	offs []int
	args [][]byte

	err     error // sticky protocol or limit error
	readErr error // error returned together with data, reported next time
}

// NewReader returns a Reader that reads commands from rd within lim.
func NewReader(rd io.Reader, lim Limits) *Reader {
	return &Reader{
		rd:   rd,
		lim:  lim.withDefaults(),
		buf:  make([]byte, initialBufSize),
		offs: make([]int, 0, 16),
		args: make([][]byte, 0, 8),
	}
}

// SetLimits replaces the Reader's limits, as CONFIG SET does on live
// clients. It must be called from the goroutine that calls ReadCommand. The
// new limits apply to the rest of the command being read.
func (r *Reader) SetLimits(lim Limits) { r.lim = lim.withDefaults() }

// Buffered reports how many bytes are already read from the connection and
// not yet consumed, so a server can flush replies only when no pipelined
// command is waiting.
func (r *Reader) Buffered() int { return r.end - r.start }

// ReadCommand returns the next command's arguments. The slices alias the
// Reader's buffer and are valid only until the next call.
//
// Both multibulk ("*3\r\n$3\r\nSET\r\n...") and inline ("SET a b\r\n")
// commands are accepted; inline lines are split as Redis's sdssplitargs
// splits them, with "..." and '...' quoting and \x escapes. Empty lines and
// multibulk counts <= 0 are skipped silently, as Redis does. Like Redis,
// which looks for line ends with strchr, a NUL byte ends the search: an
// inline line, or a count line, holding a NUL before its end never
// completes, and fails once more than MaxInlineLen bytes are buffered. Bulk
// arguments may hold any bytes.
//
// ReadCommand returns io.EOF on a clean end of stream between commands,
// io.ErrUnexpectedEOF when the stream ends within a command, a
// *ProtocolError for malformed input (the caller replies "-ERR " +
// err.Error() and closes the connection) and ErrQueryBufferLimit when one
// command would need more than Limits.MaxQueryBuffer bytes (the caller closes
// the connection without a reply). Protocol and limit errors are sticky;
// other errors from the underlying reader are returned as they are and
// reading may be retried after them.
//
// ReadCommand calls Read on the underlying reader only when no complete
// command is buffered.
func (r *Reader) ReadCommand() ([][]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.state == stateStart {
		r.release()
	}
	for {
		done, err := r.parse()
		if err != nil {
			r.err = err
			return nil, err
		}
		if done {
			if int64(r.pos-r.start) > r.lim.MaxQueryBuffer {
				// Reached when one read brought a whole command at once.
				r.err = ErrQueryBufferLimit
				return nil, r.err
			}
			cmd := r.command()
			r.start = r.pos
			r.state = stateStart
			if len(cmd) == 0 {
				continue // empty inline line or multibulk count <= 0
			}
			return cmd, nil
		}
		if err := r.fill(); err != nil {
			if err == ErrQueryBufferLimit {
				r.err = err
			}
			return nil, err
		}
	}
}

// command returns the arguments recorded in offs as slices of buf.
func (r *Reader) command() [][]byte {
	r.args = r.args[:0]
	for i := 0; i+1 < len(r.offs); i += 2 {
		b, e := r.start+r.offs[i], r.start+r.offs[i+1]
		r.args = append(r.args, r.buf[b:e:e])
	}
	return r.args
}

// release runs between commands, when the previous command's arguments are
// no longer in use: it rewinds an empty buffer and gives back memory that a
// big command made the Reader grow.
func (r *Reader) release() {
	n := r.end - r.start
	if n == 0 {
		r.start, r.pos, r.end = 0, 0, 0
	}
	if len(r.buf) > shrinkBufSize && n <= initialBufSize/2 {
		nb := make([]byte, initialBufSize)
		copy(nb, r.buf[r.start:r.end])
		r.buf = nb
		r.start, r.pos, r.end = 0, 0, n
	}
	if cap(r.offs) > 2*shrinkArgs {
		r.offs = make([]int, 0, 16)
	}
	if cap(r.args) > shrinkArgs {
		r.args = make([][]byte, 0, 8)
	}
}

// fill reads more bytes into the buffer, making room first. It is called
// only when the buffered bytes do not hold a complete command, so all of
// buf[start:end] belongs to the current command.
func (r *Reader) fill() error {
	if r.readErr != nil {
		err := r.readErr
		r.readErr = nil
		return r.eofError(err)
	}
	if int64(r.end-r.start) >= r.lim.MaxQueryBuffer {
		return ErrQueryBufferLimit
	}
	if r.end == len(r.buf) {
		r.makeRoom()
	}
	for i := 0; i < maxEmptyReads; i++ {
		n, err := r.rd.Read(r.buf[r.end:])
		if n < 0 || n > len(r.buf)-r.end {
			return errors.New("resp: reader returned invalid count")
		}
		r.end += n
		if n > 0 {
			r.readErr = err
			return nil
		}
		if err != nil {
			return r.eofError(err)
		}
	}
	return io.ErrNoProgress
}

// eofError turns io.EOF into io.ErrUnexpectedEOF when a command is partly
// read.
func (r *Reader) eofError(err error) error {
	if err == io.EOF && (r.state != stateStart || r.end > r.start) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// makeRoom makes free space at the end of a full buffer. When the current
// command fills at most half of the buffer, it is moved to the front;
// otherwise the buffer grows. Growth doubles the buffer, but never past a
// bulk's known end or the query buffer limit, so memory follows the bytes
// that actually arrive rather than declared lengths.
func (r *Reader) makeRoom() {
	n := r.end - r.start
	dst := r.buf
	if n > len(r.buf)/2 {
		size := 2 * len(r.buf)
		if r.state == stateBulkData {
			// The bulk ends bulkLen+2 bytes after pos.
			need := int64(r.pos-r.start) + r.bulkLen + 2
			if need < int64(size) && need > int64(n) {
				size = int(need)
			}
		}
		if int64(size) > r.lim.MaxQueryBuffer {
			size = int(r.lim.MaxQueryBuffer)
		}
		if size <= n {
			size = n + 1
		}
		dst = make([]byte, size)
	}
	copy(dst, r.buf[r.start:r.end])
	r.buf = dst
	r.pos -= r.start
	r.scan -= r.start
	r.start, r.end = 0, n
}
