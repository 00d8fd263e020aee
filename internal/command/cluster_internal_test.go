package command

import (
	"io"
	"log/slog"
	"testing"

	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// standaloneConfig returns the default settings with cluster-enabled no: the
// internal tests check Redis's standalone semantics, keys in any slots.
func standaloneConfig() *config.Store {
	cfg, err := config.NewStoreWith([][2]string{{"cluster-enabled", "no"}})
	if err != nil {
		panic(err)
	}
	return cfg
}

func TestAskingSurvives(t *testing.T) {
	tab := newTable(multiCommands, connCommands, stringCommands, clusterCommands)
	for _, tc := range []struct {
		cmd   string
		multi bool
		want  bool
	}{
		{"get", false, false}, {"get", true, true}, {"multi", false, true},
		{"exec", true, false}, {"discard", true, false}, {"reset", true, false},
		{"asking", false, false}, // ASKING sets the flag again itself
	} {
		x := &Ctx{}
		x.tx.on = tc.multi
		if got := askingSurvives(x, tab.Lookup([]byte(tc.cmd))); got != tc.want {
			t.Errorf("%s (multi %v): survives = %v, want %v", tc.cmd, tc.multi, got, tc.want)
		}
	}
}

// newClusterBenchCtx is newStrBenchCtx in cluster mode with view (nil: the
// default cluster of one).
func newClusterBenchCtx(tb testing.TB, view ClusterView) (*Server, *Ctx) {
	tb.Helper()
	db, err := engine.Open(engine.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	s := New(Options{DB: db, Config: config.NewStore(), Logger: slog.New(slog.DiscardHandler), Cluster: view})
	x := &Ctx{W: resp.NewWriter(io.Discard, 0)}
	s.Connect(&Client{LAddr: "127.0.0.1:7379"}, x)
	tb.Cleanup(func() { s.Disconnect(x) })
	return s, x
}

// halfView returns a view of two nodes, this one serving slots 0-8191.
func halfView(tb testing.TB) ClusterView {
	me, other := clusterview.NewID(), clusterview.NewID()
	v, err := clusterview.NewStatic(clusterview.Map{Me: me, Nodes: []clusterview.Node{
		{ID: me, Host: "127.0.0.1", Port: 7001, Slots: []clusterview.SlotRange{{Start: 0, End: 8191}}},
		{ID: other, Host: "127.0.0.1", Port: 7002, Slots: []clusterview.SlotRange{{Start: 8192, End: 16383}}},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// BenchmarkDispatchCluster measures what the cluster check adds to GET:
// cluster mode off, a cluster of one, and a key this node serves in a
// cluster of two; and MGET of two keys under one hash tag.
func BenchmarkDispatchCluster(b *testing.B) {
	key := []byte("key:000001") // slot 6153: served by this node in halfView
	tagged := [][]byte{[]byte("MGET"), []byte("{key:000001}a"), []byte("{key:000001}b")}
	for _, mode := range []string{"off", "one", "two"} {
		for _, cmd := range []string{"get", "mget"} {
			b.Run("cluster="+mode+"/cmd="+cmd, func(b *testing.B) {
				var s *Server
				var x *Ctx
				switch mode {
				case "off":
					s, x = newStrBenchCtx(b, io.Discard)
				case "one":
					s, x = newClusterBenchCtx(b, nil)
				case "two":
					s, x = newClusterBenchCtx(b, halfView(b))
				}
				x.Args = [][]byte{[]byte("SET"), key, []byte("value")}
				s.Dispatch(x)
				x.Args = [][]byte{[]byte("GET"), key}
				if cmd == "mget" {
					x.Args = tagged
				}
				b.ReportAllocs()
				for b.Loop() {
					s.Dispatch(x)
					x.W.Flush()
				}
			})
		}
	}
}

// TestDispatchClusterNoAlloc checks that the cluster check allocates nothing
// for commands this node serves.
func TestDispatchClusterNoAlloc(t *testing.T) {
	for _, view := range []ClusterView{nil, halfView(t)} {
		s, x := newClusterBenchCtx(t, view)
		if engine.Slot([]byte("key:000001")) >= 8192 {
			t.Fatal("key:000001 is not in the first half of the slots")
		}
		for _, args := range [][][]byte{
			{[]byte("SET"), []byte("key:000001"), []byte("value")},
			{[]byte("GET"), []byte("key:000001")},
			{[]byte("MGET"), []byte("{key:000001}a"), []byte("{key:000001}b")},
			{[]byte("PING")},
		} {
			x.Args = args
			s.Dispatch(x) // warm up
			if n := testing.AllocsPerRun(100, func() { s.Dispatch(x); x.W.Flush() }); n != 0 {
				t.Errorf("%q (view %T): %.1f allocations", args, view, n)
			}
		}
	}
}

// BenchmarkRouteCluster measures the cluster check alone for GET of a key
// this node serves, and for MGET of two keys under one hash tag.
func BenchmarkRouteCluster(b *testing.B) {
	for _, mode := range []string{"one", "two"} {
		for _, args := range [][][]byte{
			{[]byte("GET"), []byte("key:000001")},
			{[]byte("MGET"), []byte("{key:000001}a"), []byte("{key:000001}b")},
		} {
			b.Run("cluster="+mode+"/cmd="+string(args[0]), func(b *testing.B) {
				var view ClusterView
				if mode == "two" {
					view = halfView(b)
				}
				s, x := newClusterBenchCtx(b, view)
				x.Args = args
				cmd := s.table.Lookup(args[0])
				b.ReportAllocs()
				for b.Loop() {
					if !s.routeCluster(x, cmd) {
						b.Fatal("refused")
					}
				}
			})
		}
	}
}
