package command_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// listStep is one command of a scripted session and its reply in the
// compact form of resp.Value.String; NULL and NULLARR stand for the null
// bulk string and null array, whose shapes differ between RESP2 and RESP3.
type listStep struct {
	args string
	want string
}

// runListSteps runs steps in order on a fresh node, once with RESP2 and
// once with RESP3.
func runListSteps(t *testing.T, steps []listStep) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			w := connDial(t, startNode(t, nil))
			null, nullArr := `$null`, `*null`
			if proto == 3 {
				w.do("HELLO", "3")
				null, nullArr = `_null`, `_null`
			}
			for _, s := range steps {
				want := strings.ReplaceAll(s.want, "NULLARR", nullArr)
				want = strings.ReplaceAll(want, "NULL", null)
				args := strings.Fields(s.args)
				if got := w.do(args...).String(); got != want {
					t.Fatalf("%s = %s, want %s", s.args, got, want)
				}
			}
		})
	}
}

const (
	errNotIntReply = `-"ERR value is not an integer or out of range"`
	errSyntaxReply = `-"ERR syntax error"`
	wrongTypeReply = `-"WRONGTYPE Operation against a key holding the wrong kind of value"`
)

func TestListPushPopRange(t *testing.T) {
	runListSteps(t, []listStep{
		{"RPUSH l a b c", `:3`},
		{"LPUSH l x y", `:5`},
		{"LRANGE l 0 -1", `*[$"y" $"x" $"a" $"b" $"c"]`},
		{"LRANGE l -2 -1", `*[$"b" $"c"]`},
		{"LRANGE l 1 1", `*[$"x"]`},
		{"LRANGE l 3 1", `*[]`},
		{"LRANGE l 0 -6", `*[]`},
		{"LRANGE l 0 -5", `*[$"y"]`},
		{"LRANGE l -100 100", `*[$"y" $"x" $"a" $"b" $"c"]`},
		{"LRANGE l 9 10", `*[]`},
		{"LRANGE l a 1", errNotIntReply},
		{"LRANGE l 0 1.5", errNotIntReply},
		{"LRANGE nosuch 0 -1", `*[]`},
		{"LLEN l", `:5`},
		{"LLEN nosuch", `:0`},
		{"LPUSHX nosuch a", `:0`},
		{"RPUSHX nosuch a b", `:0`},
		{"EXISTS nosuch", `:0`},
		{"LPUSHX l p q", `:7`},
		{"RPUSHX l r", `:8`},
		{"LRANGE l 0 -1", `*[$"q" $"p" $"y" $"x" $"a" $"b" $"c" $"r"]`},
		{"LPOP l", `$"q"`},
		{"RPOP l", `$"r"`},
		{"LPOP l 2", `*[$"p" $"y"]`},
		{"RPOP l 2", `*[$"c" $"b"]`},
		{"LPOP l 0", `*[]`},
		{"RPOP l 0", `*[]`},
		{"LPOP l -1", `-"ERR value is out of range, must be positive"`},
		{"LPOP l x", errNotIntReply},
		{"LPOP l 1 2", `-"ERR wrong number of arguments for 'lpop' command"`},
		{"RPOP l 1 2", `-"ERR wrong number of arguments for 'rpop' command"`},
		{"LPOP nosuch", `NULL`},
		{"RPOP nosuch", `NULL`},
		{"LPOP nosuch 0", `NULLARR`},
		{"RPOP nosuch 3", `NULLARR`},
		{"RPOP l 10", `*[$"a" $"x"]`},
		{"EXISTS l", `:0`},
		{"LPOP l", `NULL`},
		{"RPUSH one v", `:1`},
		{"LPOP one", `$"v"`},
		{"EXISTS one", `:0`},
		{"RPUSH e ''", `:1`},
		{"TYPE e", `+"list"`},
		{"OBJECT ENCODING e", `$"quicklist"`},
	})
}

func TestListIndexSetInsert(t *testing.T) {
	runListSteps(t, []listStep{
		{"RPUSH l a b c", `:3`},
		{"LINDEX l 0", `$"a"`},
		{"LINDEX l -1", `$"c"`},
		{"LINDEX l 3", `NULL`},
		{"LINDEX l -4", `NULL`},
		{"LINDEX l 99999999999999999", `NULL`},
		{"LINDEX l x", errNotIntReply},
		{"LINDEX nosuch 0", `NULL`},
		{"LSET l 1 B", `+"OK"`},
		{"LSET l -1 C", `+"OK"`},
		{"LSET l 3 z", `-"ERR index out of range"`},
		{"LSET l -4 z", `-"ERR index out of range"`},
		{"LSET l x z", errNotIntReply},
		{"LSET nosuch 0 z", `-"ERR no such key"`},
		{"LSET nosuch x z", `-"ERR no such key"`},
		{"LRANGE l 0 -1", `*[$"a" $"B" $"C"]`},
		{"LINSERT l BEFORE B x", `:4`},
		{"LINSERT l after C y", `:5`},
		{"LINSERT l AfTeR a z", `:6`},
		{"LRANGE l 0 -1", `*[$"a" $"z" $"x" $"B" $"C" $"y"]`},
		{"LINSERT l before nope q", `:-1`},
		{"LINSERT nosuch before a q", `:0`},
		{"LINSERT l middle a q", errSyntaxReply},
		{"LINSERT nosuch middle a q", errSyntaxReply},
	})
}

func TestListRemTrimPos(t *testing.T) {
	runListSteps(t, []listStep{
		{"RPUSH l a b a c a b", `:6`},
		{"LREM l 1 a", `:1`},
		{"LRANGE l 0 -1", `*[$"b" $"a" $"c" $"a" $"b"]`},
		{"LREM l -1 b", `:1`},
		{"LRANGE l 0 -1", `*[$"b" $"a" $"c" $"a"]`},
		{"LREM l 0 a", `:2`},
		{"LREM l 0 zz", `:0`},
		{"LREM l x a", errNotIntReply},
		{"LREM nosuch 0 a", `:0`},
		{"LREM l 0 b", `:1`},
		{"LREM l 0 c", `:1`},
		{"EXISTS l", `:0`},

		{"RPUSH t 1 2 3 4 5", `:5`},
		{"LTRIM t 1 -2", `+"OK"`},
		{"LRANGE t 0 -1", `*[$"2" $"3" $"4"]`},
		{"LTRIM t -1 100", `+"OK"`},
		{"LRANGE t 0 -1", `*[$"4"]`},
		{"LTRIM t 2 1", `+"OK"`},
		{"EXISTS t", `:0`},
		{"LTRIM nosuch 0 1", `+"OK"`},
		{"LTRIM t a 1", errNotIntReply},

		{"RPUSH p a b c 1 2 3 c c", `:8`},
		{"LPOS p a", `:0`},
		{"LPOS p c", `:2`},
		{"LPOS p c RANK 2", `:6`},
		{"LPOS p c RANK -1", `:7`},
		{"LPOS p c RANK -2", `:6`},
		{"LPOS p c RANK 4", `NULL`},
		{"LPOS p c COUNT 0", `*[:2 :6 :7]`},
		{"LPOS p c COUNT 2", `*[:2 :6]`},
		{"LPOS p c COUNT 0 RANK 2", `*[:6 :7]`},
		{"LPOS p c COUNT 2 RANK -1", `*[:7 :6]`},
		{"LPOS p c COUNT 0 MAXLEN 1", `*[]`},
		{"LPOS p c COUNT 0 MAXLEN 3", `*[:2]`},
		{"LPOS p c COUNT 0 MAXLEN 3 RANK -1", `*[:7 :6]`},
		{"LPOS p x", `NULL`},
		{"LPOS p x COUNT 5", `*[]`},
		{"LPOS nosuch c", `NULL`},
		{"LPOS nosuch c COUNT 1", `*[]`},
		{"LPOS p c RANK 0", `-"ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"`},
		{"LPOS p c RANK x", errNotIntReply},
		{"LPOS p c COUNT -1", `-"ERR COUNT can't be negative"`},
		{"LPOS p c MAXLEN -1", `-"ERR MAXLEN can't be negative"`},
		{"LPOS p c MAXLEN x", `-"ERR MAXLEN can't be negative"`},
		{"LPOS p c COUNT", errSyntaxReply},
		{"LPOS p c FOO 1", errSyntaxReply},
		{"LPOS p c RANK -9223372036854775808", `NULL`},
	})
}

func TestListMoveAndMPop(t *testing.T) {
	runListSteps(t, []listStep{
		{"RPUSH s{t} a b c", `:3`},
		{"LMOVE s{t} d{t} LEFT RIGHT", `$"a"`},
		{"LMOVE s{t} d{t} right left", `$"c"`},
		{"LRANGE d{t} 0 -1", `*[$"c" $"a"]`},
		{"RPOPLPUSH s{t} d{t}", `$"b"`},
		{"EXISTS s{t}", `:0`},
		{"LRANGE d{t} 0 -1", `*[$"b" $"c" $"a"]`},
		{"RPOPLPUSH s{t} d{t}", `NULL`},
		{"LMOVE s{t} d{t} LEFT UP", errSyntaxReply},
		{"LMOVE d{t} d{t} RIGHT LEFT", `$"a"`},
		{"LRANGE d{t} 0 -1", `*[$"a" $"b" $"c"]`},
		{"SET str{t} x", `+"OK"`},
		{"LMOVE d{t} str{t} LEFT LEFT", wrongTypeReply},
		{"LRANGE d{t} 0 -1", `*[$"a" $"b" $"c"]`},
		{"LMOVE str{t} d{t} LEFT LEFT", wrongTypeReply},
		{"RPUSH one{t} x", `:1`},
		{"LMOVE one{t} one{t} LEFT RIGHT", `$"x"`},
		{"LRANGE one{t} 0 -1", `*[$"x"]`},

		{"RPUSH m1{t} a b c d e", `:5`},
		{"LMPOP 2 nosuch{t} m1{t} LEFT", `*[$"m1{t}" *[$"a"]]`},
		{"LMPOP 2 nosuch{t} m1{t} RIGHT COUNT 2", `*[$"m1{t}" *[$"e" $"d"]]`},
		{"LMPOP 1 m1{t} left count 10", `*[$"m1{t}" *[$"b" $"c"]]`},
		{"EXISTS m1{t}", `:0`},
		{"LMPOP 2 nosuch{t} m1{t} LEFT", `NULLARR`},
		{"LMPOP 0 m1{t} LEFT", `-"ERR numkeys should be greater than 0"`},
		{"LMPOP a m1{t} LEFT", `-"ERR numkeys should be greater than 0"`},
		{"LMPOP -1 m1{t} LEFT", `-"ERR numkeys should be greater than 0"`},
		{"LMPOP 5 m1{t} LEFT", errSyntaxReply},
		{"LMPOP 1 m1{t} UP", errSyntaxReply},
		{"LMPOP 1 m1{t} LEFT COUNT", errSyntaxReply},
		{"LMPOP 1 m1{t} LEFT COUNT 1 COUNT 2", errSyntaxReply},
		{"LMPOP 1 m1{t} LEFT COUNT 0", `-"ERR count should be greater than 0"`},
		{"LMPOP 1 m1{t} LEFT COUNT x", `-"ERR count should be greater than 0"`},
		{"LMPOP 1 m1{t} LEFT COUNT -1", `-"ERR count should be greater than 0"`},
		{"LMPOP 2 str{t} m1{t} LEFT", wrongTypeReply},
		{"LMPOP", `-"ERR wrong number of arguments for 'lmpop' command"`},
		{"LMPOP 1 m1{t}", `-"ERR wrong number of arguments for 'lmpop' command"`},
		{"LMPOP 9223372036854775807 m1{t} LEFT", errSyntaxReply},
	})
}

func TestListWrongType(t *testing.T) {
	steps := []listStep{{"SET s v", `+"OK"`}}
	for _, c := range []string{
		"LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LPOP s", "RPOP s 2", "LRANGE s 0 1",
		"LLEN s", "LINDEX s 0", "LSET s 0 a", "LINSERT s before a b", "LREM s 0 a", "LTRIM s 0 1",
		"LPOS s a", "LMOVE s d LEFT LEFT", "RPOPLPUSH s d", "LMPOP 1 s LEFT", "BLPOP s 0", "BRPOP s 0",
		"BLMOVE s d LEFT LEFT 0", "BRPOPLPUSH s d 0", "BLMPOP 0 1 s LEFT",
	} {
		steps = append(steps, listStep{c, wrongTypeReply})
	}
	steps = append(steps, listStep{"GET s", `$"v"`})
	runListSteps(t, steps)
}

// TestListBlockingServeAtOnce covers the blocking commands when they need
// not wait, their argument errors, and MULTI, where they never wait.
func TestListBlockingServeAtOnce(t *testing.T) {
	runListSteps(t, []listStep{
		{"RPUSH a{t} 1 2 3", `:3`},
		{"BLPOP nosuch{t} a{t} 0", `*[$"a{t}" $"1"]`},
		{"BRPOP a{t} 0.5", `*[$"a{t}" $"3"]`},
		{"BLMPOP 0 2 nosuch{t} a{t} RIGHT COUNT 5", `*[$"a{t}" *[$"2"]]`},
		{"RPUSH a{t} x y", `:2`},
		{"BRPOPLPUSH a{t} b{t} 0", `$"y"`},
		{"BLMOVE a{t} b{t} LEFT RIGHT 0", `$"x"`},
		{"LRANGE b{t} 0 -1", `*[$"y" $"x"]`},
		{"BLPOP a{t} -1", `-"ERR timeout is negative"`},
		{"BLPOP a{t} abc", `-"ERR timeout is not a float or out of range"`},
		{"BLPOP a{t} inf", `-"ERR timeout is negative"`},
		{"BRPOPLPUSH a{t} b{t} -0.5", `-"ERR timeout is negative"`},
		{"BLMOVE a{t} b{t} LEFT UP 0", errSyntaxReply},
		{"BLMPOP x 1 a{t} LEFT", `-"ERR timeout is not a float or out of range"`},
		{"BLMPOP 0 0 a{t} LEFT", `-"ERR numkeys should be greater than 0"`},
		{"BLMPOP -1 0 a{t} LEFT", `-"ERR numkeys should be greater than 0"`},
		{"MULTI", `+"OK"`},
		{"BLPOP a{t} 0", `+"QUEUED"`},
		{"BLMOVE a{t} b{t} LEFT LEFT 0", `+"QUEUED"`},
		{"BLMPOP 0 1 a{t} LEFT", `+"QUEUED"`},
		{"BLPOP b{t} 0", `+"QUEUED"`},
		{"EXEC", `*[NULLARR NULL NULLARR *[$"b{t}" $"y"]]`},
	})
}

// TestListGoRedis runs the list commands through go-redis, in both
// protocols, as applications call them.
func TestListGoRedis(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		if n, err := c.RPush(ctx, "l", "a", "b", "c", "b").Result(); err != nil || n != 4 {
			t.Fatalf("RPUSH = %d, %v", n, err)
		}
		if got, err := c.LRange(ctx, "l", 0, -1).Result(); err != nil || strings.Join(got, ",") != "a,b,c,b" {
			t.Fatalf("LRANGE = %v, %v", got, err)
		}
		if got, err := c.LPosCount(ctx, "l", "b", 0, redis.LPosArgs{Rank: -1}).Result(); err != nil || fmt.Sprint(got) != "[3 1]" {
			t.Fatalf("LPOS COUNT = %v, %v", got, err)
		}
		if got, err := c.LPopCount(ctx, "l", 2).Result(); err != nil || strings.Join(got, ",") != "a,b" {
			t.Fatalf("LPOP 2 = %v, %v", got, err)
		}
		key, vals, err := c.LMPop(ctx, "right", 5, "nosuch", "l").Result()
		if err != nil || key != "l" || strings.Join(vals, ",") != "b,c" {
			t.Fatalf("LMPOP = %q %v, %v", key, vals, err)
		}
		c.RPush(ctx, "src", "x", "y")
		if n, err := c.Copy(ctx, "src", "cp", 0, false).Result(); err != nil || n != 1 {
			t.Fatalf("COPY = %d, %v", n, err)
		}
		c.RPush(ctx, "src", "z")
		if got, _ := c.LRange(ctx, "cp", 0, -1).Result(); strings.Join(got, ",") != "x,y" {
			t.Fatalf("copy changed with its source: %v", got)
		}
		if _, err := c.LPop(ctx, "l").Result(); err != redis.Nil {
			t.Fatalf("LPOP on a deleted list: %v", err)
		}
		if got, err := c.BLPop(ctx, 10*time.Millisecond, "l", "m").Result(); err != redis.Nil {
			t.Fatalf("BLPOP on missing keys = %v, %v", got, err)
		}
	})
}

// TestListLargeValues pushes values bigger than a node and many small ones,
// and reads them back by index from both ends.
func TestListLargeValues(t *testing.T) {
	n := startNode(t, map[string]string{"list-max-listpack-size": "4"})
	c := newClient(t, n, 2)
	ctx := context.Background()
	big := strings.Repeat("x", 20000)
	var want []string
	for i := range 300 {
		v := fmt.Sprint(i)
		if i%50 == 0 {
			v = big + v
		}
		want = append(want, v)
		if err := c.RPush(ctx, "l", v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		if got, err := c.LIndex(ctx, "l", int64(i)).Result(); err != nil || got != want[i] {
			t.Fatalf("LINDEX %d = %.20q, %v", i, got, err)
		}
		if got, err := c.LIndex(ctx, "l", int64(i-len(want))).Result(); err != nil || got != want[i] {
			t.Fatalf("LINDEX %d = %.20q, %v", i-len(want), got, err)
		}
	}
	if err := c.LSet(ctx, "l", 10, big).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.LInsertBefore(ctx, "l", "20", big).Err(); err != nil {
		t.Fatal(err)
	}
	want = append(want[:21], want[20:]...)
	want[10], want[20] = big, big
	got, err := c.LRange(ctx, "l", 0, -1).Result()
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("LRANGE after LSET and LINSERT differs (%v)", err)
	}
	if mem, err := c.MemoryUsage(ctx, "l").Result(); err != nil || mem < int64(8*len(big)) {
		t.Fatalf("MEMORY USAGE = %d, %v", mem, err)
	}
}
