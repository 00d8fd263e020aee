// Package inproc measures the speed of Larder's in-process cache (larder.Cache) against other Go
// caches under one workload (issue 4): a cache prepopulated with every key, then a stream of
// scrambled Zipf keys, each operation a Get or a Set by a fixed read share, run by 1 to
// GOMAXPROCS goroutines. It reports operations per second; the command in cmd also reports each
// cache's resident memory per entry.
//
// # Running
//
// From the bench directory (the module that holds the peer caches, so Larder never depends on
// them):
//
//	go test -run='^$' -bench=GetSet -benchmem -cpu=1,2 -count=5 ./inproc | tee new.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /cache new.txt
//	go run ./inproc/cmd -rounds 5           # interleaved rounds, medians and ratios
//	go run ./inproc/cmd -mem                # resident bytes per entry, one process per cache
//
// # Workload
//
// Keys are 16 bytes ("k:" and 14 digits), values 32 bytes. Every key is in the cache before
// the clock starts and the capacity is twice the key count, so no policy has to evict: Gets hit
// (the benchmark fails if one misses at a read share of 100%), and Sets overwrite a key with a
// value of the same size. Each goroutine walks its own part of a precomputed stream of key
// indices drawn from a Zipf distribution (s = 1.01, math/rand/v2) whose ranks are mapped to keys
// by a fixed random permutation, so hot keys are spread over shards and hash tables. Whether an
// operation reads or writes is decided by its position in the goroutine's sequence (reads=75:
// three reads, then one write), so the choice costs one comparison.
//
// # Caches
//
// Each cache is used as its own documentation suggests (see Specs for the configuration of
// each). Caches that store []byte values by reference (otter, ristretto, theine, golang-lru)
// return the stored slice; caches that copy values out do so into a buffer the goroutine
// reuses where their API allows it (Larder's GetAppend, fastcache's HasGet, freecache's
// GetWithBuf); bigcache's Get allocates a copy on every hit.
package inproc
