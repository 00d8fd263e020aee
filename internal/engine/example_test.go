package engine_test

import (
	"fmt"

	"github.com/larderdb/larder/internal/engine"
)

// Example shows one command's life: lock its keys, read and write, unlock.
func Example() {
	db, err := engine.Open(engine.Options{
		OnChange: func(c *engine.Change) { fmt.Println(c.Op, string(c.Key), c.Slot) },
	})
	if err != nil {
		panic(err)
	}
	defer db.Close()

	now := int64(1_700_000_000_000) // unix ms, from the caller's clock
	var t engine.Txn                // one per client, reused
	key := []byte("greeting")
	db.Begin(&t, now, key)
	t.SetString(key, []byte("hello"), now+60_000)
	if e := t.Get(key); e != nil {
		fmt.Println(string(e.Str), e.Kind(), e.Encoding(), e.ExpireAt()-now)
	}
	t.End()
	fmt.Println(db.Len(), engine.Slot(key))
	// Output:
	// set greeting 12714
	// hello string embstr 60000
	// 1 12714
}
