package ring

import (
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
)

// TestHashStable pins the hash functions: positions must be the same on every machine and in
// every version, or nodes would disagree on the assignment. The values were computed
// independently (FNV-1a 64 of the ID and the little-endian vnode index, then SplitMix64's
// finaliser, in Python).
func TestHashStable(t *testing.T) {
	for _, tc := range []struct {
		id   string
		v    int
		want uint64
	}{
		{"", 0, 0xaca6d6b54be3ed05},
		{"07c37dfeb235213a872192d90877d0cd55635b91", 0, 0x7313aa3b533d7b9a},
		{"07c37dfeb235213a872192d90877d0cd55635b91", 63, 0xf378731cd94de946},
		{"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca", 1, 0x13ac41f993978df3},
	} {
		if got := vnodePos(tc.id, tc.v); got != tc.want {
			t.Errorf("vnodePos(%q, %d) = %#x, want %#x", tc.id, tc.v, got, tc.want)
		}
	}
	if got, want := slotPos(0), uint64(1)<<49; got != want {
		t.Errorf("slotPos(0) = %#x, want %#x", got, want)
	}
	if got, want := slotPos(NumSlots-1), ^uint64(0)-(1<<49)+1; got != want {
		t.Errorf("slotPos(last) = %#x, want %#x", got, want)
	}
}

// fingerprint hashes the binary form of a.
func fingerprint(t *testing.T, a *Assignment) uint64 {
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// history builds a cluster of 12, removes three and adds two.
func history(t *testing.T, cfg Config) *Assignment {
	ids := nodeIDs(14, 3)
	a := mustBuild(t, cfg, ids[:12])
	a = mustLeave(t, a, ids[3])
	a = mustLeave(t, a, ids[0])
	a = mustJoin(t, a, ids[12])
	a = mustLeave(t, a, ids[11])
	return mustJoin(t, a, ids[13])
}

// TestDeterministic checks that the same history gives the same assignment, bit for bit, in
// this process and in any other: the fingerprints are pinned. A change to them is a change of
// the placement protocol: nodes of the old and new versions would disagree, so it needs a
// version bump in the cluster map.
func TestDeterministic(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want uint64
	}{
		{Config{}, 0x7fff36261a236ff4},
		{Config{RF: 3}, 0x6215f33736dffd64},
		{Config{RF: 2, VNodes: 7}, 0xe1d9a8fda609af00},
	} {
		a, b := history(t, tc.cfg), history(t, tc.cfg)
		if !a.Equal(b) {
			t.Fatalf("%+v: two runs of one history differ", tc.cfg)
		}
		if got := fingerprint(t, a); got != tc.want {
			t.Errorf("%+v: fingerprint %#x, want %#x", tc.cfg, got, tc.want)
		}
	}
}

func TestInputsUnchanged(t *testing.T) {
	ids := nodeIDs(6, 5)
	a := mustBuild(t, Config{RF: 2}, ids[:5])
	before := a.clone()
	mustJoin(t, a, ids[5])
	mustLeave(t, a, ids[2])
	if !a.Equal(before) {
		t.Fatal("Join or Leave changed its argument")
	}
}

func TestErrors(t *testing.T) {
	ids := nodeIDs(2, 1)
	a := mustBuild(t, Config{}, ids[:1])
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"RF 0 is 1", ignore(New(Config{RF: 0})), nil},
		{"RF 6", ignore(New(Config{RF: 6})), ErrConfig},
		{"RF -1", ignore(New(Config{RF: -1})), ErrConfig},
		{"VNodes too many", ignore(New(Config{VNodes: MaxVNodes + 1})), ErrConfig},
		{"empty ID", ignore(Join(a, Member{})), ErrMember},
		{"weight", ignore(Join(a, Member{ID: "x", Weight: MaxWeight + 1})), ErrMember},
		{"negative weight", ignore(Join(a, Member{ID: "x", Weight: -1})), ErrMember},
		{"duplicate", ignore(Join(a, Member{ID: ids[0]})), ErrDuplicate},
		{"unknown", ignore(Leave(a, ids[1])), ErrUnknown},
		{"last member", ignore(Leave(a, ids[0])), ErrLastMember},
		{"Build duplicate", ignore(Build(Config{}, members([]string{"a", "b", "a"}))), ErrDuplicate},
	} {
		if !errors.Is(tc.err, tc.want) || (tc.want == nil) != (tc.err == nil) {
			t.Errorf("%s: error %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if err := ignore(New(Config{RF: 9})); !strings.Contains(err.Error(), "RF 9") {
		t.Errorf("the error %q does not name the setting", err)
	}
}

func ignore(_ *Assignment, err error) error { return err }

func TestEmptyAndSingle(t *testing.T) {
	a, err := New(Config{RF: 3})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 0 || a.Primary(5) != "" || len(a.Owners(5)) != 0 || a.Ranges() != nil || a.Balance(0) != 0 {
		t.Fatal("an empty assignment is not empty")
	}
	b := mustJoin(t, a, "solo")
	if got := b.Ranges(); len(got) != 1 || got[0].Start != 0 || got[0].End != NumSlots-1 || !slices.Equal(got[0].Owners, []string{"solo"}) {
		t.Fatalf("one member: ranges %v", got)
	}
	if n := len(Moves(a, b)); n != NumSlots {
		t.Fatalf("bootstrap: %d moves, want %d", n, NumSlots)
	}
	if n := len(Moves(nil, b)); n != NumSlots {
		t.Fatalf("bootstrap from nil: %d moves, want %d", n, NumSlots)
	}
}

func TestRanges(t *testing.T) {
	a := mustBuild(t, Config{RF: 2}, nodeIDs(7, 2))
	rs := a.Ranges()
	next := 0
	for i, r := range rs {
		if r.Start != next || r.End < r.Start {
			t.Fatalf("range %d is %d-%d, want it to start at %d", i, r.Start, r.End, next)
		}
		for s := r.Start; s <= r.End; s++ {
			if !slices.Equal(a.Owners(s), r.Owners) {
				t.Fatalf("slot %d: owners %v, range says %v", s, a.Owners(s), r.Owners)
			}
		}
		if i > 0 && slices.Equal(rs[i-1].Owners, r.Owners) {
			t.Fatalf("ranges %d and %d have the same owners", i-1, i)
		}
		next = r.End + 1
	}
	if next != NumSlots {
		t.Fatalf("ranges end at %d", next)
	}
	// Slots lie in order on the ring, so a member owns runs of them, not scattered slots.
	if len(rs) > NumSlots/20 {
		t.Errorf("%d ranges for 7 members", len(rs))
	}
}

func TestSlotsAndCounts(t *testing.T) {
	ids := nodeIDs(5, 4)
	a := mustBuild(t, Config{RF: 3}, ids)
	for k := range 3 {
		total := 0
		for i, id := range ids {
			slots := a.Slots(id, k)
			if len(slots) != a.Counts(k)[i] {
				t.Fatalf("rank %d: %s has %d slots, Counts says %d", k, id[:8], len(slots), a.Counts(k)[i])
			}
			for _, s := range slots {
				if a.Owners(s)[k] != id {
					t.Fatalf("slot %d rank %d: owner %s, Slots says %s", s, k, a.Owners(s)[k], id[:8])
				}
			}
			total += len(slots)
		}
		if total != NumSlots {
			t.Fatalf("rank %d: %d slots", k, total)
		}
	}
	if a.Slots("nobody", 0) != nil || a.Slots(ids[0], 3) != nil {
		t.Fatal("Slots of no member or no rank is not empty")
	}
}

// TestWeights checks that members own slots in proportion to their weights, within a slot of
// their fair share, through joins and leaves.
func TestWeights(t *testing.T) {
	ids := nodeIDs(25, 8)
	ms := members(ids)
	for i := range ms {
		ms[i].Weight = 1 + i%4
	}
	check := func(a *Assignment) {
		t.Helper()
		w := 0
		for _, m := range a.members {
			w += m.Weight
		}
		for i, c := range a.Counts(0) {
			fair := float64(NumSlots*a.members[i].Weight) / float64(w)
			if float64(c) < fair-1 || float64(c) > fair+1 {
				t.Fatalf("%d members: weight %d owns %d slots, fair share %.1f", a.Len(), a.members[i].Weight, c, fair)
			}
		}
	}
	a, _ := New(Config{RF: 2})
	for _, m := range ms[:20] {
		b, err := Join(a, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, mv := range Moves(a, b) {
			if mv.To != m.ID {
				t.Fatalf("join: move %+v", mv)
			}
		}
		a = b
		check(a)
	}
	for _, id := range []string{ids[3], ids[10], ids[0]} {
		b := mustLeave(t, a, id)
		for _, mv := range Moves(a, b) {
			if mv.From != id {
				t.Fatalf("leave: move %+v", mv)
			}
		}
		a = b
		check(a)
	}
}

func TestCopies(t *testing.T) {
	ids := nodeIDs(5, 6)
	a := mustBuild(t, Config{RF: 2}, ids[:4])
	b := mustJoin(t, a, ids[4])
	added, dropped := Copies(a, b)
	if len(added) != len(dropped) || len(added) != len(b.Slots(ids[4], 0))+len(b.Slots(ids[4], 1)) {
		t.Fatalf("join: %d copies added, %d dropped; the joiner owns %d+%d", len(added), len(dropped), len(b.Slots(ids[4], 0)), len(b.Slots(ids[4], 1)))
	}
	// Leave promotes replicas where quotas allow: most primaries that move go to a node that
	// held the slot.
	c := mustLeave(t, b, ids[1])
	moves, promoted := Moves(b, c), 0
	for _, m := range moves {
		if slices.Contains(b.Owners(m.Slot), m.To) {
			promoted++
		}
	}
	t.Logf("leave: %d of %d new primaries held the slot", promoted, len(moves))
	if promoted < len(moves)*9/10 {
		t.Fatalf("leave: only %d of %d new primaries held the slot", promoted, len(moves))
	}
	added, dropped = Copies(nil, c)
	if len(added) != 2*NumSlots || len(dropped) != 0 {
		t.Fatalf("from nothing: %d added, %d dropped", len(added), len(dropped))
	}
}

func TestZeroAssignment(t *testing.T) {
	var z Assignment
	empty, _ := New(Config{})
	if !z.Equal(empty) || z.Check() != nil || z.Config() != empty.Config() || z.Primary(3) != "" {
		t.Fatal("the zero Assignment is not the empty one")
	}
	a, err := Join(&z, Member{ID: "one"})
	if err != nil || a.Primary(3) != "one" {
		t.Fatalf("Join to the zero Assignment: %v", err)
	}
	data, _ := z.MarshalBinary()
	var b Assignment
	if err := b.UnmarshalBinary(data); err != nil || !b.Equal(empty) {
		t.Fatalf("round trip of the zero Assignment: %v", err)
	}
}
