package evict

import (
	"math/rand/v2"
	"testing"
)

// TestSketchNeverUnderestimates counts keys a known number of times (fewer than a sample period,
// so no counter is halved) and checks that no estimate is below the true count, and that most are
// exact in a sketch sized for the keys.
func TestSketchNeverUnderestimates(t *testing.T) {
	const keys = 1000
	var k sketch
	k.init(keys)
	rng := rand.New(rand.NewPCG(1, 2))
	truth := map[uint64]int{}
	for range 4 * keys {
		h := rng.Uint64N(keys)
		truth[h]++
		k.increment(mix(h))
	}
	if k.additions >= k.period {
		t.Fatalf("test needs fewer additions than a period: %d >= %d", k.additions, k.period)
	}
	exact := 0
	for h, n := range truth {
		got := k.estimate(mix(h))
		if got < min(n, 15) {
			t.Fatalf("key %d counted %d times, estimate %d", h, n, got)
		}
		if got == min(n, 15) {
			exact++
		}
	}
	if exact < len(truth)*9/10 {
		t.Errorf("only %d of %d estimates exact", exact, len(truth))
	}
}

// TestSketchReset checks that a sample period's end halves every estimate, and the count of
// additions less the half increments the odd counters lost.
func TestSketchReset(t *testing.T) {
	var k sketch
	k.init(64)
	for h := range uint64(64) {
		for range h % 16 {
			k.increment(mix(h))
		}
	}
	before := make([]int, 64)
	for h := range before {
		before[h] = k.estimate(mix(uint64(h)))
	}
	odd := 0
	for _, w := range k.words {
		for s := 0; s < 64; s += 4 {
			odd += int(w>>s) & 1
		}
	}
	if odd < 8 {
		t.Fatalf("only %d odd counters: the test needs some", odd)
	}
	adds := k.additions
	k.reset()
	for h := range before {
		if got := k.estimate(mix(uint64(h))); got != before[h]/2 {
			t.Errorf("key %d: estimate %d before the reset, %d after, want %d", h, before[h], got, before[h]/2)
		}
	}
	if want := (adds - odd/4) / 2; k.additions != want {
		t.Errorf("additions %d after the reset (%d before, %d odd counters), want %d", k.additions, adds, odd, want)
	}
}

// TestSketchPeriod checks that the sketch resets on its own after 10 additions per word it was
// sized for, not per word of the power of two it takes, and that growing doubles the period.
func TestSketchPeriod(t *testing.T) {
	for _, c := range []struct{ words, period int }{{20, 200}, {1, 10}, {700, 7000}, {1024, 10240}} {
		var k sketch
		k.init(c.words)
		if k.period != c.period {
			t.Errorf("init(%d): period %d, want %d", c.words, k.period, c.period)
		}
		prev, adds := 0, 0
		for i := range 10 * k.period {
			k.increment(mix(uint64(i)))
			adds++
			if k.additions < prev {
				break
			}
			prev = k.additions
		}
		if adds != c.period {
			t.Errorf("init(%d): reset after %d additions, want %d", c.words, adds, c.period)
		}
		k.ensure(2 * len(k.words))
		if k.period != 2*c.period {
			t.Errorf("init(%d) and one doubling: period %d, want %d", c.words, k.period, 2*c.period)
		}
	}
}

// TestSketchEnsureKeepsCounts checks that growing the sketch keeps every key's estimate.
func TestSketchEnsureKeepsCounts(t *testing.T) {
	var k sketch
	k.init(16)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		k.increment(mix(rng.Uint64N(40)))
	}
	before := map[uint64]int{}
	for h := range uint64(40) {
		before[h] = k.estimate(mix(h))
	}
	k.ensure(5000)
	if len(k.words) < 5000 {
		t.Fatalf("ensure(5000) left %d words", len(k.words))
	}
	for h, n := range before {
		if got := k.estimate(mix(h)); got != n {
			t.Errorf("key %d: estimate %d before growing, %d after", h, n, got)
		}
	}
}
