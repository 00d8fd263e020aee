package command_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// sorted returns the members of a string-slice reply, sorted.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSetBasics(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		wantEq(t, "SADD", c.SAdd(ctx, "s", "3", "1", "2", "1").Val(), int64(3))
		wantEq(t, "encoding", encodingOf(t, ctx, c, "s"), "intset")
		wantEq(t, "SMEMBERS intset order", c.SMembers(ctx, "s").Val(), []string{"1", "2", "3"})
		wantEq(t, "SADD again", c.SAdd(ctx, "s", "2", "x").Val(), int64(1))
		wantEq(t, "encoding", encodingOf(t, ctx, c, "s"), "hashtable")
		wantEq(t, "SCARD", c.SCard(ctx, "s").Val(), int64(4))
		wantEq(t, "SCARD missing", c.SCard(ctx, "nokey").Val(), int64(0))
		wantEq(t, "SISMEMBER", c.SIsMember(ctx, "s", "x").Val(), true)
		wantEq(t, "SISMEMBER no", c.SIsMember(ctx, "s", "y").Val(), false)
		wantEq(t, "SISMEMBER missing", c.SIsMember(ctx, "nokey", "y").Val(), false)
		wantEq(t, "SMISMEMBER", c.SMIsMember(ctx, "s", "1", "y", "x").Val(), []bool{true, false, true})
		wantEq(t, "SMISMEMBER missing", c.SMIsMember(ctx, "nokey", "1").Val(), []bool{false})
		wantEq(t, "SMEMBERS", sorted(c.SMembers(ctx, "s").Val()), []string{"1", "2", "3", "x"})
		wantEq(t, "SMEMBERS missing", c.SMembers(ctx, "nokey").Val(), []string{})
		wantEq(t, "TYPE", c.Type(ctx, "s").Val(), "set")
		wantEq(t, "SREM", c.SRem(ctx, "s", "1", "nope").Val(), int64(1))
		wantEq(t, "SREM missing key", c.SRem(ctx, "nokey", "1").Val(), int64(0))
		wantEq(t, "SREM all", c.SRem(ctx, "s", "2", "3", "x").Val(), int64(3))
		wantEq(t, "EXISTS after emptying", c.Exists(ctx, "s").Val(), int64(0))

		c.SAdd(ctx, "big", "213244124402402314402033402")
		wantEq(t, "beyond int64", encodingOf(t, ctx, c, "big"), "hashtable")
		c.SAdd(ctx, "nc", "01")
		wantEq(t, "non-canonical", encodingOf(t, ctx, c, "nc"), "hashtable")
	})
}

func TestSetReplyShapes(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", proto), func(t *testing.T) {
			c := newClient(t, startNode(t, nil), proto)
			ctx := context.Background()
			c.SAdd(ctx, "s", "a")
			// go-redis reads a RESP3 set as a slice, so check the raw type byte
			// through a command whose reply it leaves as-is.
			for _, cmd := range [][]any{{"smembers", "s"}, {"sunion", "s"}, {"sinter", "s"}, {"sdiff", "s"}} {
				got, err := do(ctx, c, cmd...)
				if err != nil {
					t.Fatal(err)
				}
				wantEq(t, fmt.Sprint(cmd), got, []any{"a"})
			}
			got, _ := do(ctx, c, "srandmember", "s", "-2")
			wantEq(t, "SRANDMEMBER", got, []any{"a", "a"})
			got, _ = do(ctx, c, "spop", "s", "5")
			wantEq(t, "SPOP count", got, []any{"a"})
		})
	}
}

func TestSetErrors(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.Set(ctx, "str", "x", 0)
		c.SAdd(ctx, "s", "a")
		for _, args := range [][]any{
			{"sadd", "str", "a"}, {"srem", "str", "a"}, {"smembers", "str"}, {"sismember", "str", "a"},
			{"smismember", "str", "a"}, {"scard", "str"}, {"spop", "str"}, {"spop", "str", "2"},
			{"srandmember", "str"}, {"srandmember", "str", "2"}, {"sinter", "s", "str"},
			{"sinter", "nokey", "str"}, {"sunion", "str", "s"}, {"sdiff", "s", "str"},
			{"sinterstore", "d", "s", "str"}, {"sunionstore", "d", "str"}, {"sdiffstore", "d", "nokey", "str"},
			{"sintercard", "2", "s", "str"}, {"smove", "str", "s", "a"}, {"smove", "s", "str", "a"},
			{"sscan", "str", "0"},
		} {
			_, err := do(ctx, c, args...)
			wantErr(t, err, "WRONGTYPE")
		}
		wantEq(t, "SMOVE missing source ignores dst type", c.SMove(ctx, "nokey", "str", "a").Val(), false)
		_, err := do(ctx, c, "spop", "s", "-1")
		wantErr(t, err, "ERR value is out of range, must be positive")
		_, err = do(ctx, c, "spop", "s", "1", "2")
		wantErr(t, err, "ERR syntax error")
		_, err = do(ctx, c, "srandmember", "s", "1", "2")
		wantErr(t, err, "ERR syntax error")
		_, err = do(ctx, c, "srandmember", "s", "-9223372036854775808")
		wantErr(t, err, "ERR value is out of range")
		_, err = do(ctx, c, "smismember", "s")
		wantErr(t, err, "ERR wrong number of arguments for 'smismember' command")
		for args, msg := range map[string]string{
			"0 s": "ERR numkeys should be greater than 0", "a s": "ERR numkeys should be greater than 0",
			"2 s":   "ERR Number of keys can't be greater than number of args",
			"1 s t": "ERR syntax error", "1 s LIMIT": "ERR syntax error",
			"1 s LIMIT -1": "ERR LIMIT can't be negative", "1 s LIMIT a": "ERR LIMIT can't be negative",
		} {
			cmd := []any{"sintercard"}
			for _, a := range strings.Fields(args) {
				cmd = append(cmd, a)
			}
			_, err := do(ctx, c, cmd...)
			wantErr(t, err, msg)
		}
	})
}

func TestSetOps(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.SAdd(ctx, "a{t}", "1", "2", "3", "4")
		c.SAdd(ctx, "b{t}", "3", "4", "5")
		c.SAdd(ctx, "c{t}", "4", "x")
		wantEq(t, "SINTER", sorted(c.SInter(ctx, "a{t}", "b{t}").Val()), []string{"3", "4"})
		wantEq(t, "SINTER 3", c.SInter(ctx, "a{t}", "b{t}", "c{t}").Val(), []string{"4"})
		wantEq(t, "SINTER missing", c.SInter(ctx, "a{t}", "no{t}").Val(), []string{})
		wantEq(t, "SINTERCARD", c.SInterCard(ctx, 2, "a{t}", "b{t}").Val(), int64(2))
		wantEq(t, "SINTERCARD LIMIT 1", c.SInterCard(ctx, 1, "a{t}").Val(), int64(1))
		got, _ := do(ctx, c, "sintercard", "1", "a{t}", "limit", "3")
		wantEq(t, "SINTERCARD LIMIT 3", got, int64(3))
		wantEq(t, "SUNION", sorted(c.SUnion(ctx, "a{t}", "b{t}", "no{t}", "c{t}").Val()),
			[]string{"1", "2", "3", "4", "5", "x"})
		wantEq(t, "SDIFF", sorted(c.SDiff(ctx, "a{t}", "b{t}", "no{t}").Val()), []string{"1", "2"})
		wantEq(t, "SDIFF self", c.SDiff(ctx, "a{t}", "b{t}", "a{t}").Val(), []string{})
		wantEq(t, "SDIFF missing first", c.SDiff(ctx, "no{t}", "a{t}").Val(), []string{})
		wantEq(t, "SINTERSTORE", c.SInterStore(ctx, "d{t}", "a{t}", "b{t}").Val(), int64(2))
		wantEq(t, "stored intset", encodingOf(t, ctx, c, "d{t}"), "intset")
		wantEq(t, "SUNIONSTORE", c.SUnionStore(ctx, "d{t}", "b{t}", "c{t}").Val(), int64(4))
		wantEq(t, "stored table", encodingOf(t, ctx, c, "d{t}"), "hashtable")
		wantEq(t, "SDIFFSTORE", c.SDiffStore(ctx, "d{t}", "a{t}", "b{t}").Val(), int64(2))
		wantEq(t, "SDIFFSTORE result", c.SMembers(ctx, "d{t}").Val(), []string{"1", "2"})
		c.Set(ctx, "e{t}", "string", 0)
		wantEq(t, "SINTERSTORE empty", c.SInterStore(ctx, "e{t}", "a{t}", "no{t}").Val(), int64(0))
		wantEq(t, "empty result deletes dst", c.Exists(ctx, "e{t}").Val(), int64(0))
		c.Set(ctx, "e{t}", "string", 0)
		wantEq(t, "SUNIONSTORE empty", c.SUnionStore(ctx, "e{t}", "no{t}").Val(), int64(0))
		wantEq(t, "empty union deletes dst", c.Exists(ctx, "e{t}").Val(), int64(0))
		c.SetEx(ctx, "f{t}", "string", 1000e9)
		c.SUnionStore(ctx, "f{t}", "a{t}")
		wantEq(t, "store drops the TTL", c.TTL(ctx, "f{t}").Val().Seconds() < 0, true)
		wantEq(t, "store overwrites", c.SCard(ctx, "f{t}").Val(), int64(4))
		wantEq(t, "store onto a source", c.SInterStore(ctx, "a{t}", "a{t}", "b{t}").Val(), int64(2))
	})
}

func TestSMove(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.SAdd(ctx, "a{t}", "1", "2")
		wantEq(t, "SMOVE", c.SMove(ctx, "a{t}", "b{t}", "1").Val(), true)
		wantEq(t, "dst created as intset", encodingOf(t, ctx, c, "b{t}"), "intset")
		wantEq(t, "SMOVE absent member", c.SMove(ctx, "a{t}", "b{t}", "9").Val(), false)
		wantEq(t, "SMOVE same key", c.SMove(ctx, "a{t}", "a{t}", "2").Val(), true)
		wantEq(t, "SMOVE same key absent", c.SMove(ctx, "a{t}", "a{t}", "9").Val(), false)
		wantEq(t, "SMOVE last", c.SMove(ctx, "a{t}", "b{t}", "2").Val(), true)
		wantEq(t, "source deleted", c.Exists(ctx, "a{t}").Val(), int64(0))
		wantEq(t, "dst", c.SMembers(ctx, "b{t}").Val(), []string{"1", "2"})
		c.SAdd(ctx, "c{t}", "x", "1")
		wantEq(t, "SMOVE already in dst", c.SMove(ctx, "c{t}", "b{t}", "1").Val(), true)
		wantEq(t, "dst unchanged", c.SCard(ctx, "b{t}").Val(), int64(2))
	})
}

func TestSPopSRandMember(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, members := range [][]any{{"1", "2", "3", "4", "5"}, {"a", "b", "c", "d", "e"}} {
			c.Del(ctx, "s")
			c.SAdd(ctx, "s", members...)
			want := make([]string, len(members))
			for i, m := range members {
				want[i] = m.(string)
			}
			one := c.SRandMember(ctx, "s").Val()
			if !slices.Contains(want, one) {
				t.Fatalf("SRANDMEMBER = %q", one)
			}
			wantEq(t, "SRANDMEMBER 0", c.SRandMemberN(ctx, "s", 0).Val(), []string{})
			wantEq(t, "SRANDMEMBER all", sorted(c.SRandMemberN(ctx, "s", 10).Val()), want)
			three := c.SRandMemberN(ctx, "s", 3).Val()
			if len(three) != 3 || len(slices.Compact(sorted(three))) != 3 {
				t.Fatalf("SRANDMEMBER 3 = %v", three)
			}
			wantEq(t, "SRANDMEMBER -8", len(c.SRandMemberN(ctx, "s", -8).Val()), 8)
			popped := []string{c.SPop(ctx, "s").Val()}
			popped = append(popped, c.SPopN(ctx, "s", 2).Val()...)
			wantEq(t, "SPOP 0", c.SPopN(ctx, "s", 0).Val(), []string{})
			popped = append(popped, c.SPopN(ctx, "s", 10).Val()...)
			wantEq(t, "popped all", sorted(popped), want)
			wantEq(t, "key deleted", c.Exists(ctx, "s").Val(), int64(0))
		}
		if _, err := c.SPop(ctx, "nokey").Result(); err != redis.Nil {
			t.Fatalf("SPOP missing: %v", err)
		}
		if _, err := c.SRandMember(ctx, "nokey").Result(); err != redis.Nil {
			t.Fatalf("SRANDMEMBER missing: %v", err)
		}
		wantEq(t, "SPOP count missing", c.SPopN(ctx, "nokey", 3).Val(), []string{})
		wantEq(t, "SRANDMEMBER count missing", c.SRandMemberN(ctx, "nokey", 3).Val(), []string{})
		// A big table: distinct samples and pops in O(count).
		args := []any{}
		for i := range 2000 {
			args = append(args, fmt.Sprint("m", i))
		}
		c.SAdd(ctx, "big", args...)
		s := c.SRandMemberN(ctx, "big", 50).Val()
		wantEq(t, "distinct sample", len(slices.Compact(sorted(s))), 50)
		p := c.SPopN(ctx, "big", 1990).Val()
		wantEq(t, "distinct pops", len(slices.Compact(sorted(p))), 1990)
		wantEq(t, "left", c.SCard(ctx, "big").Val(), int64(10))
	})
}

func TestSScan(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.SAdd(ctx, "small", "1", "12", "3")
		keys, cur, err := c.SScan(ctx, "small", 0, "1*", 1).Result()
		if err != nil || cur != 0 {
			t.Fatalf("SSCAN small: %d %v", cur, err)
		}
		wantEq(t, "SSCAN intset MATCH", keys, []string{"1", "12"})
		args := []any{}
		for i := range 1000 {
			args = append(args, fmt.Sprint("m", i))
		}
		c.SAdd(ctx, "big", args...)
		seen := map[string]bool{}
		for cur = 0; ; {
			keys, cur, err = c.SScan(ctx, "big", cur, "", 50).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				seen[k] = true
			}
			if cur == 0 {
				break
			}
		}
		wantEq(t, "SSCAN big", len(seen), 1000)
		keys, _, _ = c.SScan(ctx, "nokey", 0, "", 0).Result()
		wantEq(t, "SSCAN missing", keys, []string{})
	})
}

func TestSetMaxIntset(t *testing.T) {
	n := startNode(t, map[string]string{"set-max-intset-entries": "3"})
	c := newClient(t, n, 2)
	ctx := context.Background()
	c.SAdd(ctx, "s", "1", "2", "3")
	wantEq(t, "3 members", encodingOf(t, ctx, c, "s"), "intset")
	c.SAdd(ctx, "s", "4")
	wantEq(t, "4 members", encodingOf(t, ctx, c, "s"), "hashtable")
	c.SAdd(ctx, "t", "1", "2", "3", "4", "5")
	wantEq(t, "one SADD of 5", encodingOf(t, ctx, c, "t"), "hashtable")
	c.SAdd(ctx, "u", "1", "1", "1", "1", "1")
	wantEq(t, "repeats", encodingOf(t, ctx, c, "u"), "intset")
	wantEq(t, "COPY", c.Copy(ctx, "s", "s2", 0, false).Val(), int64(1))
	c.SRem(ctx, "s2", "1")
	wantEq(t, "COPY independent", c.SCard(ctx, "s").Val(), int64(4))
}
