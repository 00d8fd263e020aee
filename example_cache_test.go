package larder_test

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/larderdb/larder"
)

// ExampleCache uses the engine as a local cache: no server, no network.
func ExampleCache() {
	cache, err := larder.OpenCache(&larder.CacheOptions{
		MaxMemory: 64 << 20,          // 64 MiB of keys and values
		Policy:    "allkeys-tinylfu", // the default: at the bound, W-TinyLFU decides
	})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	if err := cache.Set("session:42", []byte("alice"), 30*time.Minute); err != nil {
		panic(err)
	}
	if v, ok := cache.Get("session:42"); ok {
		fmt.Printf("%s\n", v)
	}
	fmt.Println(cache.Len(), cache.Delete("session:42"), cache.Len())
	// Output:
	// alice
	// 1 true 0
}

// ExampleOpenCache runs a cache on a clock the program sets, as tests of TTLs do.
func ExampleOpenCache() {
	var now atomic.Int64 // unix ms
	now.Store(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	cache, err := larder.OpenCache(&larder.CacheOptions{
		Clock: func() time.Time { return time.UnixMilli(now.Load()) },
	})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	cache.Set("token", []byte("abc"), time.Minute)
	now.Add(59_000)
	_, ok := cache.Get("token")
	fmt.Println("after 59s:", ok)
	now.Add(2_000)
	_, ok = cache.Get("token")
	fmt.Println("after 61s:", ok)
	// Output:
	// after 59s: true
	// after 61s: false
}

// ExampleCache_GetAppend reads into one buffer, reused: a hit allocates nothing.
func ExampleCache_GetAppend() {
	cache, err := larder.OpenCache(nil)
	if err != nil {
		panic(err)
	}
	defer cache.Close()
	cache.Set("a", []byte("apple"), 0)
	cache.Set("b", []byte("banana"), 0)

	buf := make([]byte, 0, 64)
	for _, key := range []string{"a", "b", "c"} {
		var ok bool
		buf, ok = cache.GetAppend(buf[:0], key)
		fmt.Printf("%s: %q %v\n", key, buf, ok)
	}
	// Output:
	// a: "apple" true
	// b: "banana" true
	// c: "" false
}

// ExampleCache_Set shows a cache that refuses writes at its bound instead of evicting.
func ExampleCache_Set() {
	cache, err := larder.OpenCache(&larder.CacheOptions{MaxMemory: 16 << 10, Policy: "noeviction"})
	if err != nil {
		panic(err)
	}
	defer cache.Close()

	value := make([]byte, 1000)
	for i := range 1000 {
		err := cache.Set(fmt.Sprint("key:", i), value, 0)
		if errors.Is(err, larder.ErrOutOfMemory) {
			fmt.Println("full:", err)
			break
		}
	}
	// Output:
	// full: larder: cache is full: OOM command not allowed when used memory > 'maxmemory'.
}
