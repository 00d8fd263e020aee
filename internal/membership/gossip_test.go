package membership

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

func testLogger() *slog.Logger {
	if os.Getenv("LARDER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func id(i int) string { return fmt.Sprintf("%040x", i) }

func start(t *testing.T, i int, cluster string, compat func(Meta) error) *Gossip {
	t.Helper()
	g, err := Start(Config{
		Meta:       Meta{ID: id(i), ClientAddr: "127.0.0.1:7379", BusAddr: "127.0.0.1:17379", Version: "0.1.0", ClusterID: cluster},
		Compatible: compat,
		Logger:     testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	for _, m := range []Meta{
		{},
		{ID: id(1), ClientAddr: "127.0.0.1:7379", BusAddr: "[::1]:17379", GossipAddr: "10.0.0.1:27379", Version: "0.1.0", ClusterID: strings.Repeat("c", 32)},
		{ID: strings.Repeat("é", 200)},
	} {
		got, err := decodeMeta(m.encode())
		if err != nil || got != m {
			t.Fatalf("round trip of %+v: %+v, %v", m, got, err)
		}
	}
	good := Meta{ID: id(1), Version: "0.1.0"}.encode()
	for i := range good { // every truncation fails cleanly
		if _, err := decodeMeta(good[:i]); err == nil && i < len(good) {
			t.Fatalf("truncated at %d decoded", i)
		}
	}
	if _, err := decodeMeta([]byte{2, 0, 0, 0, 0, 0, 0}); err == nil {
		t.Fatal("unknown version decoded")
	}
}

func FuzzDecodeMeta(f *testing.F) {
	f.Add(Meta{ID: id(1), Version: "0.1.0"}.encode())
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMeta(b)
		if err == nil {
			if m2, err := decodeMeta(m.encode()); err != nil || m2 != m {
				t.Fatalf("re-encode of %+v: %+v %v", m, m2, err)
			}
		}
	})
}

func TestJoinAndDetectDeath(t *testing.T) {
	const cluster = "c1"
	gs := []*Gossip{start(t, 1, cluster, nil), start(t, 2, cluster, nil), start(t, 3, cluster, nil)}
	events, stop := gs[0].Watch()
	defer stop()
	for _, g := range gs[1:] {
		if _, err := g.Join([]string{gs[0].Addr()}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "everyone to see everyone", 5*time.Second, func() bool {
		for _, g := range gs {
			for i := 1; i <= 3; i++ {
				if st, ok := g.Status(id(i)); !ok || st != Alive {
					return false
				}
			}
		}
		return true
	})
	m, _ := gs[0].Status(id(2))
	if m != Alive {
		t.Fatal(m)
	}
	for _, mb := range gs[0].Members() {
		if mb.Meta.ID == id(2) && (mb.Meta.GossipAddr != gs[1].Addr() || mb.Meta.ClusterID != cluster) {
			t.Fatalf("metadata %+v", mb.Meta)
		}
	}

	// Kill node 3 without a goodbye: declared dead in about a second.
	killed := time.Now()
	gs[2].Close()
	waitFor(t, "node 3 declared dead", 5*time.Second, func() bool {
		st, _ := gs[0].Status(id(3))
		return st == Dead
	})
	took := time.Since(killed)
	t.Logf("failure detected in %v", took)
	if took > 3*time.Second {
		t.Errorf("failure detection took %v", took)
	}
	var sawDead bool
	var seen []Status
	for !sawDead {
		select {
		case ev := <-events:
			if ev.Node.ID == id(3) {
				seen = append(seen, ev.Status)
			}
			sawDead = ev.Node.ID == id(3) && ev.Status == Dead
		default:
			t.Fatalf("no Dead event for node 3; events %v", seen)
		}
	}
	t.Logf("node 3 events: %v", seen)

	// A graceful leave is Left, not Dead.
	if err := gs[1].Leave(time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node 2 to leave", 5*time.Second, func() bool {
		st, _ := gs[0].Status(id(2))
		return st == Left
	})
}

func TestRefusesOtherCluster(t *testing.T) {
	a := start(t, 1, "cluster-a", nil)
	b := start(t, 2, "cluster-b", nil)
	_, err := b.Join([]string{a.Addr()})
	if !errors.Is(err, ErrOtherCluster) {
		t.Fatalf("got %v, want ErrOtherCluster", err)
	}
	time.Sleep(300 * time.Millisecond) // a few probe rounds
	if _, ok := a.Status(id(2)); ok {
		t.Fatal("cluster A took in a node of cluster B")
	}
	if _, ok := b.Status(id(1)); ok {
		t.Fatal("cluster B took in a node of cluster A")
	}
}

func TestRefusesIncompatible(t *testing.T) {
	// Each node checks peers against its own version, as topology.Compatible does.
	compat := func(own string) func(Meta) error {
		return func(p Meta) error {
			if p.Version[0] != own[0] {
				return fmt.Errorf("version %s, this node %s", p.Version, own)
			}
			return nil
		}
	}
	a := start(t, 1, "c", compat("0.1.0"))
	g, err := Start(Config{Meta: Meta{ID: id(2), Version: "9.0.0", ClusterID: "c"}, Compatible: compat("9.0.0"), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Join([]string{a.Addr()}); !errors.Is(err, ErrIncompatible) {
		t.Fatalf("got %v, want ErrIncompatible", err)
	}
}

func TestSetMeta(t *testing.T) {
	a := start(t, 1, "", nil)
	b := start(t, 2, "", nil)
	if _, err := b.Join([]string{a.Addr()}); err != nil {
		t.Fatal(err)
	}
	m := b.Meta()
	m.ClusterID = "c"
	if err := b.SetMeta(m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new metadata to spread", 5*time.Second, func() bool {
		for _, mb := range a.Members() {
			if mb.Meta.ID == id(2) && mb.Meta.ClusterID == "c" {
				return true
			}
		}
		return false
	})
}
