package command_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// keysBetween checks that a command replies with an integer in [lo, hi].
func keysBetween(t *testing.T, ctx context.Context, c *redis.Client, lo, hi int64, args ...any) int64 {
	t.Helper()
	v, ok := keysDo(t, ctx, c, args...).(int64)
	if !ok || v < lo || v > hi {
		t.Fatalf("%v = %d, want %d..%d", args, v, lo, hi)
	}
	return v
}

func TestExpireAndTTL(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "k", "v")
		for _, cmd := range []string{"ttl", "pttl", "expiretime", "pexpiretime"} {
			keysInt(t, ctx, c, -1, cmd, "k")
			keysInt(t, ctx, c, -2, cmd, "nope")
		}
		keysInt(t, ctx, c, 1, "expire", "k", "100")
		keysBetween(t, ctx, c, 99, 100, "ttl", "k")
		keysBetween(t, ctx, c, 98000, 100000, "pttl", "k")
		now := time.Now().Unix()
		keysBetween(t, ctx, c, now+98, now+101, "expiretime", "k")

		keysInt(t, ctx, c, 1, "pexpire", "k", "1500")
		keysBetween(t, ctx, c, 1, 2, "ttl", "k") // rounded to the nearest second
		keysBetween(t, ctx, c, 1000, 1500, "pttl", "k")

		at := time.Now().Add(time.Hour).UnixMilli()
		keysInt(t, ctx, c, 1, "pexpireat", "k", at)
		keysInt(t, ctx, c, at, "pexpiretime", "k")
		keysInt(t, ctx, c, (at+500)/1000, "expiretime", "k")

		sec := time.Now().Add(time.Hour).Unix()
		keysInt(t, ctx, c, 1, "expireat", "k", sec)
		keysInt(t, ctx, c, sec, "expiretime", "k")
		keysInt(t, ctx, c, sec*1000, "pexpiretime", "k")

		keysInt(t, ctx, c, 1, "persist", "k")
		keysInt(t, ctx, c, -1, "ttl", "k")
		keysInt(t, ctx, c, 0, "persist", "k")
		keysInt(t, ctx, c, 0, "persist", "nope")
		for _, cmd := range []string{"expire", "pexpire", "expireat", "pexpireat"} {
			keysInt(t, ctx, c, 0, cmd, "nope", "100")
		}
		keysInt(t, ctx, c, 1, "pexpireat", "k", "9223372036854770000")
		keysInt(t, ctx, c, 9223372036854770000, "pexpiretime", "k")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'ttl' command", "ttl")
		keysErr(t, ctx, c, "ERR wrong number of arguments for 'expire' command", "expire", "k")
	})
}

// TestExpirePast checks that an expiry not in the future deletes the key.
func TestExpirePast(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		for _, args := range [][]any{
			{"expire", "k", "-10"}, {"expire", "k", "0"}, {"pexpire", "k", "-1"},
			{"expireat", "k", "1"}, {"pexpireat", "k", "1"},
			{"pexpireat", "k", "-9223372036854770000"}, {"expire", "k", "-10", "LT"},
		} {
			keysDo(t, ctx, c, "set", "k", "v")
			keysInt(t, ctx, c, 1, args...)
			keysInt(t, ctx, c, -2, "ttl", "k")
			keysInt(t, ctx, c, 0, "exists", "k")
		}
	})
}

// TestExpireElapses checks that a key is gone once its TTL has passed.
func TestExpireElapses(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "k", "v")
		keysInt(t, ctx, c, 1, "pexpire", "k", "30")
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := do(ctx, c, "get", "k"); err == redis.Nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("key still readable after its TTL")
			}
			time.Sleep(5 * time.Millisecond)
		}
		keysInt(t, ctx, c, -2, "pttl", "k")
	})
}

func TestExpireOptions(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "ttl", "v")
		keysDo(t, ctx, c, "set", "none", "v")
		set := func() { keysInt(t, ctx, c, 1, "expire", "ttl", "100") }
		cases := []struct {
			key  string
			args []any
			want int64
			ttl  [2]int64 // TTL range afterwards
		}{
			{"ttl", []any{"200", "NX"}, 0, [2]int64{99, 100}},
			{"none", []any{"200", "nx"}, 1, [2]int64{199, 200}},
			{"ttl", []any{"200", "XX"}, 1, [2]int64{199, 200}},
			{"none", []any{"200", "xx"}, 0, [2]int64{-1, -1}},
			{"ttl", []any{"200", "GT"}, 1, [2]int64{199, 200}},
			{"ttl", []any{"50", "GT"}, 0, [2]int64{99, 100}},
			{"ttl", []any{"99", "gt"}, 0, [2]int64{99, 100}},
			{"none", []any{"200", "GT"}, 0, [2]int64{-1, -1}},
			{"ttl", []any{"50", "LT"}, 1, [2]int64{49, 50}},
			{"ttl", []any{"200", "LT"}, 0, [2]int64{99, 100}},
			{"none", []any{"200", "lt"}, 1, [2]int64{199, 200}},
			{"ttl", []any{"50", "LT", "XX"}, 1, [2]int64{49, 50}},
			{"none", []any{"50", "XX", "LT"}, 0, [2]int64{-1, -1}},
			{"ttl", []any{"200", "XX", "GT"}, 1, [2]int64{199, 200}},
		}
		for _, tc := range cases {
			set()
			keysDo(t, ctx, c, "set", "none", "v") // SET clears the TTL
			keysInt(t, ctx, c, tc.want, append([]any{"expire", tc.key}, tc.args...)...)
			keysBetween(t, ctx, c, tc.ttl[0], tc.ttl[1], "ttl", tc.key)
		}
	})
}

func TestExpireErrors(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keysDo(t, ctx, c, "set", "foo", "bar")
		const nxErr = "ERR NX and XX, GT or LT options at the same time are not compatible"
		for _, args := range [][]any{
			{"NX", "XX"}, {"nx", "gt"}, {"LT", "NX"},
		} {
			keysErr(t, ctx, c, nxErr, append([]any{"expire", "foo", "200"}, args...)...)
		}
		keysErr(t, ctx, c, "ERR GT and LT options at the same time are not compatible", "pexpire", "foo", "200", "GT", "LT")
		keysErr(t, ctx, c, "ERR Unsupported option AB", "expire", "foo", "200", "AB")
		keysErr(t, ctx, c, "ERR Unsupported option AB", "expire", "foo", "200", "XX", "AB")
		// Options are checked before the time.
		keysErr(t, ctx, c, "ERR Unsupported option AB", "expire", "foo", "x", "AB")
		for _, bad := range []string{"", "1.5", " 1", "abc", "99999999999999999999"} {
			keysErr(t, ctx, c, "ERR value is not an integer or out of range", "expire", "foo", bad)
		}
		for _, args := range [][]any{
			{"expire", "9223370399119966"}, {"expire", "9223372036854776"},
			{"expire", "10000000000000000"}, {"expire", "18446744073709561"},
			{"expire", "-9223372036854776"}, {"expire", "-9999999999999999"},
			{"pexpire", "9223372036854770000"}, {"expireat", "9223372036854776"},
		} {
			want := "ERR invalid expire time in '" + args[0].(string) + "' command"
			keysErr(t, ctx, c, want, args[0], "foo", args[1])
		}
		keysInt(t, ctx, c, -1, "ttl", "foo")
	})
}
