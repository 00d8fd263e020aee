package command

import (
	"testing"

	"github.com/larderdb/larder/internal/engine"
)

// TestWatchRegistryTouch checks which changes break which watches, one
// case at a time, against the rules of Redis 7.0's touchWatchedKey and
// touchAllWatchedKeysInDb.
func TestWatchRegistryTouch(t *testing.T) {
	set := &engine.Change{Op: engine.OpSet, Key: []byte("k")}
	expire := &engine.Change{Op: engine.OpExpire, Key: []byte("k")}
	del := &engine.Change{Op: engine.OpDel, Key: []byte("k")}
	expired := &engine.Change{Op: engine.OpDel, Reason: engine.ReasonExpired, Key: []byte("k")}
	evicted := &engine.Change{Op: engine.OpDel, Reason: engine.ReasonEvicted, Key: []byte("k")}
	other := &engine.Change{Op: engine.OpSet, Key: []byte("other")}
	flush := &engine.Change{Op: engine.OpFlush}
	for _, tc := range []struct {
		name           string
		existed, stale bool
		changes        []*engine.Change
		dirty          bool
	}{
		{"nothing", true, false, nil, false},
		{"other key", true, false, []*engine.Change{other}, false},
		{"set", true, false, []*engine.Change{set}, true},
		{"set absent", false, false, []*engine.Change{set}, true},
		{"expire", true, false, []*engine.Change{expire}, true},
		{"del", true, false, []*engine.Change{del}, true},
		{"expired", true, false, []*engine.Change{expired}, true},
		{"evicted", true, false, []*engine.Change{evicted}, true},
		{"flush present", true, false, []*engine.Change{flush}, true},
		{"flush absent", false, false, []*engine.Change{flush}, false},
		{"stale reclaimed", true, true, []*engine.Change{expired}, false},
		{"stale flushed", true, true, []*engine.Change{flush}, false},
		{"stale overwritten", true, true, []*engine.Change{set}, true},
		{"stale reclaimed then set", true, true, []*engine.Change{expired, set}, true},
		{"stale reclaimed then flush", true, true, []*engine.Change{expired, flush}, false},
		{"flush absent then set", false, false, []*engine.Change{flush, set}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r watchRegistry
			c := &Client{}
			w := &watch{key: "k", c: c, existed: tc.existed, stale: tc.stale}
			r.add(w)
			for _, ch := range tc.changes {
				r.touch(ch)
			}
			if got := c.hasFlag(clientDirtyCAS); got != tc.dirty {
				t.Errorf("dirty = %v, want %v", got, tc.dirty)
			}
		})
	}
}

func TestWatchRegistryAddRemove(t *testing.T) {
	var r watchRegistry
	a, b := &Client{}, &Client{}
	wa := map[string]*watch{"k": {key: "k", c: a}, "j": {key: "j", c: a}}
	wb := map[string]*watch{"k": {key: "k", c: b}}
	for _, ws := range []map[string]*watch{wa, wb} {
		for _, w := range ws {
			r.add(w)
		}
	}
	if n := r.n.Load(); n != 3 {
		t.Fatalf("n = %d, want 3", n)
	}
	r.remove(wa)
	if n := r.n.Load(); n != 1 || len(r.keys) != 1 || len(r.keys["k"]) != 1 {
		t.Fatalf("after removing a: n = %d, keys = %v", r.n.Load(), r.keys)
	}
	// Only b is left watching k.
	r.touch(&engine.Change{Op: engine.OpSet, Key: []byte("k")})
	if a.hasFlag(clientDirtyCAS) || !b.hasFlag(clientDirtyCAS) {
		t.Errorf("dirty a=%v b=%v, want false true", a.hasFlag(clientDirtyCAS), b.hasFlag(clientDirtyCAS))
	}
	r.remove(wb)
	if r.n.Load() != 0 || len(r.keys) != 0 {
		t.Errorf("after removing all: n = %d, keys = %v", r.n.Load(), r.keys)
	}
	r.touch(&engine.Change{Op: engine.OpFlush}) // nobody watches: nothing to do
}

func TestCopyArgs(t *testing.T) {
	buf := []byte("SETkeyvalue")
	args := [][]byte{buf[0:3], buf[3:6], buf[6:11], {}}
	got := copyArgs(args)
	copy(buf, "XXXXXXXXXXX")
	want := []string{"SET", "key", "value", ""}
	for i, a := range got {
		if string(a) != want[i] {
			t.Errorf("arg %d = %q, want %q", i, a, want[i])
		}
	}
	// Appending to one argument must not overwrite the next.
	_ = append(got[0], '!')
	if string(got[1]) != "key" {
		t.Errorf("append to arg 0 changed arg 1 to %q", got[1])
	}
}
