package command

import (
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/engine"
)

// This file holds WATCH and UNWATCH, the registry of watched keys, and
// OnChange, where the engine's change stream enters the command layer.
//
// A WATCHed key is broken by any change the engine publishes for it: a
// write, a deletion (by a command, by expiry, lazy or active, or by
// eviction), a TTL change, a FLUSHALL. OnChange marks every client watching
// the key with clientDirtyCAS, and EXEC, which runs with every shard locked,
// fails when the flag is set. Lock order: shard locks, then
// watchRegistry.mu.

// watch is one key WATCHed by one client.
type watch struct {
	key string
	c   *Client
	// existed is whether the key was in the keyspace (live or not yet
	// reclaimed) while the watch was unbroken: FLUSHALL breaks only those.
	existed bool
	// stale is whether the key had expired, but was still present, when
	// WATCHed: reclaiming it is then no change (Redis's watchedKey.expired).
	stale bool
}

// watchRegistry maps each WATCHed key to the watches on it.
type watchRegistry struct {
	// n counts the watches, so that OnChange costs one atomic load while
	// nobody watches anything.
	n atomic.Int64

	mu   sync.Mutex // guards keys and the existed and stale fields of every watch
	keys map[string][]*watch
}

// add registers w.
func (r *watchRegistry) add(w *watch) {
	r.mu.Lock()
	if r.keys == nil {
		r.keys = make(map[string][]*watch)
	}
	r.keys[w.key] = append(r.keys[w.key], w)
	r.n.Add(1)
	r.mu.Unlock()
}

// remove unregisters the watches in ws.
func (r *watchRegistry) remove(ws map[string]*watch) {
	r.mu.Lock()
	for k, w := range ws {
		list := r.keys[k]
		for i, o := range list {
			if o == w {
				list[i] = list[len(list)-1]
				list[len(list)-1] = nil
				list = list[:len(list)-1]
				break
			}
		}
		if len(list) == 0 {
			delete(r.keys, k)
		} else {
			r.keys[k] = list
		}
	}
	r.n.Add(-int64(len(ws)))
	r.mu.Unlock()
}

// touch breaks the watches that change c affects: those on c.Key, or for
// OpFlush those on keys that were present. Reclaiming a key that had already
// expired when WATCHed breaks nothing, as in Redis 7.0.
func (r *watchRegistry) touch(c *engine.Change) {
	if r.n.Load() == 0 {
		return
	}
	r.mu.Lock()
	if c.Op == engine.OpFlush {
		for _, list := range r.keys {
			for _, w := range list {
				switch {
				case w.stale:
					w.stale = false
				case w.existed:
					w.c.setFlag(clientDirtyCAS, true)
				}
				w.existed = false
			}
		}
	} else {
		for _, w := range r.keys[string(c.Key)] {
			if w.stale && c.Op == engine.OpDel {
				w.stale, w.existed = false, false
				continue
			}
			w.c.setFlag(clientDirtyCAS, true)
		}
	}
	r.mu.Unlock()
}

// expiredSince reports whether a key in ws that was live when WATCHed has
// expired since, without being reclaimed (Redis's isWatchedKeyExpired). t
// must hold the shards of every key in ws.
func (r *watchRegistry) expiredSince(t *engine.Txn, ws map[string]*watch) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range ws {
		if w.stale {
			continue
		}
		if _, exp := t.Present([]byte(w.key)); exp {
			return true
		}
	}
	return false
}

// OnChange receives every change of the keyspace from the engine's change
// stream (engine.Options.OnChange), with the key's shard lock held (every
// shard for OpFlush). It fans the change out to the features that follow
// the keyspace; each must be quick, must not call into the DB and must not
// keep c. Add further consumers (keyspace notifications...) below.
func (s *Server) OnChange(c *engine.Change) {
	s.watches.touch(c)
	s.notifyChange(c) // keyspace notifications of expiries and evictions (notify.go)
}

// cmdWatch implements WATCH key [key ...]: the next EXEC fails if any of
// the keys changes first. Dispatch holds the keys' shards, so a key's state
// is read and its watch registered with no change in between.
func cmdWatch(x *Ctx) {
	if x.tx.on {
		x.Err("ERR WATCH inside MULTI is not allowed")
		return
	}
	if x.C.hasFlag(clientDirtyCAS) { // EXEC fails anyway
		x.OK()
		return
	}
	m := &x.tx
	for _, k := range x.Args[1:] {
		if _, ok := m.watched[string(k)]; ok {
			continue
		}
		present, expired := x.Txn.Present(k)
		w := &watch{key: string(k), c: x.C, existed: present, stale: expired}
		if m.watched == nil {
			m.watched = make(map[string]*watch)
		}
		m.watched[w.key] = w
		x.Srv.watches.add(w)
	}
	x.OK()
}

// cmdUnwatch implements UNWATCH.
func cmdUnwatch(x *Ctx) {
	x.Srv.unwatchAll(x)
	x.OK()
}

// unwatchAll forgets x's watches and clears its dirty flag.
func (s *Server) unwatchAll(x *Ctx) {
	if len(x.tx.watched) > 0 {
		s.watches.remove(x.tx.watched)
		if len(x.tx.watched) > 64 {
			x.tx.watched = nil // let a big set go
		} else {
			clear(x.tx.watched)
		}
	}
	x.C.setFlag(clientDirtyCAS, false)
}
