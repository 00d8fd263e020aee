package engine

import "testing"

// TestShardsFor checks the default number of shards: one a MiB of maxmemory, a power of two
// from 16 to 256, and 256 without a limit.
func TestShardsFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		m    int64
		want int
	}{
		{0, 256}, {1, 16}, {4 * mb, 16}, {16 * mb, 16}, {32*mb - 1, 16}, {32 * mb, 32},
		{64 * mb, 64}, {100 * mb, 64}, {200 * mb, 128}, {256 * mb, 256}, {1 << 40, 256},
	} {
		if got := ShardsFor(c.m); got != c.want {
			t.Errorf("ShardsFor(%d) = %d, want %d", c.m, got, c.want)
		}
	}
	db := openTest(t, Options{MaxMemory: 4 * mb})
	if len(db.shards) != 16 {
		t.Errorf("Open at 4 MiB without Shards: %d shards, want 16", len(db.shards))
	}
	db = openTest(t, Options{MaxMemory: 4 * mb, Shards: 64})
	if len(db.shards) != 64 {
		t.Errorf("Open at 4 MiB with Shards 64: %d shards", len(db.shards))
	}
}
