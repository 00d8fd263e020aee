package resp

import "math"

// maxNumberLen mirrors Redis's LONG_STR_SIZE: a count string of this many
// bytes or more is never a valid number.
const maxNumberLen = 21

// parseInt parses b as a base-10 signed 64-bit integer with the strictness
// of Redis's string2ll: no sign other than a leading '-', no leading zeros,
// no spaces, no "-0", and nothing but digits after the optional sign.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= maxNumberLen {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
