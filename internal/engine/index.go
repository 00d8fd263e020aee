package engine

import "unsafe"

// table is the index of one slot's keys: open addressing with linear probing over uint64
// cells, each a key's 32-bit hash fragment (high half) and its record's ref (low half); 0 is an
// empty cell. A lookup touches one cell line and, on a fragment match, the record. Deletion
// shifts the following cells back, so there are no tombstones.
//
// The cells live in the shard's arena, in a record of their own (a table record: kindTable, no
// key, the local slot's index in the header's atime, the cells as its value), not on the Go heap: the 16,384
// slot tables of a node change size as keys of one size replace another, and on the Go heap
// each size is a size class of its own, whose spans stay half empty once tables have moved to
// another (6-9 MiB at a maxmemory of 64 MiB). In the arena a replaced table is a dead record,
// counted and reclaimed by compaction like any other, and a live one moves with compaction
// (moveTableLocked), which leaves its cells as they were: gen changes only when the cells are
// rehashed or dropped, and iterators that keep a position across lock releases (SlotIter,
// DeleteSlot) compare it, never the address of the cells.
type table struct {
	cells []uint64 // len is 0 or a power of two; aliases the arena
	n     int      // cells in use
	ref   uint32   // the table record holding cells; 0 when cells is nil
	gen   uint32   // changes whenever cells is rehashed or dropped (shard.tabGen)
}

const (
	minTable = 8 // the fewest cells of a TTL set (ttlset.go)
	// minCells is the fewest cells of an index table: a table record of 4 cells takes 56
	// bytes with its header and holds 3 keys, as many as most slots of a small node have.
	minCells  = 4
	cellBytes = 8
)

func cell(frag, ref uint32) uint64 { return uint64(frag)<<32 | uint64(ref) }

func cellRef(c uint64) uint32  { return uint32(c) }
func cellFrag(c uint64) uint32 { return uint32(c >> 32) }

// find returns the position and ref of key, whose hash fragment is frag, or ref 0 when absent.
func (t *table) find(sh *shard, frag uint32, key []byte) (pos int, ref uint32) {
	if t.n == 0 {
		return 0, 0
	}
	mask := len(t.cells) - 1
	for i := int(frag) & mask; ; i = (i + 1) & mask {
		c := t.cells[i]
		if c == 0 {
			return 0, 0
		}
		if cellFrag(c) == frag {
			if h := sh.at(cellRef(c)); string(h.key()) == string(key) {
				return i, cellRef(c)
			}
		}
	}
}

// findRef returns the position of the cell holding ref, whose key's fragment is frag.
func (t *table) findRef(frag, ref uint32) int {
	mask := len(t.cells) - 1
	want := cell(frag, ref)
	for i := int(frag) & mask; ; i = (i + 1) & mask {
		switch t.cells[i] {
		case want:
			return i
		case 0:
			panic("engine: index has lost a record")
		}
	}
}

// has reports whether the table holds the cell of ref, whose key's fragment is frag.
func (t *table) has(frag, ref uint32) bool {
	if t.n == 0 {
		return false
	}
	mask := len(t.cells) - 1
	want := cell(frag, ref)
	for i := int(frag) & mask; ; i = (i + 1) & mask {
		switch t.cells[i] {
		case want:
			return true
		case 0:
			return false
		}
	}
}

// insert adds a cell for a key known to be absent, growing the table, that of sh's local slot
// li, first if needed. Growing allocates from the arena but compacts nothing, so the
// caller's refs stay valid.
func (t *table) insert(sh *shard, li int, frag, ref uint32) {
	if (t.n+1)*4 > len(t.cells)*3 {
		sh.resizeTableLocked(t, li, max(minCells, 2*len(t.cells)))
	}
	mask := len(t.cells) - 1
	i := int(frag) & mask
	for t.cells[i] != 0 {
		i = (i + 1) & mask
	}
	t.cells[i] = cell(frag, ref)
	t.n++
}

// remove empties the cell at pos and shifts back the cells of its probe run. A table left
// empty is dropped, one at most an eighth full shrinks; neither compacts anything.
func (t *table) remove(sh *shard, li, pos int) {
	mask := len(t.cells) - 1
	i := pos
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		c := t.cells[j]
		if c == 0 {
			break
		}
		k := int(cellFrag(c)) & mask // c's home cell
		// c stays unless its home is cyclically outside (i, j].
		if (i <= j && i < k && k <= j) || (i > j && (i < k || k <= j)) {
			continue
		}
		t.cells[i] = c
		i = j
	}
	t.cells[i] = 0
	t.n--
	switch {
	case t.n == 0:
		sh.releaseTableLocked(t.ref)
		t.cells, t.ref, t.gen = nil, 0, sh.nextTableGen()
	case len(t.cells) > 64 && t.n*8 < len(t.cells):
		sh.resizeTableLocked(t, li, len(t.cells)/2)
	}
}

// tableRecSize returns the bytes of a table record of n cells.
func tableRecSize(n int) int { return recSize(0, n*cellBytes, false) }

// nextTableGen returns a new table generation: a shard's counter, never reset, so that an
// iterator never mistakes a table for the one it started on.
func (sh *shard) nextTableGen() uint32 {
	sh.tabGen++
	return sh.tabGen
}

// resizeTableLocked rehashes t, the table of local slot li, into a new table record of n
// cells and releases the old one (without compacting: the caller's refs stay valid).
func (sh *shard) resizeTableLocked(t *table, li, n int) {
	ref := sh.allocLocked(sh.db, tableRecSize(n))
	h := sh.at(ref)
	*h = hdr{valLen: uint32(n), valCap: uint32(n * cellBytes), atime: uint32(li), kind: kindTable}
	cells := tableCells(h)
	clear(cells) // the arena's memory may be reused
	mask := n - 1
	for _, c := range t.cells {
		if c == 0 {
			continue
		}
		i := int(cellFrag(c)) & mask
		for cells[i] != 0 {
			i = (i + 1) & mask
		}
		cells[i] = c
	}
	if t.ref != 0 {
		sh.releaseTableLocked(t.ref)
	}
	t.cells, t.ref, t.gen = cells, ref, sh.nextTableGen()
}

// tableCells returns the cells of the table record h.
func tableCells(h *hdr) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(h.valuePtr())), h.valLen)
}

// tableSlot returns the local slot index of the table record h.
func tableSlot(h *hdr) int { return int(h.atime) }
