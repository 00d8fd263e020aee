package evict_test

import (
	"fmt"

	"github.com/larderdb/larder/internal/evict"
)

// A read-through cache of 1000 bytes: misses insert, and the cache deletes what Insert returns.
func ExampleNew() {
	p := evict.New(1000)
	stored := map[uint64]int64{} // the cache's own keys and sizes
	var victims []uint64
	read := func(h uint64, size int64) {
		if p.Access(h) {
			return
		}
		stored[h] = size
		victims = p.Insert(h, size, victims[:0])
		for _, v := range victims {
			delete(stored, v)
		}
	}
	for range 5 {
		for h := uint64(1); h <= 8; h++ { // eight popular keys of 100 bytes
			read(h, 100)
		}
	}
	read(1000, 900) // one large value, requested once
	fmt.Println(len(stored), p.Len(), p.Bytes())
	p.Remove(1)
	delete(stored, 1)
	fmt.Println(len(stored), p.Len(), p.Bytes())
	// Output:
	// 8 8 800
	// 7 7 700
}
