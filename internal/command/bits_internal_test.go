package command

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// fieldModel computes a BITFIELD SET or INCRBY with arbitrary precision:
// the exact result, then wrapped, saturated or failed as Redis documents.
func fieldModel(old uint64, op *fieldOp) (stored uint64, reply int64, ok bool) {
	w := uint(op.width)
	mod := new(big.Int).Lsh(big.NewInt(1), w)
	lo, hi := big.NewInt(0), new(big.Int).Sub(mod, big.NewInt(1))
	cur := new(big.Int).SetUint64(old)
	if op.signed {
		half := new(big.Int).Rsh(mod, 1)
		lo = new(big.Int).Neg(half)
		hi = new(big.Int).Sub(half, big.NewInt(1))
		if cur.Cmp(hi) > 0 {
			cur.Sub(cur, mod)
		}
	}
	want := big.NewInt(op.arg)
	if !op.signed && op.op == fieldSet {
		// Redis reads an unsigned SET value as a uint64: -1 saturates to
		// the maximum, not to 0.
		want.SetUint64(uint64(op.arg))
	}
	if op.op == fieldIncr {
		want.Add(want, cur)
	}
	res := new(big.Int).Set(want)
	if want.Cmp(lo) < 0 || want.Cmp(hi) > 0 {
		switch op.mode {
		case overflowFail:
			return old, 0, false
		case overflowSat:
			// Redis compares the increment with max-value computed in 64
			// bits: for a SET far below the minimum it wraps, and the value
			// saturates to the maximum.
			room := new(big.Int).Sub(hi, want)
			quirk := op.signed && op.op == fieldSet && room.Cmp(big.NewInt(math.MaxInt64)) > 0
			if want.Cmp(lo) < 0 && !quirk {
				res.Set(lo)
			} else {
				res.Set(hi)
			}
		case overflowWrap:
			res.Mod(want, mod) // Euclidean: in [0, mod)
			if op.signed && res.Cmp(hi) > 0 {
				res.Sub(res, mod)
			}
		}
	}
	if op.op == fieldIncr {
		reply = res.Int64()
	} else {
		reply = cur.Int64()
	}
	return new(big.Int).Mod(res, mod).Uint64(), reply, true
}

// randFieldArg returns an increment or value that often lands near a
// width's limits.
func randFieldArg(rng *rand.Rand, width uint8) int64 {
	switch rng.IntN(4) {
	case 0:
		return int64(rng.Uint64())
	case 1:
		return rng.Int64N(17) - 8
	default:
		edge := int64(1) << (width - 1)
		if width == 64 {
			edge = -1 << 63
		}
		return edge + rng.Int64N(5) - 2
	}
}

func TestApplyFieldMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	buf := make([]byte, 32)
	for i := 0; i < 200000; i++ {
		op := fieldOp{
			offset: uint64(rng.IntN(100)),
			op:     fieldOpcode(1 + rng.IntN(2)),
			mode:   overflowMode(rng.IntN(3)),
			signed: rng.IntN(2) == 0,
		}
		op.width = uint8(1 + rng.IntN(63))
		if op.signed {
			op.width = uint8(1 + rng.IntN(64))
		}
		op.arg = randFieldArg(rng, op.width)
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		if rng.IntN(3) == 0 { // a field near a limit
			setBits(buf, op.offset, op.width, uint64(randFieldArg(rng, op.width))&widthMask(op.width))
		}
		old := getBits(buf, op.offset, op.width)
		wantStored, wantReply, wantOK := fieldModel(old, &op)
		_, stored, reply, ok := applyField(buf, &op)
		if ok != wantOK || (ok && (stored != wantStored || reply != wantReply)) {
			t.Fatalf("%+v on %#x: got stored %#x reply %d ok %v; want %#x %d %v",
				op, old, stored, reply, ok, wantStored, wantReply, wantOK)
		}
		if got := getBits(buf, op.offset, op.width); got != wantStored {
			t.Fatalf("%+v: field reads %#x after the write, want %#x", op, got, wantStored)
		}
	}
}

func TestGetSetBitsMatchBitByBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < 20000; i++ {
		n := rng.IntN(12)
		buf := make([]byte, n)
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		width := uint8(1 + rng.IntN(64))
		off := uint64(rng.IntN(100))
		var want uint64
		for j := uint64(0); j < uint64(width); j++ {
			pos := off + j
			var bit uint64
			if pos/8 < uint64(n) {
				bit = uint64(buf[pos/8]>>(7-pos%8)) & 1
			}
			want = want<<1 | bit
		}
		if got := getBits(buf, off, width); got != want {
			t.Fatalf("getBits(%x, %d, %d) = %#x, want %#x", buf, off, width, got, want)
		}
		if need := int(off+uint64(width)+7) / 8; need > n {
			continue
		}
		before := append([]byte(nil), buf...)
		v := rng.Uint64() & widthMask(width)
		setBits(buf, off, width, v)
		for pos := uint64(0); pos < uint64(n)*8; pos++ {
			got := buf[pos/8] >> (7 - pos%8) & 1
			exp := before[pos/8] >> (7 - pos%8) & 1
			if pos >= off && pos < off+uint64(width) {
				exp = byte(v>>(uint64(width)-1-(pos-off))) & 1
			}
			if got != exp {
				t.Fatalf("setBits(%x, %d, %d, %#x): bit %d = %d, want %d", before, off, width, v, pos, got, exp)
			}
		}
	}
}

func TestFindBitAndCountBitsLongRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 3000; i++ {
		n := 1 + rng.IntN(80)
		buf := make([]byte, n)
		fill := byte(0)
		if rng.IntN(2) == 0 {
			fill = 0xff
		}
		for j := range buf {
			buf[j] = fill
		}
		for k := rng.IntN(3); k > 0; k-- { // a few odd bits in long runs
			pos := rng.IntN(n * 8)
			buf[pos/8] ^= 0x80 >> (pos % 8)
		}
		lo := int64(rng.IntN(n * 8))
		hi := lo + int64(rng.IntN(n*8-int(lo)))
		for bit := byte(0); bit < 2; bit++ {
			want, count := int64(-1), int64(0)
			for p := lo; p <= hi; p++ {
				b := buf[p/8] >> (7 - p%8) & 1
				if b == bit && want < 0 {
					want = p
				}
				if b == 1 {
					count++
				}
			}
			if got := findBit(buf, lo, hi, bit); got != want {
				t.Fatalf("findBit(%x, %d, %d, %d) = %d, want %d", buf, lo, hi, bit, got, want)
			}
			if got := countBits(buf, lo, hi); got != count {
				t.Fatalf("countBits(%x, %d, %d) = %d, want %d", buf, lo, hi, got, count)
			}
		}
	}
}
