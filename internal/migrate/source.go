package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/larderdb/larder/internal/engine"
	pb "github.com/larderdb/larder/internal/migrate/migratepb"
)

// Errors of Source.Move.
var (
	// ErrBusy: a slot is already in migration on this node (exported, imported or being
	// cleaned up).
	ErrBusy = errors.New("migrate: slot already in migration")
	// ErrAborted: the move of some slots was given up (the target vanished or refused, a
	// timeout, the flip failed); the error wrapping it says why. Those slots stay with this
	// node, which kept serving them throughout; the target drops what it received.
	ErrAborted = errors.New("migrate: move aborted")
)

// SourceOptions configures a Source. The zero value of each field selects its default.
type SourceOptions struct {
	// Flip makes the cluster map give slots to target (the node ID Move was given) and returns
	// once this node's view of the map shows it, so that the command layer answers MOVED.
	// It runs while the slots are paused, so it should take milliseconds (one Raft commit:
	// topology.Node.SlotsMoved). An error aborts the move of those slots. Required.
	Flip func(ctx context.Context, target string, slots []uint16) error
	// ID is this node's ID, told to the target for its logs and checks. Default "".
	ID string
	// Logger receives the start, every 10% and the end of a move. Default slog.Default().
	Logger *slog.Logger
	// Clock returns the time in unix milliseconds (expiry of the keys read). Default: the
	// wall clock.
	Clock func() int64
	// SlotsPerFlip is the most slots moved in one session, paused and flipped together.
	// Default 1024.
	SlotsPerFlip int
	// BatchKeys is the number of keys read per hold of a shard lock. Default 256.
	BatchKeys int
	// FrameBytes is the size of the frames sent to the target. Default 256 KiB.
	FrameBytes int
	// PauseBelow is the number of keys still dirty (written since they were copied) below
	// which the source pauses the slots for the final catch-up. Default 1000.
	PauseBelow int
	// AckTimeout bounds the wait for each answer of the target (Ready, Prepared, Committed)
	// and for a frame to leave (a target that stops reading). Default 30s.
	AckTimeout time.Duration
	// DeleteBatch is the number of keys deleted per hold of a shard lock when the source
	// drops the slots it gave away. Default 512.
	DeleteBatch int
}

// Source moves slots from this node's engine to other nodes. It is safe for concurrent use:
// moves of different slots may run at once; Progress sums them.
type Source struct {
	db   *engine.DB
	hub  *Hub
	opts SourceOptions
	log  *slog.Logger
	prog progress
}

// NewSource returns a Source for db, whose changes must reach hub.OnChange.
func NewSource(db *engine.DB, hub *Hub, opts SourceOptions) *Source {
	o := opts
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = func() int64 { return time.Now().UnixMilli() }
	}
	if o.SlotsPerFlip <= 0 {
		o.SlotsPerFlip = 1024
	}
	if o.BatchKeys <= 0 {
		o.BatchKeys = 256
	}
	if o.FrameBytes <= 0 {
		o.FrameBytes = 256 << 10
	}
	if o.PauseBelow <= 0 {
		o.PauseBelow = 1000
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = 30 * time.Second
	}
	if o.DeleteBatch <= 0 {
		o.DeleteBatch = 512
	}
	return &Source{db: db, hub: hub, opts: o, log: o.Logger}
}

// maxFrame is the most record bytes in one frame: gRPC's default limit on a received message
// is 4 MiB, and the bus owns the server's settings.
const maxFrame = 1 << 20

// Move moves slots to the node target (its ID, given to Flip) reached through conn, a
// connection to its cluster bus (bus.Bus.Conn). Slots go in sessions of SlotsPerFlip; each
// session copies its slots while this node keeps serving them, pauses them for the final
// catch-up, calls Flip, and deletes this node's copy. Move returns when every slot has moved,
// or at the first session that fails: an error wrapping ErrBusy or ErrAborted, or ctx's. Slots
// of earlier sessions have moved (Progress counts them); the failed session's and later ones
// stay here, and a later Move may retry them.
func (s *Source) Move(ctx context.Context, conn grpc.ClientConnInterface, target string, slots []uint16) error {
	if s.opts.Flip == nil {
		return errors.New("migrate: SourceOptions.Flip is not set")
	}
	slots = slices.Clone(slots)
	slices.Sort(slots)
	slots = slices.Compact(slots)
	for _, sl := range slots {
		if sl >= engine.NumSlots {
			return fmt.Errorf("migrate: slot %d is not below %d", sl, engine.NumSlots)
		}
	}
	if len(slots) == 0 {
		return nil
	}
	var keys int64
	for _, sl := range slots {
		keys += int64(s.db.SlotLen(sl))
	}
	s.prog.start(len(slots), keys)
	s.log.Info("migrate: moving slots", "target", target, "slots", len(slots), "keys", keys)
	start := time.Now()
	var err error
	for i := 0; i < len(slots) && err == nil; i += s.opts.SlotsPerFlip {
		err = s.moveSession(ctx, conn, target, slots[i:min(i+s.opts.SlotsPerFlip, len(slots))])
		s.logProgress(target)
	}
	p := s.prog.end()
	if err != nil {
		s.log.Warn("migrate: move stopped", "target", target, "slots_moved", p.SlotsMoved,
			"slots", p.SlotsTotal, "keys_copied", p.KeysCopied, "elapsed", time.Since(start).Round(time.Millisecond), "err", err)
		return err
	}
	s.log.Info("migrate: moved slots", "target", target, "slots", len(slots), "keys", p.KeysCopied,
		"records", p.Keys, "bytes", p.Bytes, "elapsed", time.Since(start).Round(time.Millisecond),
		"keys_per_sec", int64(p.Rate), "max_pause", p.MaxPause)
	return nil
}

// logProgress logs a line each time the move passes another 10%.
func (s *Source) logProgress(target string) {
	if pct, ok := s.prog.decile(); ok {
		p := s.Progress()
		s.log.Info("migrate: progress", "target", target, "percent", pct, "slots_moved", p.SlotsMoved,
			"slots", p.SlotsTotal, "keys", p.KeysCopied, "keys_total", p.KeysTotal, "keys_per_sec", int64(p.Rate), "eta", p.ETA.Round(time.Second))
	}
}

// session is one Import stream and the state of its slots.
type session struct {
	s      *Source
	target string
	slots  []uint16
	trs    []*tracker
	st     pb.Migrate_ImportClient
	cancel context.CancelFunc

	replies  chan *pb.Reply // answers of the target; closed when the stream ends
	recvDone chan struct{}  // closed when the stream ends, after recvErr is set
	recvErr  error          // why the stream ended; read only once recvDone is closed

	buf    []byte // records not yet sent
	val    []byte // scratch for one serialized value
	count  uint32 // records in buf
	offset uint64 // the engine's offset at the last read
	err    error  // the first error encoding a value

	sending atomic.Int64 // unix ns since a Send has been blocked, 0 when none is
	stalled atomic.Bool  // the watchdog cancelled the stream
}

// stallErr returns why the watchdog cancelled the stream, or nil when it did not.
func (x *session) stallErr() error {
	if !x.stalled.Load() {
		return nil
	}
	return fmt.Errorf("target %s stopped reading: no frame could leave for %v", x.target, x.s.opts.AckTimeout)
}

// moveSession moves one session's slots.
func (s *Source) moveSession(ctx context.Context, conn grpc.ClientConnInterface, target string, slots []uint16) (err error) {
	if !s.hub.claim(slots, Exporting) {
		return ErrBusy
	}
	x := &session{s: s, target: target, slots: slots, replies: make(chan *pb.Reply, 4), recvDone: make(chan struct{})}
	x.trs = s.hub.install(slots)
	flipped := false
	defer func() {
		if !flipped {
			s.hub.uninstall(slots)
			s.hub.release(slots)
			s.prog.aborted.Add(1)
		}
	}()
	sctx, cancel := context.WithCancel(ctx)
	x.cancel = cancel
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	if x.st, err = pb.NewMigrateClient(conn).Import(sctx); err != nil {
		return fmt.Errorf("%w: opening the stream to %s: %v", ErrAborted, target, err)
	}
	wg.Add(2)
	go func() { defer wg.Done(); x.receive(sctx) }()
	go func() { defer wg.Done(); x.watch(sctx) }()
	uncertain := false
	abort := func(why error) error {
		_ = x.send(&pb.Frame{Kind: &pb.Frame_Abort{Abort: &pb.Abort{Reason: why.Error(), Uncertain: uncertain}}})
		_ = x.st.CloseSend()
		return fmt.Errorf("%w: %v", ErrAborted, why)
	}

	u := make([]uint32, len(slots))
	for i, sl := range slots {
		u[i] = uint32(sl)
	}
	begin := &pb.Begin{Version: ProtocolVersion, Session: fmt.Sprintf("%s-%d", s.opts.ID, time.Now().UnixNano()),
		Source: s.opts.ID, Slots: u}
	if err := x.send(&pb.Frame{Kind: &pb.Frame_Begin{Begin: begin}}); err != nil {
		return abort(err)
	}
	if _, err := x.await(ctx, "ready"); err != nil {
		return abort(err)
	}

	// Copy: every slot's keys, read in batches while the slot keeps serving.
	for i, sl := range slots {
		if err := x.copySlot(ctx, sl, x.trs[i]); err != nil {
			return abort(err)
		}
		s.prog.slotsCopied.Add(1)
		s.logProgress(target)
	}
	// Catch up: send the keys written since they were copied, until few are left.
	for round := 0; ; round++ {
		n, err := x.drainAll(ctx, false)
		if err != nil {
			return abort(err)
		}
		if n < s.opts.PauseBelow || round >= 8 {
			break
		}
	}
	// Wait for the target to apply what is in flight, so that the pause lasts only for
	// the last writes.
	if err := x.flush(); err != nil {
		return abort(err)
	}
	if err := x.send(&pb.Frame{Kind: &pb.Frame_Prepare{Prepare: &pb.Prepare{}}}); err != nil {
		return abort(err)
	}
	if _, err := x.await(ctx, "prepared"); err != nil {
		return abort(err)
	}
	// Pause, send the last writes, have the target confirm, flip the map.
	paused := time.Now()
	s.hub.setState(slots, Paused)
	for try := 0; ; try++ {
		_, err := x.drainAll(ctx, true)
		if err == nil {
			err = x.flush()
		}
		if err == nil {
			err = x.send(&pb.Frame{Kind: &pb.Frame_Prepare{Prepare: &pb.Prepare{}}})
		}
		var r *pb.Reply
		if err == nil {
			r, err = x.await(ctx, "prepared")
		}
		if err != nil {
			return abort(err)
		}
		if try == 0 {
			s.log.Debug("migrate: target prepared", "target", target, "slots", len(slots),
				"records", r.GetPrepared().GetRecords(), "keys", r.GetPrepared().GetKeys())
		}
		// Expiry and eviction may still delete keys of the paused slots: the target
		// expires them at the same times, and may keep an evicted one. Commands' writes
		// are another matter: they passed the routing check before the pause and took the
		// key's lock after it, because the command layer does not check Hub.Paused under
		// the lock. Send them too, and prepare again.
		late := x.late()
		if late == 0 {
			break
		}
		s.prog.late.Add(int64(late))
		s.log.Warn("migrate: commands wrote to paused slots", "target", target, "writes", late)
		if try >= 3 {
			return abort(errors.New("commands keep writing to paused slots"))
		}
	}
	if err := s.opts.Flip(ctx, target, slots); err != nil {
		// The change may still take effect (a Raft entry committed after its caller gave
		// up): the target keeps the keys if the map gives it the slots (TargetOptions.Owns).
		// This node serves the slots again and keeps its copy meanwhile.
		uncertain = true
		s.log.Warn("migrate: flip failed; the slots stay here unless the map says otherwise",
			"target", target, "slots", len(slots), "err", err)
		return abort(fmt.Errorf("flip: %w", err))
	}
	flipped = true
	if late := x.late(); late > 0 {
		// Only when the command layer does not check Hub.Paused under the key's lock.
		s.prog.late.Add(int64(late))
		s.log.Error("migrate: commands wrote to paused slots during the flip; those writes are lost",
			"target", target, "writes", late)
	}
	s.hub.uninstall(slots)
	// The slots stay paused until the target serves them: were this node to answer MOVED
	// first, a client could bounce between it and a target whose map has not caught up,
	// and run out of redirects. A paused slot's TRYAGAIN is retried after a pause.
	cerr := x.send(&pb.Frame{Kind: &pb.Frame_Commit{Commit: &pb.Commit{}}})
	if cerr == nil {
		_, cerr = x.await(ctx, "committed")
	}
	s.hub.setState(slots, Moved)
	s.prog.pause(time.Since(paused))
	if cerr != nil {
		// The map has changed: the target owns the slots and keeps what it has.
		s.log.Warn("migrate: target did not confirm the commit", "target", target, "err", cerr)
	}
	_ = x.st.CloseSend()
	cancel()
	s.cleanup(slots)
	s.hub.release(slots)
	s.prog.slotsMoved.Add(int64(len(slots)))
	return nil
}

// Drop deletes this node's keys in slots, which it must no longer own: its copy of slots the
// map gave away although their Move failed (an uncertain flip), or keys left in slots it does
// not own. Slots in migration here are refused (ErrBusy) and nothing is deleted.
func (s *Source) Drop(slots []uint16) error {
	slots = slices.Clone(slots)
	slices.Sort(slots)
	slots = slices.Compact(slots)
	if len(slots) > 0 && slots[len(slots)-1] >= engine.NumSlots {
		return fmt.Errorf("migrate: slot %d is not below %d", slots[len(slots)-1], engine.NumSlots)
	}
	if !s.hub.claim(slots, Moved) {
		return ErrBusy
	}
	s.cleanup(slots)
	s.hub.release(slots)
	return nil
}

// late returns the writes of commands to the session's paused slots since the last call.
func (x *session) late() int {
	n := 0
	for _, tr := range x.trs {
		tr.mu.Lock()
		n += tr.late
		tr.late = 0
		tr.mu.Unlock()
	}
	return n
}

// cleanup deletes this node's copy of slots, a batch per shard-lock hold.
func (s *Source) cleanup(slots []uint16) {
	for _, sl := range slots {
		s.db.DeleteSlot(sl, s.opts.Clock(), s.opts.DeleteBatch)
	}
}

// copySlot sends the keys of slot, as read in batches.
func (x *session) copySlot(ctx context.Context, slot uint16, tr *tracker) error {
	var it engine.SlotIter
	limit := x.s.opts.FrameBytes
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int
		x.s.db.ViewSlot(slot, x.s.opts.Clock(), func(v *engine.SlotView) {
			x.flushedLocked(slot, tr)
			done = v.Next(&it, x.s.opts.BatchKeys, func(key []byte, e *engine.Entry) bool {
				x.addSet(key, e)
				n++
				return len(x.buf) < limit
			})
			x.offset = v.Offset()
		})
		x.s.prog.copied.Add(int64(n))
		if x.err != nil {
			return x.err
		}
		if len(x.buf) >= limit {
			if err := x.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// drainAll sends the current state of every key written since it was last read, and returns
// how many keys it sent. With seal (the slots are paused), every write after a slot's last read
// counts as late.
func (x *session) drainAll(ctx context.Context, seal bool) (int, error) {
	total := 0
	for i, sl := range x.slots {
		tr := x.trs[i]
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			x.s.db.ViewSlot(sl, x.s.opts.Clock(), func(v *engine.SlotView) {
				x.flushedLocked(sl, tr)
				var n int
				n, more = x.drainLocked(v, tr, seal)
				total += n
				x.offset = v.Offset()
			})
			if x.err != nil {
				return total, x.err
			}
			if len(x.buf) >= x.s.opts.FrameBytes {
				if err := x.flush(); err != nil {
					return total, err
				}
			}
		}
	}
	return total, nil
}

// flushedLocked adds a flush record for slot if the engine was flushed since the last look.
// The caller holds the slot's shard (DB.ViewSlot).
func (x *session) flushedLocked(slot uint16, tr *tracker) {
	tr.mu.Lock()
	f := tr.flushed
	tr.flushed = false
	tr.mu.Unlock()
	if f {
		x.buf = appendFlush(x.buf, slot)
		x.count++
	}
}

// drainLocked reads up to BatchKeys dirty keys of the view's slot and adds a record of each
// one's state; it reports how many and whether more are dirty. The caller holds the slot's
// shard, so no write can slip between a key leaving the dirty set and its read.
func (x *session) drainLocked(v *engine.SlotView, tr *tracker, seal bool) (n int, more bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	defer func() { tr.sealed = seal && !more }()
	for k := range tr.dirty {
		if n == x.s.opts.BatchKeys || len(x.buf) >= x.s.opts.FrameBytes {
			return n, true
		}
		delete(tr.dirty, k)
		key := []byte(k)
		if e := v.Lookup(key); e != nil {
			x.addSet(key, e)
		} else {
			x.buf = appendDel(x.buf, key)
			x.count++
		}
		n++
	}
	return n, false
}

// addSet adds a set record for key's entry e.
func (x *session) addSet(key []byte, e *engine.Entry) {
	if x.err != nil {
		return
	}
	var err error
	if x.val, err = AppendValue(x.val[:0], e); err != nil {
		x.err = fmt.Errorf("key %q: %w", key, err)
		return
	}
	x.buf = appendSet(x.buf, key, e.ExpireAt(), x.val)
	x.count++
	if cap(x.val) > maxFrame {
		x.val = nil
	}
}

// flush sends the buffered records, split into frames of at most maxFrame bytes.
func (x *session) flush() error {
	if len(x.buf) == 0 {
		return nil
	}
	b := x.buf
	for len(b) > 0 {
		n := min(len(b), maxFrame)
		f := &pb.Batch{Offset: x.offset, Records: b[:n], Partial: n < len(b)}
		if !f.Partial {
			f.Count = x.count
		}
		if err := x.send(&pb.Frame{Kind: &pb.Frame_Batch{Batch: f}}); err != nil {
			return err
		}
		x.s.prog.bytes.Add(int64(n))
		b = b[n:]
	}
	x.s.prog.keys.Add(int64(x.count))
	x.buf, x.count = x.buf[:0], 0
	if cap(x.buf) > 4*x.s.opts.FrameBytes {
		x.buf = nil // one huge value does not pin its buffer
	}
	return nil
}

// send sends f; the watchdog cancels the stream if it blocks longer than AckTimeout.
func (x *session) send(f *pb.Frame) error {
	x.sending.Store(time.Now().UnixNano())
	err := x.st.Send(f)
	x.sending.Store(0)
	if err != nil {
		if err := x.stallErr(); err != nil {
			return err
		}
		// io.EOF: the target ended the stream; its status says why.
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-x.recvDone:
			if err := x.stallErr(); err != nil {
				return err
			}
			return x.recvErr
		case <-t.C:
		}
		return fmt.Errorf("sending to %s: %w", x.target, err)
	}
	return nil
}

// receive passes the target's answers to replies until the stream ends.
func (x *session) receive(ctx context.Context) {
	defer close(x.recvDone)
	defer close(x.replies)
	for {
		r, err := x.st.Recv()
		if err != nil {
			x.recvErr = fmt.Errorf("target %s: %w", x.target, err)
			return
		}
		select {
		case x.replies <- r:
		case <-ctx.Done():
			x.recvErr = ctx.Err()
			return
		}
	}
}

// watch cancels the stream when a Send has been blocked for AckTimeout (a target that stopped
// reading and whose connection did not break).
func (x *session) watch(ctx context.Context) {
	period := min(x.s.opts.AckTimeout/4, time.Second)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if at := x.sending.Load(); at != 0 && time.Since(time.Unix(0, at)) > x.s.opts.AckTimeout {
				x.stalled.Store(true)
				x.cancel()
				return
			}
		}
	}
}

// await waits for the target's next answer, which must be of kind want.
func (x *session) await(ctx context.Context, want string) (*pb.Reply, error) {
	t := time.NewTimer(x.s.opts.AckTimeout)
	defer t.Stop()
	select {
	case r, ok := <-x.replies:
		if !ok {
			if err := x.stallErr(); err != nil {
				return nil, err
			}
			return nil, x.recvErr
		}
		var got string
		switch r.Kind.(type) {
		case *pb.Reply_Ready:
			got = "ready"
		case *pb.Reply_Prepared:
			got = "prepared"
		case *pb.Reply_Committed:
			got = "committed"
		}
		if got != want {
			return nil, fmt.Errorf("target %s answered %q, expected %q", x.target, got, want)
		}
		return r, nil
	case <-t.C:
		return nil, fmt.Errorf("target %s did not answer %q within %v", x.target, want, x.s.opts.AckTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
