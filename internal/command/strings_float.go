package command

import "math/big"

// Redis keeps INCRBYFLOAT values in C's long double, which on x86-64 is the
// x87 80-bit format: a 64-bit mantissa and a 15-bit exponent. longDouble
// emulates it with a big.Float rounded to 64 bits after every operation, so
// that parsing, sums and the "%.17Lf" printing give Redis's digits rather
// than float64's (10.5+0.1 prints 10.6 in both; with float64 and 17
// decimals it would print 10.59999999999999964).
const (
	ldPrec     = 64
	ldMaxExp   = 16384  // |x| < 2**16384 (big.Float MantExp exponent <= 16384)
	ldMinExp   = -16444 // |x| >= 2**-16445, the smallest subnormal
	ldMaxChars = 5 * 1024
)

// longDouble is a long double value. The zero value is 0.
type longDouble struct {
	f big.Float
}

// parse sets l to the number in b as Redis's string2ld does with strtold:
// decimal or hexadecimal ("0x1.8p3"), optional sign, "inf" or "infinity";
// no spaces, no NaN, nothing out of range (a nonzero number that overflows
// or underflows to zero). It reports whether b is valid.
func (l *longDouble) parse(b []byte) bool {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return false
	}
	form, nonzero := ldSyntax(b)
	neg := b[0] == '-'
	switch {
	case form == ldInvalid:
		return false
	case form == ldInf:
		l.f.SetInf(neg)
		return true
	case !nonzero:
		l.f.SetPrec(ldPrec).SetInt64(0)
		if neg {
			l.f.Neg(&l.f)
		}
		return true
	}
	// Parse with extra precision, then round once to 64 bits.
	l.f.SetPrec(4 * ldPrec)
	if _, _, err := l.f.Parse(string(b), 0); err != nil {
		return false
	}
	l.f.SetPrec(ldPrec)
	return l.inRange()
}

// inRange reports whether l is finite, nonzero-if-computed-so, and within
// the long double exponent range.
func (l *longDouble) inRange() bool {
	if l.f.IsInf() {
		return false
	}
	if l.f.Sign() == 0 {
		return false
	}
	e := l.f.MantExp(nil)
	return e <= ldMaxExp && e >= ldMinExp
}

// add sets l to l+y rounded to long double precision. It reports false
// when either operand or the sum is infinite (or NaN, for inf-inf).
func (l *longDouble) add(y *longDouble) bool {
	if l.f.IsInf() || y.f.IsInf() {
		return false
	}
	l.f.SetPrec(ldPrec).Add(&l.f, &y.f)
	if l.f.Sign() == 0 {
		return true
	}
	e := l.f.MantExp(nil)
	return !l.f.IsInf() && e <= ldMaxExp
}

// appendHuman appends l as Redis's ld2string with LD_STR_HUMAN prints it:
// "%.17Lf", then trailing zeros after the point removed, the point too if
// nothing follows it, and "-0" written as "0".
func (l *longDouble) appendHuman(dst []byte) []byte {
	start := len(dst)
	dst = l.f.Append(dst, 'f', 17)
	s := dst[start:]
	n := len(s)
	for n > 0 && s[n-1] == '0' {
		n--
	}
	if n > 0 && s[n-1] == '.' {
		n--
	}
	if n == 2 && s[0] == '-' && s[1] == '0' {
		s[0] = '0'
		n = 1
	}
	return dst[:start+n]
}

// Forms of a long double literal.
const (
	ldInvalid = iota
	ldNumber
	ldInf
)

// ldSyntax checks b against strtold's grammar, requiring it to be consumed
// whole, and reports its form and whether the mantissa has a nonzero digit.
func ldSyntax(b []byte) (form int, nonzero bool) {
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return ldInvalid, false
	}
	i := 0
	if b[0] == '+' || b[0] == '-' {
		i++
	}
	rest := b[i:]
	if eqFold(rest, "inf") || eqFold(rest, "infinity") {
		return ldInf, true
	}
	hex := len(rest) > 2 && rest[0] == '0' && (rest[1]|0x20) == 'x'
	digit := isDecDigit
	expChar := byte('e')
	if hex {
		i += 2
		digit = isHexDigit
		expChar = 'p'
	}
	digits := 0
	for seenDot := false; i < len(b); i++ {
		c := b[i]
		switch {
		case digit(c):
			digits++
			nonzero = nonzero || c != '0'
		case c == '.' && !seenDot:
			seenDot = true
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return ldInvalid, false
	}
	if i < len(b) && b[i]|0x20 == expChar {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) {
			return ldInvalid, false
		}
		for ; i < len(b); i++ {
			if !isDecDigit(b[i]) {
				return ldInvalid, false
			}
		}
	}
	if i != len(b) {
		return ldInvalid, false
	}
	return ldNumber, nonzero
}

func isDecDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f')
}
