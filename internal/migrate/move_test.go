package migrate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/larderdb/larder/internal/engine"
	pb "github.com/larderdb/larder/internal/migrate/migratepb"
	"github.com/larderdb/larder/internal/types/hash"
)

// TestMoveEveryType moves slots holding every kind of value, in both encodings, with and
// without TTLs: the target ends with the same values and expiry times, the source with none
// of them, and slots not moved stay where they were.
func TestMoveEveryType(t *testing.T) {
	a := newNode(t, "a", SourceOptions{SlotsPerFlip: 3, BatchKeys: 4, FrameBytes: 512}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{})
	var keys []string
	i := 0
	for name, obj := range sampleValues() {
		for _, at := range []int64{0, t0 + 60_000} {
			k := fmt.Sprintf("%s:%d", name, i)
			i++
			a.setObj(k, obj, at)
			keys = append(keys, k)
		}
	}
	for j := range 200 {
		k := fmt.Sprintf("s%d", j)
		a.setString(k, fmt.Sprint("value-", j, string(make([]byte, j*37))), int64(j%2)*(t0+1000+int64(j)))
		keys = append(keys, k)
	}
	a.setString("big", string(make([]byte, 3<<20)), t0+99) // split across frames
	keys = append(keys, "big")
	slots := slotsOf(keys)
	moving := slots[:len(slots)-5]
	staying := slots[len(slots)-5:]
	before := a.contents(moving)
	stay := a.contents(staying)

	if err := a.src.Move(context.Background(), dial(t, b), "b", moving); err != nil {
		t.Fatal(err)
	}
	if d := diff(before, b.contents(moving)); d != "" {
		t.Fatalf("target after the move: %s", d)
	}
	if got := a.contents(moving); len(got) != 0 {
		t.Fatalf("source still has %d keys of the moved slots", len(got))
	}
	if d := diff(stay, a.contents(staying)); d != "" {
		t.Fatalf("slots not moved: %s", d)
	}
	if got := b.contents(staying); len(got) != 0 {
		t.Fatalf("target has %d keys of slots not moved", len(got))
	}
	if f, want := a.flips.Load(), int32((len(moving)+2)/3); f != want {
		t.Fatalf("%d flips, want %d", f, want)
	}
	for _, sl := range moving {
		if s := a.hub.State(sl); s != Idle {
			t.Fatalf("source slot %d is %s", sl, s)
		}
		if s := b.hub.State(sl); s != Committed {
			t.Fatalf("target slot %d is %s", sl, s)
		}
	}
	p := a.src.Progress()
	if p.Running || p.SlotsMoved != len(moving) || p.KeysCopied < int64(len(before)) {
		t.Fatalf("progress %+v", p)
	}
	info := string(p.AppendInfo(nil))
	if !strings.Contains(info, fmt.Sprintf("migrate_slots_moved:%d\r\n", len(moving))) || !strings.Contains(info, "migrating:0\r\n") {
		t.Fatalf("INFO fields:\n%s", info)
	}
	// Moving them back works too, from the committed state.
	if err := b.src.Move(context.Background(), dial(t, a), "a", moving); err != nil {
		t.Fatal(err)
	}
	if d := diff(before, a.contents(moving)); d != "" {
		t.Fatalf("moved back: %s", d)
	}
}

// model is a plain map of what the writers did, for the concurrent test's checks.
type writer struct {
	n     *node
	keys  []string
	rng   *rand.Rand
	moved *[engine.NumSlots]atomic.Bool // slots the map gave away (MOVED)
}

// step does one random write on the source, as the command layer would: under the key's
// lock, refused (false) while the slot is paused, and not done at all once it moved.
func (w *writer) step() bool {
	k := []byte(w.keys[w.rng.IntN(len(w.keys))])
	var txn engine.Txn
	now := w.n.clock.Load()
	w.n.db.Begin(&txn, now, k)
	defer txn.End()
	if w.n.hub.Paused(engine.Slot(k)) || w.moved[engine.Slot(k)].Load() {
		return false // TRYAGAIN, MOVED
	}
	switch op := w.rng.IntN(10); {
	case op < 3:
		txn.SetString(k, fmt.Appendf(nil, "v%d", w.rng.Uint32()), 0)
	case op < 5:
		txn.SetString(k, fmt.Appendf(nil, "t%d", w.rng.Uint32()), now+int64(1+w.rng.IntN(400)))
	case op < 7:
		txn.Delete(k)
	case op < 8:
		if e := txn.Lookup(k); e != nil {
			txn.SetExpire(k, e, 0) // PERSIST
		}
	default:
		e := txn.Lookup(k)
		var h hash.Hash
		switch {
		case e == nil:
			h = hash.New()
		case e.Kind() != engine.KindHash:
			txn.Delete(k)
			return true
		default:
			h = e.Obj.(hash.Hash)
		}
		h, _ = h.Set(fmt.Appendf(nil, "f%d", w.rng.IntN(20)), []byte("x"), Limits{}.withDefaults().Hash)
		if e == nil || e.Obj != h {
			txn.SetObject(k, h, 0)
		} else {
			txn.Changed(k, e)
		}
	}
	return true
}

// TestMoveWhileWriting moves slots while writers set, delete, expire and persist their keys
// and the clock runs (keys expire lazily and actively): the target must end with exactly what
// the source held when the slots were flipped, and keys deleted meanwhile stay deleted.
func TestMoveWhileWriting(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			a := newNode(t, "a", SourceOptions{SlotsPerFlip: 40, BatchKeys: 8, FrameBytes: 2048, PauseBelow: 20}, TargetOptions{})
			b := newNode(t, "b", SourceOptions{}, TargetOptions{})
			var keys []string
			for i := range 3000 {
				keys = append(keys, fmt.Sprintf("{%d}k%d", i%97, i))
			}
			for i, k := range keys {
				a.setString(k, "init", int64(i%3)*(t0+100_000))
			}
			slots := slotsOf(keys)
			var atFlip map[string]norm
			var flipSeen sync.Once
			var moved [engine.NumSlots]atomic.Bool
			a.onFlip = func(_ string, sl []uint16) error {
				for _, s := range sl {
					moved[s].Store(true)
				}
				// The slots are paused: what the source holds now is what the target must
				// hold. Collected per session, merged.
				flipSeen.Do(func() { atFlip = map[string]norm{} })
				for k, v := range a.contents(sl) {
					atFlip[k] = v
				}
				return nil
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var writes, refused atomic.Int64
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					wr := &writer{n: a, keys: keys, rng: rand.New(rand.NewPCG(seed, uint64(w))), moved: &moved}
					for {
						select {
						case <-stop:
							return
						default:
						}
						if wr.step() {
							writes.Add(1)
						} else {
							refused.Add(1)
						}
					}
				}()
			}
			wg.Add(1)
			go func() { // the clock: keys with TTLs expire during the move
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
						a.clock.Add(7)
						b.clock.Store(a.clock.Load())
					}
				}
			}()
			err := a.src.Move(context.Background(), dial(t, b), "b", slots)
			close(stop)
			wg.Wait()
			if err != nil {
				t.Fatal(err)
			}
			// Compare at the flip's time: expiry is absolute, so the clock is set back to a
			// time no key of atFlip had expired (keys are read live at each flip).
			got := b.contents(slots)
			for k, v := range atFlip {
				if v.expireAt != 0 && v.expireAt < b.clock.Load() {
					delete(atFlip, k) // expired since its flip, on both sides
				}
			}
			if d := diff(atFlip, got); d != "" {
				t.Fatalf("target differs from the source at the flip: %s", d)
			}
			if n := len(a.contents(slots)); n != 0 {
				t.Fatalf("source kept %d keys", n)
			}
			if n := a.src.Progress().LateWrites; n != 0 {
				t.Fatalf("%d writes to paused slots, checked under the lock", n)
			}
			t.Logf("%d writes during the move, %d refused while paused; %d keys moved, max pause %v",
				writes.Load(), refused.Load(), len(got), a.src.Progress().MaxPause)
		})
	}
}

// TestDeletedStaysDeleted deletes keys the target already received, while the move runs:
// none of them may come back on the target.
func TestDeletedStaysDeleted(t *testing.T) {
	a := newNode(t, "a", SourceOptions{BatchKeys: 4, FrameBytes: 256, SlotsPerFlip: 1 << 14}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{})
	var keys []string
	for i := range 20000 {
		k := fmt.Sprintf("k%d", i)
		keys = append(keys, k)
		a.setString(k, "v", 0)
	}
	slots := slotsOf(keys)
	deleted := map[string]bool{}
	done := make(chan error, 1)
	go func() { done <- a.src.Move(context.Background(), dial(t, b), "b", slots) }()
	var txn engine.Txn
	rng := rand.New(rand.NewPCG(1, 2))
loop:
	for {
		select {
		case err := <-done:
			done <- err
			break loop
		default:
		}
		// Delete a key on the source if the target already has it.
		k := keys[rng.IntN(len(keys))]
		b.db.Begin(&txn, t0, []byte(k))
		onTarget := txn.Peek([]byte(k)) != nil
		txn.End()
		if !onTarget || deleted[k] {
			continue
		}
		a.db.Begin(&txn, t0, []byte(k))
		if st := a.hub.State(engine.Slot([]byte(k))); st == Exporting {
			txn.Delete([]byte(k))
			deleted[k] = true
		}
		txn.End()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(deleted) == 0 {
		t.Skip("the move finished before any key could be deleted behind it")
	}
	for k := range deleted {
		b.db.Begin(&txn, t0, []byte(k))
		if txn.Peek([]byte(k)) != nil {
			t.Fatalf("key %s, deleted after it was copied, came back on the target", k)
		}
		txn.End()
	}
	got := b.contents(slots)
	if len(got) != len(keys)-len(deleted) {
		t.Fatalf("target has %d keys, want %d", len(got), len(keys)-len(deleted))
	}
	t.Logf("%d keys deleted after they were copied; none came back", len(deleted))
}

// TestFlushDuringMove: FLUSHALL on the source while it copies leaves the target without the
// flushed keys, but with those written after the flush.
func TestFlushDuringMove(t *testing.T) {
	a := newNode(t, "a", SourceOptions{BatchKeys: 4, FrameBytes: 256}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{})
	var keys []string
	for i := range 5000 {
		k := fmt.Sprintf("{%d}f%d", i%50, i)
		keys = append(keys, k)
		a.setString(k, "old", 0)
	}
	slots := slotsOf(keys)
	// The source's 20th frame waits until the flush is done, so the flush lands mid-copy, not
	// during the pause (where a write is lost by design, see doc.go): the copy of 5000 keys
	// takes milliseconds, less than a goroutine may wait for the CPU on a loaded machine.
	held, flushed := make(chan struct{}), make(chan struct{})
	var frames atomic.Int64
	conn := dialHeld(t, b, func() {
		if frames.Add(1) == 20 {
			close(held)
			<-flushed
		}
	})
	go func() {
		<-held
		waitFor(t, "the target to receive keys", func() bool { return b.db.Len() > 0 })
		a.db.Flush(t0, false)
		a.setString("{1}after", "new", 0)
		close(flushed)
	}()
	if err := a.src.Move(context.Background(), conn, "b", slots); err != nil {
		t.Fatal(err)
	}
	got := b.contents(slots)
	if len(got) != 1 || got["{1}after"].elems != "new" {
		t.Fatalf("target holds %d keys after a flush mid-move, want only {1}after", len(got))
	}
}

// dialHeld dials n with hold called before each message the client sends on a stream.
func dialHeld(t testing.TB, n *node, hold func()) *grpc.ClientConn {
	t.Helper()
	c, err := grpc.NewClient(n.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
			method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			cs, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, err
			}
			return heldStream{cs, hold}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type heldStream struct {
	grpc.ClientStream
	hold func()
}

func (h heldStream) SendMsg(m any) error {
	h.hold()
	return h.ClientStream.SendMsg(m)
}

// TestTargetVanishes stops the target's server mid-move: the move aborts, the source keeps
// every key and serves its slots again, and the target drops what it had.
func TestTargetVanishes(t *testing.T) {
	a := newNode(t, "a", SourceOptions{BatchKeys: 4, FrameBytes: 256, AckTimeout: 5 * time.Second}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{})
	var keys []string
	for i := range 20000 {
		k := fmt.Sprintf("{%d}v%d", i%64, i)
		keys = append(keys, k)
		a.setString(k, "v", t0+1_000_000)
	}
	slots := slotsOf(keys)
	before := a.contents(slots)
	go func() {
		waitFor(t, "the target to receive keys", func() bool { return b.db.Len() > 1000 })
		b.srv.Stop()
	}()
	err := a.src.Move(context.Background(), dial(t, b), "b", slots)
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("Move: %v, want ErrAborted", err)
	}
	if d := diff(before, a.contents(slots)); d != "" {
		t.Fatalf("source after the abort: %s", d)
	}
	for _, sl := range slots {
		if s := a.hub.State(sl); s != Idle {
			t.Fatalf("source slot %d is %s", sl, s)
		}
	}
	waitFor(t, "the target to drop the keys", func() bool { return b.db.Len() == 0 && !b.hub.Busy() })
	if p := a.src.Progress(); p.Aborted != 1 || p.SlotsMoved != 0 {
		t.Fatalf("progress %+v", p)
	}
}

// TestSourceVanishes cancels the move mid-way (the source's stream breaks): the target drops
// what it received; the source keeps everything. Then a failed flip: same outcome.
func TestSourceVanishes(t *testing.T) {
	a := newNode(t, "a", SourceOptions{BatchKeys: 4, FrameBytes: 256}, TargetOptions{})
	var bOwns atomic.Bool // what the map says of the slots, for b
	b := newNode(t, "b", SourceOptions{}, TargetOptions{ResolveTimeout: 200 * time.Millisecond,
		Owns: func(uint16) bool { return bOwns.Load() }})
	var keys []string
	for i := range 20000 {
		k := fmt.Sprintf("{%d}w%d", i%64, i)
		keys = append(keys, k)
		a.setString(k, "v", 0)
	}
	slots := slotsOf(keys)
	before := a.contents(slots)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, "the target to receive keys", func() bool { return b.db.Len() > 1000 })
		cancel()
	}()
	if err := a.src.Move(ctx, dial(t, b), "b", slots); err == nil {
		t.Fatal("Move succeeded after its context was cancelled")
	}
	waitFor(t, "the target to drop the keys", func() bool { return b.db.Len() == 0 && !b.hub.Busy() })
	if d := diff(before, a.contents(slots)); d != "" {
		t.Fatalf("source after the abort: %s", d)
	}

	// A flip that fails, and did not happen: the target drops the keys once the map has
	// not given it the slots for ResolveTimeout.
	a.onFlip = func(string, []uint16) error { return errors.New("no leader") }
	err := a.src.Move(context.Background(), dial(t, b), "b", slots)
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("Move with a failing flip: %v", err)
	}
	waitFor(t, "the target to drop the keys", func() bool { return b.db.Len() == 0 && !b.hub.Busy() })
	if d := diff(before, a.contents(slots)); d != "" {
		t.Fatalf("source after the failed flip: %s", d)
	}

	// A flip that reports a failure but took effect (the map gives b the slots): b keeps
	// the keys and serves them (Committed); a keeps its copy, unserved once its map agrees.
	a.onFlip = func(string, []uint16) error { bOwns.Store(true); return context.DeadlineExceeded }
	if err := a.src.Move(context.Background(), dial(t, b), "b", slots); !errors.Is(err, ErrAborted) {
		t.Fatalf("Move with an uncertain flip: %v", err)
	}
	waitFor(t, "the target to settle", func() bool { return !b.hub.Busy() })
	if d := diff(before, b.contents(slots)); d != "" {
		t.Fatalf("target after an uncertain flip that took effect: %s", d)
	}
	for _, sl := range slots {
		if st := b.hub.State(sl); st != Idle {
			t.Fatalf("target slot %d is %s", sl, st)
		}
	}
	// a learns from the map that the slots are gone and drops its copy.
	if err := a.src.Drop(slots); err != nil {
		t.Fatal(err)
	}
	if n := len(a.contents(slots)); n != 0 {
		t.Fatalf("a kept %d keys after Drop", n)
	}
}

// TestRefusals: a slot already in migration, a target that refuses, a bad slot.
func TestRefusals(t *testing.T) {
	a := newNode(t, "a", SourceOptions{}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{Accept: func(src string, slots []uint16) error {
		if slots[0] == 7 {
			return errors.New("slot 7 is not migrating here")
		}
		return nil
	}})
	a.setString("x", "1", 0)
	c := dial(t, b)
	if err := a.src.Move(context.Background(), c, "b", []uint16{7}); !errors.Is(err, ErrAborted) {
		t.Fatalf("refused by the target: %v", err)
	}
	if !a.hub.claim([]uint16{9}, Exporting) {
		t.Fatal("claim")
	}
	if err := a.src.Move(context.Background(), c, "b", []uint16{9}); !errors.Is(err, ErrBusy) {
		t.Fatalf("busy slot: %v", err)
	}
	a.hub.release([]uint16{9})
	if err := a.src.Move(context.Background(), c, "b", []uint16{engine.NumSlots}); err == nil {
		t.Fatal("slot 16384 accepted")
	}
	sl := engine.Slot([]byte("x"))
	if err := a.src.Move(context.Background(), c, "b", []uint16{sl}); err != nil {
		t.Fatal(err)
	}
}

// TestTargetFull: a target at maxmemory with noeviction refuses the keys; the move aborts and
// the source keeps them.
func TestTargetFull(t *testing.T) {
	a := newNode(t, "a", SourceOptions{FrameBytes: 4096}, TargetOptions{})
	b := newNode(t, "b", SourceOptions{}, TargetOptions{}, engine.Options{MaxMemory: 1 << 20, Policy: "noeviction"})
	var keys []string
	for i := range 5000 {
		k := fmt.Sprint("full", i)
		keys = append(keys, k)
		a.setString(k, string(make([]byte, 1000)), 0)
	}
	slots := slotsOf(keys)
	before := a.contents(slots)
	err := a.src.Move(context.Background(), dial(t, b), "b", slots)
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("Move into a full target: %v", err)
	}
	t.Log(err)
	if d := diff(before, a.contents(slots)); d != "" {
		t.Fatal(d)
	}
	waitFor(t, "the target to drop the keys", func() bool { return b.db.Len() == 0 && !b.hub.Busy() })
}

// hungTarget answers Begin and then reads nothing more, as a stuck process would.
type hungTarget struct {
	pb.UnimplementedMigrateServer
}

func (hungTarget) Import(st pb.Migrate_ImportServer) error {
	if _, err := st.Recv(); err != nil {
		return err
	}
	if err := st.Send(&pb.Reply{Kind: &pb.Reply_Ready{Ready: &pb.Ready{Version: ProtocolVersion}}}); err != nil {
		return err
	}
	<-st.Context().Done()
	return st.Context().Err()
}

// TestTargetHangs: a target that stops reading makes the move abort after AckTimeout.
func TestTargetHangs(t *testing.T) {
	a := newNode(t, "a", SourceOptions{AckTimeout: 300 * time.Millisecond}, TargetOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterMigrateServer(srv, hungTarget{})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	defer func() { srv.Stop(); <-done }()
	var keys []string
	for i := range 20000 {
		k := fmt.Sprint("hang", i)
		keys = append(keys, k)
		a.setString(k, string(make([]byte, 200)), 0)
	}
	slots := slotsOf(keys)
	before := a.contents(slots)
	c, err := grpc.NewClient(ln.Addr().String(), grpcInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if err := a.src.Move(context.Background(), c, "hung", slots); !errors.Is(err, ErrAborted) {
		t.Fatalf("Move to a hung target: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v to give up", d)
	}
	if d := diff(before, a.contents(slots)); d != "" {
		t.Fatal(d)
	}
}
