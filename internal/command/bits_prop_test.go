package command_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// bitModel is the naive model of the bitmap commands: each key is a plain
// byte slice, read and written one bit at a time.
type bitModel map[string][]byte

func (m bitModel) bit(key string, i int) int {
	b := m[key]
	if i/8 >= len(b) {
		return 0
	}
	return int(b[i/8]>>(7-i%8)) & 1
}

func (m bitModel) setBit(key string, i, v int) int {
	old := m.bit(key, i)
	b := m[key]
	for len(b) <= i/8 {
		b = append(b, 0)
	}
	b[i/8] &^= 1 << (7 - i%8)
	b[i/8] |= byte(v) << (7 - i%8)
	m[key] = b
	return old
}

// window returns the range [lo, hi] of positions (bits or bytes) that
// start and end select out of n, with Redis's negative indexes.
func window(start, end, n int) (lo, hi int) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	return max(start, 0), min(max(end, 0), n-1)
}

// inRange reports whether bit i lies in the window [lo, hi] of bits, or
// of bytes when !isBit.
func inRange(i, lo, hi int, isBit bool) bool {
	if !isBit {
		i /= 8
	}
	return lo <= i && i <= hi
}

// bitcount is BITCOUNT key [start end [unit]] on the model.
func (m bitModel) bitcount(key string, r *bitRangeArgs) int {
	nbits := len(m[key]) * 8
	lo, hi := 0, nbits-1
	isBit := true
	if r != nil {
		if r.start < 0 && r.end < 0 && r.start > r.end {
			return 0
		}
		isBit = r.isBit
		lo, hi = window(r.start, r.end, unitLen(len(m[key]), isBit))
	}
	n := 0
	for i := 0; i < nbits; i++ {
		if inRange(i, lo, hi, isBit) && m.bit(key, i) == 1 {
			n++
		}
	}
	return n
}

// bitpos is BITPOS key bit [start [end [unit]]] on the model.
func (m bitModel) bitpos(key string, bit int, r *bitRangeArgs) int {
	if _, ok := m[key]; !ok {
		return -bit
	}
	nbits := len(m[key]) * 8
	lo, hi := 0, nbits-1
	isBit, endGiven := true, false
	if r != nil {
		isBit, endGiven = r.isBit, r.hasEnd
		end := r.end
		if !r.hasEnd {
			end = -1
		}
		lo, hi = window(r.start, end, unitLen(len(m[key]), isBit))
	}
	if lo > hi {
		return -1
	}
	last := -1
	for i := 0; i < nbits; i++ {
		if !inRange(i, lo, hi, isBit) {
			continue
		}
		if m.bit(key, i) == bit {
			return i
		}
		last = i
	}
	if bit == 1 || endGiven {
		return -1
	}
	return last + 1
}

// bitDump shows the first bytes of b in hex, for failure messages.
func bitDump(b []byte) string {
	if len(b) > 48 {
		return fmt.Sprintf("%x... (%d bytes)", b[:48], len(b))
	}
	return fmt.Sprintf("%x", b)
}

func unitLen(n int, isBit bool) int {
	if isBit {
		return n * 8
	}
	return n
}

// bitRangeArgs is the optional range of BITCOUNT and BITPOS.
type bitRangeArgs struct {
	start, end int
	hasEnd     bool
	isBit      bool
	unit       string // "" (none), "byte", "BIT", ...
}

func (r *bitRangeArgs) args() []any {
	if r == nil {
		return nil
	}
	a := []any{strconv.Itoa(r.start)}
	if r.hasEnd {
		a = append(a, strconv.Itoa(r.end))
		if r.unit != "" {
			a = append(a, r.unit)
		}
	}
	return a
}

// randRange returns a random range, or nil; BITCOUNT needs an end
// whenever there is a start (needEnd).
func randRange(rng *rand.Rand, needEnd bool) *bitRangeArgs {
	if rng.IntN(4) == 0 {
		return nil
	}
	r := &bitRangeArgs{start: rng.IntN(80) - 40, end: rng.IntN(80) - 40, hasEnd: needEnd || rng.IntN(4) > 0}
	if r.hasEnd {
		switch rng.IntN(4) {
		case 1:
			r.unit = "byte"
		case 2:
			r.unit, r.isBit = "bit", true
		case 3:
			r.unit, r.isBit = "BIT", true
		}
	}
	return r
}

// TestBitProperty runs random SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and
// BITFIELD GET commands against a node and the naive model, and checks
// that every reply matches.
func TestBitProperty(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 1))
		m := bitModel{}
		keys := []string{"a", "b", "c"}
		check := func(want int, cmd ...any) {
			t.Helper()
			got, err := c.Do(ctx, cmd...).Int64()
			if err != nil || got != int64(want) {
				t.Fatalf("%v = %d, %v; model says %d (key %s)", cmd, got, err, want, bitDump(m[cmd[1].(string)]))
			}
		}
		for step := 0; step < 4000; step++ {
			key := keys[rng.IntN(len(keys))]
			off := rng.IntN(300)
			if rng.IntN(20) == 0 {
				off = rng.IntN(5000)
			}
			switch op := rng.IntN(10); {
			case op < 3:
				v := rng.IntN(2)
				check(m.setBit(key, off, v), "setbit", key, off, v)
			case op < 5:
				check(m.bit(key, off), "getbit", key, off)
			case op < 7:
				r := randRange(rng, true)
				check(m.bitcount(key, r), append([]any{"bitcount", key}, r.args()...)...)
			case op < 9:
				bit := rng.IntN(2)
				r := randRange(rng, false)
				check(m.bitpos(key, bit, r), append([]any{"bitpos", key, bit}, r.args()...)...)
			default:
				width := 1 + rng.IntN(63)
				want := 0
				for i := 0; i < width; i++ {
					want = want<<1 | m.bit(key, off+i)
				}
				got, err := c.Do(ctx, "bitfield_ro", key, "get", "u"+strconv.Itoa(width), off).Int64Slice()
				if err != nil || len(got) != 1 || got[0] != int64(want) {
					t.Fatalf("BITFIELD_RO %s GET u%d %d = %v, %v; model says %d", key, width, off, got, err, want)
				}
			}
			if rng.IntN(200) == 0 { // occasionally rebuild a key with BITOP
				dst, src := keys[rng.IntN(len(keys))], keys[rng.IntN(len(keys))]
				check(len(m[src]), "bitop", "not", dst, src)
				b := make([]byte, len(m[src]))
				for i, x := range m[src] {
					b[i] = ^x
				}
				if len(b) == 0 {
					delete(m, dst)
				} else {
					m[dst] = b
				}
			}
		}
	})
}
