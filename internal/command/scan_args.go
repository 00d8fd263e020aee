package command

// scanOptions parses the [MATCH pattern] [COUNT count] options of SCAN,
// HSCAN, SSCAN and ZSCAN from x.Args[from:], and [TYPE type] too when
// withType (SCAN). A "*" pattern is returned as nil (it matches everything,
// the empty key included). On error it replies and returns false.
func scanOptions(x *Ctx, from int, withType bool) (count int, pat, typ []byte, ok bool) {
	count = 10
	for i := from; i < len(x.Args); i += 2 {
		a := x.Args[i]
		more := i+1 < len(x.Args)
		switch {
		case eqFold(a, "count") && more:
			n, ok := x.ArgInt(i + 1)
			if !ok {
				return 0, nil, nil, false
			}
			if n < 1 {
				x.Err(errSyntax)
				return 0, nil, nil, false
			}
			count = int(min(n, 1<<30))
		case eqFold(a, "match") && more:
			pat = x.Args[i+1]
			if len(pat) == 1 && pat[0] == '*' {
				pat = nil
			}
		case withType && eqFold(a, "type") && more:
			typ = x.Args[i+1]
		default:
			x.Err(errSyntax)
			return 0, nil, nil, false
		}
	}
	return count, pat, typ, true
}
