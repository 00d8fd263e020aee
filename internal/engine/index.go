package engine

import "sync/atomic"

// table is the index of one slot's keys: open addressing with linear probing over uint64
// cells, each a key's 32-bit hash fragment (high half) and its record's ref (low half); 0 is an
// empty cell. A lookup touches one cell line and, on a fragment match, the record. Deletion
// shifts the following cells back, so there are no tombstones. The table is pointer-free.
//
// DB.GetString's optimistic read (optread.go) probes a shard's table without the shard's
// lock: it finds the cells through the shard's readView and loads each atomically, so every
// store to a cell of such a shard's table (shared) is atomic (setCell), and a resize fills its
// new cells before they are published.
type table struct {
	cells []uint64 // len is 0 or a power of two
	n     int      // cells in use
}

const (
	minTable  = 8
	cellBytes = 8
)

func cell(frag, ref uint32) uint64 { return uint64(frag)<<32 | uint64(ref) }

func cellRef(c uint64) uint32  { return uint32(c) }
func cellFrag(c uint64) uint32 { return uint32(c >> 32) }

// setCell stores c in cell i, atomically when shared, as optimistic readers may be loading
// it.
func (t *table) setCell(i int, c uint64, shared bool) {
	if optimisticArch && shared {
		atomic.StoreUint64(&t.cells[i], c)
	} else {
		t.cells[i] = c
	}
}

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

// insert adds a cell for a key known to be absent, growing the table first if needed. It
// returns the change in the table's bytes. shared: optimistic readers may be probing the
// table (setCell).
func (t *table) insert(frag, ref uint32, shared bool) (grown int) {
	if (t.n+1)*4 > len(t.cells)*3 {
		grown = t.resize(max(minTable, 2*len(t.cells)))
	}
	mask := len(t.cells) - 1
	i := int(frag) & mask
	for t.cells[i] != 0 {
		i = (i + 1) & mask
	}
	t.setCell(i, cell(frag, ref), shared)
	t.n++
	return grown
}

// remove empties the cell at pos and shifts back the cells of its probe run. It returns the
// change in the table's bytes (negative when the table shrinks or is dropped). shared: as for
// insert.
func (t *table) remove(pos int, shared bool) int {
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
		t.setCell(i, c, shared)
		i = j
	}
	t.setCell(i, 0, shared)
	t.n--
	switch {
	case t.n == 0:
		d := -len(t.cells) * cellBytes
		t.cells = nil
		return d
	case len(t.cells) > 64 && t.n*8 < len(t.cells):
		return t.resize(len(t.cells) / 2)
	}
	return 0
}

// resize rehashes the table into n cells and returns the change in bytes. Optimistic readers
// still probing the old cells find them unchanged from then on.
func (t *table) resize(n int) int {
	old := t.cells
	cells := make([]uint64, n)
	mask := n - 1
	for _, c := range old {
		if c == 0 {
			continue
		}
		i := int(cellFrag(c)) & mask
		for cells[i] != 0 {
			i = (i + 1) & mask
		}
		cells[i] = c
	}
	t.cells = cells
	return (n - len(old)) * cellBytes
}
