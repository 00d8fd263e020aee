package hash

import (
	"fmt"
	"testing"

	"github.com/larderdb/larder/internal/engine"
)

func TestCompactRoundTrip(t *testing.T) {
	lim := Limits{MaxEntries: 128, MaxValue: 64}
	h := New()
	for i := range 5 {
		h, _ = h.Set(fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i*i), lim)
	}
	c, ok := h.(engine.Compact)
	if !ok || c.CompactLen() <= 0 {
		t.Fatalf("a small hash has no compact encoding: %T", h)
	}
	b := make([]byte, c.CompactLen())
	c.WriteCompact(b)
	got := Thaw(b)
	clear(b) // Thaw must have copied
	if got.Len() != 5 || got.Encoding() != "listpack" {
		t.Fatalf("thawed Len %d encoding %s", got.Len(), got.Encoding())
	}
	for i := range 5 {
		if v, ok := got.Get(fmt.Appendf(nil, "f%d", i)); !ok || string(v) != fmt.Sprint("v", i*i) {
			t.Errorf("f%d = %q %v", i, v, ok)
		}
	}
	// The thawed hash grows like any other.
	got, _ = got.Set([]byte("new"), []byte("x"), lim)
	if v, ok := got.Get([]byte("new")); !ok || string(v) != "x" {
		t.Errorf("set after thaw: %q %v", v, ok)
	}
}
