package ring

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// nodeIDs returns n distinct node IDs of 40 hex characters, as Redis Cluster's, drawn from a
// generator seeded with seed.
func nodeIDs(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0x1a2d))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32())
	}
	return ids
}

func members(ids []string) []Member {
	ms := make([]Member, len(ids))
	for i, id := range ids {
		ms[i] = Member{ID: id}
	}
	return ms
}

func mustBuild(t testing.TB, cfg Config, ids []string) *Assignment {
	t.Helper()
	a, err := Build(cfg, members(ids))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustJoin(t testing.TB, a *Assignment, id string) *Assignment {
	t.Helper()
	b, err := Join(a, Member{ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustLeave(t testing.TB, a *Assignment, id string) *Assignment {
	t.Helper()
	b, err := Leave(a, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// maxBalance is the largest max/mean primary share the issue allows.
const maxBalance = 1.02

// joinBound is the most primary slots a join to n members may move.
func joinBound(n int) float64 { return 1.05 * NumSlots / float64(n+1) }
