package larder

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
)

// ErrOutOfMemory is returned by Cache.Set when the cache is above CacheOptions.MaxMemory and
// its policy cannot make room: the policy is "noeviction", or a volatile policy finds no key
// with a TTL.
var ErrOutOfMemory = fmt.Errorf("larder: cache is full: %w", engine.ErrOOM)

// CacheOptions configures a Cache. OpenCache copies them and fills the defaults; it never
// changes the caller's struct. The zero value is an unbounded cache on the wall clock.
type CacheOptions struct {
	// MaxMemory bounds the memory accounted to the cache's entries, in bytes, as maxmemory
	// bounds a node's: each entry counts the length of its key and of its value plus the
	// engine's overhead per entry (record header and index, about 50 bytes). A Set above the
	// bound first makes room by Policy.
	// Default 0: no bound, entries leave only by Delete or TTL.
	MaxMemory int64
	// Policy chooses what leaves the cache at MaxMemory, by its maxmemory-policy name, as a
	// node takes it: "allkeys-tinylfu" (W-TinyLFU: a small LRU window, then admission to a
	// segmented LRU by a frequency sketch, see the README), or Redis's "allkeys-lru",
	// "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random",
	// "volatile-ttl", or "noeviction" (Set returns ErrOutOfMemory instead).
	// Default "allkeys-tinylfu".
	Policy string
	// Clock returns the current time, for TTLs and for the eviction policy's access times.
	// When set, it is called by every operation and by the cache's background expiry, so it
	// must be safe for concurrent use. The cache's time resolution is a millisecond.
	// Default: the wall clock as read at OpenCache, advanced by the monotonic clock, so that
	// TTLs are measured in elapsed time even if the wall clock is set; it is read only where
	// a TTL needs it (a Set with a TTL, a Get of an entry that has one, Delete), and the
	// eviction policy's clock, which counts seconds, is the time of the background expiry's
	// last run (ten a second).
	Clock func() time.Time
}

// Cache is an in-process cache of byte values by string key, on the same storage engine as a
// Node: the same memory accounting, eviction policies and TTLs, with no server, protocol or
// network in the way. It is safe for concurrent use: keys are spread over locked shards, so
// operations on different keys seldom wait for each other.
//
// Keys are strings and values []byte rather than type parameters: the engine stores bytes,
// as the node does, so a byte API costs one copy in and one out, and counts memory exactly; a
// generic Cache[K, V] would need a codec for every V, hiding an encoding and an allocation in
// every call and leaving MaxMemory unable to see the size of a V. Encode values with the
// codec of your choice, and append them into a buffer you reuse with GetAppend.
//
// A Cache holds a background goroutine for active expiry, and memory outside the Go heap
// (the engine's arenas) that the garbage collector does not free: Close stops the one and
// releases the other. A Cache that becomes unreachable without Close is closed by a cleanup
// (runtime.AddCleanup), at a time the garbage collector chooses; call Close.
type Cache struct {
	db    atomic.Pointer[engine.DB] // nil once closed
	clock func() int64              // the exact time, unix ms
	// last holds the time the background expiry last read, for the eviction policy and for
	// writes without a TTL (see now); nil when CacheOptions.Clock is set.
	last    *atomic.Int64
	txns    sync.Pool       // *engine.Txn for Delete, so that it allocates none
	cleanup runtime.Cleanup // closes db if the Cache is dropped without Close
}

// OpenCache creates a cache with opts (nil means all defaults). An invalid option (a negative
// MaxMemory, an unknown Policy) is an error naming it. Unlike Open, it does not change the Go
// runtime's memory limit: the cache is a part of the program, which sizes the process.
func OpenCache(opts *CacheOptions) (*Cache, error) {
	var o CacheOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxMemory < 0 {
		return nil, fmt.Errorf("larder: invalid CacheOptions.MaxMemory %d: negative", o.MaxMemory)
	}
	if o.Policy == "" {
		o.Policy = engine.TinyLFU
	}
	// By default, the wall clock at OpenCache advanced by the monotonic clock: one clock read
	// instead of time.Now's two, and TTLs that a step of the wall clock does not disturb.
	start := time.Now()
	startNs := start.UnixNano()
	clock := func() int64 { return (startNs + int64(time.Since(start))) / int64(time.Millisecond) }
	expiryClock := clock
	var last *atomic.Int64
	if o.Clock != nil {
		now := o.Clock
		clock = func() int64 { return now().UnixMilli() }
		expiryClock = clock
	} else {
		// The background expiry reads the clock Hz times a second (engine default 10) and
		// leaves the time for the operations that need no more than that.
		last = new(atomic.Int64)
		last.Store(clock())
		expiryClock = func() int64 {
			t := clock()
			last.Store(t)
			return t
		}
	}
	if _, err := engine.NewPolicy(o.Policy, 0, 0); err != nil {
		return nil, fmt.Errorf("larder: invalid CacheOptions.Policy %q: %w", o.Policy, err)
	}
	// 256 shards whatever MaxMemory is (a node takes fewer at a small maxmemory): the cache's
	// reads come from every goroutine of the process at once.
	db, err := engine.Open(engine.Options{MaxMemory: o.MaxMemory, Policy: o.Policy, Clock: expiryClock,
		HashSlots: true, OptimisticReads: true, Shards: 256})
	if err != nil {
		return nil, fmt.Errorf("larder: %w", err)
	}
	c := &Cache{clock: clock, last: last}
	c.txns.New = func() any { return new(engine.Txn) }
	c.db.Store(db)
	c.cleanup = runtime.AddCleanup(c, func(db *engine.DB) { db.Close() }, db)
	return c, nil
}

// Get returns a copy of key's value, which the caller owns, and whether the key was present.
// After Close it reports every key missing.
func (c *Cache) Get(key string) ([]byte, bool) {
	return c.GetAppend(nil, key)
}

// GetAppend appends key's value to dst and returns the extended slice, and whether the key was
// present; dst is returned unchanged when it was not. With a dst of enough capacity a hit
// allocates nothing. After Close it reports every key missing.
func (c *Cache) GetAppend(dst []byte, key string) ([]byte, bool) {
	db := c.db.Load()
	if db == nil {
		return dst, false
	}
	return db.GetString(dst, keyBytes(key), c.now(), c.clock)
}

// now returns the coarse time: the time the background expiry last read (one atomic load), or
// CacheOptions.Clock's time when it is set.
func (c *Cache) now() int64 {
	if c.last != nil {
		return c.last.Load()
	}
	return c.clock()
}

// Set stores a copy of value under key, replacing any value it had. A positive ttl makes the
// entry expire after ttl (rounded up to a millisecond); 0 keeps it until it is deleted or
// evicted; a negative ttl deletes key, as an expiry in the past would.
//
// Above MaxMemory, Set first evicts entries by the policy; it returns ErrOutOfMemory when the
// policy cannot make room, and ErrClosed after Close. Eviction runs before the write, so the
// cache may pass MaxMemory by the entries being written; the next Set brings it back.
func (c *Cache) Set(key string, value []byte, ttl time.Duration) error {
	db := c.db.Load()
	if db == nil {
		return ErrClosed
	}
	if ttl < 0 {
		c.delete(db, c.clock(), key)
		return nil
	}
	now := c.now()
	if ttl > 0 {
		now = c.clock()
	}
	// As the node does for a write command: make room first, holding no shard.
	if err := db.CheckMemory(now); err != nil {
		return ErrOutOfMemory
	}
	var expireAt int64
	if ttl > 0 {
		ms := int64(ttl / time.Millisecond)
		if ttl%time.Millisecond != 0 {
			ms++
		}
		expireAt = now + ms
	}
	db.SetString(keyBytes(key), value, expireAt, now)
	return nil
}

// Delete removes key and reports whether it was present. After Close it does nothing and
// reports false.
func (c *Cache) Delete(key string) bool {
	db := c.db.Load()
	if db == nil {
		return false
	}
	return c.delete(db, c.clock(), key)
}

func (c *Cache) delete(db *engine.DB, now int64, key string) bool {
	k := keyBytes(key)
	t := c.txns.Get().(*engine.Txn)
	db.Begin(t, now, k)
	ok := t.Delete(k)
	t.End()
	c.txns.Put(t)
	return ok
}

// Len returns the number of entries, counting those whose TTL has passed but that expiry has
// not reclaimed yet (as DBSIZE does). It is 0 after Close.
func (c *Cache) Len() int {
	db := c.db.Load()
	if db == nil {
		return 0
	}
	return db.Len()
}

// Close stops the cache's background expiry and drops its entries. Afterwards Get and
// GetAppend report every key missing, Delete does nothing, Len is 0 and Set returns
// ErrClosed; operations running while Close runs complete normally. Close always returns nil,
// and may be called more than once.
func (c *Cache) Close() error {
	db := c.db.Swap(nil)
	if db == nil {
		return nil
	}
	c.cleanup.Stop()
	db.Close() // also frees the arenas, which the garbage collector would not
	return nil
}

// keyBytes returns the bytes of s without copying them. The engine only reads a key it is
// given and copies what it keeps, so the string's immutability is preserved.
func keyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
