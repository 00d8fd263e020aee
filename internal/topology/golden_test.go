package topology

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "github.com/larderdb/larder/internal/topology/topologypb"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// dump writes m as text: members, slot ranges by owners, migrations by
// route. Ids are shortened to their last 2 digits.
func dump(m *Map) string {
	short := func(id string) string { return id[len(id)-2:] }
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %d rf %d voters %d\n", m.Epoch, m.Replicas, m.Voters)
	for _, mb := range m.Members {
		fmt.Fprintf(&b, "  member %s order %d %s voter=%v failed=%v\n", short(mb.ID), mb.JoinOrder, mb.State, mb.Voter, mb.Failed)
	}
	for s := 0; s < NumSlots; {
		ow := m.Owners(s)
		e := s
		for e+1 < NumSlots && slices.Equal(m.Owners(e+1), ow) {
			e++
		}
		names := make([]string, len(ow))
		for i, id := range ow {
			names[i] = short(id)
		}
		fmt.Fprintf(&b, "  slots %d-%d %s\n", s, e, strings.Join(names, ","))
		s = e + 1
	}
	routes := map[string]int{}
	for _, mg := range m.Migrations() {
		routes[short(mg.From)+"->"+short(mg.To)]++
	}
	keys := make([]string, 0, len(routes))
	for k := range routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  moving %s: %d slots\n", k, routes[k])
	}
	return b.String()
}

// TestGoldenLifecycle walks a cluster through joins, finished migrations,
// a drain and a removal at RF 2, and compares each map with
// testdata/lifecycle.golden (go test -run Golden -rewrite to regenerate).
func TestGoldenLifecycle(t *testing.T) {
	f := bootstrapped(t, 2)
	idx := uint64(1)
	var out strings.Builder
	step := func(what string) {
		fmt.Fprintf(&out, "# %s\n%s\n", what, dump(f.cur.Load()))
	}
	step("bootstrap 01")
	join(t, f, &idx, nid(2))
	step("join 02")
	moveAll(t, f, &idx)
	step("slots moved")
	join(t, f, &idx, nid(3))
	step("join 03")
	moveAll(t, f, &idx)
	step("slots moved")
	drain(t, f, &idx, nid(2))
	step("drain 02")
	moveAll(t, f, &idx)
	step("slots moved")
	idx++
	if err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_Remove{Remove: &pb.Remove{Id: nid(2)}}}); err != nil {
		t.Fatal(err)
	}
	idx++
	if err := applyTo(t, f, idx, &pb.Entry{Op: &pb.Entry_SetFailed{SetFailed: &pb.SetFailed{Id: nid(3), Failed: true}}}); err != nil {
		t.Fatal(err)
	}
	step("remove 02, 03 failed")

	path := filepath.Join("testdata", "lifecycle.golden")
	if *rewrite {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("map history differs from %s (run with -rewrite after checking):\n%s", path, got)
	}
}
