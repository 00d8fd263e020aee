package zset

import (
	"fmt"
	"testing"
)

func TestCompactRoundTrip(t *testing.T) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	z := New()
	for i := range 50 {
		z.Add(fmt.Appendf(nil, "member:%d", i), float64(i%7)+0.5, 0, lim)
	}
	if z.CompactLen() <= 0 {
		t.Fatal("a small sorted set has no compact encoding")
	}
	b := make([]byte, z.CompactLen())
	z.WriteCompact(b)
	got := Thaw(b)
	clear(b)
	if got.Len() != 50 || got.Encoding() != "listpack" {
		t.Fatalf("thawed Len %d encoding %s", got.Len(), got.Encoding())
	}
	for i := range 50 {
		if s, ok := got.Score(fmt.Appendf(nil, "member:%d", i)); !ok || s != float64(i%7)+0.5 {
			t.Errorf("member:%d score %v %v", i, s, ok)
		}
	}
	// The full form has no compact encoding.
	big := New()
	for i := range 200 {
		big.Add(fmt.Appendf(nil, "m%d", i), float64(i), 0, lim)
	}
	if big.Encoding() != "skiplist" || big.CompactLen() != -1 {
		t.Errorf("full form: encoding %s CompactLen %d", big.Encoding(), big.CompactLen())
	}
}
