package engine

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a DB. The zero value of each field selects its default.
type Options struct {
	// Shards is the number of lock shards, a power of two from 1 to NumSlots. Default (0):
	// from MaxMemory (ShardsFor).
	Shards int
	// MaxMemory is the memory limit in bytes (maxmemory). Default 0: no limit.
	MaxMemory int64
	// Policy is the maxmemory-policy name. Default TinyLFU ("allkeys-tinylfu").
	Policy string
	// Samples is maxmemory-samples, from 1 to 64. Default 5.
	Samples int
	// LFULogFactor is lfu-log-factor. Default 10.
	LFULogFactor int
	// LFUDecayTime is lfu-decay-time in minutes. Default 1.
	LFUDecayTime int
	// Hz is the number of active expiry cycles per second, from 1 to 500. Default 10.
	Hz int
	// Clock returns the time in unix milliseconds. It is used only by the background
	// goroutine; every other method takes the time as a parameter. Default: the wall clock.
	Clock func() int64
	// OnChange, when set, receives every change; see Change for its contract. Default: none.
	OnChange func(*Change)
	// Thaw rebuilds an Object of kind from the compact encoding it wrote (see Compact), copying
	// b, which aliases the arena. Default: none, and objects are always kept whole.
	Thaw func(kind Kind, b []byte) Object
	// Seed seeds the random sampling of active expiry, eviction and RandomKey, so that tests
	// can repeat a run. Default 0: a random seed.
	Seed uint64
	// HashSlots places each key by a hash of its own instead of its Redis Cluster slot, for a
	// keyspace no cluster routes (larder.Cache, a node with cluster-enabled no): a key is
	// hashed once per operation, not twice, and only the first Shards slots are used, one per
	// shard, so that each shard has one index table rather than many small ones (whose
	// resizes leave the Go heap's spans of many size classes partly empty), and no table
	// headers for the slots it never uses (0.5 MB for 16384 slots). Slot numbers
	// (SlotLen, SlotKeys, ViewSlot, Change.Slot) follow that placement and mean nothing to a
	// cluster client. Default false: Redis Cluster slots (Slot).
	HashSlots bool
	// OptimisticReads makes DB.GetString read without the shard's lock, as a seqlock reader
	// (optread.go), and give its hits to the eviction policy through the shard's lossy read
	// buffer (readbuf.go), for larder.Cache, whose reads come from every core at once. It
	// needs HashSlots. Every other operation pays for it: taking and releasing a shard's
	// lock steps its version, a change to an index or an arena segment publishes a new read
	// view, and arena memory a shard frees is unmapped only after a garbage collection (the
	// background goroutine runs one when more than maxRetired mappings wait), so a node does
	// not set it. The read without the lock is made only on amd64, whose stores are seen in
	// order (optimisticArch); elsewhere GetString takes the lock, and its hits still go
	// through the read buffer. Default false: GetString takes the shard's lock.
	OptimisticReads bool

	// lockedReads, for tests, makes an OptimisticReads DB read under the lock as it does
	// where the read without it is not made (optimisticArch false).
	lockedReads bool
}

// DB is the keyspace of one node: shards of keys with per-slot entry lists, TTLs, memory accounting,
// eviction and active expiry. It is safe for concurrent use. Lock order: evictMu, then shard
// locks in ascending index order, then randMu; expireMu is taken before any shard lock.
type DB struct {
	shards []shard
	mask   uint32 // len(shards) - 1
	shift  int    // log2(len(shards)): slot >> shift is the slot's index in its shard
	decay  uint16 // lfu-decay-time, reported by Entry.Freq
	seed   maphash.Seed
	// hashSlots: a key's slot comes from its maphash, not CRC16 (Options.HashSlots).
	hashSlots bool
	// bufReads: GetString gives its hits to the read buffer (Options.OptimisticReads).
	bufReads bool
	// optimistic: GetString reads without the lock (Options.OptimisticReads, on amd64
	// alone); test it through readsOptimistic, which the compiler drops elsewhere.
	optimistic bool
	// none is the index table of the slots no key is placed in (with hashSlots, those from
	// len(shards) up), which shards keep no table for (slotTable). Always empty.
	none table

	logFactor, decayTime int
	onChange             func(*Change)
	thaw                 func(Kind, []byte) Object

	slotLen []atomic.Int32 // keys per slot; written under the slot's shard lock, read without
	// epoch is the current epoch of the optimistic read, which arena memory waits for to be
	// unmapped (optread.go): read by every read, written only by unmapLater.
	epoch atomic.Pointer[epoch]
	// acctBatch is the shards' batch of changes to the byte counts below (acct.go), set from
	// maxmemory.
	acctBatch atomic.Int64

	// The fields above are read by every operation and written only at Open (epoch seldom):
	// the counters below, written by writes from every core, start on a cache line of their
	// own.
	_ [64]byte

	used atomic.Int64 // bytes of live records, objects and indexes; changed under shard locks
	heap atomic.Int64 // the part of used on the Go heap: index tables, sketches, objects
	dead atomic.Int64 // bytes of dead records not yet reclaimed by compaction
	// slack is the bytes of arena memory that are resident and hold no record (arena.go);
	// changed under shard locks, and by the segment pool.
	slack atomic.Int64
	// headSlack is the part of slack in the shards' head segments.
	headSlack atomic.Int64
	// extraBytes is the part of slack in the shards' extra spares (spareLocked).
	extraBytes atomic.Int64
	// spareBytes is the part of slack in the shards' spares (spareLocked), counted in
	// headSlack as well.
	spareBytes atomic.Int64
	// segLen is the length of new shared segments (segLenFor), set from maxmemory.
	segLen    atomic.Int64
	maxMemory atomic.Int64
	samples   atomic.Int32
	policy    atomic.Pointer[policyBox]

	segs segPool // freed arena segments kept for reuse

	retireMu sync.Mutex // serialises unmapLater's epoch changes; a leaf lock
	// retired counts the mappings unmapLater has released but not yet unmapped.
	retired atomic.Int64

	randMu sync.Mutex // guards rng; a leaf lock
	rng    *rand.Rand

	evictMu sync.Mutex // guards pool and victims; serialises eviction
	pool    evictPool
	victims []uint64 // scratch for TinyLFU's victims
	// poolPolicy is the policy the pool's candidates were ranked by. Guarded by evictMu.
	poolPolicy *policyBox

	tune tuning // TinyLFU's window tuner (tinylfu.go)
	// recShare is the float64 bits of the share of used memory records take (updateRecShare).
	recShare atomic.Uint64
	// lazyShards counts the shards with records of expiry groups in no eviction list
	// (shard.unlinked, syncLazyLocked).
	lazyShards atomic.Int32
	// evictions counts CheckMemory's eviction runs, to update recShare now and then. Guarded
	// by evictMu.
	evictions int

	expireMu   sync.Mutex  // serialises ExpireCycle
	expire     expireState // active expiry's cursors and counters (expire.go)
	stopOnce   sync.Once
	stop, done chan struct{}
}

// policyBox lets an atomic pointer hold a nil (noeviction) Policy; tiny marks TinyLFU.
type policyBox struct {
	p    Policy
	tiny bool
}

func newPolicyBox(p Policy) *policyBox {
	_, tiny := p.(tinyLFUPolicy)
	return &policyBox{p: p, tiny: tiny}
}

// Open validates opts, fills in defaults (opts is not modified), creates the DB and starts its
// active-expiry goroutine, which Close stops. An invalid option is an error naming it.
func Open(opts Options) (*DB, error) {
	o := opts
	if o.Shards == 0 {
		o.Shards = ShardsFor(o.MaxMemory)
	}
	if o.Shards < 1 || o.Shards > NumSlots || o.Shards&(o.Shards-1) != 0 {
		return nil, fmt.Errorf("engine: Options.Shards %d is not a power of two from 1 to %d", o.Shards, NumSlots)
	}
	if o.MaxMemory < 0 {
		return nil, fmt.Errorf("engine: Options.MaxMemory %d is negative", o.MaxMemory)
	}
	if o.Policy == "" {
		o.Policy = TinyLFU
	}
	if o.Samples == 0 {
		o.Samples = 5
	}
	if o.Samples < 1 || o.Samples > 64 {
		return nil, fmt.Errorf("engine: Options.Samples %d is not from 1 to 64", o.Samples)
	}
	if o.LFULogFactor == 0 {
		o.LFULogFactor = 10
	}
	if o.LFULogFactor < 0 {
		return nil, fmt.Errorf("engine: Options.LFULogFactor %d is negative", o.LFULogFactor)
	}
	if o.LFUDecayTime == 0 {
		o.LFUDecayTime = 1
	}
	if o.LFUDecayTime < 0 {
		return nil, fmt.Errorf("engine: Options.LFUDecayTime %d is negative", o.LFUDecayTime)
	}
	if o.Hz == 0 {
		o.Hz = 10
	}
	if o.Hz < 1 || o.Hz > 500 {
		return nil, fmt.Errorf("engine: Options.Hz %d is not from 1 to 500", o.Hz)
	}
	if o.Clock == nil {
		o.Clock = func() int64 { return time.Now().UnixMilli() }
	}
	if o.OptimisticReads && !o.HashSlots {
		return nil, fmt.Errorf("engine: Options.OptimisticReads needs Options.HashSlots")
	}
	p, err := NewPolicy(o.Policy, o.LFULogFactor, o.LFUDecayTime)
	if err != nil {
		return nil, fmt.Errorf("engine: Options.Policy: %w", err)
	}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}

	db := &DB{
		shards:    make([]shard, o.Shards),
		slotLen:   make([]atomic.Int32, NumSlots),
		mask:      uint32(o.Shards - 1),
		shift:     bits.TrailingZeros(uint(o.Shards)),
		decay:     clampDecay(o.LFUDecayTime),
		logFactor: o.LFULogFactor,
		decayTime: o.LFUDecayTime,
		onChange:  o.OnChange,
		thaw:      o.Thaw,
		rng:       rand.New(rand.NewPCG(seed, ^seed)),
		seed:      maphash.MakeSeed(),
		hashSlots: o.HashSlots,
		bufReads:  o.OptimisticReads,
		// optimisticArch alone would do; this also tests the locked reads (lockedReads).
		optimistic: o.OptimisticReads && optimisticArch && !o.lockedReads,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	db.maxMemory.Store(o.MaxMemory)
	db.segLen.Store(int64(segLenFor(o.MaxMemory, o.Shards)))
	db.acctBatch.Store(acctBatchFor(o.MaxMemory, o.Shards))
	db.tune.frac.Store(math.Float64bits(initialWindow))
	db.recShare.Store(math.Float64bits(1))
	db.policy.Store(newPolicyBox(p))
	if db.readsOptimistic() {
		db.epoch.Store(new(epoch))
	}
	tables := NumSlots / o.Shards
	if o.HashSlots {
		tables = 1 // place puts a shard's keys in one slot, its index (see slotTable)
	}
	for i := range db.shards {
		db.shards[i].init(db, tables, seed+uint64(i)*0x9e3779b97f4a7c15)
	}
	db.samples.Store(int32(o.Samples))
	go db.expireLoop(o.Clock, time.Second/time.Duration(o.Hz))
	return db, nil
}

// Shards returns the number of lock shards the keyspace has: Options.Shards, or ShardsFor's
// choice when that was 0.
func (db *DB) Shards() int { return len(db.shards) }

// ShardsFor returns the default number of shards for a maxmemory of m bytes (0: none): one a
// MiB, a power of two from 16 to 256, and 256 without a limit. Every shard keeps a head segment
// of its arena partly filled (16 KiB long below 512 MiB) and its own eviction lists, so at a
// small maxmemory 256 shards hold a few MiB that no key uses (3 MiB of head slack after a trace
// replay at 4 MiB) while a small keyspace needs few locks; from 256 MiB it is 256, as before.
func ShardsFor(m int64) int {
	if m <= 0 {
		return 256
	}
	n := 16
	for n < 256 && int64(n)*2<<20 <= m {
		n *= 2
	}
	return n
}

// expireLoop runs active expiry every period until Close. A cycle keeps to its OS thread, so
// that the thread's CPU clock measures its work (Stats.ExpireCycleCPU): its wall time also
// counts the time the thread waited for a CPU, which on a busy host is most of it. Between
// cycles the goroutine holds no thread of its own.
func (db *DB) expireLoop(clock func() int64, period time.Duration) {
	defer close(db.done)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
			runtime.LockOSThread()
			cpu := threadCPU()
			db.ExpireCycle(clock())
			db.expire.cpu.Add(int64(threadCPU() - cpu))
			runtime.UnlockOSThread()
			if db.readsOptimistic() && db.retired.Load() >= maxRetired {
				// Arena memory waits for a collection to be unmapped (unmapLater); a
				// program that allocates little seldom collects.
				runtime.GC()
			}
		}
	}
}

// Close stops the active-expiry goroutine, waits for it, and gives the keyspace's memory back:
// every key is dropped (without publishing a change) and the arenas are unmapped, since they
// are outside the Go heap. The DB stays usable, empty; Close may be called more than once.
func (db *DB) Close() {
	db.stopOnce.Do(func() { close(db.stop) })
	<-db.done
	var t Txn
	db.BeginAll(&t, 0)
	for i := range db.shards {
		db.shards[i].resetLocked()
		db.shards[i].resetAcctLocked()
	}
	for i := range db.slotLen {
		db.slotLen[i].Store(0)
	}
	db.used.Store(0)
	db.heap.Store(0)
	db.dead.Store(0)
	t.End()
	for i := range db.shards {
		sh := &db.shards[i]
		sh.lock(0)
		sh.unmapSlabsLocked()
		sh.flushAcctLocked(true)
		sh.unlock()
	}
	// get unmaps the segments of other lengths on the way.
	for m := db.segs.get(db, segSize); m != nil; m = db.segs.get(db, segSize) {
		db.slack.Add(-int64(len(m)))
		db.unmapLater(m)
	}
}

// Len returns the number of keys, including expired keys not yet reclaimed (as DBSIZE).
func (db *DB) Len() int {
	var n int64
	for i := range db.shards {
		n += db.shards[i].count.Load()
	}
	return int(n)
}

// SlotLen returns the number of keys in slot, including expired keys not yet reclaimed
// (CLUSTER COUNTKEYSINSLOT). It reads one counter and takes no lock.
func (db *DB) SlotLen(slot uint16) int {
	if slot >= NumSlots {
		return 0
	}
	return int(db.slotLen[slot].Load())
}

// Flush deletes every key and publishes one OpFlush; inside a Txn use Txn.Flush. Memory goes back to the Go runtime
// through the garbage collector in both modes; async is accepted for FLUSHALL ASYNC and,
// since dropping the maps is already O(slots), does the same work as a synchronous flush.
func (db *DB) Flush(now int64, async bool) {
	_ = async
	var t Txn
	db.BeginAll(&t, now)
	t.Flush()
	t.End()
}

// SetMaxMemory sets maxmemory in bytes (0 = no limit; a negative n counts as 0).
func (db *DB) SetMaxMemory(n int64) {
	db.updateRecShare()
	db.maxMemory.Store(max(n, 0))
	db.segLen.Store(int64(segLenFor(max(n, 0), len(db.shards))))
	db.acctBatch.Store(acctBatchFor(max(n, 0), len(db.shards)))
	db.tuneResize()
}

// SetPolicy sets maxmemory-policy by name. An unknown name is an error wrapping
// ErrUnknownPolicy, and the policy does not change.
func (db *DB) SetPolicy(name string) error {
	p, err := NewPolicy(name, db.logFactor, db.decayTime)
	if err != nil {
		return err
	}
	// No evictMu here: SetPolicy may run inside EXEC, with every shard
	// held, and evictMu comes before shard locks. CheckMemory notices the
	// new box and resets its candidate pool.
	db.policy.Store(newPolicyBox(p))
	return nil
}

// SetSamples sets maxmemory-samples, clamped to 1..64.
func (db *DB) SetSamples(n int) { db.samples.Store(int32(min(max(n, 1), 64))) }

// PolicyName returns the maxmemory-policy name.
func (db *DB) PolicyName() string {
	if p := db.policy.Load().p; p != nil {
		return p.Name()
	}
	return "noeviction"
}

// access records a hit on the record at l for the eviction policy (LRU clock without one).
func (db *DB) access(l loc, now int64) {
	h := l.sh.at(l.ref)
	box := db.policy.Load()
	switch {
	case box.tiny:
		touchLRU(h, now)
		l.sh.accessLocked(l.ref, l.frag)
	case box.p != nil:
		box.p.Access(h, now)
	default:
		touchLRU(h, now)
	}
}

// hitLocked records a read hit on the record at l (Txn.Get, DB.GetString): the access, and
// for TinyLFU the tuner's sample.
func (db *DB) hitLocked(l loc, now int64) {
	h := l.sh.at(l.ref)
	box := db.policy.Load()
	switch {
	case box.tiny:
		touchLRU(h, now)
		l.sh.accessLocked(l.ref, l.frag)
		db.tuneLocked(l.frag, h.size(), false)
	case box.p != nil:
		box.p.Access(h, now)
	default:
		touchLRU(h, now)
	}
}

// frag returns the hash fragment of key that its index cell holds and places it by.
func (db *DB) frag(key []byte) uint32 { return uint32(maphash.Bytes(db.seed, key)) }

// place returns key's slot and hash fragment. With hashSlots both come from one maphash (the
// slot, which is its shard's index, from bits the fragment does not use); otherwise the slot
// is Redis Cluster's (Slot).
func (db *DB) place(key []byte) (slot uint16, frag uint32) {
	h := maphash.Bytes(db.seed, key)
	if db.hashSlots {
		return uint16(uint32(h>>32) & db.mask), uint32(h)
	}
	return Slot(key), uint32(h)
}

// slotOf returns the slot of key in this DB: its Redis Cluster slot, or with hashSlots the
// one place gives.
func (db *DB) slotOf(key []byte) uint16 {
	if db.hashSlots {
		slot, _ := db.place(key)
		return slot
	}
	return Slot(key)
}

// randIntN returns a random int in [0, n).
func (db *DB) randIntN(n int) int {
	db.randMu.Lock()
	r := db.rng.IntN(n)
	db.randMu.Unlock()
	return r
}
