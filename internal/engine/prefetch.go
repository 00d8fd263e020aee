package engine

// prefetch turns prefetchLocked on; only benchmarks turn it off, to measure it.
var prefetch = true

// prefetchLocked loads the index cells of keys, then the headers of the records they point to,
// so that the command's own lookups find them in the CPU's caches; the value it returns is of
// no use but to keep the loads. Each pass issues its loads independently of one another, so the
// processor overlaps their cache misses: a command on n keys spread over a large keyspace waits
// about two memory latencies instead of 2n (MSET of 10 random keys: table.find was 43% of the
// node's CPU). The caller holds the keys' shards; Begin has placed the keys.
func (db *DB) prefetchLocked(keys []keyPlace) (sink uint64) {
	const batch = 16
	var refs [batch]uint32
	var shs [batch]*shard
	for len(keys) > 0 {
		n := min(len(keys), batch)
		for i, k := range keys[:n] {
			sh := &db.shards[db.shardOf(k.slot)]
			t := &sh.tabs[db.localSlot(k.slot)]
			shs[i], refs[i] = sh, 0
			if len(t.cells) == 0 {
				continue
			}
			c := t.cells[int(k.frag)&(len(t.cells)-1)]
			if cellFrag(c) == k.frag {
				refs[i] = cellRef(c)
			}
		}
		for i := range n {
			if refs[i] != 0 {
				sink += uint64(shs[i].at(refs[i]).kind)
			}
		}
		keys = keys[n:]
	}
	return sink
}
