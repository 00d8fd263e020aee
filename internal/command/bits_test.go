package command_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	bitErrOffset   = "ERR bit offset is not an integer or out of range"
	bitErrValue    = "ERR bit is not an integer or out of range"
	bitErrArg      = "ERR The bit argument must be 1 or 0."
	bitErrNot      = "ERR BITOP NOT must be called with a single source key."
	bitErrType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	bitErrOverflow = "ERR Invalid OVERFLOW type specified"
	bitErrRO       = "ERR BITFIELD_RO only supports the GET subcommand"
	bitErrWrong    = "WRONGTYPE Operation against a key holding the wrong kind of value"
)

func TestSetBitGetBit(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("setbit", "k", "1", "1"), int64(0), ""},
			{args("get", "k"), "\x40", ""},
			{args("setbit", "k", "1", "1"), int64(1), ""},
			{args("setbit", "k", "1", "0"), int64(1), ""},
			{args("setbit", "k", "1", "0"), int64(0), ""},
			{args("setbit", "k", "23", "1"), int64(0), ""},
			{args("get", "k"), "\x00\x00\x01", ""},
			{args("getbit", "k", "23"), int64(1), ""},
			{args("getbit", "k", "22"), int64(0), ""},
			{args("getbit", "k", "24"), int64(0), ""},
			{args("getbit", "k", "100000"), int64(0), ""},
			{args("getbit", "nokey", "0"), int64(0), ""},
			// "5" is 0x35: 00110101.
			{args("set", "n", "5"), "OK", ""},
			{args("getbit", "n", "2"), int64(1), ""},
			{args("getbit", "n", "4"), int64(0), ""},
			{args("setbit", "n", "6", "1"), int64(0), ""},
			{args("get", "n"), "7", ""},
			// Errors, checked before the key's type.
			{args("setbit", "k", "-1", "1"), nil, bitErrOffset},
			{args("setbit", "k", "4294967296", "1"), nil, bitErrOffset},
			{args("setbit", "k", "x", "1"), nil, bitErrOffset},
			{args("setbit", "k", "01", "1"), nil, bitErrOffset},
			{args("setbit", "k", "0", "2"), nil, bitErrValue},
			{args("setbit", "k", "0", "-1"), nil, bitErrValue},
			{args("setbit", "k", "0", "a"), nil, bitErrValue},
			{args("getbit", "k", "-1"), nil, bitErrOffset},
			{args("getbit", "k", "4294967296"), nil, bitErrOffset},
			{args("hset", "h", "f", "v"), int64(1), ""},
			{args("setbit", "h", "0", "1"), nil, bitErrWrong},
			{args("getbit", "h", "0"), nil, bitErrWrong},
			{args("setbit", "h", "-1", "1"), nil, bitErrOffset},
			{args("setbit", "k"), nil, "ERR wrong number of arguments for 'setbit' command"},
			{args("getbit", "k", "1", "2"), nil, "ERR wrong number of arguments for 'getbit' command"},
		})
	})
}

func TestSetBitLimitAndTTL(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("config", "set", "proto-max-bulk-len", "1048576"), "OK", ""},
			{args("setbit", "k", "8388608", "1"), nil, bitErrOffset},
			{args("getbit", "k", "8388608"), nil, bitErrOffset},
			{args("setbit", "k", "8388607", "1"), int64(0), ""},
			{args("strlen", "k"), int64(1048576), ""},
			{args("bitcount", "k"), int64(1), ""},
			{args("bitpos", "k", "1"), int64(8388607), ""},
			{args("set", "t", "a", "ex", "100"), "OK", ""},
			{args("setbit", "t", "100", "1"), int64(0), ""},
		})
		if ttl := c.TTL(ctx, "t").Val(); ttl <= 0 || ttl > 100*time.Second {
			t.Fatalf("SETBIT changed the TTL: %v", ttl)
		}
	})
}

func TestBitCount(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("bitcount", "nokey"), int64(0), ""},
			{args("bitcount", "nokey", "a", "b", "c", "d"), int64(0), ""}, // key checked first
			{args("set", "s", "foobar"), "OK", ""},
			{args("bitcount", "s"), int64(26), ""},
			{args("bitcount", "s", "0", "0"), int64(4), ""},
			{args("bitcount", "s", "1", "1"), int64(6), ""},
			{args("bitcount", "s", "1", "1", "BYTE"), int64(6), ""},
			{args("bitcount", "s", "5", "30", "BIT"), int64(17), ""},
			{args("bitcount", "s", "-2", "-1"), int64(7), ""},
			{args("bitcount", "s", "0", "-1", "bit"), int64(26), ""},
			{args("bitcount", "s", "0", "1000"), int64(26), ""},
			{args("bitcount", "s", "-1000", "0"), int64(4), ""},
			{args("bitcount", "s", "100", "1000"), int64(0), ""},
			{args("bitcount", "s", "2", "1"), int64(0), ""},
			{args("bitcount", "s", "-1", "-2"), int64(0), ""},
			{args("bitcount", "s", "-1", "-2", "junk"), int64(0), ""}, // before the unit, as Redis
			{args("bitcount", "s", "1", "1", "junk"), nil, strErrSyntax},
			{args("bitcount", "s", "0"), nil, strErrSyntax},
			{args("bitcount", "s", "0", "1", "bit", "x"), nil, strErrSyntax},
			{args("bitcount", "s", "a", "1"), nil, strErrNotInt},
			{args("bitcount", "s", "1", "a"), nil, strErrNotInt},
			{args("hset", "h", "f", "v"), int64(1), ""},
			{args("bitcount", "h"), nil, bitErrWrong},
			{args("bitcount"), nil, "ERR wrong number of arguments for 'bitcount' command"},
		})
	})
}

func TestBitPos(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("bitpos", "nokey", "0"), int64(0), ""},
			{args("bitpos", "nokey", "1"), int64(-1), ""},
			{args("bitpos", "nokey", "1", "x", "y", "z", "w"), int64(-1), ""},
			{args("set", "k", "\xff\xf0\x00"), "OK", ""},
			{args("bitpos", "k", "0"), int64(12), ""},
			{args("set", "k", "\x00\xff\xf0"), "OK", ""},
			{args("bitpos", "k", "1", "0"), int64(8), ""},
			{args("bitpos", "k", "1", "2"), int64(16), ""},
			{args("bitpos", "k", "1", "2", "-1", "byte"), int64(16), ""},
			{args("bitpos", "k", "1", "7", "15", "BIT"), int64(8), ""},
			{args("bitpos", "k", "0", "8", "-1", "bit"), int64(20), ""},
			{args("bitpos", "k", "1", "-8", "-1", "bit"), int64(16), ""},
			{args("bitpos", "k", "0", "1", "1"), int64(-1), ""},
			{args("bitpos", "k", "1", "5", "3"), int64(-1), ""},
			{args("set", "z", "\x00\x00\x00"), "OK", ""},
			{args("bitpos", "z", "1"), int64(-1), ""},
			{args("bitpos", "z", "1", "7", "-3", "bit"), int64(-1), ""},
			{args("set", "f", "\xff\xff\xff"), "OK", ""},
			{args("bitpos", "f", "0"), int64(24), ""},
			{args("bitpos", "f", "0", "0"), int64(24), ""},
			{args("bitpos", "f", "0", "0", "bit"), nil, strErrNotInt},
			{args("bitpos", "f", "0", "8", "-1", "bit"), int64(-1), ""},
			{args("bitpos", "f", "0", "0", "-1"), int64(-1), ""},
			{args("bitpos", "f", "0", "0", "-1", "bit"), int64(-1), ""},
			{args("bitpos", "f", "0", "5"), int64(-1), ""}, // empty range
			{args("set", "e", ""), "OK", ""},
			{args("bitpos", "e", "0"), int64(-1), ""},
			{args("bitpos", "k", "2"), nil, bitErrArg},
			{args("bitpos", "k", "-1"), nil, bitErrArg},
			{args("bitpos", "k", "x"), nil, strErrNotInt},
			{args("bitpos", "nokey", "2"), nil, bitErrArg},
			{args("bitpos", "k", "1", "x"), nil, strErrNotInt},
			{args("bitpos", "k", "1", "0", "x"), nil, strErrNotInt},
			{args("bitpos", "k", "1", "0", "1", "x"), nil, strErrSyntax},
			{args("bitpos", "k", "1", "0", "x", "x"), nil, strErrSyntax}, // unit before end
			{args("bitpos", "k", "1", "0", "1", "bit", "x"), nil, strErrSyntax},
			{args("hset", "h", "f", "v"), int64(1), ""},
			{args("bitpos", "h", "1"), nil, bitErrWrong},
		})
	})
}

func TestBitOp(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		long1 := "\x0f\xf0abcdefghijklmnopqrstuvwxyz0123456789"
		runStrSteps(t, ctx, c, []strStep{
			{args("set", "a", "\xff\x0f"), "OK", ""},
			{args("set", "b", "\x0f"), "OK", ""},
			{args("bitop", "and", "d", "a", "b"), int64(2), ""},
			{args("get", "d"), "\x0f\x00", ""},
			{args("bitop", "OR", "d", "a", "b"), int64(2), ""},
			{args("get", "d"), "\xff\x0f", ""},
			{args("bitop", "xor", "d", "a", "b"), int64(2), ""},
			{args("get", "d"), "\xf0\x0f", ""},
			{args("bitop", "not", "d", "a"), int64(2), ""},
			{args("get", "d"), "\x00\xf0", ""},
			{args("bitop", "and", "d", "a", "nokey"), int64(2), ""},
			{args("get", "d"), "\x00\x00", ""},
			{args("bitop", "or", "d", "a"), int64(2), ""},
			{args("get", "d"), "\xff\x0f", ""},
			{args("bitop", "and", "a", "a", "b"), int64(2), ""}, // dest is a source
			{args("get", "a"), "\x0f\x00", ""},
			{args("set", "l", long1), "OK", ""},
			{args("bitop", "not", "d", "l"), int64(len(long1)), ""},
			{args("bitop", "not", "d", "d"), int64(len(long1)), ""},
			{args("get", "d"), long1, ""},
			{args("bitop", "xor", "d", "l", "l", "l"), int64(len(long1)), ""},
			{args("get", "d"), long1, ""},
			{args("bitop", "and", "d", "l", "b"), int64(len(long1)), ""},
			{args("getrange", "d", "0", "1"), "\x0f\x00", ""},
			{args("bitcount", "d"), int64(4), ""},
			// Empty result: the destination is deleted, and its TTL with it.
			{args("set", "d", "x", "ex", "100"), "OK", ""},
			{args("bitop", "or", "d", "nokey", "nokey2"), int64(0), ""},
			{args("exists", "d"), int64(0), ""},
			{args("set", "e", ""), "OK", ""},
			{args("bitop", "not", "d", "e"), int64(0), ""},
			{args("exists", "d"), int64(0), ""},
			// The destination's type and TTL do not matter.
			{args("hset", "h", "f", "v"), int64(1), ""},
			{args("bitop", "or", "h", "b"), int64(1), ""},
			{args("get", "h"), "\x0f", ""},
			{args("set", "t", "x", "ex", "100"), "OK", ""},
			{args("bitop", "or", "t", "b"), int64(1), ""},
			{args("ttl", "t"), int64(-1), ""},
			{args("set", "n", "12"), "OK", ""},
			{args("bitop", "or", "d", "n"), int64(2), ""},
			{args("get", "d"), "12", ""},
			// Errors.
			{args("hset", "hh", "f", "v"), int64(1), ""},
			{args("bitop", "and", "d", "a", "hh"), nil, bitErrWrong},
			{args("bitop", "not", "d", "a", "b"), nil, bitErrNot},
			{args("bitop", "nand", "d", "a"), nil, strErrSyntax},
			{args("bitop", "and", "d"), nil, "ERR wrong number of arguments for 'bitop' command"},
		})
	})
}

func TestBitField(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		runStrSteps(t, ctx, c, []strStep{
			{args("bitfield", "k"), []any{}, ""},
			{args("exists", "k"), int64(0), ""},
			{args("bitfield", "k", "get", "u8", "0"), []any{int64(0)}, ""},
			{args("exists", "k"), int64(0), ""},
			{args("bitfield", "k", "set", "i8", "0", "100", "get", "u4", "0", "incrby", "i8", "0", "100"),
				[]any{int64(0), int64(6), int64(-56)}, ""},
			{args("bitfield", "k", "overflow", "sat", "incrby", "i8", "0", "-100", "incrby", "i8", "0", "-100"),
				[]any{int64(-128), int64(-128)}, ""},
			{args("bitfield", "k", "overflow", "fail", "incrby", "i8", "0", "-1", "incrby", "i8", "0", "1"),
				[]any{nil, int64(-127)}, ""},
			{args("bitfield", "k", "OVERFLOW", "WRAP", "set", "u2", "0", "7", "get", "u2", "0"),
				[]any{int64(2), int64(3)}, ""},
			{args("bitfield", "k", "overflow", "sat", "set", "u2", "0", "-1", "get", "u2", "0"),
				[]any{int64(3), int64(3)}, ""},
			{args("bitfield", "u", "set", "u8", "#1", "255", "get", "u8", "8", "get", "u16", "#0"),
				[]any{int64(0), int64(255), int64(255)}, ""},
			{args("get", "u"), "\x00\xff", ""},
			{args("bitfield", "w", "set", "i64", "0", "-1", "incrby", "i64", "0", "-9223372036854775807"),
				[]any{int64(0), int64(-9223372036854775808)}, ""},
			{args("bitfield", "w", "overflow", "fail", "incrby", "i64", "0", "-1"), []any{nil}, ""},
			{args("bitfield", "w", "incrby", "i64", "0", "-1"), []any{int64(9223372036854775807)}, ""},
			{args("bitfield", "x", "set", "u63", "1", "9223372036854775807", "get", "u63", "1", "get", "i64", "0"),
				[]any{int64(0), int64(9223372036854775807), int64(9223372036854775807)}, ""},
			{args("bitfield", "f", "overflow", "fail", "set", "u4", "0", "16"), []any{nil}, ""},
			{args("get", "f"), "\x00", ""}, // created, as in Redis, though nothing was written
			{args("bitfield_ro", "u", "get", "u8", "8", "GET", "i8", "8"), []any{int64(255), int64(-1)}, ""},
			{args("bitfield_ro", "nokey", "get", "i64", "#9"), []any{int64(0)}, ""},
			{args("bitfield_ro", "u"), []any{}, ""},
			// Errors.
			{args("bitfield_ro", "u", "get", "u8", "0", "set", "u8", "0", "1"), nil, bitErrRO},
			{args("bitfield_ro", "u", "incrby", "u8", "0", "1"), nil, bitErrRO},
			{args("bitfield", "u", "get", "u64", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "i65", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "i0", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "x8", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "i", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "u08", "0"), nil, bitErrType},
			{args("bitfield", "u", "get", "u8", "-1"), nil, bitErrOffset},
			{args("bitfield", "u", "get", "u8", "#-1"), nil, bitErrOffset},
			{args("bitfield", "u", "get", "u8", "#"), nil, bitErrOffset},
			{args("bitfield", "u", "get", "u8", "4294967296"), nil, bitErrOffset},
			{args("bitfield", "u", "get", "u8", "#9223372036854775807"), nil, bitErrOffset},
			{args("bitfield", "u", "set", "u8", "0", "x"), nil, strErrNotInt},
			{args("bitfield", "u", "incrby", "u8", "0"), nil, strErrSyntax},
			{args("bitfield", "u", "get", "u8"), nil, strErrSyntax},
			{args("bitfield", "u", "foo", "u8", "0"), nil, strErrSyntax},
			{args("bitfield", "u", "overflow"), nil, strErrSyntax},
			{args("bitfield", "u", "overflow", "none", "get", "u8", "0"), nil, bitErrOverflow},
			{args("get", "u"), "\x00\xff", ""}, // nothing ran
			{args("hset", "h", "f", "v"), int64(1), ""},
			{args("bitfield", "h", "get", "u8", "0"), nil, bitErrWrong},
			{args("bitfield", "h", "set", "u8", "0", "1"), nil, bitErrWrong},
			{args("bitfield_ro", "h", "get", "u8", "0"), nil, bitErrWrong},
			{args("bitfield", "h"), nil, bitErrWrong},
		})
	})
}

func TestBitCommandsNotify(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
			t.Fatal(err)
		}
		sub := c.PSubscribe(ctx, "__keyspace@0__:*")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]any{
			{"setbit", "a", "0", "1"},
			{"setbit", "a", "0", "1"}, // no change: no event
			{"bitfield", "a", "set", "u1", "0", "1"},
			{"bitfield", "a", "set", "u1", "0", "0"},
			{"bitop", "not", "b", "a"},
			{"bitop", "and", "b", "nokey"},
			{"setbit", "c", "3", "0"}, // creates the key
		} {
			if err := c.Do(ctx, cmd...).Err(); err != nil {
				t.Fatalf("%v: %v", cmd, err)
			}
		}
		want := []string{"a setbit", "a setbit", "b set", "b del", "c setbit"}
		ch := sub.Channel()
		for _, w := range want {
			select {
			case m := <-ch:
				if got := m.Channel[len("__keyspace@0__:"):] + " " + m.Payload; got != w {
					t.Fatalf("event %q, want %q", got, w)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no event %q", w)
			}
		}
	})
}
