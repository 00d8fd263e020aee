package migrate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/larderdb/larder/internal/engine"
	pb "github.com/larderdb/larder/internal/migrate/migratepb"
)

// TestBatchSplit applies the same records whole, split byte by byte, and split at random
// points across frames marked partial: the target ends the same every time.
func TestBatchSplit(t *testing.T) {
	src := newNode(t, "src", SourceOptions{}, TargetOptions{})
	var recs []byte
	for i := range 50 {
		k := fmt.Sprint("{x}", i)
		src.setString(k, fmt.Sprint("value", i, string(make([]byte, i*13))), int64(i%2)*(t0+5000))
		src.do(k, func(txn *engine.Txn, kb []byte) {
			v, err := AppendValue(nil, txn.Peek(kb))
			if err != nil {
				t.Fatal(err)
			}
			recs = appendSet(recs, kb, txn.Peek(kb).ExpireAt(), v)
		})
	}
	recs = appendDel(recs, []byte("{x}3"))
	slot := engine.Slot([]byte("{x}"))
	want := src.contents([]uint16{slot})
	delete(want, "{x}3")

	rng := rand.New(rand.NewPCG(1, 1))
	splits := map[string]func() []int{
		"whole": func() []int { return nil },
		"byte-by-byte": func() []int {
			s := make([]int, len(recs)-1)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"random": func() []int {
			var s []int
			for at := rng.IntN(200) + 1; at < len(recs); at += rng.IntN(200) + 1 {
				s = append(s, at)
			}
			return s
		},
	}
	for name, split := range splits {
		t.Run(name, func(t *testing.T) {
			dst := newNode(t, "dst", SourceOptions{}, TargetOptions{})
			x := &importer{t: dst.tgt, slots: []uint16{slot}, in: map[uint16]bool{slot: true}}
			prev := 0
			for _, at := range append(split(), len(recs)) {
				b := &pb.Batch{Records: recs[prev:at], Partial: at < len(recs)}
				if err := x.batch(b); err != nil {
					t.Fatal(err)
				}
				prev = at
			}
			if d := diff(want, dst.contents([]uint16{slot})); d != "" {
				t.Fatal(d)
			}
			// A key of a slot not in the session is refused.
			bad := appendSet(nil, []byte("elsewhere"), 0, []byte{})
			if err := x.batch(&pb.Batch{Records: bad}); err == nil {
				t.Fatal("a key of another slot was accepted")
			}
		})
	}
}
