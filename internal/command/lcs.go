package command

import (
	"math"

	"github.com/larderdb/larder/internal/engine"
)

// lcsMatch is one range of LCS IDX's reply: a[aStart..aEnd] matches
// b[bStart..bEnd].
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd uint32
}

// cmdLCS is LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]. It
// fills Redis's dynamic programming table and walks it back from the end
// the way Redis does, so the subsequence and the ranges are the same.
func cmdLCS(x *Ctx) {
	ea, eb := x.Txn.Get(x.Args[1]), x.Txn.Get(x.Args[2])
	if (ea != nil && ea.Kind() != engine.KindString) || (eb != nil && eb.Kind() != engine.KindString) {
		x.Err("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if ea != nil {
		a = ea.Str
	}
	if eb != nil {
		b = eb.Str
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(x.Args); j++ {
		opt := x.Args[j]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withMatchLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(x.Args):
			n, ok := x.ArgInt(j + 1)
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		x.Err("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	if len(a) >= math.MaxUint32-1 || len(b) >= math.MaxUint32-1 {
		x.Err("ERR String too long for LCS")
		return
	}
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	if cells*4 > uint64(x.Srv.hot.maxBulkLen.Load()) {
		x.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	t := lcsTable(a, b)
	total := t.at(len(a), len(b))
	switch {
	case getLen:
		x.W.Int(int64(total))
	case getIdx:
		_, matches := t.walk(a, b, total, false, minMatchLen)
		x.W.Map(2)
		x.W.BulkString("matches")
		x.W.Array(len(matches))
		for _, m := range matches {
			if withMatchLen {
				x.W.Array(3)
			} else {
				x.W.Array(2)
			}
			x.W.Array(2)
			x.W.Int(int64(m.aStart))
			x.W.Int(int64(m.aEnd))
			x.W.Array(2)
			x.W.Int(int64(m.bStart))
			x.W.Int(int64(m.bEnd))
			if withMatchLen {
				x.W.Int(int64(m.aEnd - m.aStart + 1))
			}
		}
		x.W.BulkString("len")
		x.W.Int(int64(total))
	default:
		seq, _ := t.walk(a, b, total, true, 0)
		x.W.Bulk(seq)
	}
}

// lcsDP is the table of LCS lengths: at(i, j) is the length of the LCS of
// a[:i] and b[:j].
type lcsDP struct {
	cells []uint32
	width int // len(b)+1
}

func (t *lcsDP) at(i, j int) uint32 { return t.cells[i*t.width+j] }

// lcsTable fills the table for a and b.
func lcsTable(a, b []byte) *lcsDP {
	w := len(b) + 1
	t := &lcsDP{cells: make([]uint32, (len(a)+1)*w), width: w}
	c := t.cells
	for i := 1; i <= len(a); i++ {
		row, prev := c[i*w:(i+1)*w], c[(i-1)*w:i*w]
		ai := a[i-1]
		for j := 1; j <= len(b); j++ {
			if ai == b[j-1] {
				row[j] = prev[j-1] + 1
			} else {
				row[j] = max(prev[j], row[j-1])
			}
		}
	}
	return t
}

// walk goes back from the end of the table as Redis does, building either
// the subsequence (wantSeq) or the matching ranges of at least minLen bytes
// (all of them when minLen is 0), last ones first.
func (t *lcsDP) walk(a, b []byte, total uint32, wantSeq bool, minLen int64) ([]byte, []lcsMatch) {
	var seq []byte
	if wantSeq {
		seq = make([]byte, total)
	}
	var matches []lcsMatch
	alen := uint32(len(a))
	idx := total
	cur := lcsMatch{aStart: alen} // aStart == alen: no range open
	i, j := uint32(len(a)), uint32(len(b))
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			if wantSeq {
				seq[idx-1] = a[i-1]
			}
			switch {
			case cur.aStart == alen:
				cur = lcsMatch{aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1}
			case cur.aStart == i && cur.bStart == j:
				cur.aStart--
				cur.bStart--
			default:
				emit = true
			}
			if cur.aStart == 0 || cur.bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t.at(int(i-1), int(j)) > t.at(int(i), int(j-1)) {
				i--
			} else {
				j--
			}
			if cur.aStart != alen {
				emit = true
			}
		}
		if emit {
			if n := int64(cur.aEnd - cur.aStart + 1); !wantSeq && (minLen == 0 || n >= minLen) {
				matches = append(matches, cur)
			}
			cur.aStart = alen
		}
	}
	return seq, matches
}
