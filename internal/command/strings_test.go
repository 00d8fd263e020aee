package command_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// strStep is one command of a string-command script and its expected
// reply: want (nil means a null reply) or the error err.
type strStep struct {
	args []any
	want any
	err  string
}

// runStrSteps runs steps in order against c, in both protocols' terms: the
// replies compared are those go-redis's Do returns.
func runStrSteps(t *testing.T, ctx context.Context, c *redis.Client, steps []strStep) {
	t.Helper()
	for _, st := range steps {
		got, err := do(ctx, c, st.args...)
		switch {
		case st.err != "":
			if err == nil || err.Error() != st.err {
				t.Errorf("%v: got %#v, %v; want error %q", st.args, got, err, st.err)
			}
		case st.want == nil:
			if err != redis.Nil {
				t.Errorf("%v: got %#v, %v; want null", st.args, got, err)
			}
		case err != nil:
			t.Errorf("%v: error %v; want %#v", st.args, err, st.want)
		case !reflect.DeepEqual(got, st.want):
			t.Errorf("%v: got %#v; want %#v", st.args, got, st.want)
		}
	}
}

func args(a ...any) []any { return a }

const (
	strErrSyntax  = "ERR syntax error"
	strErrNotInt  = "ERR value is not an integer or out of range"
	strErrFloat   = "ERR value is not a valid float"
	strErrTooBig  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	strErrOverflw = "ERR increment or decrement would overflow"
)

func TestStringSetOptions(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("set", "k", "v"), "OK", ""},
			{args("set", "k", "v2", "nx"), nil, ""},
			{args("get", "k"), "v", ""},
			{args("set", "k", "v2", "XX"), "OK", ""},
			{args("set", "nokey", "v", "xx"), nil, ""},
			{args("get", "nokey"), nil, ""},
			{args("set", "k", "v3", "GET"), "v2", ""},
			{args("set", "k", "v4", "nx", "get"), "v3", ""},
			{args("get", "k"), "v3", ""},
			{args("set", "k", "v5", "xx", "get"), "v3", ""},
			{args("set", "new", "v", "get"), nil, ""},
			{args("get", "new"), "v", ""},
			{args("set", "new2", "v", "xx", "get"), nil, ""},
			{args("get", "new2"), nil, ""},
			{args("set", "new3", "v", "nx", "get"), nil, ""},
			{args("get", "new3"), "v", ""},
			{args("set", "k", "v", "get", "get", "nx", "nx"), "v5", ""},
			{args("set", "k", "v", "ex", "10", "ex", "20"), "OK", ""},
			{args("set", "k", "v", "px", "100000", "keepttl"), nil, strErrSyntax},
			// syntax errors
			{args("set", "k", "v", "foo"), nil, strErrSyntax},
			{args("set", "k", "v", "nx", "xx"), nil, strErrSyntax},
			{args("set", "k", "v", "xx", "nx"), nil, strErrSyntax},
			{args("set", "k", "v", "ex", "10", "px", "10"), nil, strErrSyntax},
			{args("set", "k", "v", "exat", "10", "pxat", "10"), nil, strErrSyntax},
			{args("set", "k", "v", "keepttl", "ex", "10"), nil, strErrSyntax},
			{args("set", "k", "v", "ex", "10", "keepttl"), nil, strErrSyntax},
			{args("set", "k", "v", "persist"), nil, strErrSyntax},
			{args("set", "k", "v", "ex"), nil, strErrSyntax},
			// expire values
			{args("set", "k", "v", "ex", "abc"), nil, strErrNotInt},
			{args("set", "k", "v", "ex", "0"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "px", "-1"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "exat", "0"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "EX", "10000000000000000"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "EX", "-9999999999999999"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "ex", "9223372036854775"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "px", "9223372036854775807"), nil, "ERR invalid expire time in 'set' command"},
			{args("set", "k", "v", "pxat", "9223372036854775807"), "OK", ""},
			{args("get", "k"), "v", ""},
			// an error in the options leaves the key alone, GET included
			{args("set", "k", "w", "get", "ex", "0"), nil, "ERR invalid expire time in 'set' command"},
			{args("get", "k"), "v", ""},
			// a past absolute time stores, replies OK, and the key is gone
			{args("set", "k", "v", "exat", "1"), "OK", ""},
			{args("get", "k"), nil, ""},
			{args("set", "k", "v", "pxat", "1", "get"), nil, ""},
			{args("get", "k"), nil, ""},
			{args("set", "k"), nil, "ERR wrong number of arguments for 'set' command"},
		})
	})
}

func TestStringSetExpiry(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, mk := range []func() []any{
			func() []any { return args("set", "k", "v", "px", "50") },
			func() []any { return args("set", "k", "v", "pxat", fmt.Sprint(time.Now().UnixMilli()+50)) },
			func() []any { return args("set", "k", "v", "exat", fmt.Sprint(time.Now().Unix()+2)) },
			func() []any { return args("psetex", "k", "50", "v") },
			func() []any { return args("setex", "k", "1", "v") },
		} {
			cmd := mk()
			if got, err := do(ctx, c, cmd...); err != nil || got != "OK" {
				t.Fatalf("%v = %v, %v", cmd, got, err)
			}
			if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
				t.Fatalf("%v: GET at once = %q, %v", cmd, got, err)
			}
			waitGone(t, ctx, c, "k", 3*time.Second)
		}
		// KEEPTTL keeps the expiry, a plain SET drops it
		do(ctx, c, "set", "k", "v", "px", "60")
		do(ctx, c, "set", "k", "v2", "keepttl")
		waitGone(t, ctx, c, "k", 3*time.Second)
		do(ctx, c, "set", "k", "v", "px", "60")
		do(ctx, c, "set", "k", "v2")
		time.Sleep(120 * time.Millisecond)
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v2" {
			t.Fatalf("plain SET after PX: GET = %q, %v", got, err)
		}
	})
}

// waitGone polls until key no longer exists, failing after d.
func waitGone(t *testing.T, ctx context.Context, c *redis.Client, key string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		_, err := c.Get(ctx, key).Result()
		if err == redis.Nil {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still exists after %v", key, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStringSetVariants(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("setnx", "a", "1"), int64(1), ""},
			{args("setnx", "a", "2"), int64(0), ""},
			{args("get", "a"), "1", ""},
			{args("setnx", "a"), nil, "ERR wrong number of arguments for 'setnx' command"},
			{args("setex", "e", "100", "v"), "OK", ""},
			{args("get", "e"), "v", ""},
			{args("setex", "e", "0", "v"), nil, "ERR invalid expire time in 'setex' command"},
			{args("setex", "e", "-10", "v"), nil, "ERR invalid expire time in 'setex' command"},
			{args("setex", "e", "abc", "v"), nil, strErrNotInt},
			{args("setex", "e", "9223372036854776", "v"), nil, "ERR invalid expire time in 'setex' command"},
			{args("psetex", "e", "100000", "w"), "OK", ""},
			{args("get", "e"), "w", ""},
			{args("psetex", "e", "0", "v"), nil, "ERR invalid expire time in 'psetex' command"},
			{args("psetex", "e", "1.5", "v"), nil, strErrNotInt},
			{args("getset", "e", "x"), "w", ""},
			{args("getset", "nokey", "x"), nil, ""},
			{args("get", "nokey"), "x", ""},
			{args("getdel", "nokey"), "x", ""},
			{args("getdel", "nokey"), nil, ""},
			{args("get", "nokey"), nil, ""},
		})
	})
}

func TestStringGetEx(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		past := fmt.Sprint(time.Now().Unix() - 10)
		runStrSteps(t, ctx, c, []strStep{
			{args("getex", "nokey"), nil, ""},
			{args("getex", "nokey", "ex", "abc"), nil, ""}, // lookup before the value check
			{args("getex", "nokey", "foo"), nil, strErrSyntax},
			{args("set", "g", "v"), "OK", ""},
			{args("getex", "g"), "v", ""},
			{args("getex", "g", "ex", "100"), "v", ""},
			{args("getex", "g", "px", "100000"), "v", ""},
			{args("getex", "g", "exat", fmt.Sprint(time.Now().Unix()+100)), "v", ""},
			{args("getex", "g", "pxat", fmt.Sprint(time.Now().UnixMilli()+100000)), "v", ""},
			{args("getex", "g", "persist"), "v", ""},
			{args("getex", "g", "ex", "abc"), nil, strErrNotInt},
			{args("getex", "g", "ex", "0"), nil, "ERR invalid expire time in 'getex' command"},
			{args("getex", "g", "EX", "10000000000000000"), nil, "ERR invalid expire time in 'getex' command"},
			{args("getex", "g", "EX", "-9999999999999999"), nil, "ERR invalid expire time in 'getex' command"},
			{args("getex", "g", "persist", "ex", "10"), nil, strErrSyntax},
			{args("getex", "g", "ex", "10", "persist"), nil, strErrSyntax},
			{args("getex", "g", "ex", "10", "px", "10"), nil, strErrSyntax},
			{args("getex", "g", "keepttl"), nil, strErrSyntax},
			{args("getex", "g", "nx"), nil, strErrSyntax},
			{args("getex", "g", "get"), nil, strErrSyntax},
			{args("getex", "g", "ex"), nil, strErrSyntax},
			{args("get", "g"), "v", ""},
			// an absolute time already past replies the value, then deletes
			{args("getex", "g", "exat", past), "v", ""},
			{args("get", "g"), nil, ""},
			{args("set", "g", "v"), "OK", ""},
			{args("getex", "g", "pxat", "1"), "v", ""},
			{args("getex", "g"), nil, ""},
			{args("getex"), nil, "ERR wrong number of arguments for 'getex' command"},
		})
		// GETEX PX really expires the key; PERSIST really keeps it
		do(ctx, c, "set", "g", "v")
		if got, err := c.GetEx(ctx, "g", 50*time.Millisecond).Result(); err != nil || got != "v" {
			t.Fatalf("GETEX PX = %q, %v", got, err)
		}
		waitGone(t, ctx, c, "g", 3*time.Second)
		do(ctx, c, "set", "g", "v", "px", "60")
		if got, err := do(ctx, c, "getex", "g", "persist"); err != nil || got != "v" {
			t.Fatalf("GETEX PERSIST = %v, %v", got, err)
		}
		time.Sleep(120 * time.Millisecond)
		if got, err := c.Get(ctx, "g").Result(); err != nil || got != "v" {
			t.Fatalf("after GETEX PERSIST: GET = %q, %v", got, err)
		}
	})
}

func TestStringMultiKey(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("mset", "a{t}", "1", "b{t}", "2"), "OK", ""},
			{args("mget", "a{t}", "b{t}", "c{t}"), []any{"1", "2", nil}, ""},
			{args("mset", "a{t}", "1", "b{t}"), nil, "ERR wrong number of arguments for 'mset' command"},
			{args("mset", "a{t}"), nil, "ERR wrong number of arguments for 'mset' command"},
			{args("msetnx", "a{t}", "x", "c{t}", "3"), int64(0), ""},
			{args("get", "c{t}"), nil, ""},
			{args("get", "a{t}"), "1", ""},
			{args("msetnx", "c{t}", "3", "d{t}", "4"), int64(1), ""},
			{args("mget", "c{t}", "d{t}"), []any{"3", "4"}, ""},
			{args("msetnx", "x{t}", "1", "x{t}", "2"), int64(1), ""},
			{args("get", "x{t}"), "2", ""},
			{args("msetnx", "x{t}", "1", "y{t}"), nil, "ERR wrong number of arguments for 'msetnx' command"},
			{args("mset", "a{t}", "1", "a{t}", "9"), "OK", ""},
			{args("get", "a{t}"), "9", ""},
			{args("mget", "zz"), []any{nil}, ""},
			{args("mget"), nil, "ERR wrong number of arguments for 'mget' command"},
		})
		// MSET drops TTLs as SET does
		do(ctx, c, "set", "t{t}", "v", "px", "60")
		do(ctx, c, "mset", "t{t}", "w")
		time.Sleep(120 * time.Millisecond)
		if got, err := c.Get(ctx, "t{t}").Result(); err != nil || got != "w" {
			t.Fatalf("after MSET: GET = %q, %v", got, err)
		}
	})
}

func TestStringAppendStrlen(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("strlen", "ap"), int64(0), ""},
			{args("append", "ap", "hello"), int64(5), ""},
			{args("append", "ap", " world"), int64(11), ""},
			{args("append", "ap", ""), int64(11), ""},
			{args("get", "ap"), "hello world", ""},
			{args("strlen", "ap"), int64(11), ""},
			{args("set", "n", "-555"), "OK", ""},
			{args("strlen", "n"), int64(4), ""},
			{args("append", "n", "5"), int64(5), ""},
			{args("incr", "n"), int64(-5554), ""},
			{args("append", "e", ""), int64(0), ""},
			{args("get", "e"), "", ""},
		})
		// APPEND keeps the TTL
		do(ctx, c, "set", "t", "v", "px", "60")
		do(ctx, c, "append", "t", "w")
		waitGone(t, ctx, c, "t", 3*time.Second)
	})
}

func TestStringAppendLimit(t *testing.T) {
	n := startNode(t, map[string]string{"proto-max-bulk-len": "1048576"})
	for _, proto := range []int{2, 3} {
		ctx := context.Background()
		c := newClient(t, n, proto)
		big := strings.Repeat("x", 1<<20)
		c.Del(ctx, "big")
		if got, err := c.Append(ctx, "big", big).Result(); err != nil || got != 1<<20 {
			t.Fatalf("APPEND 1MiB = %d, %v", got, err)
		}
		runStrSteps(t, ctx, c, []strStep{
			{args("append", "big", "y"), nil, strErrTooBig},
			{args("strlen", "big"), int64(1 << 20), ""},
			{args("setrange", "big", "1048575", "z"), int64(1 << 20), ""},
			{args("setrange", "big", "1048576", "z"), nil, strErrTooBig},
			{args("setrange", "nb", "1048576", "z"), nil, strErrTooBig},
			{args("lcs", "big", "big"), nil,
				"ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"},
		})
	}
}

func TestStringIncrDecr(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("incr", "i"), int64(1), ""},
			{args("incr", "i"), int64(2), ""},
			{args("decr", "i"), int64(1), ""},
			{args("incrby", "i", "10"), int64(11), ""},
			{args("incrby", "i", "-20"), int64(-9), ""},
			{args("decrby", "i", "-9"), int64(0), ""},
			{args("decrby", "i", "5"), int64(-5), ""},
			{args("get", "i"), "-5", ""},
			{args("decr", "d"), int64(-1), ""},
			{args("decrby", "d2", "7"), int64(-7), ""},
			{args("incrby", "i", "abc"), nil, strErrNotInt},
			{args("incrby", "i", "1.5"), nil, strErrNotInt},
			{args("incrby", "i", "9223372036854775808"), nil, strErrNotInt},
			{args("decrby", "i", "-9223372036854775808"), nil, "ERR decrement would overflow"},
			{args("set", "i", "9223372036854775807"), "OK", ""},
			{args("incr", "i"), nil, strErrOverflw},
			{args("incrby", "i", "1"), nil, strErrOverflw},
			{args("decrby", "i", "-1"), nil, strErrOverflw},
			{args("set", "i", "-9223372036854775808"), "OK", ""},
			{args("decr", "i"), nil, strErrOverflw},
			{args("incrby", "i", "-1"), nil, strErrOverflw},
			{args("incrby", "i", "9223372036854775807"), int64(-1), ""},
			{args("set", "i", "17179869184"), "OK", ""},
			{args("incrby", "i", "17179869184"), int64(34359738368), ""},
			{args("set", "s", " 11"), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("set", "s", "11 "), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("set", "s", "011"), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("set", "s", "+1"), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("set", "s", "1.0"), "OK", ""},
			{args("decr", "s"), nil, strErrNotInt},
			{args("set", "s", ""), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("set", "s", "12345678901234567890"), "OK", ""},
			{args("incr", "s"), nil, strErrNotInt},
			{args("get", "s"), "12345678901234567890", ""},
		})
		// INCR keeps the TTL
		do(ctx, c, "set", "t", "1", "px", "60")
		if got, err := c.Incr(ctx, "t").Result(); err != nil || got != 2 {
			t.Fatalf("INCR = %d, %v", got, err)
		}
		waitGone(t, ctx, c, "t", 3*time.Second)
	})
}

func TestStringIncrByFloat(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("incrbyfloat", "f", "1"), "1", ""},
			{args("incrbyfloat", "f", "0.25"), "1.25", ""},
			{args("get", "f"), "1.25", ""},
			{args("set", "f", "10.5"), "OK", ""},
			{args("incrbyfloat", "f", "0.1"), "10.6", ""},
			{args("incrbyfloat", "f", "1e3"), "1010.59999999999999998", ""},
			{args("set", "f", "1"), "OK", ""},
			{args("incrbyfloat", "f", "-1.1"), "-0.1", ""},
			{args("set", "f", "17179869184"), "OK", ""},
			{args("incrbyfloat", "f", "1.5"), "17179869185.5", ""},
			{args("incrbyfloat", "g", "0x1p3"), "8", ""},
			{args("incrbyfloat", "g", "0X1.8P-1"), "8.75", ""},
			{args("incrbyfloat", "g", ".25"), "9", ""},
			{args("incrbyfloat", "g", "5."), "14", ""},
			{args("incrbyfloat", "g", "+1E+2"), "114", ""},
			{args("incrbyfloat", "h", "0.024390243902439025"), "0.02439024390243902", ""},
			{args("incrbyfloat", "h", "-0.024390243902439025"), "0", ""},
			{args("incrbyfloat", "h2", "-0.00000000000000000001"), "0", ""},
			{args("incrbyfloat", "h3", "3.0e-17"), "0.00000000000000003", ""},
			{args("incrbyfloat", "h4", "1e30"), "1000000000000000000024696061952", ""},
			{args("incrbyfloat", "h5", "9223372036854775807"), "9223372036854775807", ""},
			{args("incrbyfloat", "h5", "1"), "9223372036854775808", ""},
			{args("incrbyfloat", "h6", "0e99999999999999999999"), "0", ""},
			// invalid increments
			{args("incrbyfloat", "f", "1 "), nil, strErrFloat},
			{args("incrbyfloat", "f", " 1"), nil, strErrFloat},
			{args("incrbyfloat", "f", "1_0"), nil, strErrFloat},
			{args("incrbyfloat", "f", "0b1"), nil, strErrFloat},
			{args("incrbyfloat", "f", "nan"), nil, strErrFloat},
			{args("incrbyfloat", "f", "abc"), nil, strErrFloat},
			{args("incrbyfloat", "f", "1e"), nil, strErrFloat},
			{args("incrbyfloat", "f", "."), nil, strErrFloat},
			{args("incrbyfloat", "f", ""), nil, strErrFloat},
			{args("incrbyfloat", "f", "0x"), nil, strErrFloat},
			{args("incrbyfloat", "f", "1e5000"), nil, strErrFloat},
			{args("incrbyfloat", "f", "1e-5000"), nil, strErrFloat},
			{args("incrbyfloat", "f", "inf"), nil, "ERR increment would produce NaN or Infinity"},
			{args("incrbyfloat", "f", "-Infinity"), nil, "ERR increment would produce NaN or Infinity"},
			{args("incrbyfloat", "f", "+inf"), nil, "ERR increment would produce NaN or Infinity"},
			{args("set", "b", "1.2e4932"), "OK", ""},
			{args("incrbyfloat", "b", "1"), nil, strErrFloat},
			{args("set", "b", "1.1e4932"), "OK", ""},
			{args("incrbyfloat", "b", "1.1e4932"), nil, "ERR increment would produce NaN or Infinity"},
			// invalid values
			{args("set", "s", "    11"), "OK", ""},
			{args("incrbyfloat", "s", "1.0"), nil, strErrFloat},
			{args("set", "s", "11    "), "OK", ""},
			{args("incrbyfloat", "s", "1.0"), nil, strErrFloat},
			{args("set", "s", "1\x002"), "OK", ""},
			{args("incrbyfloat", "s", "1"), nil, strErrFloat},
			{args("get", "s"), "1\x002", ""},
		})
		// INCRBYFLOAT keeps the TTL
		do(ctx, c, "set", "t", "1", "px", "60")
		if got, err := c.IncrByFloat(ctx, "t", 0.5).Result(); err != nil || got != 1.5 {
			t.Fatalf("INCRBYFLOAT = %v, %v", got, err)
		}
		waitGone(t, ctx, c, "t", 3*time.Second)
	})
}

func TestStringRanges(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("getrange", "nokey", "0", "-1"), "", ""},
			{args("set", "s", "Hello World"), "OK", ""},
			{args("getrange", "s", "0", "3"), "Hell", ""},
			{args("getrange", "s", "0", "-1"), "Hello World", ""},
			{args("getrange", "s", "-4", "-1"), "orld", ""},
			{args("getrange", "s", "5", "3"), "", ""},
			{args("getrange", "s", "-1", "-5"), "", ""},
			{args("getrange", "s", "5", "5000"), " World", ""},
			{args("getrange", "s", "-5000", "10000"), "Hello World", ""},
			{args("getrange", "s", "0", "4294967297"), "Hello World", ""},
			{args("getrange", "s", "-9223372036854775808", "9223372036854775807"), "Hello World", ""},
			{args("getrange", "s", "a", "1"), nil, strErrNotInt},
			{args("getrange", "s", "1", "a"), nil, strErrNotInt},
			{args("substr", "s", "-4", "-1"), "orld", ""},
			{args("substr", "s", "0"), nil, "ERR wrong number of arguments for 'substr' command"},
			{args("set", "n", "1234"), "OK", ""},
			{args("getrange", "n", "3", "5000"), "4", ""},
			{args("set", "e", ""), "OK", ""},
			{args("getrange", "e", "0", "-1"), "", ""},
			{args("getrange", "e", "0", "0"), "", ""},

			{args("setrange", "m", "0", "foo"), int64(3), ""},
			{args("get", "m"), "foo", ""},
			{args("setrange", "m2", "0", ""), int64(0), ""},
			{args("get", "m2"), nil, ""},
			{args("setrange", "m3", "1", "foo"), int64(4), ""},
			{args("get", "m3"), "\x00foo", ""},
			{args("setrange", "m", "0", "b"), int64(3), ""},
			{args("setrange", "m", "0", ""), int64(3), ""},
			{args("setrange", "m", "1", "b"), int64(3), ""},
			{args("get", "m"), "bbo", ""},
			{args("setrange", "m", "4", "bar"), int64(7), ""},
			{args("get", "m"), "bbo\x00bar", ""},
			{args("setrange", "n", "5", "2"), int64(6), ""},
			{args("get", "n"), "1234\x002", ""},
			{args("setrange", "m", "-1", "x"), nil, "ERR offset is out of range"},
			{args("setrange", "m", "abc", "x"), nil, strErrNotInt},
			{args("setrange", "k", "536870908", "world"), nil, strErrTooBig},
			{args("setrange", "m", "536870908", "world"), nil, strErrTooBig},
			{args("setrange", "k", "9223372036854775807", "A"), nil, strErrTooBig},
			{args("setrange", "k", "2147483647", "A"), nil, strErrTooBig},
			{args("get", "k"), nil, ""},
		})
		// SETRANGE keeps the TTL
		do(ctx, c, "set", "t", "abc", "px", "60")
		do(ctx, c, "setrange", "t", "1", "x")
		waitGone(t, ctx, c, "t", 3*time.Second)
	})
}

func TestStringLCS(t *testing.T) {
	const (
		rna1 = "CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG"
		rna2 = "ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT"
		want = "ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT"
	)
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.MSet(ctx, "v1{t}", rna1, "v2{t}", rna2, "o{t}", "ohmytext", "m{t}", "mynewtext")
		runStrSteps(t, ctx, c, []strStep{
			{args("lcs", "v1{t}", "v2{t}"), want, ""},
			{args("lcs", "v1{t}", "v2{t}", "LEN"), int64(len(want)), ""},
			{args("lcs", "o{t}", "m{t}"), "mytext", ""},
			{args("lcs", "o{t}", "nokey{t}"), "", ""},
			{args("lcs", "nokey{t}", "nokey2{t}", "len"), int64(0), ""},
			{args("lcs", "o{t}", "m{t}", "idx", "len"), nil, "ERR If you want both the length and indexes, please just use IDX."},
			{args("lcs", "o{t}", "m{t}", "minmatchlen"), nil, strErrSyntax},
			{args("lcs", "o{t}", "m{t}", "minmatchlen", "x"), nil, strErrNotInt},
			{args("lcs", "o{t}", "m{t}", "foo"), nil, strErrSyntax},
			{args("lcs", "o{t}"), nil, "ERR wrong number of arguments for 'lcs' command"},
		})
		type m = redis.LCSMatchedPosition
		pos := func(as, ae, bs, be, n int64) m {
			return m{Key1: redis.LCSPosition{Start: as, End: ae}, Key2: redis.LCSPosition{Start: bs, End: be}, MatchLen: n}
		}
		for _, tc := range []struct {
			q    redis.LCSQuery
			want []m
		}{
			{redis.LCSQuery{Key1: "v1{t}", Key2: "v2{t}", Idx: true}, []m{
				pos(238, 238, 239, 239, 0), pos(236, 236, 238, 238, 0), pos(229, 230, 236, 237, 0),
				pos(224, 224, 235, 235, 0), pos(1, 222, 13, 234, 0)}},
			{redis.LCSQuery{Key1: "v1{t}", Key2: "v2{t}", Idx: true, WithMatchLen: true}, []m{
				pos(238, 238, 239, 239, 1), pos(236, 236, 238, 238, 1), pos(229, 230, 236, 237, 2),
				pos(224, 224, 235, 235, 1), pos(1, 222, 13, 234, 222)}},
			{redis.LCSQuery{Key1: "v1{t}", Key2: "v2{t}", Idx: true, WithMatchLen: true, MinMatchLen: 5}, []m{
				pos(1, 222, 13, 234, 222)}},
			{redis.LCSQuery{Key1: "o{t}", Key2: "m{t}", Idx: true, MinMatchLen: -5}, []m{
				pos(4, 7, 5, 8, 0), pos(2, 3, 0, 1, 0)}},
			{redis.LCSQuery{Key1: "nokey{t}", Key2: "m{t}", Idx: true}, []m{}},
		} {
			got, err := c.LCS(ctx, &tc.q).Result()
			if err != nil {
				t.Fatalf("%+v: %v", tc.q, err)
			}
			if len(got.Matches) == 0 && len(tc.want) == 0 {
				got.Matches = []m{}
			}
			if !reflect.DeepEqual(got.Matches, tc.want) {
				t.Errorf("%+v: matches %+v, want %+v", tc.q, got.Matches, tc.want)
			}
			wantLen := int64(len(want))
			if tc.q.Key1 == "o{t}" {
				wantLen = 6
			} else if tc.q.Key1 == "nokey{t}" {
				wantLen = 0
			}
			if got.Len != wantLen {
				t.Errorf("%+v: len %d, want %d", tc.q, got.Len, wantLen)
			}
		}
	})
}

func TestStringArity(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, a := range [][]any{
			{"get"}, {"get", "a", "b"}, {"setex", "a", "1"}, {"psetex", "a"}, {"getset", "a"},
			{"getdel"}, {"append", "a"}, {"strlen"}, {"incr"}, {"decr", "a", "b"}, {"incrby", "a"},
			{"decrby", "a"}, {"incrbyfloat", "a"}, {"getrange", "a", "1"}, {"setrange", "a", "1"},
			{"msetnx", "a"},
		} {
			_, err := do(ctx, c, a...)
			want := fmt.Sprintf("ERR wrong number of arguments for '%s' command", a[0])
			if err == nil || err.Error() != want {
				t.Errorf("%v: err %v, want %q", a, err, want)
			}
		}
	})
}
