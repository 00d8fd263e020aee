package engine

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Policy decides which keys eviction removes first. Implementations are safe for concurrent
// use; Access and Rank are called with the record's shard locked and may change only the
// record's access fields (atime, lfu).
type Policy interface {
	// Name returns the maxmemory-policy name.
	Name() string
	// Volatile reports whether only keys with a TTL are candidates.
	Volatile() bool
	// Access records a hit on the record h at now (unix ms): the LRU clock or the LFU counter.
	Access(h *hdr, now int64)
	// Rank orders sampled candidates: the highest rank is evicted first.
	Rank(h *hdr, now int64) uint64
}

// ErrUnknownPolicy is returned (wrapped) for a maxmemory-policy name Redis does not know.
var ErrUnknownPolicy = errors.New("engine: unknown maxmemory-policy")

// NewPolicy returns the policy of a maxmemory-policy name: Larder's own TinyLFU
// ("allkeys-tinylfu"), or one of Redis's: noeviction, allkeys-lru, volatile-lru, allkeys-lfu,
// volatile-lfu, allkeys-random, volatile-random or volatile-ttl.
// "noeviction" returns (nil, nil). logFactor and decayTime are lfu-log-factor and
// lfu-decay-time (minutes), used by the LFU policies.
func NewPolicy(name string, logFactor, decayTime int) (Policy, error) {
	switch name {
	case "noeviction":
		return nil, nil
	case "allkeys-lru", "volatile-lru":
		return lruPolicy{name: name, volatile: name == "volatile-lru"}, nil
	case "allkeys-lfu", "volatile-lfu":
		if logFactor < 0 || decayTime < 0 {
			return nil, fmt.Errorf("engine: negative lfu-log-factor or lfu-decay-time")
		}
		return lfuPolicy{name: name, volatile: name == "volatile-lfu", logFactor: logFactor,
			decay: clampDecay(decayTime)}, nil
	case "allkeys-random", "volatile-random":
		return randomPolicy{name: name, volatile: name == "volatile-random"}, nil
	case "volatile-ttl":
		return ttlPolicy{}, nil
	case TinyLFU:
		return tinyLFUPolicy{}, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownPolicy, name)
}

func clampDecay(minutes int) uint16 {
	return uint16(min(max(minutes, 0), math.MaxUint16))
}

// touchLRU records an access at now in h's LRU clock (seconds, as Redis's clock resolution).
func touchLRU(h *hdr, now int64) {
	// Written only when it changes: a read then leaves the record's cache line clean.
	if t := uint32(min(max(now/1000, 0), math.MaxUint32)); h.atime != t {
		h.atime = t
	}
}

// idleMillis returns the milliseconds since h's last access, at the LRU clock's resolution.
func idleMillis(h *hdr, now int64) uint64 {
	if d := now - int64(h.atime)*1000; d > 0 {
		return uint64(d)
	}
	return 0
}

// lruPolicy evicts the least recently used key (allkeys-lru, volatile-lru).
type lruPolicy struct {
	name     string
	volatile bool
}

func (p lruPolicy) Name() string                  { return p.name }
func (p lruPolicy) Volatile() bool                { return p.volatile }
func (p lruPolicy) Access(h *hdr, now int64)      { touchLRU(h, now) }
func (p lruPolicy) Rank(h *hdr, now int64) uint64 { return idleMillis(h, now) }

// lfuPolicy evicts the least frequently used key (allkeys-lfu, volatile-lfu) with Redis's
// counter: 8 bits, incremented with probability 1/((c-5)*logFactor+1), decremented by one
// per decay minutes without access; new keys start at 5.
type lfuPolicy struct {
	name      string
	volatile  bool
	logFactor int
	decay     uint16
}

func (p lfuPolicy) Name() string   { return p.name }
func (p lfuPolicy) Volatile() bool { return p.volatile }

func (p lfuPolicy) Access(h *hdr, now int64) {
	c := lfuDecayed(h.lfu, h.atime, p.decay, now)
	if c < 255 {
		base := max(float64(c)-lfuInitVal, 0)
		if rand.Float64() < 1/(base*float64(p.logFactor)+1) {
			c++
		}
	}
	h.lfu = c
	touchLRU(h, now)
}

// Rank puts the lowest counter first, and among equal counters the longest idle.
func (p lfuPolicy) Rank(h *hdr, now int64) uint64 {
	return uint64(255-lfuDecayed(h.lfu, h.atime, p.decay, now))<<48 | min(idleMillis(h, now), 1<<48-1)
}

// lfuDecayed returns the LFU counter lfu, last touched at atime (unix seconds), less one per
// decay minutes elapsed since then.
func lfuDecayed(lfu uint8, atime uint32, decay uint16, now int64) uint8 {
	if decay == 0 {
		return lfu
	}
	elapsed := now/1000/60 - int64(atime)/60
	if elapsed <= 0 {
		return lfu
	}
	periods := elapsed / int64(decay)
	if periods >= int64(lfu) {
		return 0
	}
	return lfu - uint8(periods)
}

// randomPolicy evicts random keys (allkeys-random, volatile-random).
type randomPolicy struct {
	name     string
	volatile bool
}

func (p randomPolicy) Name() string             { return p.name }
func (p randomPolicy) Volatile() bool           { return p.volatile }
func (p randomPolicy) Access(h *hdr, now int64) { touchLRU(h, now) }
func (p randomPolicy) Rank(*hdr, int64) uint64  { return rand.Uint64() }

// ttlPolicy evicts the key with the nearest expiry time among keys with a TTL (volatile-ttl).
type ttlPolicy struct{}

func (ttlPolicy) Name() string             { return "volatile-ttl" }
func (ttlPolicy) Volatile() bool           { return true }
func (ttlPolicy) Access(h *hdr, now int64) { touchLRU(h, now) }

func (ttlPolicy) Rank(h *hdr, _ int64) uint64 {
	at := h.expireAt()
	if at <= 0 {
		return 0
	}
	return math.MaxUint64 - uint64(at)
}
