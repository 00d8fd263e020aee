// Package engine is the storage engine of one Larder node: a keyspace of typed values with
// TTLs, memory accounting, eviction and an ordered change stream. It knows nothing of RESP or
// the cluster, but is shaped for it: every slot has an index of its own, so one slot can be
// counted, listed and moved without touching the others.
//
// # Layout
//
// A key maps to one of NumSlots Redis Cluster slots (Slot). Slot s belongs to shard
// s&(Shards-1). A keyspace no cluster routes (Options.HashSlots, as larder.Cache opens it)
// places keys by their maphash instead, one slot per shard, and hashes a key once. A key and its value are one record (record.go) in the shard's arena
// (arena.go): 256 KiB segments mapped outside the Go heap, appended to and compacted when a
// quarter of a segment is dead, so millions of keys cost the garbage collector nothing. Each
// slot's index (index.go) is an open-addressing table of 8-byte cells: a 32-bit hash fragment
// of the key and the record's ref. A string's bytes are in its record; a small collection rests
// there in its compact encoding (Compact, rebuilt by Options.Thaw while a command uses it);
// a large one lives in the shard's object table. The records of keys that expire within
// minutes are placed in segments by expiry time (expirygroup.go), each with a table of its
// records' expiry times; the shard also lists the refs of its other keys with a TTL (for
// active expiry and volatile-* eviction). A sync.Mutex per shard guards all
// of it. An Entry is a view of a record that a Txn hands out, valid until the Txn ends.
//
// # Commands
//
// A command runs inside a Txn: DB.Begin locks the shards of its keys, Txn methods read and
// write, Txn.End unlocks. DB.GetString and DB.SetString do a Txn's Get and SetString for one
// key without one (larder.Cache); with Options.OptimisticReads (larder.Cache's, not a node's)
// GetString, on amd64, first reads without the shard's lock, as a seqlock reader, and takes it
// only if a writer held the shard meanwhile (optread.go). Lookups apply lazy expiry. Every write is published to
// Options.OnChange as a Change with a strictly increasing offset.
//
// # Determinism
//
// The shard code never reads the clock nor starts goroutines: time comes in as a parameter in
// unix milliseconds, and random sampling draws from generators seeded by Options.Seed (Go's
// randomised map iteration aside, and GetString's sampling of its hits for the read buffer,
// which uses the runtime's per-thread generator: a seeded one would be state its readers
// share). DB adds the one background goroutine, which calls
// ExpireCycle Hz times a second with Options.Clock.
//
// # Locking
//
// Lock order, outermost first:
//
//	DB.expireMu (ExpireCycle) or DB.evictMu (CheckMemory, SetPolicy)
//	a shard's lock (shard.mu, or the odd step of shard.ver where GetString reads without
//	it: optread.go), in ascending shard index (Begin, BeginAll; others hold one at a time)
//	DB.randMu (leaf: held only to draw a random number), DB.retireMu (leaf: unmapLater)
//
// DB methods that lock shards (SlotKeys, Scan, RandomKey, Flush, CheckMemory,
// ExpireCycle) must not be called by a goroutine holding a Txn; Len, SlotLen, Stats,
// ResetStats and Offset take no lock. The OnChange sink must not call into the DB.
package engine
