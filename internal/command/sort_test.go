package command_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// strs turns a reply of bulk strings and nulls into strings, a null as "<nil>".
func strs(t *testing.T, v any) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("reply %T %v, want an array", v, v)
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if e == nil {
			out[i] = "<nil>"
		} else {
			out[i] = fmt.Sprint(e)
		}
	}
	return out
}

func TestSort(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		check := func(want []string, args ...any) {
			t.Helper()
			if got := strs(t, srvDo(t, ctx, c, args...)); !slices.Equal(got, want) {
				t.Errorf("%v = %q, want %q", args, got, want)
			}
		}
		srvDo(t, ctx, c, "rpush", "l", "3", "10", "1", "2.5", "-4")
		check([]string{"-4", "1", "2.5", "3", "10"}, "sort", "l")
		check([]string{"10", "3", "2.5", "1", "-4"}, "sort", "l", "desc")
		check([]string{"-4", "1", "10", "2.5", "3"}, "sort", "l", "alpha")
		check([]string{"1", "2.5"}, "sort", "l", "limit", "1", "2")
		check([]string{"2.5", "3", "10"}, "sort", "l", "limit", "2", "-1")
		check([]string{}, "sort", "l", "limit", "9", "2")
		check([]string{"3", "10", "1", "2.5", "-4"}, "sort", "l", "by", "nosort")
		check([]string{"-4", "2.5", "1", "10", "3"}, "sort", "l", "by", "nosort", "desc")
		check([]string{"10", "1"}, "sort", "l", "by", "nosort", "limit", "1", "2")
		check([]string{}, "sort", "missing")

		// BY another key, and a hash field; GET # and GET patterns.
		for el, w := range map[string]string{"3": "30", "10": "5", "1": "20", "2.5": "1"} { // -4 has none: 0
			srvDo(t, ctx, c, "set", "w_"+el, w)
			srvDo(t, ctx, c, "hset", "h_"+el, "name", "n"+el)
		}
		check([]string{"-4", "2.5", "10", "1", "3"}, "sort", "l", "by", "w_*")
		check([]string{"3", "1", "10", "2.5", "-4"}, "sort", "l", "by", "w_*", "desc")
		check([]string{"-4", "2.5", "1", "3", "10"}, "sort", "l", "by", "w_*", "alpha") // missing first; "1"<"20"<"30"<"5"
		check([]string{"-4", "<nil>", "1", "n1", "10", "n10"}, "sort", "l", "by", "h_*->name", "alpha", "get", "#", "get", "h_*->name", "limit", "0", "3")
		srvErr(t, ctx, c, "ERR One or more scores can't be converted into double", "sort", "l", "by", "h_*->name")
		check([]string{"<nil>", "1", "5"}, "sort", "l", "by", "w_*", "get", "w_*", "limit", "0", "3")

		// STORE: a list, replacing what was there; nothing to store deletes the key.
		srvDo(t, ctx, c, "set", "dst", "a string")
		if n := srvDo(t, ctx, c, "sort", "l", "desc", "store", "dst"); n != int64(5) {
			t.Errorf("SORT STORE replied %v, want 5", n)
		}
		check([]string{"10", "3", "2.5", "1", "-4"}, "lrange", "dst", "0", "-1")
		if n := srvDo(t, ctx, c, "sort", "l", "by", "w_*", "get", "w_*", "store", "dst"); n != int64(5) {
			t.Errorf("SORT GET STORE replied %v, want 5", n)
		}
		check([]string{"", "1", "5", "20", "30"}, "lrange", "dst", "0", "-1") // a missing value stored empty
		if n := srvDo(t, ctx, c, "sort", "missing", "store", "dst"); n != int64(0) {
			t.Errorf("SORT of nothing STORE replied %v, want 0", n)
		}
		if n := srvDo(t, ctx, c, "exists", "dst"); n != int64(0) {
			t.Error("SORT of nothing STORE left the destination")
		}

		// Sets and sorted sets.
		srvDo(t, ctx, c, "sadd", "s", "5", "2", "9", "7")
		check([]string{"2", "5", "7", "9"}, "sort", "s")
		srvDo(t, ctx, c, "sadd", "words", "pear", "apple", "fig")
		srvDo(t, ctx, c, "sort", "words", "by", "nosort", "store", "ws") // a set is sorted when stored
		check([]string{"apple", "fig", "pear"}, "lrange", "ws", "0", "-1")
		srvDo(t, ctx, c, "zadd", "z", "1", "c", "2", "a", "3", "b")
		check([]string{"c", "a", "b"}, "sort", "z", "by", "nosort")
		check([]string{"b", "a"}, "sort", "z", "by", "nosort", "desc", "limit", "0", "2")
		check([]string{"a", "b", "c"}, "sort", "z", "alpha")
		check([]string{"1", "2.5"}, "sort_ro", "l", "limit", "1", "2")

		// Errors.
		srvErr(t, ctx, c, "ERR One or more scores can't be converted into double", "sort", "words")
		srvErr(t, ctx, c, "WRONGTYPE Operation against a key holding the wrong kind of value", "sort", "w_3")
		srvErr(t, ctx, c, "ERR syntax error", "sort", "l", "sideways")
		srvErr(t, ctx, c, "ERR syntax error", "sort", "l", "limit", "1")
		srvErr(t, ctx, c, "ERR value is not an integer or out of range", "sort", "l", "limit", "x", "1")
		srvErr(t, ctx, c, "ERR syntax error", "sort_ro", "l", "store", "dst")
		if keys := srvDo(t, ctx, c, "command", "getkeys", "sort", "l", "limit", "0", "1", "store", "dst"); !slices.Equal(strs(t, keys), []string{"l", "dst"}) {
			t.Errorf("COMMAND GETKEYS SORT ... STORE dst = %v", keys)
		}
	})
}

// TestSortModel sorts random lists of numbers, with random LIMITs and orders, and holds the
// result against sort.Float64s on a copy.
func TestSortModel(t *testing.T) {
	n := startNode(t, nil)
	c := newClient(t, n, 2)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 100 {
		key := fmt.Sprint("m", round)
		size := rng.IntN(60)
		var vals []float64
		var args []any
		for range size {
			v := float64(rng.IntN(200)-100) / 4
			vals = append(vals, v)
			args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if size > 0 {
			srvDo(t, ctx, c, append([]any{"rpush", key}, args...)...)
		}
		model := slices.Clone(vals)
		sort.Float64s(model)
		desc := rng.IntN(2) == 0
		if desc {
			slices.Reverse(model)
		}
		start, cnt := rng.IntN(70)-5, rng.IntN(70)-5
		s, e := min(max(start, 0), len(model)), len(model)
		if cnt >= 0 {
			e = min(s+cnt, len(model))
		}
		var want []string
		for _, v := range model[s:e] {
			want = append(want, strconv.FormatFloat(v, 'f', -1, 64))
		}
		cmd := []any{"sort", key, "limit", start, cnt}
		if desc {
			cmd = append(cmd, "desc")
		}
		if got := strs(t, srvDo(t, ctx, c, cmd...)); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Fatalf("%v on %v = %q, want %q", cmd, vals, got, want)
		}
	}
}
