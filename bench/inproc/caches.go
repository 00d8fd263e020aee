package inproc

import (
	"context"
	"fmt"
	"time"
	"unsafe"

	"github.com/VictoriaMetrics/fastcache"
	"github.com/Yiling-J/theine-go"
	"github.com/allegro/bigcache/v3"
	"github.com/coocood/freecache"
	"github.com/dgraph-io/ristretto/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/larderdb/larder"
)

// Cache is the harness's view of one cache under test. Get and Set are called from many
// goroutines at once.
type Cache interface {
	// Get returns key's value and whether it was found. A cache that copies values out
	// appends the value to dst[:0] (dst is the goroutine's own buffer, reused); one that
	// stores values by reference returns the stored slice and ignores dst.
	Get(dst []byte, key string) ([]byte, bool)
	// Set stores value under key. A cache that stores values by reference keeps value.
	Set(key string, value []byte)
	// Sync waits until the writes made so far are applied, for caches that buffer them.
	Sync()
	// Close releases the cache.
	Close()
}

// Spec names a cache under test and builds it.
type Spec struct {
	// Name is the cache's name in benchmark names and tables.
	Name string
	// Config says how New configures the cache, for the table's notes.
	Config string
	// New builds an empty cache with room for entries entries of a keyLen-byte key and a
	// valLen-byte value, by the cache's own accounting: a count for the caches bounded in
	// entries, entries times the cache's charge per entry for those bounded in bytes.
	New func(entries, keyLen, valLen int) (Cache, error)
	// MustHit is set for the caches that keep every entry while they are under their capacity
	// and replace a key's value in place, so that each Get of the harness must hit at every
	// read share (others may drop or wrap around under writes: they report hit%).
	MustHit bool
}

// Specs are the caches the benchmarks compare, Larder first.
var Specs = []Spec{
	{Name: "larder", New: newLarder, MustHit: true,
		Config: "MaxMemory = entries x (key + value + 50 B, its doc's charge per entry), default policy (allkeys-lru); GetAppend into a reused buffer"},
	{Name: "otter", New: newOtter, MustHit: true,
		Config: "v2, MaximumSize = entries, default executor"},
	{Name: "ristretto", New: newRistretto, MustHit: false,
		Config: "v2, MaxCost = entries at cost 1, NumCounters = 10 x entries, BufferItems 64, IgnoreInternalCost; population Sets retried until present"},
	{Name: "theine", New: newTheine, MustHit: true,
		Config: "NewBuilder(entries).Build(), cost 1"},
	{Name: "freecache", New: newFreecache, MustHit: false,
		Config: "NewCache(entries x (key + value + 24 B header)); GetWithBuf into a reused buffer"},
	{Name: "bigcache", New: newBigcache, MustHit: false,
		Config: "v3, 256 shards, HardMaxCacheSize = entries x (key + value + 18 B header + 1 B length) in MiB, MaxEntriesInWindow = entries, no expiry; Get allocates a copy"},
	{Name: "fastcache", New: newFastcache, MustHit: false,
		Config: "New(entries x (key + value + 4 B header)), at least its 32 MiB minimum; HasGet into a reused buffer"},
	{Name: "golang-lru", New: newLRU, MustHit: true,
		Config: "v2 lru.New(entries) (one mutex)"},
}

// SpecByName returns the spec named name.
func SpecByName(name string) (Spec, bool) {
	for _, s := range Specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// bytesOf returns the bytes of s without copying them, for the caches that take []byte keys
// and copy what they keep.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

type larderCache struct{ c *larder.Cache }

// larderOverhead is the charge per entry beyond its key and value that CacheOptions.MaxMemory
// documents.
const larderOverhead = 50

func newLarder(entries, keyLen, valLen int) (Cache, error) {
	c, err := larder.OpenCache(&larder.CacheOptions{MaxMemory: int64(entries) * int64(keyLen+valLen+larderOverhead)})
	if err != nil {
		return nil, err
	}
	return larderCache{c}, nil
}

func (l larderCache) Get(dst []byte, key string) ([]byte, bool) { return l.c.GetAppend(dst[:0], key) }
func (l larderCache) Set(key string, value []byte) {
	if err := l.c.Set(key, value, 0); err != nil {
		panic(err) // room for every entry was configured: a failure is a broken benchmark
	}
}
func (l larderCache) Sync()  {}
func (l larderCache) Close() { l.c.Close() }

type otterCache struct{ c *otter.Cache[string, []byte] }

func newOtter(entries, _, _ int) (Cache, error) {
	c, err := otter.New(&otter.Options[string, []byte]{MaximumSize: entries})
	if err != nil {
		return nil, err
	}
	return otterCache{c}, nil
}

func (o otterCache) Get(_ []byte, key string) ([]byte, bool) { return o.c.GetIfPresent(key) }
func (o otterCache) Set(key string, value []byte)            { o.c.Set(key, value) }
func (o otterCache) Sync()                                   { o.c.CleanUp() }
func (o otterCache) Close()                                  { o.c.InvalidateAll(); o.c.StopAllGoroutines() }

type ristrettoCache struct {
	c *ristretto.Cache[string, []byte]
}

func newRistretto(entries, _, _ int) (Cache, error) {
	c, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters:        10 * int64(entries),
		MaxCost:            int64(entries),
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, err
	}
	return ristrettoCache{c}, nil
}

func (r ristrettoCache) Get(_ []byte, key string) ([]byte, bool) { return r.c.Get(key) }
func (r ristrettoCache) Set(key string, value []byte)            { r.c.Set(key, value, 1) }
func (r ristrettoCache) Sync()                                   { r.c.Wait() }
func (r ristrettoCache) Close()                                  { r.c.Close() }

type theineCache struct{ c *theine.Cache[string, []byte] }

func newTheine(entries, _, _ int) (Cache, error) {
	c, err := theine.NewBuilder[string, []byte](int64(entries)).Build()
	if err != nil {
		return nil, err
	}
	return theineCache{c}, nil
}

func (t theineCache) Get(_ []byte, key string) ([]byte, bool) { return t.c.Get(key) }
func (t theineCache) Set(key string, value []byte)            { t.c.Set(key, value, 1) }
func (t theineCache) Sync()                                   { t.c.Wait() }
func (t theineCache) Close()                                  { t.c.Close() }

type freeCache struct{ c *freecache.Cache }

// freecacheHeader is the header freecache writes before each entry's key and value.
const freecacheHeader = 24

func newFreecache(entries, keyLen, valLen int) (Cache, error) {
	return freeCache{freecache.NewCache(entries * (keyLen + valLen + freecacheHeader))}, nil
}

func (f freeCache) Get(dst []byte, key string) ([]byte, bool) {
	v, err := f.c.GetWithBuf(bytesOf(key), dst[:cap(dst)])
	return v, err == nil
}
func (f freeCache) Set(key string, value []byte) {
	if err := f.c.Set(bytesOf(key), value, 0); err != nil {
		panic(err)
	}
}
func (f freeCache) Sync()  {}
func (f freeCache) Close() { f.c.Clear() }

type bigCache struct{ c *bigcache.BigCache }

// bigcacheHeader is the header bigcache writes before each entry's key and value (timestamp,
// hash, key length), and the length it writes before that in its queue (1 byte for entries of
// fewer than 128 bytes).
const bigcacheHeader = 18 + 1

func newBigcache(entries, keyLen, valLen int) (Cache, error) {
	size := entries * (keyLen + valLen + bigcacheHeader)
	cfg := bigcache.Config{
		Shards:             256,
		LifeWindow:         24 * time.Hour, // with CleanWindow 0, nothing expires
		MaxEntriesInWindow: entries,
		MaxEntrySize:       keyLen + valLen + bigcacheHeader,
		HardMaxCacheSize:   (size + 1<<20 - 1) >> 20,
	}
	c, err := bigcache.New(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	return bigCache{c}, nil
}

func (g bigCache) Get(_ []byte, key string) ([]byte, bool) {
	v, err := g.c.Get(key)
	return v, err == nil
}
func (g bigCache) Set(key string, value []byte) {
	if err := g.c.Set(key, value); err != nil {
		panic(err)
	}
}
func (g bigCache) Sync()  {}
func (g bigCache) Close() { g.c.Close() }

type fastCache struct{ c *fastcache.Cache }

// fastcacheHeader is the header fastcache writes before each entry's key and value.
const fastcacheHeader = 4

func newFastcache(entries, keyLen, valLen int) (Cache, error) {
	return fastCache{fastcache.New(entries * (keyLen + valLen + fastcacheHeader))}, nil
}

func (f fastCache) Get(dst []byte, key string) ([]byte, bool) {
	return f.c.HasGet(dst[:0], bytesOf(key))
}
func (f fastCache) Set(key string, value []byte) { f.c.Set(bytesOf(key), value) }
func (f fastCache) Sync()                        {}
func (f fastCache) Close()                       { f.c.Reset() }

type lruCache struct{ c *lru.Cache[string, []byte] }

func newLRU(entries, _, _ int) (Cache, error) {
	c, err := lru.New[string, []byte](entries)
	if err != nil {
		return nil, fmt.Errorf("golang-lru: %w", err)
	}
	return lruCache{c}, nil
}

func (l lruCache) Get(_ []byte, key string) ([]byte, bool) { return l.c.Get(key) }
func (l lruCache) Set(key string, value []byte)            { l.c.Add(key, value) }
func (l lruCache) Sync()                                   {}
func (l lruCache) Close()                                  { l.c.Purge() }
