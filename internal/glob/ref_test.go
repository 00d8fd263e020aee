package glob

// refMatch is a line-by-line transcription of Redis 7.0's recursive
// stringmatchlen_impl, kept only to check Match against it in tests and
// fuzzing. Reads past the end return 0, as C reads the NUL terminator.
func refMatch(p, s []byte, nocase bool) bool {
	skip := false
	return refImpl(p, s, nocase, &skip)
}

func refImpl(p, s []byte, nocase bool, skip *bool) bool {
	pi, si := 0, 0
	plen, slen := len(p), len(s)
	for plen > 0 && slen > 0 {
		switch p[pi] {
		case '*':
			for plen > 0 && at(p, pi+1) == '*' {
				pi++
				plen--
			}
			if plen == 1 {
				return true
			}
			for slen > 0 {
				if refImpl(p[pi+1:], s[si:], nocase, skip) {
					return true
				}
				if *skip {
					return false
				}
				si++
				slen--
			}
			*skip = true
			return false
		case '?':
			si++
			slen--
		case '[':
			pi++
			plen--
			not := at(p, pi) == '^'
			if not {
				pi++
				plen--
			}
			m := false
			for {
				if at(p, pi) == '\\' && plen >= 2 {
					pi++
					plen--
					if p[pi] == s[si] {
						m = true
					}
				} else if at(p, pi) == ']' {
					break
				} else if plen == 0 {
					pi--
					plen++
					break
				} else if plen >= 3 && p[pi+1] == '-' {
					start, end, c := int(int8(p[pi])), int(int8(p[pi+2])), int(int8(s[si]))
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lowerInt(start), lowerInt(end), lowerInt(c)
					}
					pi += 2
					plen -= 2
					if c >= start && c <= end {
						m = true
					}
				} else if eq(p[pi], s[si], nocase) {
					m = true
				}
				pi++
				plen--
			}
			if not {
				m = !m
			}
			if !m {
				return false
			}
			si++
			slen--
		case '\\':
			if plen >= 2 {
				pi++
				plen--
			}
			fallthrough
		default:
			if !eq(p[pi], s[si], nocase) {
				return false
			}
			si++
			slen--
		}
		pi++
		plen--
		if slen == 0 {
			for at(p, pi) == '*' {
				pi++
				plen--
			}
			break
		}
	}
	return plen == 0 && slen == 0
}
