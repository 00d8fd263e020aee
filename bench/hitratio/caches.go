package main

import (
	"encoding/binary"

	"github.com/Yiling-J/theine-go"
	"github.com/dgraph-io/ristretto/v2"
	arc "github.com/hashicorp/golang-lru/arc/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/maypok86/otter/v2"

	larderdb "github.com/larderdb/larder"
	"github.com/larderdb/larder/internal/evict"
)

// cache is one cache under test: get reports a hit (and counts it as an access), set writes a key
// after a miss.
type cache interface {
	get(k uint64) bool
	set(k uint64)
	close()
}

// policy names a cache and builds one of a capacity in entries.
type policy struct {
	name string
	new  func(size int) cache
}

// defaultName is the column of Larder's default policy; the table compares it with otter and LRU.
const defaultName = "larder"

var policies = []policy{
	{defaultName, func(n int) cache { return &larder{p: evict.New(int64(n))} }},
	{"larder/16", func(n int) cache { return newSharded(n, 16) }},
	{"larder/256", func(n int) cache { return newSharded(n, 256) }},
	{"lru", newLRU},
	{"arc", newARC},
	{"otter", newOtter},
	{"ristretto", newRistretto},
	{"theine", newTheine},
	{"larder-cache", newLarderCache},
}

var defaultPolicies = []string{defaultName, "larder/16", "larder/256", "lru", "arc", "otter", "ristretto", "theine"}

func policyNames() []string {
	var s []string
	for _, p := range policies {
		s = append(s, p.name)
	}
	return s
}

func policyByName(name string) (policy, bool) {
	for _, p := range policies {
		if p.name == name {
			return p, true
		}
	}
	return policy{}, false
}

// larder runs Larder's eviction policy; the policy's own index says what is cached.
type larder struct {
	p       *evict.Policy
	victims []uint64
}

func (c *larder) get(k uint64) bool { return c.p.Access(k) }
func (c *larder) set(k uint64)      { c.victims = c.p.Insert(k, 1, c.victims[:0]) }
func (c *larder) close()            {}

// sharded runs n independent policies, as the engine's lock shards would: key k goes to shard
// k&(n-1), and each shard gets an equal share of the capacity (the first size%n one more).
type sharded struct {
	shards  []*evict.Policy
	mask    uint64
	victims []uint64
}

func newSharded(size, n int) *sharded {
	s := &sharded{mask: uint64(n - 1)}
	for i := range n {
		c := size / n
		if i < size%n {
			c++
		}
		s.shards = append(s.shards, evict.New(int64(c)))
	}
	return s
}

func (c *sharded) get(k uint64) bool { return c.shards[k&c.mask].Access(k) }
func (c *sharded) set(k uint64)      { c.victims = c.shards[k&c.mask].Insert(k, 1, c.victims[:0]) }
func (c *sharded) close()            {}

// lruCache is hashicorp/golang-lru's plain LRU, the baseline.
type lruCache struct {
	c *simplelru.LRU[uint64, struct{}]
}

func newLRU(n int) cache {
	c, err := simplelru.NewLRU[uint64, struct{}](n, nil)
	if err != nil {
		panic(err)
	}
	return lruCache{c}
}

func (c lruCache) get(k uint64) bool { _, ok := c.c.Get(k); return ok }
func (c lruCache) set(k uint64)      { c.c.Add(k, struct{}{}) }
func (c lruCache) close()            {}

// arcCache is hashicorp/golang-lru's ARC (Megiddo and Modha, FAST 2003).
type arcCache struct {
	c *arc.ARCCache[uint64, struct{}]
}

func newARC(n int) cache {
	c, err := arc.NewARC[uint64, struct{}](n)
	if err != nil {
		panic(err)
	}
	return arcCache{c}
}

func (c arcCache) get(k uint64) bool { _, ok := c.c.Get(k); return ok }
func (c arcCache) set(k uint64)      { c.c.Add(k, struct{}{}) }
func (c arcCache) close()            {}

// otterCache is otter v2 bounded by MaximumSize. Its maintenance (draining the read and write
// buffers, eviction) runs on the calling goroutine, so a replay is deterministic.
type otterCache struct {
	c *otter.Cache[uint64, struct{}]
}

func newOtter(n int) cache {
	return otterCache{otter.Must(&otter.Options[uint64, struct{}]{
		MaximumSize: n,
		Executor:    func(fn func()) { fn() },
	})}
}

func (c otterCache) get(k uint64) bool { _, ok := c.c.GetIfPresent(k); return ok }
func (c otterCache) set(k uint64)      { c.c.Set(k, struct{}{}) }
func (c otterCache) close()            { c.c.CleanUp() }

// ristrettoCache is ristretto v2 with MaxCost n, cost 1 per key, internal cost ignored, and the
// recommended 10 counters per key. Each Set is followed by Wait, so the key is in (or rejected)
// before the next request. Ristretto's admission samples keys at random, so figures move a
// little from run to run, and it drops read records when its buffers are contended.
type ristrettoCache struct {
	c *ristretto.Cache[uint64, struct{}]
}

func newRistretto(n int) cache {
	c, err := ristretto.NewCache(&ristretto.Config[uint64, struct{}]{
		NumCounters:        int64(10 * n),
		MaxCost:            int64(n),
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		panic(err)
	}
	return ristrettoCache{c}
}

func (c ristrettoCache) get(k uint64) bool { _, ok := c.c.Get(k); return ok }
func (c ristrettoCache) set(k uint64)      { c.c.Set(k, struct{}{}, 1); c.c.Wait() }
func (c ristrettoCache) close()            { c.c.Close() }

// theineCache is theine with maximum size n and cost 1 per key. Each Set is followed by Wait,
// which applies the write buffer to the policy before the next request.
type theineCache struct {
	c *theine.Cache[uint64, struct{}]
}

func newTheine(n int) cache {
	c, err := theine.NewBuilder[uint64, struct{}](int64(n)).Build()
	if err != nil {
		panic(err)
	}
	return theineCache{c}
}

func (c theineCache) get(k uint64) bool { _, ok := c.c.Get(k); return ok }
func (c theineCache) set(k uint64)      { c.c.Set(k, struct{}{}, 1); c.c.Wait() }
func (c theineCache) close()            { c.c.Close() }

// larderCache is larder.Cache, the engine itself (256 shards, the read buffer, memory
// accounting), with 8-byte keys and 1-byte values. Its capacity is memory, not entries:
// cacheEntryBytes per entry, about what the engine charges such a key (a 40-byte record, its
// index cell and sketch counters), so compare its column with itself across versions rather
// than with the others.
type larderCache struct {
	c   *larderdb.Cache
	key [8]byte
	buf []byte
}

const cacheEntryBytes = 64

func newLarderCache(n int) cache {
	c, err := larderdb.OpenCache(&larderdb.CacheOptions{MaxMemory: int64(n) * cacheEntryBytes})
	if err != nil {
		panic(err)
	}
	return &larderCache{c: c}
}

func (c *larderCache) get(k uint64) bool {
	binary.LittleEndian.PutUint64(c.key[:], k)
	var ok bool
	c.buf, ok = c.c.GetAppend(c.buf[:0], string(c.key[:]))
	return ok
}

func (c *larderCache) set(k uint64) {
	binary.LittleEndian.PutUint64(c.key[:], k)
	if err := c.c.Set(string(c.key[:]), []byte{1}, 0); err != nil {
		panic(err)
	}
}

func (c *larderCache) close() { c.c.Close() }
