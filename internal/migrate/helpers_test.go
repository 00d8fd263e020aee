package migrate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/types"
	"github.com/larderdb/larder/internal/types/hash"
	"github.com/larderdb/larder/internal/types/list"
	"github.com/larderdb/larder/internal/types/set"
	"github.com/larderdb/larder/internal/types/zset"
)

// t0 is the fake time tests start at, in unix ms.
const t0 = int64(1_700_000_000_000)

// node is one engine with its hub, source and target, and a gRPC server on a loopback port.
type node struct {
	name  string
	db    *engine.DB
	hub   *Hub
	src   *Source
	tgt   *Target
	srv   *grpc.Server
	addr  string
	clock atomic.Int64 // unix ms
	flips atomic.Int32

	// onFlip, when set, runs inside Flip (the slots are paused).
	onFlip func(target string, slots []uint16) error
}

// logger returns a logger writing to the test log at level debug (quiet unless -v).
func logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newNode starts a node; everything stops at cleanup.
func newNode(t testing.TB, name string, so SourceOptions, to TargetOptions, eo ...engine.Options) *node {
	t.Helper()
	n := &node{name: name, hub: new(Hub)}
	n.clock.Store(t0)
	clock := func() int64 { return n.clock.Load() }
	var o engine.Options
	if len(eo) > 0 {
		o = eo[0]
	}
	o.Shards, o.Thaw, o.OnChange, o.Clock, o.Seed = 16, types.Thaw, Fanout(n.hub.OnChange), clock, 7
	db, err := engine.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	n.db = db
	if so.Logger == nil {
		so.Logger = logger(t)
	}
	if to.Logger == nil {
		to.Logger = logger(t)
	}
	so.Clock, to.Clock = clock, clock
	so.ID = name
	if so.Flip == nil {
		so.Flip = func(ctx context.Context, target string, slots []uint16) error {
			n.flips.Add(1)
			if n.onFlip != nil {
				return n.onFlip(target, slots)
			}
			return nil
		}
	}
	n.src = NewSource(db, n.hub, so)
	n.tgt = NewTarget(db, n.hub, to)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.addr = ln.Addr().String()
	n.srv = grpc.NewServer()
	Register(n.srv, n.tgt)
	done := make(chan struct{})
	go func() { defer close(done); _ = n.srv.Serve(ln) }()
	t.Cleanup(func() {
		n.srv.Stop()
		<-done
		db.Close()
	})
	return n
}

// dial returns a client connection to n's server, closed at cleanup.
func dial(t testing.TB, n *node) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(n.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// do runs fn in a Txn holding key, at the node's clock.
func (n *node) do(key string, fn func(t *engine.Txn, k []byte)) {
	var txn engine.Txn
	k := []byte(key)
	n.db.Begin(&txn, n.clock.Load(), k)
	fn(&txn, k)
	txn.End()
}

func (n *node) setString(key, val string, at int64) {
	n.do(key, func(t *engine.Txn, k []byte) { t.SetString(k, []byte(val), at) })
}

func (n *node) setObj(key string, obj engine.Object, at int64) {
	n.do(key, func(t *engine.Txn, k []byte) { t.SetObject(k, obj, at) })
}

func (n *node) del(key string) {
	n.do(key, func(t *engine.Txn, k []byte) { t.Delete(k) })
}

// norm is a value in a form that compares equal across encodings: the kind, the expiry and
// the elements (sorted where order means nothing).
type norm struct {
	kind     engine.Kind
	expireAt int64
	elems    string
}

func normalize(e *engine.Entry) norm {
	r := norm{kind: e.Kind(), expireAt: e.ExpireAt()}
	var parts []string
	switch o := e.Obj.(type) {
	case nil:
		r.elems = string(e.Str)
		return r
	case *list.List:
		it := o.Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			parts = append(parts, string(v))
		}
		r.elems = strings.Join(parts, "\x00")
		return r
	case set.Set:
		o.Range(func(m []byte) bool { parts = append(parts, string(m)); return true })
	case hash.Hash:
		o.Range(func(f, v []byte) bool { parts = append(parts, string(f)+"="+string(v)); return true })
	case *zset.ZSet:
		o.Each(func(m []byte, s float64) bool {
			parts = append(parts, fmt.Sprintf("%s@%x", m, math.Float64bits(s)))
			return true
		})
	default:
		panic(fmt.Sprintf("value of type %T", o))
	}
	sort.Strings(parts)
	r.elems = strings.Join(parts, "\x00")
	return r
}

// contents returns every live key of slots with its normalized value.
func (n *node) contents(slots []uint16) map[string]norm {
	out := map[string]norm{}
	for _, sl := range slots {
		var it engine.SlotIter
		for done := false; !done; {
			n.db.ViewSlot(sl, n.clock.Load(), func(v *engine.SlotView) {
				done = v.Next(&it, 1<<30, func(k []byte, e *engine.Entry) bool {
					out[string(k)] = normalize(e)
					return true
				})
			})
		}
	}
	return out
}

// diff describes how two contents differ ("" when equal), naming a few keys.
func diff(want, got map[string]norm) string {
	var b strings.Builder
	bad := 0
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		w, wok := want[k]
		g, gok := got[k]
		if wok == gok && w == g {
			continue
		}
		bad++
		if bad <= 5 {
			fmt.Fprintf(&b, "  %q: want %v (%v), got %v (%v)\n", k, w, wok, g, gok)
		}
	}
	if bad == 0 {
		return ""
	}
	return fmt.Sprintf("%d keys differ (of %d wanted, %d found):\n%s", bad, len(want), len(got), b.String())
}

// slotsOf returns the distinct slots of keys, sorted.
func slotsOf(keys []string) []uint16 {
	var out []uint16
	for _, k := range keys {
		out = append(out, engine.Slot([]byte(k)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// allSlots returns 0..NumSlots-1.
func allSlots() []uint16 {
	s := make([]uint16, engine.NumSlots)
	for i := range s {
		s[i] = uint16(i)
	}
	return s
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var _ = io.EOF
var _ sync.Mutex

// quiet returns a logger that drops everything.
func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// grpcInsecure is the dial option of plaintext loopback connections.
func grpcInsecure() grpc.DialOption { return grpc.WithTransportCredentials(insecure.NewCredentials()) }
