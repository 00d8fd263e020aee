package engine

import (
	"encoding/binary"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"
)

// The optimistic read: DB.GetString on a DB opened with Options.OptimisticReads (larder.Cache),
// on amd64 (optimisticArch), first reads the key without the shard's lock, as a seqlock reader does. It loads the shard's version (shard.ver,
// odd while the lock is held), probes the index and copies the value out of the arena, then
// loads the version again; if the lock was held at the start or taken since, what it read may
// be torn and it takes the lock and reads again. A read then writes nothing shared but the
// hit it leaves in the read buffer.
//
// Everything it reads without the lock is read atomically, so that no load is a data race and
// none is reordered after the version's second load: the shard's readView (shard.rv, the
// table's cells and the segments, published whole), each index cell (stored atomically:
// setCell), and the record's header, key and value, in aligned 8-byte words (records and their
// key areas are 8-byte aligned and padded).
// Sizes read from a record are checked against its segment before they are used, so a torn
// record never leads the read outside the segment's memory.
//
// The memory must stay mapped while a reader may be in it: a segment freed by its shard may
// be reused (by it, or by another shard through the segment pool), which the version check
// catches, but it is unmapped only by unmapLater, once no reader can hold it. Each read holds
// the DB's current epoch, a small object; unmapLater starts a new epoch and unmaps the memory
// in a cleanup of the old one (runtime.AddCleanup), which runs once the garbage collector finds
// no read holding it nor any older epoch, each of which keeps its successor alive. A read that
// starts in the new epoch cannot find the memory: its segment was unpublished before.

// optimisticArch reports whether the optimistic read is made on this architecture: on amd64
// alone. A writer overwrites a value in place with plain stores after its odd step of the
// version (putStringLocked), and only amd64's memory model (total store order) keeps them
// after it for a reader on another core; on arm64 a reader could see some of the new bytes
// and the old, even version, and return a torn value. Elsewhere DB.GetString takes the lock,
// and, this being a constant, the compiler drops the optimistic path.
const optimisticArch = runtime.GOARCH == "amd64"

// readsOptimistic reports whether GetString first reads without the lock: the DB was opened
// with Options.OptimisticReads, on an architecture where that read is made. Only then do
// shards step their versions (shard.step), publish read views and leave freed arena memory
// to unmapLater.
func (db *DB) readsOptimistic() bool { return optimisticArch && db.optimistic }

// readView is what the optimistic read of a shard finds through shard.rv, published
// whole under the shard's lock: immutable, but for the contents of cells, which change by
// atomic stores only.
type readView struct {
	cells []uint64  // the shard's one table's cells
	segs  []segView // per segment index, as shard.segs
}

// segView is a segment's memory as the optimistic read sees it; base is nil for an unused
// index.
type segView struct {
	base unsafe.Pointer
	n    int
}

// publishLocked publishes the shard's table and segs as the segments' views, for a shard read
// optimistically (DB.readsOptimistic); others have no read views.
func (sh *shard) publishLocked(segs []segView) {
	if !sh.db.readsOptimistic() {
		return
	}
	sh.segViews = segs
	sh.rv.Store(&readView{cells: sh.tabs[0].cells, segs: segs})
}

// publishSegLocked publishes segment i as sh.segs now holds it (no memory: unused). The views
// are copied, as a reader may hold the last ones.
func (sh *shard) publishSegLocked(i uint32) {
	if !sh.db.readsOptimistic() {
		return
	}
	segs := make([]segView, max(len(sh.segViews), int(i)+1))
	copy(segs, sh.segViews)
	segs[i] = segView{}
	if m := sh.segs[i].mem; m != nil {
		segs[i] = segView{base: unsafe.Pointer(unsafe.SliceData(m)), n: len(m)}
	}
	sh.publishLocked(segs)
}

// epoch is a period between two unmapLater calls; see the comment at the top of the file.
type epoch struct {
	// next is the epoch that followed this one, kept alive by it: a read that holds an
	// older epoch may be in memory whose unmapping waits for a later one. Written under
	// DB.retireMu, read only by the garbage collector.
	next *epoch
}

// maxRetired is the most mappings unmapLater lets wait for a garbage collection: beyond it,
// the DB's background goroutine runs one (each waiting mapping takes one of the process's
// memory map areas, of which Linux allows 65530 by default).
const maxRetired = 1024

// unmapLater gives m, arena memory no shard uses any more, back to the OS: its pages now,
// its mapping once no optimistic read can be in it (see above). Without optimistic reads
// (DB.readsOptimistic) it unmaps m at once.
func (db *DB) unmapLater(m []byte) {
	if !db.readsOptimistic() {
		unmapMemory(m)
		return
	}
	releaseMemory(m)
	db.retired.Add(1)
	db.retireMu.Lock()
	next := new(epoch)
	old := db.epoch.Load()
	old.next = next
	db.epoch.Store(next)
	runtime.AddCleanup(old, unmapRetired, retiredMap{m: m, count: &db.retired})
	db.retireMu.Unlock()
}

// retiredMap is a mapping unmapLater released, and the count it is in.
type retiredMap struct {
	m     []byte
	count *atomic.Int64
}

// unmapRetired unmaps r.m, once no optimistic read can be in it.
func unmapRetired(r retiredMap) {
	unmapMemory(r.m)
	r.count.Add(-1)
}

// getOptimistic looks key, whose hash fragment is frag, up in sh without its lock (sh is a
// HashSlots shard, one table, of a DB that readsOptimistic). It returns dst with key's value appended and the record's ref
// when key holds a string, or dst and ref 0 when key is absent; ok is false, and dst
// unchanged, when it could not tell: the shard was held or changed during the read, or the
// record needs the lock (a TTL, a long key, a value that is not a string).
func (db *DB) getOptimistic(sh *shard, dst, key []byte, frag uint32) (out []byte, ref uint32, ok bool) {
	e := db.epoch.Load()
	v1 := sh.ver.Load()
	if v1&1 != 0 {
		return dst, 0, false
	}
	out = dst
	if rv := sh.rv.Load(); rv != nil && len(rv.cells) > 0 {
		cells := rv.cells
		mask := len(cells) - 1
		i, probes := int(frag)&mask, 0
		for {
			c := atomic.LoadUint64(&cells[i])
			if c == 0 {
				break
			}
			if cellFrag(c) == frag {
				v, st := readRecord(rv.segs, cellRef(c), key, dst)
				if st == recLock {
					return dst, 0, false
				}
				if st == recHit {
					out, ref = v, cellRef(c)
					break
				}
			}
			// A table always has empty cells, but a torn one might not.
			if probes++; probes == len(cells) {
				return dst, 0, false
			}
			i = (i + 1) & mask
		}
	}
	if sh.ver.Load() != v1 {
		return dst, 0, false
	}
	runtime.KeepAlive(e)
	return out, ref, true
}

// What readRecord found.
const (
	recOther = iota // another key's record
	recHit          // key's, with a string value: appended
	recLock         // cannot tell without the lock
)

// readRecord reads the record at ref, in segs, for getOptimistic: if it is key's and holds a
// string, it appends the value to dst.
func readRecord(segs []segView, ref uint32, key, dst []byte) ([]byte, int) {
	si := int(ref >> offBits)
	if si >= len(segs) {
		return dst, recLock
	}
	v := &segs[si]
	if v.base == nil {
		return dst, recLock
	}
	off := int(ref&offMask) << unitShift
	if off+hdrSize > v.n {
		return dst, recLock
	}
	p := unsafe.Add(v.base, off)
	// The header's first and last words: valLen and valCap; keyLen and kind.
	var w [3]uint64
	w[0] = atomic.LoadUint64((*uint64)(p))
	w[2] = atomic.LoadUint64((*uint64)(unsafe.Add(p, 16)))
	h := (*hdr)(unsafe.Pointer(&w))
	if h.keyLen == longKey {
		return dst, recLock
	}
	if int(h.keyLen) != len(key) {
		return dst, recOther
	}
	body := off + hdrSize + int(h.kind&flagTTL)
	end := body + len(key) + int(h.valCap)
	if end > v.n || h.valLen > h.valCap {
		return dst, recLock
	}
	if !equalWords(unsafe.Add(v.base, body), key) {
		return dst, recOther
	}
	if h.kind&(kindMask|flagTTL|flagTable|flagFrozen) != uint8(KindString) {
		return dst, recLock
	}
	return appendWords(dst, unsafe.Add(v.base, body+len(key)), int(h.valLen)), recHit
}

// equalWords reports whether the bytes at p, 8-byte aligned and readable up to the next
// multiple of 8 beyond len(key), are key, loading them in atomic words.
func equalWords(p unsafe.Pointer, key []byte) bool {
	for j := 0; j < len(key); j += 8 {
		w := atomic.LoadUint64((*uint64)(unsafe.Add(p, j)))
		if len(key)-j < 8 {
			var b [8]byte
			binary.NativeEndian.PutUint64(b[:], w)
			return string(b[:len(key)-j]) == string(key[j:])
		}
		if w != binary.NativeEndian.Uint64(key[j:]) {
			return false
		}
	}
	return true
}

// appendWords appends the n bytes at p to dst, loading them in atomic aligned words: the
// 8-byte words that hold them must be readable.
func appendWords(dst []byte, p unsafe.Pointer, n int) []byte {
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	skip := int(uintptr(p) & 7)
	q := unsafe.Add(p, -skip)
	for j := 0; j < n; q = unsafe.Add(q, 8) {
		w := atomic.LoadUint64((*uint64)(q))
		if skip == 0 && n-j >= 8 {
			binary.NativeEndian.PutUint64(out[j:], w)
			j += 8
			continue
		}
		var b [8]byte
		binary.NativeEndian.PutUint64(b[:], w)
		j += copy(out[j:], b[skip:])
		skip = 0
	}
	return dst[:len(dst)+n]
}
