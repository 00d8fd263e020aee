package ring

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodingRoundTrip(t *testing.T) {
	for _, cfg := range []Config{{}, {RF: 3, VNodes: 5}, {RF: 5}} {
		for _, n := range []int{0, 1, 4, 9} {
			a, err := Build(cfg, members(nodeIDs(n, 11)))
			if err != nil {
				t.Fatal(err)
			}
			data, _ := a.MarshalBinary()
			var b Assignment
			if err := b.UnmarshalBinary(data); err != nil {
				t.Fatalf("%+v n=%d: %v", cfg, n, err)
			}
			if !a.Equal(&b) {
				t.Fatalf("%+v n=%d: the round trip changed the assignment", cfg, n)
			}
			// A decoded assignment works like the original.
			if n > 1 {
				x, y := mustLeave(t, a, a.members[1].ID), mustLeave(t, &b, a.members[1].ID)
				if !x.Equal(y) {
					t.Fatalf("%+v n=%d: Leave differs after a round trip", cfg, n)
				}
			}
		}
	}
}

func TestEncodingCorrupt(t *testing.T) {
	a := mustBuild(t, Config{RF: 2}, nodeIDs(3, 12))
	good, _ := a.MarshalBinary()
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"header", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), ErrCorrupt},
		{"truncated", good[:len(good)-1], ErrCorrupt},
		{"trailing", append(bytes.Clone(good), 0), ErrCorrupt},
		{"RF 0", mutate(func(b []byte) []byte { b[4] = 0; return b }), ErrCorrupt},
		{"RF 6", mutate(func(b []byte) []byte { b[4] = 6; return b }), ErrCorrupt},
		// The owners come last, two bytes each: make slot 0's replica its primary.
		{"owner twice", mutate(func(b []byte) []byte {
			o := len(b) - 2*2*NumSlots
			b[o+2], b[o+3] = b[o], b[o+1]
			return b
		}), ErrCorrupt},
		{"no such member", mutate(func(b []byte) []byte {
			o := len(b) - 2*2*NumSlots
			b[o], b[o+1] = 9, 0
			return b
		}), ErrCorrupt},
	} {
		var b Assignment
		err := b.UnmarshalBinary(tc.data)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
		if b.owners != nil {
			t.Errorf("%s: the failed decode changed the assignment", tc.name)
		}
	}
	dup := mustBuild(t, Config{}, []string{"aa", "ab"})
	data, _ := dup.MarshalBinary()
	data = bytes.Replace(data, []byte("ab"), []byte("aa"), 1)
	var b Assignment
	if err := b.UnmarshalBinary(data); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate IDs: error %v", err)
	}
}

// FuzzUnmarshal checks that any input either fails to decode or decodes to an assignment that
// passes Check and encodes back to the same bytes.
func FuzzUnmarshal(f *testing.F) {
	for _, n := range []int{0, 1, 3} {
		a, _ := Build(Config{RF: 2, VNodes: 3}, members(nodeIDs(n, 13)))
		data, _ := a.MarshalBinary()
		f.Add(data)
	}
	f.Add([]byte("LRG1\x01\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Assignment
		if a.UnmarshalBinary(data) != nil {
			return
		}
		if err := a.Check(); err != nil {
			t.Fatalf("decoded an assignment that fails Check: %v", err)
		}
		again, _ := a.MarshalBinary()
		if !bytes.Equal(again, data) {
			t.Fatal("decode and encode changed the bytes")
		}
	})
}
