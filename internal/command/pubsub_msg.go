package command

import "strconv"

// message is one published message, encoded at most once per protocol
// version and per kind, however many clients receive it: the encoded
// bytes are shared, read-only, by every subscriber's queue.
type message struct {
	channel, payload []byte
	// enc holds the "message"/"smessage" encodings for RESP2 and RESP3.
	enc [2][]byte
}

// kind of a message as its first element names it.
const (
	kindMessage  = "message"
	kindSMessage = "smessage"
	kindPMessage = "pmessage"
)

// encoded returns the message's encoding for proto (2 or 3), encoding it
// on first use.
func (m *message) encoded(kind string, proto int) []byte {
	i := protoIndex(proto)
	if m.enc[i] == nil {
		m.enc[i] = encodePush(nil, proto, kind, m.channel, m.payload)
	}
	return m.enc[i]
}

// protoIndex maps a protocol version to 0 (RESP2) or 1 (RESP3).
func protoIndex(proto int) int {
	if proto == 3 {
		return 1
	}
	return 0
}

// encodePush appends a push message of kind followed by the bulk strings
// elems: an array in RESP2, a push type in RESP3, as Redis sends Pub/Sub
// messages.
func encodePush(dst []byte, proto int, kind string, elems ...[]byte) []byte {
	n := 1 + len(elems)
	size := 16 + len(kind)
	for _, e := range elems {
		size += len(e) + 16
	}
	if dst == nil {
		dst = make([]byte, 0, size)
	}
	if proto == 3 {
		dst = append(dst, '>')
	} else {
		dst = append(dst, '*')
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, "\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(kind)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, kind...)
	dst = append(dst, "\r\n"...)
	for _, e := range elems {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(e)), 10)
		dst = append(dst, "\r\n"...)
		dst = append(dst, e...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// encodeConfirmation encodes a (un)subscription confirmation [kind, name,
// count] as replySubscription writes it; a nil name is a null.
func encodeConfirmation(proto int, kind string, name []byte, count int) []byte {
	dst := encodePush(nil, proto, kind)
	dst[1] = '3' // three elements, not the one encodePush counted
	if name == nil {
		if proto == 3 {
			dst = append(dst, "_\r\n"...)
		} else {
			dst = append(dst, "$-1\r\n"...)
		}
	} else {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(name)), 10)
		dst = append(dst, "\r\n"...)
		dst = append(dst, name...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(count), 10)
	return append(dst, "\r\n"...)
}
