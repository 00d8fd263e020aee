package command

// cmdLInsert runs LINSERT key BEFORE|AFTER pivot element.
func cmdLInsert(x *Ctx) {
	var after bool
	switch {
	case eqFold(x.Args[2], "after"):
		after = true
	case eqFold(x.Args[2], "before"):
	default:
		x.Err(errSyntax)
		return
	}
	key := x.Args[1]
	e, l, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil {
		x.W.Int(0)
		return
	}
	if !l.Insert(x.Args[3], x.Args[4], after) {
		x.W.Int(-1)
		return
	}
	x.Txn.Changed(key, e)
	x.Notify('l', "linsert", key)
	x.W.Int(int64(l.Len()))
}

// cmdLRem runs LREM key count element.
func cmdLRem(x *Ctx) {
	count, ok := x.ArgInt(2)
	if !ok {
		return
	}
	key := x.Args[1]
	e, l, ok := listAt(x, key, false)
	if !ok {
		return
	}
	if e == nil {
		x.W.Int(0)
		return
	}
	removed := l.Remove(x.Args[3], clampIndex(count))
	if removed > 0 {
		x.Notify('l', "lrem", key)
		listChanged(x, key, e, l)
	}
	x.W.Int(int64(removed))
}

// cmdLPos runs LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
func cmdLPos(x *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	args := x.Args
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch {
		case eqFold(args[j], "rank") && more:
			j++
			r, ok := x.ArgInt(j)
			if !ok {
				return
			}
			if r == 0 {
				x.Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
			rank = r
		case eqFold(args[j], "count") && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				x.Err("ERR COUNT can't be negative")
				return
			}
			count = n
		case eqFold(args[j], "maxlen") && more:
			j++
			n, ok := parseInt(args[j])
			if !ok || n < 0 {
				x.Err("ERR MAXLEN can't be negative")
				return
			}
			maxlen = n
		default:
			x.Err(errSyntax)
			return
		}
	}
	e, l, ok := listAt(x, args[1], true)
	if !ok {
		return
	}
	if e == nil {
		if count >= 0 {
			x.W.Array(0)
		} else {
			x.W.Null()
		}
		return
	}
	reverse := rank < 0
	if reverse {
		if rank == -1<<63 {
			rank++ // -rank would overflow; no list has that many matches
		}
		rank = -rank
	}
	start := 0
	if reverse {
		start = -1
	}
	n := int64(l.Len())
	it := l.Iter(start, reverse)
	var found []int64 // indexes of the matches reported (COUNT)
	var matches int64
	match := int64(-1)
	want := args[2]
	for idx := int64(0); maxlen == 0 || idx < maxlen; idx++ {
		v, more := it.Next()
		if !more {
			break
		}
		if string(v) != string(want) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		pos := idx
		if reverse {
			pos = n - idx - 1
		}
		if count < 0 {
			match = pos
			break
		}
		found = append(found, pos)
		if count > 0 && int64(len(found)) >= count {
			break
		}
	}
	if count >= 0 {
		x.W.Array(len(found))
		for _, p := range found {
			x.W.Int(p)
		}
		return
	}
	if match < 0 {
		x.W.Null()
		return
	}
	x.W.Int(match)
}
