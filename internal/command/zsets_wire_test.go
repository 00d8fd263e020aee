package command_test

import "testing"

// TestZSetWireFormat checks replies byte for byte where clients cannot
// tell shapes apart: scores as Redis 7.0 prints them ("%.17g", a bulk
// string in RESP2 and a double in RESP3), null versus empty arrays.
func TestZSetWireFormat(t *testing.T) {
	n := startNode(t, nil)
	for _, tc := range []struct {
		proto string
		steps [][2]string // want, command
	}{
		{"2", [][2]string{
			{`:2`, "ZADD z 0.1 a 1e17 b"},
			{`$"0.10000000000000001"`, "ZSCORE z a"},
			{`$"1e+17"`, "ZSCORE z b"},
			{`$null`, "ZSCORE z nosuch"},
			{`*[$"a" $"0.10000000000000001"]`, "ZRANGE z 0 0 WITHSCORES"},
			{`*[]`, "ZPOPMIN nosuch"},
			{`*null`, "ZMPOP 1 nosuch MIN"},
			{`*[$"0" *[$"a" $"0.10000000000000001" $"b" $"1e+17"]]`, "ZSCAN z 0"},
			{`$"inf"`, "ZINCRBY z inf c"},
		}},
		{"3", [][2]string{
			{`:2`, "ZADD z 0.1 a 1e17 b"},
			{`,"0.10000000000000001"`, "ZSCORE z a"},
			{`_null`, "ZSCORE z nosuch"},
			{`*[*[$"a" ,"0.10000000000000001"]]`, "ZRANGE z 0 0 WITHSCORES"},
			{`*[$"a" ,"0.10000000000000001"]`, "ZPOPMIN z"},
			{`*[*[$"b" ,"1e+17"]]`, "ZPOPMAX z 1"},
			{`_null`, "ZMPOP 1 nosuch MIN"},
			{`,"inf"`, "ZINCRBY z inf c"},
			{`,"-inf"`, "ZINCRBY z -inf d"},
		}},
	} {
		w := connDial(t, n)
		w.do("HELLO", tc.proto)
		w.do("DEL", "z")
		for _, s := range tc.steps {
			w.expect(s[0], zsplitArgs(s[1])...)
		}
	}
}

func zsplitArgs(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}
