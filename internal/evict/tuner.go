package evict

// InitialWindow is the window's share of the capacity at first, and that of a Core that no
// tuner moves.
const InitialWindow = 0.01

// Tuning of the window by shadow caches.
const (
	initialWindow = InitialWindow
	minWindow     = 0.001
	maxWindow     = 0.80
	// shadowKeys: a shadow samples keys at a rate that keeps it between shadowKeys and twice as
	// many keys (at rate 1, as many as the policy).
	shadowKeys = 512
	// tunePeriod: the shadows are compared after tunePeriod sampled requests per key they hold.
	tunePeriod = 2
	// tuneSpread: the shadows' windows are the policy's divided and multiplied by tuneSpread.
	tuneSpread = 2.0
	// tuneStep: the factor by which the window grows or shrinks after a comparison.
	tuneStep = 1.5
	// shadowSalt is XORed into the hashes the shadows see, so that their index and sketch do not
	// see only hashes that the sampling picked by their high bits.
	shadowSalt = 0x5bd1e9955bd1e995
)

// tuner sets the window of a Policy from two shadow caches: policies of the same kind with a
// fixed window, one smaller and one larger than the policy's, that see the same requests for a
// sample of the keys and a capacity scaled by the sample rate. After each period the window
// moves towards the shadow with more hits, and the shadows move with it. Comparing the two at the
// same time, on the same requests, tells the better direction however the workload drifts;
// a hill climber that compares one period with the next (Caffeine's) cannot tell a better window
// from a better period, and needs long periods to average that out.
type tuner struct {
	p        TuneTarget
	shadows  [2]*Policy // window frac/tuneSpread and frac*tuneSpread
	hits     [2]int
	requests int
	shift    uint8 // the shadows see the keys whose mixed hash has its top shift bits clear
	scratch  []uint64
}

func newTuner(p TuneTarget) *tuner {
	t := &tuner{p: p}
	t.rebuild()
	return t
}

// TuneTarget is what a Tuner tunes: one policy, or the per-shard Cores of a cache, which share
// one window share.
type TuneTarget interface {
	// TuneKeys returns the number of keys the target holds.
	TuneKeys() int
	// TuneCapacity returns the target's capacity in bytes.
	TuneCapacity() int64
	// TuneFrac returns the window's share of the capacity.
	TuneFrac() float64
	// SetTuneFrac sets the window's share, clamped by ClampWindow, moving keys between the
	// window and the main space to fit (Core.SetFrac).
	SetTuneFrac(frac float64)
}

// ClampWindow returns the window share frac within the bounds a tuner keeps it in.
func ClampWindow(frac float64) float64 { return min(max(frac, minWindow), maxWindow) }

// Tuner tunes the window share of a TuneTarget from two shadow caches that see a sample of
// its requests (see tuner). Not safe for concurrent use.
type Tuner struct{ t *tuner }

// NewTuner returns a tuner of target, whose window share it starts moving from its current one.
func NewTuner(target TuneTarget) *Tuner { return &Tuner{newTuner(target)} }

// Sampled reports whether a request for h reaches the shadows at sample shift shift (see
// Shift): callers that share a tuner among locks check it before taking the tuner's.
func Sampled(h uint64, shift uint8) bool { return mix(h)>>(64-uint(shift)) == 0 }

// Shift returns the current sample shift: the shadows see the keys h with Sampled(h, Shift()).
func (t *Tuner) Shift() uint8 { return t.t.shift }

// Request shows the tuner a read (a hit) or a write of h, whose size is size bytes; it may
// change the target's window share.
func (t *Tuner) Request(h uint64, size uint32, write bool) { t.t.request(h, mix(h), size, write) }

// Remove tells the tuner the target deleted h (not by eviction).
func (t *Tuner) Remove(h uint64) { t.t.remove(h, mix(h)) }

// Resize gives the shadows their share of the target's new capacity.
func (t *Tuner) Resize() { t.t.resize() }

// rebuild makes empty shadows for the current sample rate and capacity.
func (t *tuner) rebuild() {
	c := t.p.TuneCapacity() >> t.shift
	lo, hi := t.fracs()
	t.shadows[0] = newPolicy(c, lo)
	t.shadows[1] = newPolicy(c, hi)
	t.hits = [2]int{}
	t.requests = 0
}

func (t *tuner) fracs() (lo, hi float64) {
	f := t.p.TuneFrac()
	return f / tuneSpread, min(f*tuneSpread, maxWindow)
}

// sampled reports whether the shadows see the key whose hash mixes to m.
func (t *tuner) sampled(m uint64) bool { return m>>(64-t.shift) == 0 }

// request shows the shadows a read (or a write) of h with the given size, if h is in the sample,
// and compares them at the end of a period. A shadow that does not hold h inserts it, as the cache
// does after a miss; a write also updates its size in a shadow that holds it.
func (t *tuner) request(h, m uint64, size uint32, write bool) {
	t.resample()
	if !t.sampled(m) {
		return
	}
	h ^= shadowSalt
	for i, sh := range t.shadows {
		switch {
		case !sh.Contains(h):
			t.scratch = sh.Insert(h, int64(size), t.scratch[:0])
		case write:
			t.hits[i]++
			t.scratch = sh.Insert(h, int64(size), t.scratch[:0])
		default:
			t.hits[i]++
			sh.Access(h)
		}
	}
	t.requests++
	if float64(t.requests) < tunePeriod*float64(max(t.shadows[0].Len(), 16)) {
		return
	}
	frac := t.p.TuneFrac()
	switch lo, hi := t.hits[0], t.hits[1]; {
	case hi > lo:
		frac *= tuneStep
	case lo > hi:
		frac /= tuneStep
	}
	t.hits = [2]int{}
	t.requests = 0
	t.p.SetTuneFrac(frac)
	lo, hi := t.fracs()
	for i, f := range [2]float64{lo, hi} {
		sh := t.shadows[i]
		old := sh.windowMax
		sh.setWindow(f)
		sh.transfer(old)
	}
}

// resample changes the sample rate when the policy's keys outgrow the shadows (or shrink well
// below them) and starts over with empty shadows.
func (t *tuner) resample() {
	n := t.p.TuneKeys() >> t.shift
	switch {
	case n > 2*shadowKeys && t.shift < 32:
		t.shift++
	case n < shadowKeys/4 && t.shift > 0:
		t.shift--
	default:
		return
	}
	t.rebuild()
}

// remove tells the shadows that the caller deleted h.
func (t *tuner) remove(h, m uint64) {
	if t.sampled(m) {
		for _, sh := range t.shadows {
			sh.Remove(h ^ shadowSalt)
		}
	}
}

// resize gives the shadows their share of a new capacity.
func (t *tuner) resize() {
	for _, sh := range t.shadows {
		t.scratch = sh.SetCapacity(t.p.TuneCapacity()>>t.shift, t.scratch[:0])
	}
}
