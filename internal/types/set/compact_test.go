package set

import (
	"strconv"
	"testing"

	"github.com/larderdb/larder/internal/engine"
)

func TestCompactRoundTrip(t *testing.T) {
	s := NewIntset()
	for _, v := range []int64{7, -3, 40000, 12, 0} {
		s, _ = s.Add(strconv.AppendInt(nil, v, 10), 512)
	}
	c, ok := s.(engine.Compact)
	if !ok || c.CompactLen() <= 0 {
		t.Fatalf("an intset has no compact encoding: %T", s)
	}
	b := make([]byte, c.CompactLen())
	c.WriteCompact(b)
	got := Thaw(b)
	clear(b)
	if got.Len() != 5 || got.Encoding() != "intset" {
		t.Fatalf("thawed Len %d encoding %s", got.Len(), got.Encoding())
	}
	for _, v := range []int64{7, -3, 40000, 12, 0} {
		if !got.Has(strconv.AppendInt(nil, v, 10)) {
			t.Errorf("thawed set lacks %d", v)
		}
	}
	if got.Has([]byte("8")) {
		t.Error("thawed set has 8")
	}
	got, _ = got.Add([]byte("8"), 512)
	if !got.Has([]byte("8")) || got.Len() != 6 {
		t.Error("add after thaw failed")
	}
}
