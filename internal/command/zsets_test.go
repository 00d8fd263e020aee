package command_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// zshow renders a go-redis reply compactly: arrays in [], nil as nil,
// floats (RESP3 doubles) as Go prints them, errors by their message.
func zshow(v any, err error) string {
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return "nil"
		}
		return err.Error()
	}
	switch v := v.(type) {
	case nil:
		return "nil"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = zshow(e, nil)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// zstep is one command and its expected reply in RESP2 and, when it
// differs, in RESP3.
type zstep struct {
	cmd         string
	want, want3 string
}

// zrun runs steps in order against c, splitting each command on spaces.
func zrun(t *testing.T, ctx context.Context, c *redis.Client, steps []zstep) {
	t.Helper()
	proto := 2
	if hello, err := c.Do(ctx, "HELLO").Result(); err == nil {
		if m, ok := hello.(map[any]any); ok && fmt.Sprint(m["proto"]) == "3" {
			proto = 3
		}
	}
	for _, s := range steps {
		fields := strings.Fields(s.cmd)
		args := make([]any, len(fields))
		for i, f := range fields {
			args[i] = f
		}
		got := zshow(do(ctx, c, args...))
		want := s.want
		if proto == 3 && s.want3 != "" {
			want = s.want3
		}
		if got != want {
			t.Fatalf("RESP%d %s = %s, want %s", proto, s.cmd, got, want)
		}
	}
}

const errWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

func TestZAddOptions(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z 10 x 20 y 30 z", "3", ""},
			{"ZADD z 11 x 20 y 5 n", "1", ""},
			{"ZADD z CH 12 x 20 y 6 n", "2", ""},
			{"ZADD z CH 13 x 21 y 7 o", "3", ""},
			{"ZADD z XX 1 new 14 x", "0", ""},
			{"ZSCORE z new", "nil", ""},
			{"ZSCORE z x", "14", ""},
			{"ZADD z NX 100 x 1 a", "1", ""},
			{"ZSCORE z x", "14", ""},
			{"ZADD z GT CH 5 x 50 y", "1", ""},
			{"ZADD z LT CH 5 x 50 y", "1", ""},
			{"ZRANGE z 0 -1 WITHSCORES", "[a 1 x 5 n 6 o 7 z 30 y 50]",
				"[[a 1] [x 5] [n 6] [o 7] [z 30] [y 50]]"},
			{"ZADD z INCR 2.5 x", "7.5", ""},
			{"ZADD z LT INCR 1 x", "nil", ""},
			{"ZADD z XX INCR 1 nosuch", "nil", ""},
			{"ZINCRBY z -0.5 x", "7", ""},
			{"ZINCRBY newz 3 m", "3", ""},
			{"ZADD z +inf big -inf small", "2", ""},
			{"ZINCRBY z -inf big", "ERR resulting score is not a number (NaN)", ""},
			{"ZSCORE z big", "inf", "+Inf"},
			{"ZSCORE z small", "-inf", "-Inf"},
			{"ZADD xxkey XX 1 a", "0", ""},
			{"EXISTS xxkey", "0", ""},
			// Errors, all before anything changes.
			{"ZADD z 1", "ERR wrong number of arguments for 'zadd' command", ""},
			{"ZADD z 1 a 2", "ERR syntax error", ""},
			{"ZADD z NX XX", "ERR syntax error", ""},
			{"ZADD z NX XX 1 a", "ERR XX and NX options at the same time are not compatible", ""},
			{"ZADD z GT LT 1 a", "ERR GT, LT, and/or NX options at the same time are not compatible", ""},
			{"ZADD z NX GT 1 a", "ERR GT, LT, and/or NX options at the same time are not compatible", ""},
			{"ZADD z INCR 1 a 2 b", "ERR INCR option supports a single increment-element pair", ""},
			{"ZADD z 1 a nan b", "ERR value is not a valid float", ""},
			{"ZADD z 1 a 1e400 b", "ERR value is not a valid float", ""},
			{"ZADD z 1 q 2x b", "ERR value is not a valid float", ""},
			{"ZSCORE z q", "nil", ""},
			{"ZINCRBY z 1 a 2 b", "ERR wrong number of arguments for 'zincrby' command", ""},
			{"SET s v", "OK", ""},
			{"ZADD s 1 a", errWrongType, ""},
			{"ZINCRBY s 1 a", errWrongType, ""},
			{"ZADD hex 0x10 a 1e2 b -.5 c", "3", ""},
			{"ZRANGE hex 0 -1 WITHSCORES", "[c -0.5 a 16 b 100]", "[[c -0.5] [a 16] [b 100]]"},
		})
	})
}

func TestZRemCardScoreRank(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z 1 a 2 b 3 c", "3", ""},
			{"ZCARD z", "3", ""},
			{"ZCARD nosuch", "0", ""},
			{"ZRANK z c", "2", ""},
			{"ZREVRANK z c", "0", ""},
			{"ZRANK z nosuch", "nil", ""},
			{"ZRANK nosuch a", "nil", ""},
			{"ZMSCORE z a nosuch c", "[1 nil 3]", ""},
			{"ZMSCORE nosuch a", "[nil]", ""},
			{"ZSCORE nosuch a", "nil", ""},
			{"ZREM z a x", "1", ""},
			{"ZREM nosuch a", "0", ""},
			{"ZREM z b c d", "2", ""},
			{"EXISTS z", "0", ""},
			{"SET s v", "OK", ""},
			{"ZREM s a", errWrongType, ""},
			{"ZCARD s", errWrongType, ""},
			{"ZSCORE s a", errWrongType, ""},
			{"ZMSCORE s a", errWrongType, ""},
			{"ZRANK s a", errWrongType, ""},
			{"ZMSCORE z", "ERR wrong number of arguments for 'zmscore' command", ""},
		})
	})
}

func TestZRangeVariants(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z -inf a 1 b 2 c 3 d 4 e 5 f +inf g", "7", ""},
			{"ZRANGE z 1 2", "[b c]", ""},
			{"ZRANGE z -2 -1 WITHSCORES", "[f 5 g inf]", "[[f 5] [g +Inf]]"},
			{"ZRANGE z 5 100", "[f g]", ""},
			{"ZRANGE z 3 1", "[]", ""},
			{"ZREVRANGE z 0 1", "[g f]", ""},
			{"ZRANGE z 0 1 REV", "[g f]", ""},
			{"ZRANGE z (1 3 BYSCORE", "[c d]", ""},
			{"ZRANGE z 3 (1 BYSCORE REV", "[d c]", ""},
			{"ZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES", "[b 1 c 2]", "[[b 1] [c 2]]"},
			{"ZRANGE z -inf +inf BYSCORE LIMIT -1 2", "[]", ""},
			{"ZRANGE z -inf +inf BYSCORE LIMIT 5 -1", "[f g]", ""},
			{"ZRANGEBYSCORE z 2 4", "[c d e]", ""},
			{"ZRANGEBYSCORE z (2 (4 WITHSCORES", "[d 3]", "[[d 3]]"},
			{"ZREVRANGEBYSCORE z 4 2 LIMIT 0 2", "[e d]", ""},
			{"ZRANGEBYSCORE z 1 str", "ERR min or max is not a float", ""},
			{"ZRANGEBYSCORE z nan 1", "ERR min or max is not a float", ""},
			{"ZRANGE z 0 -1 LIMIT 0 1", "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX", ""},
			{"ZRANGE z - + BYLEX WITHSCORES", "ERR syntax error, WITHSCORES not supported in combination with BYLEX", ""},
			{"ZREVRANGE z 0 1 BYSCORE", "ERR syntax error", ""},
			{"ZRANGEBYSCORE z 0 1 REV", "ERR syntax error", ""},
			{"ZRANGE z a 1", "ERR value is not an integer or out of range", ""},
			{"ZRANGE z 0 1 LIMIT x 1 BYSCORE", "ERR value is not an integer or out of range", ""},
			{"ZRANGE nosuch 0 -1", "[]", ""},
			{"ZADD l 0 alpha 0 bar 0 cool 0 down 0 elephant", "5", ""},
			{"ZRANGEBYLEX l - [cool", "[alpha bar cool]", ""},
			{"ZRANGEBYLEX l (bar +", "[cool down elephant]", ""},
			{"ZRANGEBYLEX l - + LIMIT 1 2", "[bar cool]", ""},
			{"ZREVRANGEBYLEX l [cool -", "[cool bar alpha]", ""},
			{"ZRANGE l (down [alpha BYLEX REV", "[cool bar alpha]", ""},
			{"ZRANGEBYLEX l + -", "[]", ""},
			{"ZRANGEBYLEX l foo +", "ERR min or max not valid string range item", ""},
			{"ZRANGEBYLEX l -x +", "ERR min or max not valid string range item", ""},
			{"ZLEXCOUNT l [bar (down", "2", ""},
			{"ZLEXCOUNT l - +", "5", ""},
			{"ZLEXCOUNT nosuch - +", "0", ""},
			{"ZLEXCOUNT l a +", "ERR min or max not valid string range item", ""},
			{"ZCOUNT z (1 3", "2", ""},
			{"ZCOUNT z -inf +inf", "7", ""},
			{"ZCOUNT z 3 1", "0", ""},
			{"ZCOUNT nosuch 0 1", "0", ""},
			{"ZCOUNT z x 1", "ERR min or max is not a float", ""},
			{"SET s v", "OK", ""},
			{"ZRANGE s 0 -1", errWrongType, ""},
			{"ZCOUNT s 0 1", errWrongType, ""},
			{"ZLEXCOUNT s - +", errWrongType, ""},
		})
	})
}

func TestZRangeStore(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z{t} 1 a 2 b 3 c 4 d", "4", ""},
			{"ZRANGESTORE d{t} z{t} 1 2", "2", ""},
			{"ZRANGE d{t} 0 -1 WITHSCORES", "[b 2 c 3]", "[[b 2] [c 3]]"},
			{"ZRANGESTORE d{t} z{t} 5 0 BYSCORE REV LIMIT 0 2", "2", ""},
			{"ZRANGE d{t} 0 -1", "[c d]", ""},
			{"ZRANGESTORE d{t} z{t} [b [c BYLEX", "2", ""},
			{"ZRANGESTORE d{t} z{t} 5 6", "0", ""},
			{"EXISTS d{t}", "0", ""},
			{"ZRANGESTORE d{t} missing{t} 0 -1", "0", ""},
			{"ZRANGESTORE d{t} z{t} 0 -1 WITHSCORES", "ERR syntax error", ""},
			{"SET s{t} v", "OK", ""},
			{"ZADD d{t} 1 keep", "1", ""},
			{"ZRANGESTORE d{t} s{t} 0 -1", errWrongType, ""},
			{"ZRANGE d{t} 0 -1", "[keep]", ""},
		})
	})
}

func TestZRemRange(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z 1 a 2 b 3 c 4 d 5 e", "5", ""},
			{"ZREMRANGEBYRANK z 1 2", "2", ""},
			{"ZRANGE z 0 -1", "[a d e]", ""},
			{"ZREMRANGEBYRANK z 10 -1", "0", ""},
			{"ZREMRANGEBYSCORE z (1 4", "1", ""},
			{"ZREMRANGEBYSCORE z x 4", "ERR min or max is not a float", ""},
			{"ZADD z 0 aa 0 ab", "2", ""},
			{"ZREMRANGEBYLEX z [aa (ab", "1", ""},
			{"ZREMRANGEBYLEX z aa ab", "ERR min or max not valid string range item", ""},
			{"ZREMRANGEBYRANK z x 1", "ERR value is not an integer or out of range", ""},
			{"ZREMRANGEBYRANK nosuch 0 -1", "0", ""},
			{"ZREMRANGEBYRANK z 0 -1", "3", ""},
			{"EXISTS z", "0", ""},
			{"SET s v", "OK", ""},
			{"ZREMRANGEBYSCORE s 0 1", errWrongType, ""},
		})
	})
}

func TestZPop(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD z -1 a 1 b 2 c 3 d 4 e", "5", ""},
			{"ZPOPMIN z", "[a -1]", ""},
			{"ZPOPMAX z", "[e 4]", ""},
			{"ZPOPMIN z 2", "[b 1 c 2]", "[[b 1] [c 2]]"},
			{"ZPOPMIN z 0", "[]", ""},
			{"ZPOPMAX z 10", "[d 3]", "[[d 3]]"},
			{"EXISTS z", "0", ""},
			{"ZPOPMIN z", "[]", ""},
			{"ZPOPMIN z -1", "ERR value is out of range, must be positive", ""},
			{"ZPOPMIN z 1 2", "ERR syntax error", ""},
			{"ZADD a{t} 1 x 2 y 3 z", "3", ""},
			{"ZMPOP 2 none{t} a{t} MAX COUNT 2", "[a{t} [[z 3] [y 2]]]", ""},
			{"ZMPOP 1 a{t} MIN", "[a{t} [[x 1]]]", ""},
			{"ZMPOP 1 a{t} MIN", "nil", ""},
			{"ZMPOP 0 a{t} MIN", "ERR numkeys should be greater than 0", ""},
			{"ZMPOP x a{t} MIN", "ERR numkeys should be greater than 0", ""},
			{"ZMPOP 2 a{t} MIN", "ERR syntax error", ""},
			{"ZMPOP 1 a{t} LEFT", "ERR syntax error", ""},
			{"ZMPOP 1 a{t} MIN COUNT 0", "ERR count should be greater than 0", ""},
			{"ZMPOP 1 a{t} MIN COUNT 1 COUNT 2", "ERR syntax error", ""},
			{"SET s{t} v", "OK", ""},
			{"ZPOPMIN s{t}", errWrongType, ""},
			{"ZMPOP 2 a{t} s{t} MIN", errWrongType, ""},
		})
	})
}

func TestZSetOps(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZADD a{t} 1 a 2 b 3 c", "3", ""},
			{"ZADD b{t} 1 b 2 c 3 d", "3", ""},
			{"SADD s{t} a b c", "3", ""},
			{"ZUNION 2 a{t} b{t} WITHSCORES", "[a 1 b 3 d 3 c 5]", "[[a 1] [b 3] [d 3] [c 5]]"},
			{"ZUNION 2 a{t} b{t} WEIGHTS 2 3 AGGREGATE MAX", "[a b c d]", ""},
			{"ZINTER 2 a{t} b{t} AGGREGATE MIN WITHSCORES", "[b 1 c 2]", "[[b 1] [c 2]]"},
			{"ZINTER 2 a{t} s{t} WEIGHTS 1 10 WITHSCORES", "[a 11 b 12 c 13]", "[[a 11] [b 12] [c 13]]"},
			{"ZDIFF 2 a{t} b{t} WITHSCORES", "[a 1]", "[[a 1]]"},
			{"ZDIFF 2 a{t} s{t}", "[]", ""},
			{"ZINTERCARD 2 a{t} b{t}", "2", ""},
			{"ZINTERCARD 2 a{t} b{t} LIMIT 1", "1", ""},
			{"ZINTERCARD 1 a{t} LIMIT -1", "ERR LIMIT can't be negative", ""},
			{"ZUNIONSTORE d{t} 2 a{t} s{t}", "3", ""},
			{"ZRANGE d{t} 0 -1 WITHSCORES", "[a 2 b 3 c 4]", "[[a 2] [b 3] [c 4]]"},
			{"ZINTERSTORE d{t} 2 a{t} b{t} WEIGHTS 2 3", "2", ""},
			{"ZRANGE d{t} 0 -1 WITHSCORES", "[b 7 c 12]", "[[b 7] [c 12]]"},
			{"ZDIFFSTORE d{t} 2 a{t} b{t}", "1", ""},
			{"ZDIFFSTORE d{t} 1 none{t}", "0", ""},
			{"EXISTS d{t}", "0", ""},
			{"ZUNION 0 a{t}", "ERR at least 1 input key is needed for 'zunion' command", ""},
			{"ZINTERSTORE d{t} 0 a{t}", "ERR at least 1 input key is needed for 'zinterstore' command", ""},
			{"ZUNION 3 a{t} b{t}", "ERR syntax error", ""},
			{"ZUNION x a{t}", "ERR value is not an integer or out of range", ""},
			{"ZUNIONSTORE d{t} 2 a{t} b{t} WITHSCORES", "ERR syntax error", ""},
			{"ZDIFF 2 a{t} b{t} WEIGHTS 1 2", "ERR syntax error", ""},
			{"ZUNION 2 a{t} b{t} WEIGHTS 1 nan", "ERR weight value is not a float", ""},
			{"ZUNION 2 a{t} b{t} AGGREGATE AVG", "ERR syntax error", ""},
			{"ZADD i1{t} +inf k", "1", ""},
			{"ZADD i2{t} -inf k", "1", ""},
			{"ZUNIONSTORE d{t} 2 i1{t} i2{t}", "1", ""},
			{"ZSCORE d{t} k", "0", ""},
			{"SET str{t} v", "OK", ""},
			{"ZUNION 2 a{t} str{t}", errWrongType, ""},
		})
	})
}

func TestZRandMember(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZRANDMEMBER nosuch", "nil", ""},
			{"ZRANDMEMBER nosuch 5", "[]", ""},
			{"ZADD z 1 a", "1", ""},
			{"ZRANDMEMBER z", "a", ""},
			{"ZRANDMEMBER z 0", "[]", ""},
			{"ZRANDMEMBER z 5 WITHSCORES", "[a 1]", "[[a 1]]"},
			{"ZRANDMEMBER z -3", "[a a a]", ""},
			{"ZRANDMEMBER z -2 WITHSCORES", "[a 1 a 1]", "[[a 1] [a 1]]"},
			{"ZRANDMEMBER z 1 x", "ERR syntax error", ""},
			{"ZRANDMEMBER z -9223372036854775808", "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807", ""},
			{"ZRANDMEMBER z -9223372036854770000 WITHSCORES", "ERR value is out of range", ""},
			{"ZRANDMEMBER z x", "ERR value is not an integer or out of range", ""},
		})
		// Distinct members for positive counts, on both forms.
		for _, n := range []int{20, 300} {
			key := fmt.Sprintf("big%d", n)
			for i := range n {
				if err := c.ZAdd(ctx, key, redis.Z{Score: float64(i), Member: fmt.Sprint("m", i)}).Err(); err != nil {
					t.Fatal(err)
				}
			}
			for _, cnt := range []int64{3, int64(n) - 2, int64(n) + 5} {
				got, err := c.ZRandMember(ctx, key, int(cnt)).Result()
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, m := range got {
					if seen[m] {
						t.Fatalf("count %d: %s returned twice", cnt, m)
					}
					seen[m] = true
				}
				if int64(len(got)) != min(cnt, int64(n)) {
					t.Fatalf("count %d of %d: got %d", cnt, n, len(got))
				}
			}
			if got, _ := c.ZRandMember(ctx, key, -500).Result(); len(got) != 500 {
				t.Fatalf("negative count: %d members", len(got))
			}
		}
	})
}

func TestZScan(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		zrun(t, ctx, c, []zstep{
			{"ZSCAN nosuch 0", "[0 []]", ""},
			{"ZADD z 1 a 2.5 b 3 c", "3", ""},
			{"ZSCAN z 0", "[0 [a 1 b 2.5 c 3]]", ""},
			{"ZSCAN z 0 MATCH b*", "[0 [b 2.5]]", ""},
			{"ZSCAN z 0 COUNT 0", "ERR syntax error", ""},
			{"ZSCAN z 0 TYPE zset", "ERR syntax error", ""},
			{"ZSCAN z x", "ERR invalid cursor", ""},
		})
		// A large set is scanned in several calls, each member once.
		for i := range 500 {
			c.ZAdd(ctx, "big", redis.Z{Score: float64(i % 50), Member: fmt.Sprint("m", i)})
		}
		if enc, _ := c.ObjectEncoding(ctx, "big").Result(); enc != "skiplist" {
			t.Fatalf("encoding %s", enc)
		}
		seen := map[string]int{}
		var cursor uint64
		calls := 0
		for {
			keys, next, err := c.ZScan(ctx, "big", cursor, "", 20).Result()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(keys); i += 2 {
				seen[keys[i]]++
			}
			calls++
			if cursor = next; cursor == 0 {
				break
			}
		}
		if len(seen) != 500 || calls < 10 {
			t.Fatalf("%d members in %d calls", len(seen), calls)
		}
		for m, n := range seen {
			if n != 1 {
				t.Fatalf("%s seen %d times", m, n)
			}
		}
	})
}

func TestZSetEncodings(t *testing.T) {
	n := startNode(t, map[string]string{"zset-max-listpack-entries": "4", "zset-max-listpack-value": "8"})
	ctx := context.Background()
	c := newClient(t, n, 2)
	zrun(t, ctx, c, []zstep{
		{"ZADD z 1 a 2 b 3 c 4 d", "4", ""},
		{"OBJECT ENCODING z", "listpack", ""},
		{"ZADD z 5 e", "1", ""},
		{"OBJECT ENCODING z", "skiplist", ""},
		{"ZADD long 1 abcdefghi", "1", ""},
		{"OBJECT ENCODING long", "skiplist", ""},
		{"ZRANGESTORE small z 0 1", "2", ""},
		{"OBJECT ENCODING small", "listpack", ""},
		{"ZUNIONSTORE u 1 z", "5", ""},
		{"OBJECT ENCODING u", "skiplist", ""},
		{"COPY z zc", "1", ""},
		{"ZRANGE zc 0 -1 WITHSCORES", "[a 1 b 2 c 3 d 4 e 5]", ""},
		{"OBJECT ENCODING zc", "skiplist", ""},
		{"TYPE z", "zset", ""},
		{"CONFIG SET zset-max-ziplist-entries 0", "OK", ""},
		{"ZADD zero 1 a", "1", ""},
		{"OBJECT ENCODING zero", "skiplist", ""},
	})
}
