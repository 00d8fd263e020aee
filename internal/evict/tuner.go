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
	p        *Policy
	shadows  [2]*Policy // window frac/tuneSpread and frac*tuneSpread
	hits     [2]int
	requests int
	shift    uint8 // the shadows see the keys whose mixed hash has its top shift bits clear
	scratch  []uint64
}

func newTuner(p *Policy) *tuner {
	t := &tuner{p: p}
	t.rebuild()
	return t
}

// rebuild makes empty shadows for the current sample rate and capacity.
func (t *tuner) rebuild() {
	c := t.p.capacity >> t.shift
	lo, hi := t.fracs()
	t.shadows[0] = newPolicy(c, lo)
	t.shadows[1] = newPolicy(c, hi)
	t.hits = [2]int{}
	t.requests = 0
}

func (t *tuner) fracs() (lo, hi float64) {
	return t.p.frac / tuneSpread, min(t.p.frac*tuneSpread, maxWindow)
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
	frac := t.p.frac
	switch lo, hi := t.hits[0], t.hits[1]; {
	case hi > lo:
		frac *= tuneStep
	case lo > hi:
		frac /= tuneStep
	}
	t.hits = [2]int{}
	t.requests = 0
	old := t.p.windowMax
	t.p.setWindow(frac)
	t.p.transfer(old)
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
	n := t.p.s.index.n >> t.shift
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
		t.scratch = sh.SetCapacity(t.p.capacity>>t.shift, t.scratch[:0])
	}
}
