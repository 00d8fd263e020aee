package resp

import "errors"

// ProtocolError reports malformed input from a client. Its Error method
// returns the message Redis sends in that case, so a server replies with
// "-ERR " + err.Error() and then closes the connection.
type ProtocolError struct {
	// Msg is the message after the "Protocol error: " prefix, for example
	// "invalid bulk length".
	Msg string
}

// Error returns "Protocol error: " followed by Msg, worded exactly as Redis
// words it.
func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

// ErrQueryBufferLimit is returned by [Reader.ReadCommand] when a single
// command would need more than [Limits.MaxQueryBuffer] bytes of buffer. Redis
// closes such a connection without a reply; callers should do the same.
var ErrQueryBufferLimit = errors.New("resp: client query buffer limit reached")

// Protocol error messages, worded as Redis 7.0 words them.
const (
	msgInvalidMultibulkLen = "invalid multibulk length"
	msgInvalidBulkLen      = "invalid bulk length"
	msgTooBigMbulkCount    = "too big mbulk count string"
	msgTooBigBulkCount     = "too big bulk count string"
	msgTooBigInline        = "too big inline request"
	msgUnbalancedQuotes    = "unbalanced quotes in request"
)

// errExpectedDollar builds the error Redis returns when a bulk header does
// not start with '$'; got is the byte found instead.
func errExpectedDollar(got byte) error {
	return &ProtocolError{Msg: "expected '$', got '" + string([]byte{got}) + "'"}
}
