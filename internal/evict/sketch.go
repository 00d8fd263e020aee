package evict

import "math/bits"

// sketch is a count-min sketch of 4-bit counters that estimates how often each key hash was seen
// recently (TinyLFU's frequency filter). It holds one 64-bit word, 16 counters, per key it is
// sized for; a key's four counters lie in one 64-byte block of 8 words, so an update touches one
// cache line. Every counter is halved after a sample period of 10 additions per word it was
// sized for (Caffeine's period: a word per key of capacity, 10 additions per key), so old
// popularity fades. The period follows the size asked for, not the power of two of words the
// sketch rounds it up to: the rounding gives room against collisions, and must not slow the
// aging by up to half.
type sketch struct {
	words     []uint64
	blockMask uint64 // number of blocks - 1
	additions int
	period    int
	conserve  bool // increment only the smallest of a key's counters (conservative update)
}

const (
	blockWords   = 8
	periodFactor = 10
	resetMask    = 0x7777777777777777 // the bits a counter keeps when shifted right by one
	oddMask      = 0x1111111111111111 // the low bit of every counter
)

// init sizes the sketch for about words words (it takes a power of two, at least 8), clears it
// and sets its sample period to periodFactor additions per word asked for.
func (k *sketch) init(words int) {
	n := blockWords
	if words > n {
		n = 1 << bits.Len(uint(words-1))
	}
	k.words = make([]uint64, n)
	k.blockMask = uint64(n/blockWords - 1)
	k.additions = 0
	k.period = periodFactor * max(words, 1)
}

// ensure grows the sketch to at least words words. Growing doubles the words, and every block is
// copied to both its halves, so each key keeps exactly the counters it had; the sample period
// doubles too.
func (k *sketch) ensure(words int) {
	for words > len(k.words) {
		old := k.words
		k.words = make([]uint64, 2*len(old))
		copy(k.words, old)
		copy(k.words[len(old):], old)
		k.blockMask = uint64(len(k.words)/blockWords - 1)
		k.period *= 2
		k.additions *= 2
	}
}

// slot returns the word and bit shift of counter i (0..3) of the key whose hash mixes to m. The
// block comes from the low bits of m, the counters from the high 32: counter i lies in word 2i or
// 2i+1 of the block.
func (k *sketch) slot(m uint64, i uint) (word uint64, shift uint) {
	r := m >> 32
	word = (m&k.blockMask)*blockWords + uint64(2*i) + (r>>i)&1
	shift = uint((r>>(4+4*i))&15) * 4
	return word, shift
}

// estimate returns the smallest of the key's four counters: 0 to 15 (0 before init).
func (k *sketch) estimate(m uint64) int {
	if len(k.words) == 0 {
		return 0
	}
	least := 15
	for i := uint(0); i < 4; i++ {
		w, s := k.slot(m, i)
		if c := int(k.words[w]>>s) & 15; c < least {
			least = c
		}
	}
	return least
}

// increment counts one more sighting of the key and halves every counter when a sample period
// has passed.
func (k *sketch) increment(m uint64) {
	least := 15
	if k.conserve {
		least = k.estimate(m)
		if least == 15 {
			return
		}
	}
	added := false
	for i := uint(0); i < 4; i++ {
		w, s := k.slot(m, i)
		c := int(k.words[w]>>s) & 15
		if c < 15 && (!k.conserve || c == least) {
			k.words[w] += 1 << s
			added = true
		}
	}
	if added {
		k.additions++
		if k.additions >= k.period {
			k.reset()
		}
	}
}

// reset halves every counter, and the count of additions as the counters are halved: less the
// half increment each odd counter loses, an eighth of an addition (which increments four
// counters). This is Caffeine's correction; it keeps the count in step with what the counters
// hold, and so the period to the next reset.
func (k *sketch) reset() {
	odd := 0
	for i, w := range k.words {
		odd += bits.OnesCount64(w & oddMask)
		k.words[i] = (w >> 1) & resetMask
	}
	k.additions = max(k.additions-odd/4, 0) / 2
}

// bytes returns the memory the sketch's counters take.
func (k *sketch) bytes() int { return 8 * len(k.words) }
