package command

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/larderdb/larder/internal/types/zset"
)

// Sorted-set error replies, worded as Redis 7.0 words them.
const (
	errZNaN        = "ERR resulting score is not a number (NaN)"
	errZMinMax     = "ERR min or max is not a float"
	errZLexRange   = "ERR min or max not valid string range item"
	errZWeight     = "ERR weight value is not a float"
	errZNumKeys    = "ERR numkeys should be greater than 0"
	errZCount      = "ERR count should be greater than 0"
	errZLimitNeg   = "ERR LIMIT can't be negative"
	errZOutOfRange = "ERR value is out of range"
)

// cStrtod parses b as C's strtod does when it must consume all of b:
// leading white space, a sign, decimal or hexadecimal digits (a hex float
// needs no exponent), "inf", "infinity" or "nan" in any case. Overflow
// gives ±Inf and underflow 0 or a denormal, as strtod returns them; erange
// reports either. An empty b (or one of only spaces) parses as 0.
func cStrtod(b []byte) (f float64, erange, ok bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	b = b[i:]
	if len(b) == 0 {
		return 0, false, true
	}
	if n, isInt := parseInt(b); isInt && n >= -1<<53 && n <= 1<<53 {
		return float64(n), false, true
	}
	for _, c := range b {
		if c == '_' || isCSpace(c) {
			return 0, false, false
		}
	}
	// ParseFloat keeps no reference to its argument (it copies it into
	// its errors), so the bytes need no copy.
	s := unsafe.String(unsafe.SliceData(b), len(b))
	digits := s
	if digits[0] == '+' || digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		hasExp := false
		for _, c := range digits {
			if c == 'p' || c == 'P' {
				hasExp = true
			}
		}
		if !hasExp {
			s += "p0"
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return f, true, true
		}
		return 0, false, false
	}
	return f, false, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseScore parses a score as Redis's string2d does: not empty, no
// leading space, all consumed, no overflow or underflow to zero, not NaN.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	f, erange, ok := cStrtod(b)
	if !ok || math.IsNaN(f) || (erange && (math.IsInf(f, 0) || f == 0)) {
		return 0, false
	}
	return f, true
}

// parseScoreBound parses one end of a score range: a float (as strtod
// takes it, NaN refused), open when prefixed by '('.
func parseScoreBound(b []byte) (f float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	f, _, ok = cStrtod(b)
	if !ok || math.IsNaN(f) {
		return 0, false, false
	}
	return f, ex, true
}

// parseScoreRange parses min and max as ZRANGEBYSCORE does.
func parseScoreRange(min, max []byte) (zset.ScoreRange, bool) {
	var r zset.ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseScoreBound(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = parseScoreBound(max); !ok {
		return r, false
	}
	return r, true
}

// parseLexBound parses one end of a lexicographical range: "-", "+",
// "(member" (open) or "[member" (closed). The bound aliases b.
func parseLexBound(b []byte) (zset.LexBound, bool) {
	if len(b) == 0 {
		return zset.LexBound{}, false
	}
	switch b[0] {
	case '+':
		return zset.LexBound{Inf: 1, Ex: true}, len(b) == 1
	case '-':
		return zset.LexBound{Inf: -1, Ex: true}, len(b) == 1
	case '(':
		return zset.LexBound{Value: b[1:], Ex: true}, true
	case '[':
		return zset.LexBound{Value: b[1:]}, true
	}
	return zset.LexBound{}, false
}

// parseLexRange parses min and max as ZRANGEBYLEX does.
func parseLexRange(min, max []byte) (zset.LexRange, bool) {
	lo, ok1 := parseLexBound(min)
	hi, ok2 := parseLexBound(max)
	return zset.LexRange{Min: lo, Max: hi}, ok1 && ok2
}

// appendScore appends s as Redis 7.0 prints a score in text ("%.17g", inf
// and -inf), as ZSCAN returns them.
func appendScore(dst []byte, s float64) []byte {
	switch {
	case math.IsInf(s, 1):
		return append(dst, "inf"...)
	case math.IsInf(s, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, s, 'g', 17, 64)
}

// argRangeInt parses args[i] as an integer within [lo, hi]; on failure it
// replies with msg, or with Redis's default errors when msg is empty.
func argRangeInt(x *Ctx, i int, lo, hi int64, msg string) (int64, bool) {
	n, ok := parseInt(x.Args[i])
	if !ok {
		if msg == "" {
			msg = errNotInt
		}
		x.Err(msg)
		return 0, false
	}
	if n < lo || n > hi {
		if msg == "" {
			msg = "ERR value is out of range, value must between " +
				strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10)
		}
		x.Err(msg)
		return 0, false
	}
	return n, true
}
