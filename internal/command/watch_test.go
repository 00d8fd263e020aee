package command_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// execNull is how a raw connection shows EXEC failed by a WATCH: a null
// array in RESP2, a null in RESP3.
var execNull = map[int]string{2: `*null`, 3: `_null`}

// watchThenExec WATCHes key on w, runs change, then checks that an EXEC of
// one PING replies want (execNull or "*[+\"PONG\"]").
func watchThenExec(t *testing.T, w *connWire, key string, change func(), want string) {
	t.Helper()
	w.expect(`+"OK"`, "WATCH", key)
	change()
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(want, "EXEC")
}

func TestWatchBrokenByChanges(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			n := startNode(t, nil)
			w, o := connDial(t, n), connDial(t, n) // the watcher and another client
			if proto == 3 {
				wireHello3(w)
			}
			pong := `*[+"PONG"]`
			for _, tc := range []struct {
				name   string
				setup  []string // run by the other client before WATCH
				change []string // run by the other client after WATCH; nil: nothing
				want   string
			}{
				{"untouched", []string{"SET", "x", "1"}, nil, pong},
				{"read", []string{"SET", "x", "1"}, []string{"GET", "x"}, pong},
				{"write", []string{"SET", "x", "1"}, []string{"SET", "x", "2"}, execNull[proto]},
				{"same value", []string{"SET", "x", "1"}, []string{"SET", "x", "1"}, execNull[proto]},
				{"created", []string{"DEL", "x"}, []string{"SET", "x", "1"}, execNull[proto]},
				{"deleted", []string{"SET", "x", "1"}, []string{"DEL", "x"}, execNull[proto]},
				{"delete missing", []string{"DEL", "x"}, []string{"DEL", "x"}, pong},
				{"expire set", []string{"SET", "x", "1"}, []string{"EXPIRE", "x", "100"}, execNull[proto]},
				{"persist", []string{"SET", "x", "1", "EX", "100"}, []string{"PERSIST", "x"}, execNull[proto]},
				{"renamed away", []string{"SET", "x", "1"}, []string{"RENAME", "x", "y"}, execNull[proto]},
				{"renamed onto", []string{"SET", "y", "1"}, []string{"RENAME", "y", "x"}, execNull[proto]},
				{"flushall", []string{"SET", "x", "1"}, []string{"FLUSHALL"}, execNull[proto]},
				{"flushdb", []string{"SET", "x", "1"}, []string{"FLUSHDB"}, execNull[proto]},
				{"flushall absent", []string{"DEL", "x"}, []string{"FLUSHALL"}, pong},
				{"flushdb absent", []string{"DEL", "x"}, []string{"FLUSHDB"}, pong},
				{"other key", []string{"SET", "x", "1"}, []string{"SET", "z", "1"}, pong},
			} {
				t.Run(tc.name, func(t *testing.T) {
					o.do("FLUSHALL")
					o.do(tc.setup...)
					watchThenExec(t, w, "x", func() {
						if tc.change != nil {
							if v := o.do(tc.change...); v.Kind == '-' {
								t.Fatalf("%q: %s", tc.change, v)
							}
						}
					}, tc.want)
				})
			}
		})
	}
}

func TestWatchLifecycle(t *testing.T) {
	n := startNode(t, nil)
	w, o := connDial(t, n), connDial(t, n)
	pong := `*[+"PONG"]`
	change := func() { o.do("SET", "x", "changed") }

	// UNWATCH forgets the keys and the broken state.
	w.expect(`+"OK"`, "WATCH", "x")
	change()
	w.expect(`+"OK"`, "UNWATCH")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(pong, "EXEC")
	w.expect(`+"OK"`, "UNWATCH") // with nothing watched

	// After EXEC, successful or not, the key is no longer watched.
	watchThenExec(t, w, "x", func() {}, pong)
	change()
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(pong, "EXEC")
	watchThenExec(t, w, "x", change, `*null`)
	change()
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(pong, "EXEC")

	// DISCARD clears the broken state and unwatches.
	w.expect(`+"OK"`, "WATCH", "x")
	change()
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"OK"`, "DISCARD")
	change()
	w.expect(`+"OK"`, "SET", "x", "10")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "INCR", "x")
	w.expect(`*[:11]`, "EXEC")

	// Several keys: any one of them breaks the watch; watching a key twice
	// is harmless.
	w.expect(`+"OK"`, "WATCH", "a", "b", "x", "x")
	w.expect(`+"OK"`, "WATCH", "k")
	o.do("SET", "k", "1")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(`*null`, "EXEC")

	// The client's own writes before MULTI break its watch too, as in Redis;
	// those inside the transaction do not.
	watchThenExec(t, w, "x", func() { w.do("SET", "x", "mine") }, `*null`)
	w.expect(`+"OK"`, "WATCH", "x")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "x", "in-tx")
	w.expect(`+"QUEUED"`, "GET", "x")
	w.expect(`*[+"OK" $"in-tx"]`, "EXEC")

	// A watcher that disconnects leaves nothing behind: another watcher of
	// the same key is unaffected.
	gone := connDial(t, n)
	gone.expect(`+"OK"`, "WATCH", "x")
	gone.nc.Close()
	watchThenExec(t, w, "x", func() {}, pong)

	// A change broken by a client does not affect other watchers' state of
	// other keys.
	w2 := connDial(t, n)
	w2.expect(`+"OK"`, "WATCH", "other")
	watchThenExec(t, w, "x", change, `*null`)
	w2.expect(`+"OK"`, "MULTI")
	w2.expect(`+"QUEUED"`, "PING")
	w2.expect(pong, "EXEC")
}

func TestWatchClientListDirtyFlag(t *testing.T) {
	n := startNode(t, nil)
	w, o := connDial(t, n), connDial(t, n)
	w.expect(`+"OK"`, "WATCH", "x")
	o.do("SET", "x", "1")
	if s := w.do("CLIENT", "INFO").Str; !regexpMatch(`flags=d `, s) {
		t.Errorf("CLIENT INFO of a broken watcher = %q, want flags=d", s)
	}
	w.expect(`+"OK"`, "UNWATCH")
	if s := w.do("CLIENT", "INFO").Str; !regexpMatch(`flags=N `, s) {
		t.Errorf("CLIENT INFO after UNWATCH = %q, want flags=N", s)
	}
}

func TestWatchExpiry(t *testing.T) {
	n := startNode(t, nil)
	w, o := connDial(t, n), connDial(t, n)

	// Active expiry reclaims a watched key: EXEC fails.
	w.expect(`+"OK"`, "SET", "x", "v", "PX", "30")
	w.expect(`+"OK"`, "WATCH", "x")
	waitUntil(t, func() bool { return o.do("DBSIZE").Int == 0 })
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(`*null`, "EXEC")

	// A key that expires after WATCH fails EXEC, reclaimed or not
	// (Redis 7.0's isWatchedKeyExpired).
	for range 5 {
		w.expect(`+"OK"`, "SET", "x", "1", "PX", "40")
		w.expect(`+"OK"`, "WATCH", "x")
		time.Sleep(60 * time.Millisecond)
		w.expect(`+"OK"`, "MULTI")
		w.expect(`+"QUEUED"`, "INCR", "x")
		w.expect(`*null`, "EXEC")
	}

	// A key already expired when WATCHed: its reclaiming (lazy, by EXISTS,
	// or active) is no change, and neither is a FLUSHALL.
	for _, after := range [][]string{nil, {"EXISTS", "x"}, {"FLUSHALL"}, {"FLUSHDB"}} {
		o.do("DEL", "x")
		w.expect(`+"OK"`, "SET", "x", "foo", "PX", "1")
		time.Sleep(5 * time.Millisecond)
		w.expect(`+"OK"`, "WATCH", "x")
		if after != nil {
			o.do(after...)
		}
		w.expect(`+"OK"`, "MULTI")
		w.expect(`+"QUEUED"`, "PING")
		w.expect(`*[+"PONG"]`, "EXEC")
	}
	// ...but writing it is a change.
	w.expect(`+"OK"`, "SET", "x", "foo", "PX", "1")
	time.Sleep(5 * time.Millisecond)
	watchThenExec(t, w, "x", func() { o.do("SET", "x", "new") }, `*null`)
}

func TestWatchEviction(t *testing.T) {
	n := startNode(t, map[string]string{"maxmemory-policy": "allkeys-random"})
	w, o := connDial(t, n), connDial(t, n)
	w.expect(`+"OK"`, "SET", "watched", "v")
	for i := range 100 {
		o.do("SET", "fill"+strconv.Itoa(i), "0123456789")
	}
	w.expect(`+"OK"`, "WATCH", "watched")
	// With a 1-byte limit the next write evicts every key it can.
	o.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "1")
	o.do("SET", "trigger", "1")
	o.expect(`+"OK"`, "CONFIG", "SET", "maxmemory", "0")
	o.expect(`:0`, "EXISTS", "watched")
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(`*null`, "EXEC")
}

// TestWatchOptimisticIncrement is the classic check-and-set loop: several
// goroutines increment one counter with WATCH/GET/MULTI/SET/EXEC, retrying
// when EXEC fails; no increment may be lost.
func TestWatchOptimisticIncrement(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		const workers, each = 8, 40
		incr := func() error {
			for {
				err := c.Watch(ctx, func(tx *redis.Tx) error {
					n, err := tx.Get(ctx, "counter").Int()
					if err != nil && !errors.Is(err, redis.Nil) {
						return err
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Set(ctx, "counter", n+1, 0)
						return nil
					})
					return err
				}, "counter")
				if !errors.Is(err, redis.TxFailedErr) {
					return err
				}
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					if err := incr(); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got, err := c.Get(ctx, "counter").Int(); err != nil || got != workers*each {
			t.Fatalf("counter = %d, %v; want %d", got, err, workers*each)
		}
	})
}

// TestWatchTxFailedErr checks go-redis sees a broken WATCH as TxFailedErr.
func TestWatchTxFailedErr(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		c.Set(ctx, "k", "1", 0)
		err := c.Watch(ctx, func(tx *redis.Tx) error {
			if err := c.Set(ctx, "k", "2", 0).Err(); err != nil { // another connection
				return err
			}
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "k", "3", 0)
				return nil
			})
			return err
		}, "k")
		if !errors.Is(err, redis.TxFailedErr) {
			t.Fatalf("err = %v, want TxFailedErr", err)
		}
		if v := c.Get(ctx, "k").Val(); v != "2" {
			t.Errorf("k = %q, want 2", v)
		}
	})
}

// waitUntil polls cond until it holds, failing the test after a deadline.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// regexpMatch reports whether s matches the regular expression re.
func regexpMatch(re, s string) bool {
	return regexp.MustCompile(re).MatchString(s)
}
