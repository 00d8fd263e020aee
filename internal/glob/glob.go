// Package glob matches byte strings against Redis glob patterns.
//
// The semantics are those of stringmatchlen in Redis 7.0 (src/util.c), quirks
// included, because clients see them through KEYS, SCAN MATCH, CONFIG GET,
// PSUBSCRIBE and friends:
//
//   - '*' matches any run of bytes, '?' any single byte.
//   - "[abc]" matches one of the listed bytes, "[^abc]" one byte not listed,
//     "[a-z]" a range (reversed ranges such as "[z-a]" are swapped), and
//     "\x" inside brackets the byte x literally (always case-sensitively).
//   - "\x" outside brackets matches x literally; a trailing lone '\' matches '\'.
//   - An unterminated bracket ends at the end of the pattern, so "[abc"
//     behaves as "[abc]", "[" matches nothing and "[^" matches any byte.
//   - In "[a-]" the '-' forms the range 'a'..']', as in Redis.
//   - Range bounds compare as C chars on amd64 and 386, that is signed:
//     bytes 0x80-0xff sort below 0x00.
//   - With nocase only ASCII 'A'-'Z' fold (the C locale's tolower).
//   - The empty string matches no pattern, not even "*": Redis callers such as
//     KEYS special-case a lone "*" before calling the matcher.
//
// Redis backtracks recursively on '*' and stops all backtracking once a later
// '*' has failed at every position; that cut is what keeps patterns such as
// "a*a*a*a*b" from exploding. This package implements the same search
// iteratively (only the most recent '*' is ever resumed), so matching takes
// O(len(pattern)*len(s)) time, constant stack and never allocates.
package glob

// text is the byte sequence types Match works on.
type text interface{ ~string | ~[]byte }

// Match reports whether s matches the Redis glob pattern; nocase folds
// ASCII letters. It never allocates.
func Match(pattern, s []byte, nocase bool) bool {
	return match(pattern, s, nocase)
}

// MatchString is Match for strings. It never allocates.
func MatchString(pattern, s string, nocase bool) bool {
	return match(pattern, s, nocase)
}

// lower is the C locale's tolower.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// at returns p[i], or 0 past the end, mimicking the C code's reads of the
// NUL terminator of Redis's strings.
func at[T text](p T, i int) byte {
	if i < len(p) {
		return p[i]
	}
	return 0
}

// match is the iterative form of stringmatchlen.
func match[T text](p, s T, nocase bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0 // the last '*' seen and where its match ends
	for {
		ok := true
		for pi < len(p) && si < len(s) {
			switch p[pi] {
			case '*':
				for pi+1 < len(p) && p[pi+1] == '*' {
					pi++
				}
				if pi == len(p)-1 {
					return true
				}
				starP, starS = pi, si
				pi++
				continue // try the rest of the pattern here; s is not consumed
			case '?':
			case '[':
				pi, ok = class(p, pi+1, s[si], nocase)
			case '\\':
				if len(p)-pi >= 2 {
					pi++
				}
				ok = eq(p[pi], s[si], nocase)
			default:
				ok = eq(p[pi], s[si], nocase)
			}
			if !ok {
				break
			}
			pi++
			si++
			if si == len(s) {
				for at(p, pi) == '*' {
					pi++
				}
				break
			}
		}
		if ok && pi == len(p) && si == len(s) {
			return true
		}
		// The rest of the pattern failed; let the last '*' swallow one more
		// byte. Redis never lets it swallow the whole string: the rest of the
		// pattern starts with something other than '*', so it cannot match "".
		if starP < 0 {
			return false
		}
		starS++
		if starS == len(s) {
			return false
		}
		pi, si = starP+1, starS
	}
}

// eq compares a pattern byte and a string byte.
func eq(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}

// class matches c against the bracket expression starting at p[i] (just
// after '['). It returns the index of the closing ']' (or of the last byte of
// the pattern when unterminated) and whether c matched.
func class[T text](p T, i int, c byte, nocase bool) (int, bool) {
	not := at(p, i) == '^'
	if not {
		i++
	}
	matched := false
	for {
		rest := len(p) - i
		switch {
		case at(p, i) == '\\' && rest >= 2:
			i++
			if p[i] == c {
				matched = true
			}
		case at(p, i) == ']':
			return i, matched != not
		case rest == 0:
			return i - 1, matched != not
		case rest >= 3 && p[i+1] == '-':
			// C chars are signed on amd64: compare as int8.
			lo, hi, x := int(int8(p[i])), int(int8(p[i+2])), int(int8(c))
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lowerInt(lo), lowerInt(hi), lowerInt(x)
			}
			if x >= lo && x <= hi {
				matched = true
			}
			i += 2
		default:
			if eq(p[i], c, nocase) {
				matched = true
			}
		}
		i++
	}
}

// lowerInt is tolower on a C int holding a (possibly negative) char.
func lowerInt(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
