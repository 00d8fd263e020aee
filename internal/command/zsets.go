package command

import (
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/zset"
)

// zsetCommands are the commands on sorted set values.
var zsetCommands = []*Command{
	zsetCmd("zadd", -4, FlagWrite|FlagDenyOOM|FlagFast, "1.2.0",
		"O(log(N)) for each item added, where N is the number of elements in the sorted set.",
		"Adds members to a sorted set, or updates their scores, with optional conditions.", cmdZAdd),
	zsetCmd("zincrby", 4, FlagWrite|FlagDenyOOM|FlagFast, "1.2.0",
		"O(log(N)) where N is the number of elements in the sorted set.",
		"Adds an increment to the score of a member of a sorted set.", cmdZIncrBy),
	zsetCmd("zrem", -3, FlagWrite|FlagFast, "1.2.0",
		"O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
		"Removes members from a sorted set, deleting the key when it becomes empty.", cmdZRem),
	zsetCmd("zscore", 3, FlagReadOnly|FlagFast, "1.2.0", "O(1)",
		"Returns the score of a member of a sorted set.", cmdZScore),
	zsetCmd("zmscore", -3, FlagReadOnly|FlagFast, "6.2.0",
		"O(N) where N is the number of members being requested.",
		"Returns the scores of several members of a sorted set.", cmdZMScore),
	zsetCmd("zcard", 2, FlagReadOnly|FlagFast, "1.2.0", "O(1)",
		"Returns the number of members of a sorted set.", cmdZCard),
	zsetCmd("zcount", 4, FlagReadOnly|FlagFast, "2.0.0",
		"O(log(N)) with N being the number of elements in the sorted set.",
		"Counts the members of a sorted set within a range of scores.", cmdZCount),
	zsetCmd("zlexcount", 4, FlagReadOnly|FlagFast, "2.8.9",
		"O(log(N)) with N being the number of elements in the sorted set.",
		"Counts the members of a sorted set within a lexicographical range.", cmdZLexCount),
	zsetCmd("zrange", -4, FlagReadOnly, "1.2.0", zrangeComplexity,
		"Returns the members of a sorted set in a range of ranks, scores or members.", cmdZRange),
	zsetKeys(zsetCmd("zrangestore", -5, FlagWrite|FlagDenyOOM, "6.2.0",
		"O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
		"Stores a range of members of a sorted set in another key.", cmdZRangeStore), 1, 2, 1, nil),
	zsetCmd("zrangebyscore", -4, FlagReadOnly, "1.0.5", zrangeByComplexity,
		"Returns the members of a sorted set within a range of scores.", cmdZRangeByScore),
	zsetCmd("zrevrangebyscore", -4, FlagReadOnly, "2.2.0", zrangeByComplexity,
		"Returns the members of a sorted set within a range of scores, highest first.", cmdZRevRangeByScore),
	zsetCmd("zrangebylex", -4, FlagReadOnly, "2.8.9", zrangeByComplexity,
		"Returns the members of a sorted set within a lexicographical range.", cmdZRangeByLex),
	zsetCmd("zrevrangebylex", -4, FlagReadOnly, "2.8.9", zrangeByComplexity,
		"Returns the members of a sorted set within a lexicographical range, in reverse order.", cmdZRevRangeByLex),
	zsetCmd("zrevrange", -4, FlagReadOnly, "1.2.0", zrangeComplexity,
		"Returns the members of a sorted set in a range of ranks, highest score first.", cmdZRevRange),
	zsetCmd("zrank", 3, FlagReadOnly|FlagFast, "2.0.0", "O(log(N))",
		"Returns the rank of a member of a sorted set, by ascending score.", cmdZRank),
	zsetCmd("zrevrank", 3, FlagReadOnly|FlagFast, "2.0.0", "O(log(N))",
		"Returns the rank of a member of a sorted set, by descending score.", cmdZRevRank),
	zsetCmd("zpopmin", -2, FlagWrite|FlagFast, "5.0.0", zpopComplexity,
		"Removes and returns the members with the lowest scores of a sorted set.", cmdZPopMin),
	zsetCmd("zpopmax", -2, FlagWrite|FlagFast, "5.0.0", zpopComplexity,
		"Removes and returns the members with the highest scores of a sorted set.", cmdZPopMax),
	zsetKeys(zsetCmd("zmpop", -4, FlagWrite, "7.0.0", zmpopComplexity,
		"Removes and returns the members with the lowest or highest scores of the first non-empty sorted set of several.", cmdZMPop),
		0, 0, 0, zsetsNumKeys(1, false)),
	zsetKeys(zsetCmd("bzpopmin", -3, FlagWrite|FlagNoScript|FlagFast|FlagBlocking, "5.0.0",
		"O(log(N)) with N being the number of elements in the sorted set.",
		"Removes and returns the member with the lowest score of the first non-empty sorted set of several, waiting for one when there is none.", cmdBZPopMin),
		1, -2, 1, nil),
	zsetKeys(zsetCmd("bzpopmax", -3, FlagWrite|FlagNoScript|FlagFast|FlagBlocking, "5.0.0",
		"O(log(N)) with N being the number of elements in the sorted set.",
		"Removes and returns the member with the highest score of the first non-empty sorted set of several, waiting for one when there is none.", cmdBZPopMax),
		1, -2, 1, nil),
	zsetKeys(zsetCmd("bzmpop", -5, FlagWrite|FlagBlocking, "7.0.0", zmpopComplexity,
		"Removes and returns the members with the lowest or highest scores of the first non-empty sorted set of several, waiting for one when there is none.", cmdBZMPop),
		0, 0, 0, zsetsNumKeys(2, false)),
	zsetCmd("zrandmember", -2, FlagReadOnly, "6.2.0",
		"O(N) where N is the number of elements returned",
		"Returns random members of a sorted set.", cmdZRandMember),
	zsetKeys(zsetCmd("zunion", -3, FlagReadOnly, "6.2.0", zunionComplexity,
		"Returns the union of sorted sets (and sets).", cmdZUnion), 0, 0, 0, zsetsNumKeys(1, false)),
	zsetKeys(zsetCmd("zinter", -3, FlagReadOnly, "6.2.0", zinterComplexity,
		"Returns the intersection of sorted sets (and sets).", cmdZInter), 0, 0, 0, zsetsNumKeys(1, false)),
	zsetKeys(zsetCmd("zdiff", -3, FlagReadOnly, "6.2.0", zdiffComplexity,
		"Returns the members of the first sorted set that are in none of the others.", cmdZDiff), 0, 0, 0, zsetsNumKeys(1, false)),
	zsetKeys(zsetCmd("zunionstore", -4, FlagWrite|FlagDenyOOM, "2.0.0", zunionComplexity,
		"Stores the union of sorted sets (and sets) in a key.", cmdZUnionStore), 1, 1, 1, zsetsNumKeys(2, true)),
	zsetKeys(zsetCmd("zinterstore", -4, FlagWrite|FlagDenyOOM, "2.0.0", zinterComplexity,
		"Stores the intersection of sorted sets (and sets) in a key.", cmdZInterStore), 1, 1, 1, zsetsNumKeys(2, true)),
	zsetKeys(zsetCmd("zdiffstore", -4, FlagWrite|FlagDenyOOM, "6.2.0", zdiffComplexity,
		"Stores the difference of sorted sets (and sets) in a key.", cmdZDiffStore), 1, 1, 1, zsetsNumKeys(2, true)),
	zsetKeys(zsetCmd("zintercard", -3, FlagReadOnly, "7.0.0",
		"O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
		"Counts the members of the intersection of sorted sets (and sets).", cmdZInterCard), 0, 0, 0, zsetsNumKeys(1, false)),
	zsetCmd("zremrangebyrank", 4, FlagWrite, "2.0.0", zremComplexity,
		"Removes the members of a sorted set within a range of ranks.", cmdZRemRangeByRank),
	zsetCmd("zremrangebyscore", 4, FlagWrite, "1.2.0", zremComplexity,
		"Removes the members of a sorted set within a range of scores.", cmdZRemRangeByScore),
	zsetCmd("zremrangebylex", 4, FlagWrite, "2.8.9", zremComplexity,
		"Removes the members of a sorted set within a lexicographical range.", cmdZRemRangeByLex),
	zsetCmd("zscan", -3, FlagReadOnly, "2.8.0",
		"O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
		"Iterates over the members and scores of a sorted set.", cmdZScan),
}

const (
	zrangeComplexity   = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
	zrangeByComplexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
	zpopComplexity     = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
	zmpopComplexity    = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."
	zunionComplexity   = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
	zinterComplexity   = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
	zdiffComplexity    = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."
	zremComplexity     = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
)

// zsetCmd builds a command of the sorted-set group whose only key is the
// first argument, deriving its ACL categories from its flags as Redis does.
func zsetCmd(name string, arity int, flags Flag, since, complexity, summary string, h func(*Ctx)) *Command {
	acl := typeACL(flags, "sortedset")
	return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: acl, Group: "sorted_set", Since: since, Complexity: complexity, Summary: summary, Handler: h}
}

// zsetKeys sets c's key positions as COMMAND INFO reports them and, for
// commands with a numkeys argument, the function finding their keys.
func zsetKeys(c *Command, first, last, step int, keys func(args, dst [][]byte) [][]byte) *Command {
	c.FirstKey, c.LastKey, c.Step, c.Keys = first, last, step, keys
	return c
}

// zsetsNumKeys returns the key finder of a command whose numkeys argument
// is at index idx, followed by the keys, and whose destination key is
// args[1] when dst. A bad numkeys yields the keys there are; the handler
// replies with the error.
func zsetsNumKeys(idx int, dst bool) func(args, dst [][]byte) [][]byte {
	return func(args, out [][]byte) [][]byte {
		if dst && len(args) > 1 {
			out = append(out, args[1])
		}
		if idx >= len(args) {
			return out
		}
		n, ok := parseInt(args[idx])
		if !ok || n < 1 {
			return out
		}
		for i := idx + 1; i < len(args) && int64(i-idx) <= n; i++ {
			out = append(out, args[i])
		}
		return out
	}
}

// zsetLimits returns the compact-form thresholds from the configuration.
func zsetLimits(x *Ctx) zset.Limits {
	h := &x.Srv.hot
	return zset.Limits{
		MaxEntries: int(min(h.zsetEntries.Load(), 1<<40)),
		MaxValue:   int(min(h.zsetValue.Load(), 1<<40)),
	}
}

// zsetRead returns key's sorted set for a read, nil when the key does not
// exist. It replies WRONGTYPE and returns ok false for another kind.
func zsetRead(x *Ctx, key []byte) (z *zset.ZSet, ok bool) {
	e := x.Txn.Get(key)
	return zsetOf(x, e)
}

// zsetWrite is zsetRead for a write, also returning the entry.
func zsetWrite(x *Ctx, key []byte) (*zset.ZSet, *engine.Entry, bool) {
	e := x.Txn.Lookup(key)
	z, ok := zsetOf(x, e)
	return z, e, ok
}

func zsetOf(x *Ctx, e *engine.Entry) (*zset.ZSet, bool) {
	if e == nil {
		return nil, true
	}
	z, isZ := e.Obj.(*zset.ZSet)
	if e.Kind() != engine.KindZSet || !isZ {
		x.ErrWrongType()
		return nil, false
	}
	return z, true
}

// zsetChanged records an in-place change of key's set: the key is deleted
// when the set became empty (notifying "del"), re-accounted otherwise.
func zsetChanged(x *Ctx, key []byte, e *engine.Entry, z *zset.ZSet) {
	if z.Len() == 0 {
		x.Txn.Delete(key)
		x.Notify('g', "del", key)
		return
	}
	x.Txn.Changed(key, e)
}

// zsetReplyPairs starts a reply of n members with scores: a flat array in
// RESP2, an array of [member, score] pairs in RESP3 when scores.
func zsetReplyLen(x *Ctx, n int, scores bool) {
	if scores && x.W.Protocol() == 2 {
		x.W.Array(2 * n)
	} else {
		x.W.Array(n)
	}
}

// zsetReplyMember writes one member, and its score when scores, inside a
// reply started by zsetReplyLen.
func zsetReplyMember(x *Ctx, m []byte, s float64, scores bool) {
	if scores && x.W.Protocol() != 2 {
		x.W.Array(2)
	}
	x.W.Bulk(m)
	if scores {
		x.W.Double(s)
	}
}

// zsetBytes returns the bytes of s without copying, for replies; they must
// not be modified.
func zsetBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
