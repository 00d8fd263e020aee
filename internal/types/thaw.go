// Package types gathers the collection values (hash, list, set, zset) for the engine: Thaw
// rebuilds a value from the compact bytes the engine keeps in its arena.
package types

import (
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types/hash"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/internal/types/zset"
)

// Thaw returns the value of kind whose compact encoding (engine.Compact) is b, copying b.
// It is the engine's Options.Thaw.
func Thaw(kind engine.Kind, b []byte) engine.Object {
	switch kind {
	case engine.KindHash:
		return hash.Thaw(b)
	case engine.KindSet:
		return set.Thaw(b)
	case engine.KindZSet:
		return zset.Thaw(b)
	}
	panic("types: no compact encoding for " + kind.String())
}
