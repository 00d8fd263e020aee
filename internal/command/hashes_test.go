package command_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// wantErr fails unless err is a server error starting with prefix.
func wantErr(t *testing.T, err error, prefix string) {
	t.Helper()
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("error = %v, want prefix %q", err, prefix)
	}
}

// wantEq fails unless got equals want.
func wantEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %#v, want %#v", what, got, want)
	}
}

func encodingOf(t *testing.T, ctx context.Context, c *redis.Client, key string) string {
	t.Helper()
	enc, err := c.ObjectEncoding(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestHashBasics(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		n, err := c.HSet(ctx, "h", "a", "1", "b", "2").Result()
		wantEq(t, "HSET", n, int64(2))
		if err != nil {
			t.Fatal(err)
		}
		wantEq(t, "HSET update", c.HSet(ctx, "h", "a", "10", "c", "3").Val(), int64(1))
		wantEq(t, "HMSET", c.HMSet(ctx, "h", "d", "4").Val(), true)
		wantEq(t, "HGET", c.HGet(ctx, "h", "a").Val(), "10")
		if _, err := c.HGet(ctx, "h", "zz").Result(); err != redis.Nil {
			t.Fatalf("HGET missing field: %v", err)
		}
		if _, err := c.HGet(ctx, "nokey", "a").Result(); err != redis.Nil {
			t.Fatalf("HGET missing key: %v", err)
		}
		wantEq(t, "HMGET", c.HMGet(ctx, "h", "a", "zz", "b").Val(), []any{"10", nil, "2"})
		wantEq(t, "HMGET missing key", c.HMGet(ctx, "nokey", "a").Val(), []any{nil})
		wantEq(t, "HLEN", c.HLen(ctx, "h").Val(), int64(4))
		wantEq(t, "HLEN missing", c.HLen(ctx, "nokey").Val(), int64(0))
		wantEq(t, "HEXISTS", c.HExists(ctx, "h", "a").Val(), true)
		wantEq(t, "HEXISTS no", c.HExists(ctx, "h", "x").Val(), false)
		wantEq(t, "HSTRLEN", c.Do(ctx, "hstrlen", "h", "a").Val(), int64(2))
		wantEq(t, "HSTRLEN missing", c.Do(ctx, "hstrlen", "h", "x").Val(), int64(0))
		wantEq(t, "HSETNX existing", c.HSetNX(ctx, "h", "a", "x").Val(), false)
		wantEq(t, "HSETNX new", c.HSetNX(ctx, "h", "e", "5").Val(), true)
		wantEq(t, "HSETNX new key", c.HSetNX(ctx, "h2", "e", "5").Val(), true)
		keys := c.HKeys(ctx, "h").Val()
		slices.Sort(keys)
		wantEq(t, "HKEYS", keys, []string{"a", "b", "c", "d", "e"})
		vals := c.HVals(ctx, "h").Val()
		slices.Sort(vals)
		wantEq(t, "HVALS", vals, []string{"10", "2", "3", "4", "5"})
		wantEq(t, "HGETALL", c.HGetAll(ctx, "h").Val(),
			map[string]string{"a": "10", "b": "2", "c": "3", "d": "4", "e": "5"})
		wantEq(t, "HGETALL missing", c.HGetAll(ctx, "nokey").Val(), map[string]string{})
		wantEq(t, "HKEYS missing", c.HKeys(ctx, "nokey").Val(), []string{})
		wantEq(t, "encoding", encodingOf(t, ctx, c, "h"), "listpack")
		wantEq(t, "TYPE", c.Type(ctx, "h").Val(), "hash")

		wantEq(t, "HDEL", c.HDel(ctx, "h", "a", "zz", "b").Val(), int64(2))
		wantEq(t, "HDEL missing key", c.HDel(ctx, "nokey", "a").Val(), int64(0))
		wantEq(t, "HDEL all", c.HDel(ctx, "h", "c", "d", "e", "f").Val(), int64(3))
		wantEq(t, "EXISTS after emptying", c.Exists(ctx, "h").Val(), int64(0))
	})
}

func TestHashReplyShapes(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", proto), func(t *testing.T) {
			c := newClient(t, startNode(t, nil), proto)
			ctx := context.Background()
			c.HSet(ctx, "h", "a", "1")
			got, err := do(ctx, c, "hgetall", "h")
			if err != nil {
				t.Fatal(err)
			}
			if proto == 3 {
				wantEq(t, "HGETALL RESP3", got, map[any]any{"a": "1"})
			} else {
				wantEq(t, "HGETALL RESP2", got, []any{"a", "1"})
			}
			got, _ = do(ctx, c, "hrandfield", "h", "-2", "withvalues")
			if proto == 3 {
				wantEq(t, "HRANDFIELD RESP3", got, []any{[]any{"a", "1"}, []any{"a", "1"}})
			} else {
				wantEq(t, "HRANDFIELD RESP2", got, []any{"a", "1", "a", "1"})
			}
			got, _ = do(ctx, c, "hgetall", "nokey")
			if proto == 3 {
				wantEq(t, "HGETALL missing RESP3", got, map[any]any{})
			} else {
				wantEq(t, "HGETALL missing RESP2", got, []any{})
			}
		})
	}
}

func TestHashErrors(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.Set(ctx, "str", "x", 0)
		for _, args := range [][]any{
			{"hset", "str", "a", "1"}, {"hget", "str", "a"}, {"hmget", "str", "a"},
			{"hdel", "str", "a"}, {"hlen", "str"}, {"hgetall", "str"}, {"hkeys", "str"},
			{"hincrby", "str", "a", "1"}, {"hincrbyfloat", "str", "a", "1"}, {"hsetnx", "str", "a", "1"},
			{"hexists", "str", "a"}, {"hstrlen", "str", "a"}, {"hrandfield", "str"},
			{"hrandfield", "str", "2"}, {"hscan", "str", "0"},
		} {
			_, err := do(ctx, c, args...)
			wantErr(t, err, "WRONGTYPE")
		}
		_, err := do(ctx, c, "hset", "h", "a")
		wantErr(t, err, "ERR wrong number of arguments for 'hset' command")
		_, err = do(ctx, c, "hmset", "h", "a", "1", "b")
		wantErr(t, err, "ERR wrong number of arguments for 'hmset' command")
		_, err = do(ctx, c, "hget", "h")
		wantErr(t, err, "ERR wrong number of arguments for 'hget' command")
	})
}

func TestHashIncr(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		wantEq(t, "HINCRBY new", c.HIncrBy(ctx, "h", "n", 5).Val(), int64(5))
		wantEq(t, "HINCRBY", c.HIncrBy(ctx, "h", "n", -7).Val(), int64(-2))
		c.HSet(ctx, "h", "s", " 1", "big", "9223372036854775807", "f", "1.5")
		_, err := c.HIncrBy(ctx, "h", "s", 1).Result()
		wantErr(t, err, "ERR hash value is not an integer")
		_, err = c.HIncrBy(ctx, "h", "big", 1).Result()
		wantErr(t, err, "ERR increment or decrement would overflow")
		_, err = do(ctx, c, "hincrby", "h", "n", "x")
		wantErr(t, err, "ERR value is not an integer or out of range")

		wantEq(t, "HINCRBYFLOAT", c.HIncrByFloat(ctx, "h", "f", 0.1).Val(), 1.6)
		got, _ := do(ctx, c, "hincrbyfloat", "h", "g", "10.5")
		wantEq(t, "HINCRBYFLOAT reply", got, "10.5")
		got, _ = do(ctx, c, "hincrbyfloat", "h", "x", "1.23")
		got, _ = do(ctx, c, "hincrbyfloat", "h", "x", "0.77")
		wantEq(t, "HINCRBYFLOAT long double", got, "2")
		_, err = do(ctx, c, "hincrbyfloat", "h", "s", "1")
		wantErr(t, err, "ERR hash value is not a float")
		_, err = do(ctx, c, "hincrbyfloat", "h", "f", "abc")
		wantErr(t, err, "ERR value is not a valid float")
		_, err = do(ctx, c, "hincrbyfloat", "h2", "f", "+inf")
		wantErr(t, err, "ERR value is NaN or Infinity")
		wantEq(t, "no key created", c.Exists(ctx, "h2").Val(), int64(0))
		c.HSet(ctx, "h", "huge", "1e308")
		_, err = do(ctx, c, "hincrbyfloat", "h", "huge", "1e308")
		if err != nil {
			t.Fatalf("long double range: %v", err) // fits in a long double
		}
	})
}

func TestHashEncodingConversion(t *testing.T) {
	n := startNode(t, map[string]string{"hash-max-listpack-entries": "4", "hash-max-listpack-value": "8"})
	for _, proto := range []int{2, 3} {
		c := newClient(t, n, proto)
		ctx := context.Background()
		c.FlushAll(ctx)
		c.HSet(ctx, "h", "a", "1", "b", "2", "c", "3", "d", "4")
		wantEq(t, "4 entries", encodingOf(t, ctx, c, "h"), "listpack")
		c.HSet(ctx, "h", "e", "5")
		wantEq(t, "5 entries", encodingOf(t, ctx, c, "h"), "hashtable")
		c.HSet(ctx, "v", "a", "12345678")
		wantEq(t, "value of 8", encodingOf(t, ctx, c, "v"), "listpack")
		c.HSet(ctx, "v", "b", "123456789")
		wantEq(t, "value of 9", encodingOf(t, ctx, c, "v"), "hashtable")
		wantEq(t, "values kept", c.HGetAll(ctx, "v").Val(), map[string]string{"a": "12345678", "b": "123456789"})
		c.HIncrByFloat(ctx, "w", "tmp", 0.0000005)
		wantEq(t, "HINCRBYFLOAT long value", encodingOf(t, ctx, c, "w"), "hashtable")
		wantEq(t, "COPY", c.Copy(ctx, "h", "h2", 0, false).Val(), int64(1))
		wantEq(t, "COPY keeps encoding", encodingOf(t, ctx, c, "h2"), "hashtable")
		c.HSet(ctx, "h2", "a", "changed")
		wantEq(t, "COPY is independent", c.HGet(ctx, "h", "a").Val(), "1")
		if m := c.MemoryUsage(ctx, "h").Val(); m <= 0 {
			t.Fatalf("MEMORY USAGE = %d", m)
		}
	}
}

func TestHRandField(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if _, err := c.HRandField(ctx, "nokey", 1).Result(); err != nil {
			t.Fatal(err)
		}
		got, err := do(ctx, c, "hrandfield", "nokey")
		if err != redis.Nil {
			t.Fatalf("HRANDFIELD missing = %v, %v", got, err)
		}
		c.HSet(ctx, "h", "a", "1", "b", "2", "c", "3")
		f, _ := do(ctx, c, "hrandfield", "h")
		if f != "a" && f != "b" && f != "c" {
			t.Fatalf("HRANDFIELD = %v", f)
		}
		wantEq(t, "count 0", c.HRandField(ctx, "h", 0).Val(), []string{})
		all := c.HRandField(ctx, "h", 10).Val()
		slices.Sort(all)
		wantEq(t, "count > size", all, []string{"a", "b", "c"})
		two := c.HRandField(ctx, "h", 2).Val()
		if len(two) != 2 || two[0] == two[1] {
			t.Fatalf("count 2 = %v", two)
		}
		wantEq(t, "negative count", len(c.HRandField(ctx, "h", -20).Val()), 20)
		_, err = do(ctx, c, "hrandfield", "h", "1", "withscores")
		wantErr(t, err, "ERR syntax error")
		_, err = do(ctx, c, "hrandfield", "h", "-9223372036854775808")
		wantErr(t, err, "ERR value is out of range")
		_, err = do(ctx, c, "hrandfield", "h", "-9223372036854770000", "withvalues")
		wantErr(t, err, "ERR value is out of range")
		_, err = do(ctx, c, "hrandfield", "h", "x")
		wantErr(t, err, "ERR value is not an integer or out of range")
	})
}

func TestHRandFieldBig(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		args := []any{"hset", "h"}
		for i := range 600 { // past hash-max-listpack-entries (512)
			args = append(args, fmt.Sprint("f", i), fmt.Sprint(i))
		}
		do(ctx, c, args...)
		wantEq(t, "encoding", encodingOf(t, ctx, c, "h"), "hashtable")
		for _, n := range []int{5, 500} {
			kv := c.HRandFieldWithValues(ctx, "h", n).Val()
			seen := map[string]bool{}
			for _, p := range kv {
				if seen[p.Key] || p.Value != strings.TrimPrefix(p.Key, "f") {
					t.Fatalf("count %d: pair %v repeated or wrong", n, p)
				}
				seen[p.Key] = true
			}
			wantEq(t, fmt.Sprint("count ", n), len(seen), n)
		}
	})
}

func TestHScan(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.HSet(ctx, "small", "a", "1", "b", "2", "xa", "3")
		keys, cur, err := c.HScan(ctx, "small", 0, "", 1).Result()
		if err != nil || cur != 0 {
			t.Fatalf("HSCAN small: cursor %d, %v", cur, err)
		}
		wantEq(t, "HSCAN small", keys, []string{"a", "1", "b", "2", "xa", "3"})
		keys, _, _ = c.HScan(ctx, "small", 0, "*a", 0).Result()
		wantEq(t, "HSCAN MATCH", keys, []string{"a", "1", "xa", "3"})
		keys, cur, _ = c.HScan(ctx, "nokey", 0, "", 0).Result()
		wantEq(t, "HSCAN missing", keys, []string{})

		args := []any{"hset", "big"}
		for i := range 1000 {
			args = append(args, fmt.Sprint("f", i), fmt.Sprint(i))
		}
		do(ctx, c, args...)
		seen := map[string]string{}
		cur, calls := uint64(0), 0
		for {
			keys, cur, err = c.HScan(ctx, "big", cur, "", 20).Result()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(keys); i += 2 {
				seen[keys[i]] = keys[i+1]
			}
			calls++
			if cur == 0 {
				break
			}
		}
		if len(seen) != 1000 || seen["f7"] != "7" || calls < 10 {
			t.Fatalf("HSCAN big: %d fields in %d calls", len(seen), calls)
		}
		_, err = do(ctx, c, "hscan", "big", "x")
		wantErr(t, err, "ERR invalid cursor")
		_, err = do(ctx, c, "hscan", "big", "0", "count", "0")
		wantErr(t, err, "ERR syntax error")
		_, err = do(ctx, c, "hscan", "big", "0", "count", "x")
		wantErr(t, err, "ERR value is not an integer or out of range")
		_, err = do(ctx, c, "hscan", "big", "0", "foo", "bar")
		wantErr(t, err, "ERR syntax error")
	})
}
