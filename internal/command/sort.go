package command

import (
	"bytes"
	"slices"
	"strings"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/list"
)

// SORT and SORT_RO, as Redis 7.0 has them: the elements of a list, set or sorted set, sorted
// as numbers or (ALPHA) as strings, by themselves or by the values of other keys (BY
// pattern), a LIMIT of them, each replaced by the values of other keys (GET pattern), and
// stored as a list (STORE). In a pattern, the first '*' stands for the element, "->field"
// after it reads a hash field, and GET # is the element itself.
var sortCommands = []*Command{
	sortCmd(),
	{Name: "sort_ro", Arity: -2, Flags: FlagReadOnly | FlagNoLock, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"read", "set", "sortedset", "list", "slow", "dangerous"}, Group: "generic", Since: "7.0.0",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Summary:    "Returns the sorted elements of a list, a set, or a sorted set.",
		Handler:    func(x *Ctx) { sortCommand(x, true) }},
}

// sortCmd builds SORT, whose keys are its source and the STORE destination.
func sortCmd() *Command {
	c := &Command{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagNoLock, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"write", "set", "sortedset", "list", "slow", "dangerous"}, Group: "generic", Since: "1.0.0",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Summary:    "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
		Handler:    func(x *Ctx) { sortCommand(x, false) }}
	c.Keys = func(args [][]byte, dst [][]byte) [][]byte {
		dst = append(dst, args[1])
		if o, msg := parseSortArgs(args, false); msg == "" && o.store != nil {
			dst = append(dst, o.store)
		}
		return dst
	}
	return c
}

// sortOpts are SORT's options.
type sortOpts struct {
	desc, alpha bool
	start, cnt  int64  // LIMIT; cnt -1: all
	by          []byte // BY pattern, nil: none
	dontSort    bool   // BY a pattern without '*': keep the source's order
	gets        [][]byte
	store       []byte
}

// parseSortArgs parses SORT's options; readOnly (SORT_RO) refuses STORE. On an error it
// returns the error reply to give.
func parseSortArgs(args [][]byte, readOnly bool) (o sortOpts, errMsg string) {
	o.cnt = -1
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch a := strings.ToLower(string(args[j])); {
		case a == "asc":
			o.desc = false
		case a == "desc":
			o.desc = true
		case a == "alpha":
			o.alpha = true
		case a == "limit" && left >= 2:
			s, ok1 := parseInt(args[j+1])
			n, ok2 := parseInt(args[j+2])
			if !ok1 || !ok2 {
				return o, errNotInt
			}
			o.start, o.cnt = s, n
			j += 2
		case a == "store" && left >= 1 && !readOnly:
			o.store = args[j+1]
			j++
		case a == "by" && left >= 1:
			o.by = args[j+1]
			o.dontSort = bytes.IndexByte(o.by, '*') < 0
			j++
		case a == "get" && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			return o, errSyntax
		}
	}
	return o, ""
}

// sortItem is one element to sort, with what it sorts by.
type sortItem struct {
	elem  []byte
	score float64
	cmp   []byte // ALPHA BY: the value sorted by; nil when the key is missing
}

func sortCommand(x *Ctx, readOnly bool) {
	o, msg := parseSortArgs(x.Args, readOnly)
	if msg != "" {
		x.Err(msg)
		return
	}
	if x.Srv.cluster != nil {
		// Other keys than the sorted one may live on other nodes.
		if o.by != nil && !o.dontSort {
			x.Err("ERR BY option of SORT denied in Cluster mode.")
			return
		}
		if len(o.gets) > 0 {
			x.Err("ERR GET option of SORT denied in Cluster mode.")
			return
		}
	}
	key := x.Args[1]
	if (o.by != nil && !o.dontSort) || len(o.gets) > 0 {
		x.LockAll() // the patterns name keys known only once the elements are read
	} else if o.store != nil {
		x.Lock(key, o.store)
	} else {
		x.Lock(key)
	}

	items, isSet, ok := sortSource(x, key)
	if !ok {
		return
	}
	if o.dontSort && isSet && o.store != nil {
		// A set has no order of its own: sort what is stored, as Redis does.
		o.dontSort, o.alpha, o.by = false, true, nil
	}

	n := int64(len(items))
	start := min(max(o.start, 0), n)
	cnt := min(max(o.cnt, -1), n)
	end := n - 1
	if cnt >= 0 {
		end = start + cnt - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)

	if o.dontSort {
		if o.desc && !isSet { // a list or sorted set in reverse order
			slices.Reverse(items)
		}
	} else {
		for i := range items {
			it := &items[i]
			by := it.elem
			if o.by != nil {
				v, found := sortLookup(x, o.by, it.elem)
				if !found {
					continue
				}
				by = v
			}
			if o.alpha {
				if o.by != nil {
					it.cmp = by
				}
				continue
			}
			f, ok := parseFloat(by)
			if !ok {
				x.Err("ERR One or more scores can't be converted into double")
				return
			}
			it.score = f
		}
		slices.SortStableFunc(items, func(a, b sortItem) int {
			c := sortCompare(&a, &b, o.alpha, o.by != nil)
			if o.desc {
				return -c
			}
			return c
		})
	}

	var out []sortItem
	if end >= start {
		out = items[start : end+1]
	}
	if o.store == nil {
		if len(o.gets) == 0 {
			x.W.Array(len(out))
		} else {
			x.W.Array(len(out) * len(o.gets))
		}
		for _, it := range out {
			if len(o.gets) == 0 {
				x.W.Bulk(it.elem)
			}
			for _, g := range o.gets {
				if v, found := sortLookup(x, g, it.elem); found {
					x.W.Bulk(v)
				} else {
					x.W.Null()
				}
			}
		}
		return
	}
	l := list.New(x.listFill())
	for _, it := range out {
		if len(o.gets) == 0 {
			l.PushBack(it.elem)
		}
		for _, g := range o.gets {
			v, _ := sortLookup(x, g, it.elem) // a missing value is stored empty
			l.PushBack(v)
		}
	}
	if l.Len() == 0 {
		if x.Txn.Delete(o.store) {
			x.Notify('g', "del", o.store)
		}
		x.W.Int(0)
		return
	}
	x.Txn.SetObject(o.store, l, 0)
	x.Notify('l', "sortstore", o.store)
	x.KeyReady(o.store)
	x.W.Int(int64(l.Len()))
}

// sortSource reads the elements of the list, set or sorted set at key (none when it is
// missing), copied, in the source's own order: a list's, a sorted set's by score, a set's as
// it iterates. On another type it replies WRONGTYPE and returns ok false.
func sortSource(x *Ctx, key []byte) (items []sortItem, isSet, ok bool) {
	e := x.Txn.Get(key)
	if e == nil {
		return nil, false, true
	}
	add := func(v []byte) { items = append(items, sortItem{elem: bytes.Clone(v)}) }
	switch e.Kind() {
	case engine.KindList:
		l := e.Obj.(*list.List)
		items = make([]sortItem, 0, l.Len())
		for it := l.Iter(0, false); ; {
			v, more := it.Next()
			if !more {
				break
			}
			add(v)
		}
	case engine.KindSet:
		s, _ := setAt(x, e)
		items = make([]sortItem, 0, s.Len())
		s.Range(func(m []byte) bool { add(m); return true })
		isSet = true
	case engine.KindZSet:
		z, _ := zsetOf(x, e)
		items = make([]sortItem, 0, z.Len())
		z.Walk(0, z.Len(), false, func(m []byte, _ float64) bool { add(m); return true })
	default:
		x.ErrWrongType()
		return nil, false, false
	}
	return items, isSet, true
}

// sortLookup returns the value pattern names for elem: elem itself for "#"; else the string
// at the key made by putting elem in place of the pattern's first '*', or with "->field"
// after the '*', that field of the hash there. found is false when there is no such value
// (no '*', no key, another type, no field). The value is a copy.
func sortLookup(x *Ctx, pattern, elem []byte) (v []byte, found bool) {
	if len(pattern) == 1 && pattern[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	keyEnd, field := len(pattern), []byte(nil)
	if f := bytes.Index(pattern[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pattern) {
		keyEnd, field = star+1+f, pattern[star+1+f+2:]
	}
	key := make([]byte, 0, keyEnd-1+len(elem))
	key = append(append(append(key, pattern[:star]...), elem...), pattern[star+1:keyEnd]...)
	e := x.Txn.Get(key)
	if e == nil {
		return nil, false
	}
	if field == nil {
		if e.Kind() != engine.KindString {
			return nil, false
		}
		return bytes.Clone(e.Str), true
	}
	if e.Kind() != engine.KindHash {
		return nil, false
	}
	h, _ := hashAt(x, e)
	if h == nil {
		return nil, false
	}
	fv, ok := h.Get(field)
	if !ok {
		return nil, false
	}
	return bytes.Clone(fv), true
}

// sortCompare orders a and b ascending, as Redis's sortCompare: by score, ties by the element
// (so the result is deterministic); with ALPHA, by the element, or BY a pattern by the value
// found, a missing one first.
func sortCompare(a, b *sortItem, alpha, byPattern bool) int {
	if !alpha {
		switch {
		case a.score > b.score:
			return 1
		case a.score < b.score:
			return -1
		}
		return bytes.Compare(a.elem, b.elem)
	}
	if !byPattern {
		return bytes.Compare(a.elem, b.elem)
	}
	switch {
	case a.cmp == nil && b.cmp == nil:
		return 0
	case a.cmp == nil:
		return -1
	case b.cmp == nil:
		return 1
	}
	return bytes.Compare(a.cmp, b.cmp)
}
