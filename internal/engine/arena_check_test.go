package engine

import "fmt"

// checkStorage walks every shard and checks the storage invariants: each index cell points at
// a live record of that slot whose key hashes to the cell's fragment; every live record has a
// cell; the TTL set holds exactly the records with an expiry time; used memory is exactly the live records,
// objects and index tables; dead bytes are exactly the dead records; no segment but the head
// is past the compaction threshold.
func (db *DB) checkStorage() error {
	var used, dead int64
	for si := range db.shards {
		sh := &db.shards[si]
		sh.lock(0)
		err := func() error {
			cells, ttls := 0, 0
			for li := range sh.tabs {
				t := &sh.tabs[li]
				used += int64(len(t.cells) * cellBytes)
				for _, c := range t.cells {
					if c == 0 {
						continue
					}
					cells++
					h := sh.at(cellRef(c))
					if h.kind == 0 {
						return fmt.Errorf("shard %d: cell %x points at a dead record", si, c)
					}
					if slot := Slot(h.key()); db.localSlot(slot) != li || db.shardOf(slot) != uint32(si) {
						return fmt.Errorf("shard %d: record %q in local slot %d has slot %d", si, h.key(), li, slot)
					}
					if db.frag(h.key()) != cellFrag(c) {
						return fmt.Errorf("shard %d: cell fragment of %q is wrong", si, h.key())
					}
					if inTTL := sh.ttl.find(cellRef(c)) >= 0; inTTL != (h.expireAt != 0) {
						return fmt.Errorf("shard %d: %q has expireAt %d but is in the TTL set: %v", si, h.key(), h.expireAt, inTTL)
					}
					if h.expireAt != 0 {
						ttls++
					}
					if h.kind&flagTable != 0 {
						if sh.objs[h.valLen] == nil {
							return fmt.Errorf("shard %d: %q points at an empty object slot", si, h.key())
						}
						used += sh.objSize[h.valLen]
					}
				}
			}
			if ttls != sh.ttl.n || int64(ttls) != sh.expires.Load() {
				return fmt.Errorf("shard %d: %d keys with a TTL, TTL set %d, expires %d", si, ttls, sh.ttl.n, sh.expires.Load())
			}
			if cells != int(sh.count.Load()) {
				return fmt.Errorf("shard %d: %d cells, count %d", si, cells, sh.count.Load())
			}
			live := 0
			for i := 1; i < len(sh.segs); i++ {
				s := &sh.segs[i]
				if s.mem == nil {
					continue
				}
				d := 0
				for off := 0; off < s.used; {
					h := sh.at(uint32(i)<<offBits | uint32(off>>unitShift))
					if h.kind == 0 {
						d += h.size()
					} else {
						used += int64(h.size())
						live++
					}
					off += h.size()
				}
				if d != s.dead {
					return fmt.Errorf("shard %d segment %d: %d dead bytes, recorded %d", si, i, d, s.dead)
				}
				if uint32(i) != sh.head && s.dead*compactDiv >= s.used {
					return fmt.Errorf("shard %d segment %d: %d of %d bytes dead, not compacted", si, i, s.dead, s.used)
				}
				dead += int64(d)
			}
			if live != cells {
				return fmt.Errorf("shard %d: %d live records, %d cells", si, live, cells)
			}
			return nil
		}()
		sh.unlock()
		if err != nil {
			return err
		}
	}
	if u := db.used.Load(); u != used {
		return fmt.Errorf("used memory %d, storage holds %d", u, used)
	}
	if d := db.dead.Load(); d != dead {
		return fmt.Errorf("dead bytes %d, storage holds %d", d, dead)
	}
	return nil
}
