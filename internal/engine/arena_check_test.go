package engine

import (
	"fmt"

	"github.com/larderdb/larder/internal/evict"
)

// checkStorage walks every shard and checks the storage invariants: each index cell points at
// a live record of that slot whose key hashes to the cell's fragment; every live record has a
// cell; the TTL set holds exactly the records with an expiry time outside expiry groups'
// segments, each with an expiry hint no later than that time, and a grouped record with an
// expiry time has it within its segment's bucket and in its segment's table (checkGroupLocked);
// used memory is exactly the live records,
// objects, index tables and TinyLFU sketches, and its part on the Go heap (HeapUsed) exactly
// the last three; dead bytes are exactly the dead records; no segment but the head is past the
// compaction threshold, but expiry groups' segments, which wait for their keys to expire; the
// expiry groups' heads are the segments that say so; slack is exactly the segments' resident
// bytes without records
// and the pool's segments, once each shard's changes are added (acct.go), which are within a
// batch; every live record is in exactly one eviction list, linked
// both ways, but records of expiry groups left out lazily (syncLazyLocked), and the lists'
// counts and bytes add up (checkListsLocked).
func (db *DB) checkStorage() error {
	var used, heap, dead, slack, headSlack, extra, spare int64
	for si := range db.shards {
		sh := &db.shards[si]
		sh.lock(0)
		err := func() error {
			// What the shard has not added to the DB's counts is within its batch (acct.go);
			// the counts are then checked with it added.
			a, b := sh.acct, db.acctBatch.Load()
			if a.used != 0 || a.dead+a.slack+max(-a.headSlack, 0) >= b ||
				max(a.dead, -a.dead, a.slack, -a.slack, a.headSlack, -a.headSlack) >= b {
				return fmt.Errorf("shard %d: changes not added to the counts beyond a batch of %d: %+v", si, b, a)
			}
			sh.flushAcctLocked(true)
			cells, ttls, grouped, unlinked := 0, 0, 0, 0
			if b := int64(sh.pol.SketchBytes()); b != sh.sketchBytes {
				return fmt.Errorf("shard %d: sketch of %d bytes accounted as %d", si, b, sh.sketchBytes)
			}
			used += sh.sketchBytes
			heap += sh.sketchBytes
			for li := range sh.tabs {
				t := &sh.tabs[li]
				used += int64(len(t.cells) * cellBytes)
				heap += int64(len(t.cells) * cellBytes)
				for _, c := range t.cells {
					if c == 0 {
						continue
					}
					cells++
					h := sh.at(cellRef(c))
					if !h.live() {
						return fmt.Errorf("shard %d: cell %x points at a dead record", si, c)
					}
					if slot := db.slotOf(h.key()); db.localSlot(slot) != li || db.shardOf(slot) != uint32(si) {
						return fmt.Errorf("shard %d: record %q in local slot %d has slot %d", si, h.key(), li, slot)
					}
					if db.frag(h.key()) != cellFrag(c) {
						return fmt.Errorf("shard %d: cell fragment of %q is wrong", si, h.key())
					}
					p := sh.ttl.find(cellRef(c))
					if inTTL := p >= 0; inTTL != (h.expireAt() != 0 && !sh.grouped(cellRef(c))) {
						return fmt.Errorf("shard %d: %q has expireAt %d, grouped %v, but is in the TTL set: %v", si, h.key(), h.expireAt(), sh.grouped(cellRef(c)), inTTL)
					}
					if sh.grouped(cellRef(c)) {
						if err := sh.checkGroupLocked(si, cellRef(c)); err != nil {
							return err
						}
						if h.expireAt() != 0 {
							grouped++
						}
					}
					if at := h.expireAt(); p >= 0 && int16(expiryHint(at)-sh.ttl.hints[p]) < 0 {
						return fmt.Errorf("shard %d: %q expires at %d, its hint says second %d (mod 2^16)", si, h.key(), at, sh.ttl.hints[p])
					}
					switch {
					case h.queue() < 0 && sh.unlinked && sh.grouped(cellRef(c)):
						unlinked++ // left out lazily (syncLazyLocked)
					case h.queue() < 0 || h.queue() >= evict.NumLists:
						return fmt.Errorf("shard %d: %q is in no eviction list (queue bits %d)", si, h.key(), h.queue())
					}
					if h.expireAt() != 0 {
						ttls++
					}
					if h.kind&flagTable != 0 {
						if sh.objs[h.valLen] == nil {
							return fmt.Errorf("shard %d: %q points at an empty object slot", si, h.key())
						}
						used += sh.objSize[h.valLen]
						heap += sh.objSize[h.valLen]
					}
				}
			}
			if ttls-grouped != sh.ttl.n || int64(ttls) != sh.expires.Load()+sh.tally.expires {
				return fmt.Errorf("shard %d: %d keys with a TTL (%d grouped), TTL set %d, expires %d", si, ttls, grouped, sh.ttl.n, sh.expires.Load()+sh.tally.expires)
			}
			if cells != int(sh.count.Load()+sh.tally.keys) {
				return fmt.Errorf("shard %d: %d cells, count %d", si, cells, sh.count.Load()+sh.tally.keys)
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
					if !h.live() {
						if h.queue() >= 0 {
							return fmt.Errorf("shard %d: a dead record is in eviction list %d", si, h.queue())
						}
						d += h.size()
					} else {
						used += int64(h.size())
						live++
					}
					off += h.size()
				}
				if s.res < s.used || s.res > len(s.mem) {
					return fmt.Errorf("shard %d segment %d: %d bytes counted resident, %d used of %d", si, i, s.res, s.used, len(s.mem))
				}
				slack += int64(s.res - s.used)
				if d != s.dead {
					return fmt.Errorf("shard %d segment %d: %d dead bytes, recorded %d", si, i, d, s.dead)
				}
				if uint32(i) != sh.head && s.expEnd == 0 && s.dead*compactDiv >= s.used {
					return fmt.Errorf("shard %d segment %d: %d of %d bytes dead, not compacted", si, i, s.dead, s.used)
				}
				dead += int64(d)
				for k, e := range s.exp {
					if k > 0 && e>>16 <= s.exp[k-1]>>16 {
						return fmt.Errorf("shard %d segment %d: its expiry table is not in the order of offsets", si, i)
					}
					if int(e>>16)<<unitShift >= s.used {
						return fmt.Errorf("shard %d segment %d: its expiry table lists offset %d beyond its records", si, i, int(e>>16)<<unitShift)
					}
				}
				if s.expEnd != 0 {
					found := false
					for _, sc := range sh.scans {
						found = found || (sc.seg == uint32(i) && sc.at == s.scanAt)
					}
					if !found {
						return fmt.Errorf("shard %d segment %d: an expiry group's segment not in the schedule of scans", si, i)
					}
				}
				if g := s.group; g != 0 {
					if int(g) > groupSlots || sh.groups[g-1].seg != uint32(i) {
						return fmt.Errorf("shard %d segment %d: says it heads expiry group %d, which it does not", si, i, g-1)
					}
					if s.expEnd == 0 {
						return fmt.Errorf("shard %d segment %d: heads expiry group %d without an expiry end", si, i, g-1)
					}
					headSlack += int64(s.res - s.used)
				}
			}
			for _, m := range sh.spare {
				slack += int64(len(m))
				headSlack += int64(len(m))
				spare += int64(len(m))
			}
			for _, m := range sh.extra {
				slack += int64(len(m))
				extra += int64(len(m))
			}
			for g, gh := range sh.groups {
				if gh.seg != 0 && (int(gh.seg) >= len(sh.segs) || int(sh.segs[gh.seg].group) != g+1) {
					return fmt.Errorf("shard %d: expiry group %d's head %d does not say so", si, g, gh.seg)
				}
			}
			if sh.head != 0 {
				headSlack += int64(sh.segs[sh.head].res - sh.segs[sh.head].used)
			}
			if live != cells {
				return fmt.Errorf("shard %d: %d live records, %d cells", si, live, cells)
			}
			return sh.checkListsLocked(si, cells-unlinked)
		}()
		sh.unlock()
		if err != nil {
			return err
		}
	}
	if h := db.HeapUsed(); h != heap {
		return fmt.Errorf("used memory on the Go heap %d, index tables, sketches and objects hold %d", h, heap)
	}
	if u := db.used.Load(); u != used {
		return fmt.Errorf("used memory %d, storage holds %d", u, used)
	}
	if d := db.dead.Load(); d != dead {
		return fmt.Errorf("dead bytes %d, storage holds %d", d, dead)
	}
	db.segs.mu.Lock()
	for _, m := range db.segs.mem {
		slack += int64(len(m))
	}
	db.segs.mu.Unlock()
	if h := db.headSlack.Load(); h != headSlack {
		return fmt.Errorf("head slack %d, the heads hold %d", h, headSlack)
	}
	if e := db.extraBytes.Load(); e != extra {
		return fmt.Errorf("extra spares' bytes %d, the shards hold %d", e, extra)
	}
	if b := db.spareBytes.Load(); b != spare {
		return fmt.Errorf("spares' bytes %d, the shards hold %d", b, spare)
	}
	if s := db.slack.Load(); s != slack {
		return fmt.Errorf("slack %d, the arenas and the pool hold %d", s, slack)
	}
	return nil
}

// checkGroupLocked checks the live record ref of an expiry group's segment: an expiry time, if
// it has one, within the segment's bucket and in the segment's table.
func (sh *shard) checkGroupLocked(si int, ref uint32) error {
	s := &sh.segs[ref>>offBits]
	h := sh.at(ref)
	at := h.expireAt()
	if at == 0 {
		return nil
	}
	if at < s.bucketStart() || at > s.expEnd {
		return fmt.Errorf("shard %d: %q expires at %d, outside the bucket %d..%d of its segment", si, h.key(), at, s.bucketStart(), s.expEnd)
	}
	for _, e := range s.exp {
		if e>>16 == ref&offMask {
			if want := groupEntry(int(ref&offMask)<<unitShift, at, s.bucketStart()); e != want {
				return fmt.Errorf("shard %d: %q expires at %d, its segment's table says %d", si, h.key(), at, s.bucketStart()+int64(e&0xffff))
			}
			return nil
		}
	}
	return fmt.Errorf("shard %d: %q, expiring at %d, is not in its segment's table", si, h.key(), at)
}

// checkListsLocked walks the shard's eviction lists: every node is a live record of the index
// that says it is in that list and is linked both ways, no record is seen twice, the lists hold
// cells records in all, and their node and byte counts agree with the Core's.
func (sh *shard) checkListsLocked(si, cells int) error {
	nodes := recNodes{sh}
	seen := map[uint32]bool{}
	var total int64
	for q := range uint32(evict.NumLists) {
		n, bytes := 0, int64(0)
		for prev, i := q, nodes.Link(q).Prev; i != q; prev, i = i, nodes.Link(i).Prev {
			if i < uint32(evict.NumLists) || seen[i] {
				return fmt.Errorf("shard %d list %d: node %d is a sentinel or seen before", si, q, i)
			}
			seen[i] = true
			h := sh.at(i)
			if !h.live() || h.queue() != int(q) {
				return fmt.Errorf("shard %d list %d: record %d is dead or says it is in list %d", si, q, i, h.queue())
			}
			if nodes.Link(i).Next != prev {
				return fmt.Errorf("shard %d list %d: %q is not linked both ways", si, q, h.key())
			}
			key := h.key()
			if _, ref := sh.tabs[sh.db.localSlot(sh.db.slotOf(key))].find(sh, sh.db.frag(key), key); ref != i {
				return fmt.Errorf("shard %d list %d: %q at %d is not the indexed record %d", si, q, key, i, ref)
			}
			n++
			bytes += int64(h.size())
			if n > cells {
				return fmt.Errorf("shard %d list %d: longer than the index", si, q)
			}
		}
		if l := nodes.Link(q); nodes.Link(l.Next).Prev != q {
			return fmt.Errorf("shard %d list %d: the newest node does not link back to the sentinel", si, q)
		}
		if n != sh.pol.ListLen(uint8(q)) || bytes != sh.pol.ListBytes(uint8(q)) {
			return fmt.Errorf("shard %d list %d: %d records of %d bytes, the policy counts %d of %d",
				si, q, n, bytes, sh.pol.ListLen(uint8(q)), sh.pol.ListBytes(uint8(q)))
		}
		total += bytes
	}
	if len(seen) != cells || total != sh.pol.Bytes() || len(seen) != sh.pol.Len() {
		return fmt.Errorf("shard %d: the lists hold %d records of %d bytes, the index %d, the policy %d of %d",
			si, len(seen), total, cells, sh.pol.Len(), sh.pol.Bytes())
	}
	return nil
}
