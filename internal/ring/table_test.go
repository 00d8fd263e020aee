package ring

import (
	"testing"
)

func TestTable(t *testing.T) {
	for _, rf := range []int{1, 3} {
		cfg := Config{RF: rf}
		t.Logf("RF=%d", rf)
		t.Logf("%4s %8s %14s %8s %8s %8s", "N", "max/mean", "join moved/bnd", "leave", "rbal", "ranges")
		for _, n := range []int{1, 2, 3, 5, 10, 20, 50, 100} {
			ids := nodeIDs(n+1, 1)
			a := mustBuild(t, cfg, ids[:n])
			b := mustJoin(t, a, ids[n])
			moved := len(Moves(a, b))
			left := "-"
			if n > 1 {
				c := mustLeave(t, a, ids[n/2])
				left = itoa(len(Moves(a, c)))
			}
			rb := 0.0
			if rf > 1 && n > 1 {
				rb = a.Balance(1)
			}
			t.Logf("%4d %8.4f %6d/%7.1f %8s %8.4f %8d", n, a.Balance(0), moved, joinBound(n), left, rb, len(a.Ranges()))
		}
	}
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
