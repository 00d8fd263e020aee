package larder

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/larderdb/larder/internal/engine"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ms.Store(1_700_000_000_000)
	return c
}

func (c *fakeClock) Now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

func openTestCache(t testing.TB, opts *CacheOptions) *Cache {
	t.Helper()
	c, err := OpenCache(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// usedMemory is the memory accounted to c's entries.
func usedMemory(c *Cache) int64 { return c.db.Load().Stats().UsedMemory }

func TestCacheGetSetDelete(t *testing.T) {
	c := openTestCache(t, nil)
	if v, ok := c.Get("a"); ok || v != nil {
		t.Fatalf("Get on an empty cache = %q, %v", v, ok)
	}
	val := []byte("hello")
	if err := c.Set("a", val, 0); err != nil {
		t.Fatal(err)
	}
	val[0] = 'J' // the cache holds a copy
	v, ok := c.Get("a")
	if !ok || string(v) != "hello" {
		t.Fatalf("Get = %q, %v; want hello", v, ok)
	}
	v[0] = 'Y' // the caller owns what Get returns
	if v, _ := c.Get("a"); string(v) != "hello" {
		t.Fatalf("changing Get's result changed the cache: %q", v)
	}
	dst := []byte("say ")
	if dst, ok = c.GetAppend(dst, "a"); !ok || string(dst) != "say hello" {
		t.Fatalf("GetAppend = %q, %v", dst, ok)
	}
	if dst, ok = c.GetAppend(dst, "missing"); ok || string(dst) != "say hello" {
		t.Fatalf("GetAppend of a missing key = %q, %v; want dst unchanged", dst, ok)
	}
	if err := c.Set("a", []byte("a longer value than before"), 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("a"); string(v) != "a longer value than before" {
		t.Fatalf("after overwrite: %q", v)
	}
	if err := c.Set("", []byte{}, 0); err != nil { // empty key and value
		t.Fatal(err)
	}
	if v, ok := c.Get(""); !ok || len(v) != 0 {
		t.Fatalf("Get of the empty key = %q, %v", v, ok)
	}
	if n := c.Len(); n != 2 {
		t.Fatalf("Len = %d, want 2", n)
	}
	if !c.Delete("a") || c.Delete("a") || c.Delete("never") {
		t.Fatal("Delete must report true once for a present key, then false")
	}
	if _, ok := c.Get("a"); ok {
		t.Fatal("Get after Delete hit")
	}
	if n := c.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
}

func TestCacheTTL(t *testing.T) {
	clk := newFakeClock()
	c := openTestCache(t, &CacheOptions{Clock: clk.Now})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	has := func(key string) bool { _, ok := c.Get(key); return ok }

	must(c.Set("ten", []byte("s"), 10*time.Second))
	must(c.Set("forever", []byte("v"), 0))
	must(c.Set("tiny", []byte("v"), 1500*time.Microsecond)) // rounds up to 2ms
	if !has("ten") || !has("tiny") {
		t.Fatal("keys with a TTL must be there before it passes")
	}
	// A key is gone once the time is past its expiry, as in Redis: at +2ms it is still there.
	clk.Advance(2 * time.Millisecond)
	if !has("tiny") {
		t.Fatal("a 1.5ms TTL must round up to 2ms, not down")
	}
	clk.Advance(time.Millisecond)
	if has("tiny") {
		t.Fatal("a 1.5ms TTL must expire within 3ms")
	}
	clk.Advance(10*time.Second - 4*time.Millisecond) // 1ms before the TTL
	if !has("ten") {
		t.Fatal("expired 1ms early")
	}
	clk.Advance(2 * time.Millisecond)
	if has("ten") {
		t.Fatal("still there 1ms after its TTL")
	}
	if !has("forever") {
		t.Fatal("ttl 0 must mean no expiry")
	}

	// Overwriting replaces the TTL, including with none.
	must(c.Set("k", []byte("1"), time.Second))
	must(c.Set("k", []byte("2"), 0))
	clk.Advance(time.Hour)
	if v, ok := c.Get("k"); !ok || string(v) != "2" {
		t.Fatalf("Set with ttl 0 must clear the old TTL: %q, %v", v, ok)
	}
	must(c.Set("k", []byte("3"), time.Minute))
	clk.Advance(time.Hour)
	if has("k") {
		t.Fatal("Set with a ttl must set a new TTL on an existing key")
	}

	// A negative TTL is an expiry in the past.
	must(c.Set("gone", []byte("v"), 0))
	must(c.Set("gone", []byte("w"), -time.Second))
	if has("gone") {
		t.Fatal("Set with a negative ttl must delete the key")
	}
}

// TestCacheTTLDefaultClock checks TTLs on the default clock, which an operation reads only
// for an entry with a TTL (the others use the background expiry's last reading): an entry
// is there until its TTL and gone after it, however recently the background expiry ran.
func TestCacheTTLDefaultClock(t *testing.T) {
	c := openTestCache(t, nil)
	const ttl = 30 * time.Millisecond
	start := time.Now()
	if err := c.Set("k", []byte("v"), ttl); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("forever", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	_, ok := c.Get("k")
	if !ok && time.Since(start) < ttl-2*time.Millisecond { // a loaded machine may pass the TTL
		t.Fatal("a key with a TTL must be there before it passes")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		before := time.Since(start) // the Get reads the clock after this
		_, ok := c.Get("k")
		if elapsed := before; ok && elapsed > ttl+2*time.Millisecond {
			t.Fatalf("a key with a %v TTL still there after %v", ttl, elapsed)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a key with a TTL never expired")
		}
		runtime.Gosched()
	}
	if time.Since(start) < ttl {
		t.Fatalf("a key with a %v TTL gone after %v", ttl, time.Since(start))
	}
	if _, ok := c.Get("forever"); !ok {
		t.Fatal("a key without a TTL must stay")
	}
}

func TestCacheEvicts(t *testing.T) {
	for _, policy := range []string{"", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-ttl", "allkeys-tinylfu"} {
		t.Run("policy="+policy, func(t *testing.T) {
			clk := newFakeClock()
			const maxMemory = 256 << 10
			c := openTestCache(t, &CacheOptions{MaxMemory: maxMemory, Policy: policy, Clock: clk.Now})
			val := bytes.Repeat([]byte("x"), 1000)
			const n = 2000 // about 2 MB of values: eight times MaxMemory
			for i := range n {
				key := "key:" + strconv.Itoa(i)
				clk.Advance(time.Second) // the LRU clock counts seconds
				if err := c.Set(key, val, time.Hour); err != nil {
					t.Fatalf("Set %d: %v, want eviction instead of an error", i, err)
				}
				if _, ok := c.Get(key); !ok {
					t.Fatalf("the key just set, %s, is missing", key)
				}
				// Eviction runs before a write: the bound holds but for the last entry (its
				// key, value and the engine's overhead per entry, under 256 bytes).
				if used := usedMemory(c); used > maxMemory+int64(len(key)+len(val))+256 {
					t.Fatalf("after %d Sets: %d bytes used, MaxMemory %d", i+1, used, maxMemory)
				}
			}
			if l := c.Len(); l >= n/4 || l == 0 {
				t.Fatalf("Len = %d after %d Sets of 1000 bytes under a 256 KiB bound", l, n)
			}
		})
	}
}

func TestCacheOutOfMemory(t *testing.T) {
	for _, policy := range []string{"noeviction", "volatile-lru"} {
		t.Run("policy="+policy, func(t *testing.T) {
			c := openTestCache(t, &CacheOptions{MaxMemory: 64 << 10, Policy: policy})
			val := bytes.Repeat([]byte("x"), 1000)
			var err error
			i := 0
			for ; i < 1000 && err == nil; i++ {
				err = c.Set("key:"+strconv.Itoa(i), val, 0) // no TTL: nothing volatile to evict
			}
			if !errors.Is(err, ErrOutOfMemory) || !errors.Is(err, engine.ErrOOM) {
				t.Fatalf("Set past MaxMemory: %v, want ErrOutOfMemory wrapping engine.ErrOOM", err)
			}
			if i < 50 {
				t.Fatalf("out of memory after only %d Sets of 1000 bytes under 64 KiB", i)
			}
			if _, ok := c.Get("key:0"); !ok {
				t.Fatal("nothing may be evicted, and reads keep working at the limit")
			}
			for j := range 10 {
				c.Delete("key:" + strconv.Itoa(j))
			}
			if err := c.Set("again", val, 0); err != nil {
				t.Fatalf("Set after Delete made room: %v", err)
			}
		})
	}
}

func TestOpenCacheOptions(t *testing.T) {
	cases := []struct {
		opts CacheOptions
		want string
	}{
		{CacheOptions{MaxMemory: -1}, "MaxMemory"},
		{CacheOptions{Policy: "sometimes"}, "Policy"},
	}
	for _, tc := range cases {
		c, err := OpenCache(&tc.opts)
		if err == nil {
			c.Close()
			t.Errorf("%+v: OpenCache succeeded, want an error naming %s", tc.opts, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not name %s", err, tc.want)
		}
	}
	opts := &CacheOptions{MaxMemory: 1 << 20}
	c := openTestCache(t, opts)
	if opts.Policy != "" || opts.Clock != nil {
		t.Fatalf("OpenCache changed the caller's options: %+v", opts)
	}
	if got := c.db.Load().PolicyName(); got != "allkeys-tinylfu" {
		t.Fatalf("default policy %q, want allkeys-tinylfu", got)
	}
	if d := c.clock() - time.Now().UnixMilli(); d < -1000 || d > 1000 {
		t.Fatalf("the default clock is %dms away from the wall clock", d)
	}
}

func TestCacheClose(t *testing.T) {
	before := runtime.NumGoroutine()
	c, err := OpenCache(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("a", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := c.Set("b", []byte("2"), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Set after Close: %v, want ErrClosed", err)
	}
	if v, ok := c.Get("a"); ok || v != nil {
		t.Fatalf("Get after Close = %q, %v; want a miss", v, ok)
	}
	if dst, ok := c.GetAppend([]byte("x"), "a"); ok || string(dst) != "x" {
		t.Fatalf("GetAppend after Close = %q, %v", dst, ok)
	}
	if c.Delete("a") || c.Len() != 0 {
		t.Fatal("Delete and Len after Close must see an empty cache")
	}
	// The expiry goroutine is gone: poll, as other tests' goroutines may still be ending.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before OpenCache", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCacheDroppedWithoutClose checks that the cleanup closes a Cache the program drops: its
// expiry goroutine ends, and its arenas are released.
func TestCacheDroppedWithoutClose(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		c, err := OpenCache(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Set("a", []byte("1"), 0); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before OpenCache: the dropped cache was not closed", runtime.NumGoroutine(), before)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// TestCacheConcurrent runs writers, readers, deleters, TTLs, eviction and Close at once; run it
// with -race. Every value read must be one some writer wrote for that key.
func TestCacheConcurrent(t *testing.T) {
	clk := newFakeClock()
	c := openTestCache(t, &CacheOptions{MaxMemory: 64 << 10, Clock: clk.Now})
	const workers, ops, keys = 8, 3000, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var buf []byte
			for i := range ops {
				key := "k" + strconv.Itoa(rng.IntN(keys))
				switch rng.IntN(10) {
				case 0, 1, 2:
					val := fmt.Appendf(nil, "%s=%d/%d", key, w, i)
					ttl := time.Duration(rng.IntN(3)) * time.Second
					if err := c.Set(key, val, ttl); err != nil {
						errs <- fmt.Errorf("Set: %w", err)
						return
					}
				case 3:
					c.Delete(key)
				case 4:
					clk.Advance(100 * time.Millisecond)
				default:
					var ok bool
					buf, ok = c.GetAppend(buf[:0], key)
					if ok && !bytes.HasPrefix(buf, []byte(key+"=")) {
						errs <- fmt.Errorf("Get(%s) = %q: another key's value", key, buf)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if l := c.Len(); l > keys {
		t.Fatalf("Len = %d with %d distinct keys", l, keys)
	}

	// Close while operations run: none may fail but with ErrClosed.
	var stop atomic.Bool
	var wg2 sync.WaitGroup
	for range 4 {
		wg2.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if err := c.Set("k"+strconv.Itoa(i%keys), []byte("v"), 0); err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("Set during Close: %v", err)
					return
				}
				c.Get("k" + strconv.Itoa(i%keys))
			}
		})
	}
	time.Sleep(time.Millisecond)
	c.Close()
	stop.Store(true)
	wg2.Wait()
}

// TestCacheModel holds the cache against a plain map with TTLs, over random operations on a
// fake clock.
func TestCacheModel(t *testing.T) {
	type item struct {
		val      string
		expireAt int64 // unix ms; 0 = none
	}
	clk := newFakeClock()
	c := openTestCache(t, &CacheOptions{Clock: clk.Now})
	model := map[string]item{}
	now := func() int64 { return clk.ms.Load() }
	live := func(key string) (item, bool) {
		it, ok := model[key]
		if ok && it.expireAt != 0 && now() > it.expireAt {
			delete(model, key)
			return item{}, false
		}
		return it, ok
	}
	// At the very millisecond of its expiry a key may be either present or gone: the engine
	// keeps Redis's rule (gone once now > expireAt) today, and the model need not pin that.
	atBoundary := func(key string) bool {
		it, ok := model[key]
		return ok && it.expireAt == now()
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 20000 {
		key := "k" + strconv.Itoa(rng.IntN(50))
		switch op := rng.IntN(8); op {
		case 0, 1:
			val := strconv.Itoa(i)
			ttl := time.Duration(rng.IntN(4000)-500) * time.Millisecond // some negative, some 0
			if err := c.Set(key, []byte(val), ttl); err != nil {
				t.Fatal(err)
			}
			switch {
			case ttl < 0:
				delete(model, key)
			case ttl == 0:
				model[key] = item{val: val}
			default:
				model[key] = item{val: val, expireAt: now() + ttl.Milliseconds()}
			}
		case 2:
			if atBoundary(key) {
				c.Delete(key)
				delete(model, key)
				continue
			}
			_, want := live(key)
			if got := c.Delete(key); got != want {
				t.Fatalf("op %d: Delete(%s) = %v, model says %v", i, key, got, want)
			}
			delete(model, key)
		case 3:
			clk.Advance(time.Duration(rng.IntN(300)) * time.Millisecond)
		default:
			if atBoundary(key) {
				if _, ok := c.Get(key); !ok {
					delete(model, key)
				}
				continue
			}
			it, want := live(key)
			v, ok := c.Get(key)
			if ok != want || string(v) != it.val {
				t.Fatalf("op %d: Get(%s) = %q, %v; model says %q, %v", i, key, v, ok, it.val, want)
			}
		}
	}
}

const cacheBenchKeys = 1 << 16

// benchCache returns a cache holding cacheBenchKeys keys with 16-byte values, and the keys.
func benchCache(b *testing.B, opts *CacheOptions) (*Cache, []string) {
	c := openTestCache(b, opts)
	keys := make([]string, cacheBenchKeys)
	val := []byte("value-of-sixteen")
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%08d", i)
		if err := c.Set(keys[i], val, 0); err != nil {
			b.Fatal(err)
		}
	}
	return c, keys
}

// benchLoop runs op b.N times, from one goroutine or, with parallel, from GOMAXPROCS
// goroutines. Each goroutine passes its own stride through the keys and its own buffer.
func benchLoop(b *testing.B, parallel bool, op func(i uint64, buf *[]byte)) {
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		buf := make([]byte, 0, 64)
		for i := range uint64(b.N) {
			op(i*7919, &buf)
		}
		return
	}
	var seq atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 64)
		i := seq.Add(1) * 104729
		for pb.Next() {
			op(i, &buf)
			i += 7919
		}
	})
}

// BenchmarkCacheGet reads present keys: GetAppend into a reused buffer, and Get, which
// allocates the copy it returns.
func BenchmarkCacheGet(b *testing.B) {
	for _, api := range []string{"GetAppend", "Get"} {
		for _, parallel := range []bool{false, true} {
			b.Run(fmt.Sprintf("api=%s/parallel=%v", api, parallel), func(b *testing.B) {
				c, keys := benchCache(b, nil)
				benchLoop(b, parallel, func(i uint64, buf *[]byte) {
					var ok bool
					if api == "Get" {
						_, ok = c.Get(keys[i%cacheBenchKeys])
					} else {
						*buf, ok = c.GetAppend((*buf)[:0], keys[i%cacheBenchKeys])
					}
					if !ok {
						panic("miss")
					}
				})
			})
		}
	}
}

// BenchmarkCacheSet overwrites present keys with values of the same size, and writes new keys
// into a full cache, so that every Set evicts.
func BenchmarkCacheSet(b *testing.B) {
	for _, cs := range []string{"overwrite", "evict"} {
		for _, parallel := range []bool{false, true} {
			b.Run(fmt.Sprintf("case=%s/parallel=%v", cs, parallel), func(b *testing.B) {
				opts := &CacheOptions{}
				if cs == "evict" {
					opts.MaxMemory = 4 << 20 // below the footprint of the keys: full at once
				}
				c, keys := benchCache(b, opts)
				val := []byte("value-of-sixteen")
				var fresh atomic.Uint64
				benchLoop(b, parallel, func(i uint64, buf *[]byte) {
					key := keys[i%cacheBenchKeys]
					if cs == "evict" {
						*buf = strconv.AppendUint(append((*buf)[:0], "new:"...), fresh.Add(1), 10)
						key = unsafe.String(unsafe.SliceData(*buf), len(*buf))
					}
					if err := c.Set(key, val, 0); err != nil {
						panic(err)
					}
				})
			})
		}
	}
}
