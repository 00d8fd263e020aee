// Package evict decides which keys a cache of limited memory evicts.
//
// A [Policy] tracks keys by a 64-bit hash and a size in bytes; the cache keeps the keys and
// values themselves and tells the policy what happens to them:
//
//	p := evict.New(64 << 20) // at most 64 MiB
//
//	// A read: Access counts a hit, and false means a miss.
//	if !p.Access(h) {
//		// The cache loads and stores the key, then asks what to delete; the list may
//		// hold h itself if the policy refuses it.
//		victims = p.Insert(h, size, victims[:0])
//	}
//
//	// The cache deleted h itself (DEL, expiry).
//	p.Remove(h)
//
//	// Less memory: evict down to the new capacity.
//	victims = p.SetCapacity(32<<20, victims[:0])
//
// # The policy
//
// W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission
// Policy", ACM TOS 2017): a small LRU window in front of a segmented LRU main space, and a
// count-min sketch of recent request frequencies that admits a key from the window to the main
// space only if it is requested more often than the keys it displaces. Caffeine and otter tune
// the window's size with a hill climber that compares one period's hit ratio with the previous
// one; here two shadow caches, with a smaller and a larger window, see a sample of the same
// requests, and the window follows the one with more hits (see tuner.go). The policy is
// size-aware: a candidate must be more popular than every key whose bytes it would take.
// BENCHMARKS.md ("Hit ratio (issue 4)") has the measurements that chose it.
//
// # Where the nodes live
//
// The W-TinyLFU logic is [Core], generic over [Nodes]: where a node's links, list, size and
// hash are kept. A Policy is a Core over nodes in a slice, found by hash (the hit-ratio
// simulator runs it); the engine runs a Core per shard over its records, whose headers hold
// the links, and one [Tuner] for all its shards. Both run the same code.
//
// # Cost
//
// A Policy is not safe for concurrent use; the engine calls it under its shard lock. It keeps
// no pointer per key (nodes in one slice, linked by index, an open-addressing index of uint32,
// a sketch of uint64 words), so the garbage collector never scans its keys, and it allocates
// only while it grows. A node is 24 bytes; with the index and the sketch a key costs about 40 to
// 50 bytes ([Policy.Overhead]). The two shadow caches hold every key while the policy holds
// fewer than about a thousand, and a sample of 512 to 1024 keys each beyond that: they triple
// the memory and the work of a small policy, and cost a large one almost nothing.
package evict
