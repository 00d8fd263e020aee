package migrate

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/larderdb/larder/internal/engine"
	pb "github.com/larderdb/larder/internal/migrate/migratepb"
)

// TargetOptions configures a Target. The zero value of each field selects its default.
type TargetOptions struct {
	// Accept, when set, is asked before a session starts whether this node should take
	// slots from the node source (its ID); an error refuses the session. The integrator
	// checks the cluster map: the slots must be migrating from source to this node, since
	// the target first drops any key it holds in them. Default: accept every session.
	Accept func(source string, slots []uint16) error
	// Owns, when set, tells whether the cluster map gives slot to this node. A session that
	// breaks after the target prepared (the source may or may not have flipped the map) keeps
	// the slots' keys if Owns says so within ResolveTimeout, and drops them otherwise. Without
	// it such a session keeps the keys, unserved, until the next import of the slots.
	Owns func(slot uint16) bool
	// ResolveTimeout bounds the wait for Owns after a broken prepared session. Default 10s.
	ResolveTimeout time.Duration
	// Limits returns the thresholds values are rebuilt with: this node's settings, read once
	// per frame so that CONFIG SET applies. Default: Redis's defaults.
	Limits func() Limits
	// Logger receives a line per session. Default slog.Default().
	Logger *slog.Logger
	// Clock returns the time in unix milliseconds. Default: the wall clock.
	Clock func() int64
	// DeleteBatch is the number of keys deleted per hold of a shard lock when dropping a
	// slot's keys. Default 512.
	DeleteBatch int
}

// Target receives slots other nodes move to this one: the Migrate service of the cluster bus
// (Register). It is safe for concurrent use; sessions run concurrently for distinct slots.
type Target struct {
	pb.UnimplementedMigrateServer
	db   *engine.DB
	hub  *Hub
	opts TargetOptions
	log  *slog.Logger
}

// NewTarget returns a Target that writes into db; hub is the node's Hub (the Source's too).
func NewTarget(db *engine.DB, hub *Hub, opts TargetOptions) *Target {
	o := opts
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = func() int64 { return time.Now().UnixMilli() }
	}
	if o.ResolveTimeout <= 0 {
		o.ResolveTimeout = 10 * time.Second
	}
	if o.DeleteBatch <= 0 {
		o.DeleteBatch = 512
	}
	if o.Limits == nil {
		o.Limits = func() Limits { return Limits{} }
	}
	return &Target{db: db, hub: hub, opts: o, log: o.Logger}
}

// Register registers t's Migrate service on s, the cluster bus's gRPC server, before it serves.
func Register(s *grpc.Server, t *Target) { pb.RegisterMigrateServer(s, t) }

// Import serves one session (see migrate.proto).
func (t *Target) Import(st pb.Migrate_ImportServer) error {
	f, err := st.Recv()
	if err != nil {
		return err
	}
	b := f.GetBegin()
	if b == nil {
		return status.Error(codes.InvalidArgument, "migrate: a session starts with Begin")
	}
	if b.Version != ProtocolVersion {
		return status.Errorf(codes.FailedPrecondition, "migrate: protocol version %d, this node speaks %d", b.Version, ProtocolVersion)
	}
	slots := make([]uint16, len(b.Slots))
	in := make(map[uint16]bool, len(b.Slots))
	for i, s := range b.Slots {
		if s >= engine.NumSlots || in[uint16(s)] {
			return status.Errorf(codes.InvalidArgument, "migrate: bad or repeated slot %d", s)
		}
		slots[i] = uint16(s)
		in[uint16(s)] = true
	}
	if t.opts.Accept != nil {
		if err := t.opts.Accept(b.Source, slots); err != nil {
			return status.Errorf(codes.FailedPrecondition, "migrate: refused: %v", err)
		}
	}
	if !t.hub.claim(slots, Importing) {
		return status.Error(codes.Aborted, ErrBusy.Error())
	}
	x := &importer{t: t, source: b.Source, session: b.Session, slots: slots, in: in}
	t.dropSlots(slots) // stale keys: the slots are not this node's
	start := time.Now()
	t.log.Debug("migrate: importing", "source", b.Source, "session", b.Session, "slots", len(slots))
	err = x.run(st)
	switch {
	case x.committed:
		t.hub.setState(slots, Committed)
		t.log.Debug("migrate: imported slots", "source", b.Source, "slots", len(slots), "records", x.records,
			"elapsed", time.Since(start).Round(time.Millisecond))
		t.settle(slots)
	case x.prepared && t.resolve(slots):
		t.hub.release(slots) // the map shows them here already
		t.log.Warn("migrate: session broke after prepare; the slots are ours", "source", b.Source, "slots", len(slots), "err", err)
	case x.prepared && t.opts.Owns == nil:
		t.hub.release(slots)
		t.log.Warn("migrate: session broke after prepare; keeping the keys", "source", b.Source, "slots", len(slots), "err", err)
	default:
		t.dropSlots(slots)
		t.hub.release(slots)
		t.log.Info("migrate: import aborted, keys dropped", "source", b.Source, "slots", len(slots),
			"records", x.records, "err", err)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		if _, ok := status.FromError(err); ok {
			return err
		}
		return status.Error(codes.Unknown, err.Error())
	}
	return nil
}

// settle ends the Committed mark of slots once the map shows them here (Owns), or after
// ResolveTimeout: the mark stands in for a map that lags, not for the map. Without Owns the
// marks stay until View sees the map give the slots to this node.
func (t *Target) settle(slots []uint16) {
	if t.opts.Owns == nil {
		return
	}
	if !t.resolve(slots) {
		t.log.Warn("migrate: the map does not show imported slots here", "slots", len(slots), "after", t.opts.ResolveTimeout)
	}
	for _, s := range slots {
		t.hub.states[s].CompareAndSwap(uint32(Committed), uint32(Idle))
	}
}

// resolve waits up to ResolveTimeout for the map to give every slot to this node.
func (t *Target) resolve(slots []uint16) bool {
	if t.opts.Owns == nil {
		return false
	}
	deadline := time.Now().Add(t.opts.ResolveTimeout)
	for {
		all := true
		for _, s := range slots {
			if !t.opts.Owns(s) {
				all = false
				break
			}
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dropSlots deletes every key of slots, a batch per shard-lock hold.
func (t *Target) dropSlots(slots []uint16) {
	for _, s := range slots {
		t.db.DeleteSlot(s, t.opts.Clock(), t.opts.DeleteBatch)
	}
}

// importer is the state of one session on the target.
type importer struct {
	t         *Target
	source    string
	session   string
	slots     []uint16
	in        map[uint16]bool
	txn       engine.Txn
	partial   []byte // records of a frame marked partial, waiting for the rest
	offset    uint64
	records   uint64
	prepared  bool
	committed bool
}

// run applies the session's frames until Commit, Abort or an error (io.EOF: the source
// closed the stream without either).
func (x *importer) run(st pb.Migrate_ImportServer) error {
	if err := st.Send(&pb.Reply{Kind: &pb.Reply_Ready{Ready: &pb.Ready{Version: ProtocolVersion}}}); err != nil {
		return err
	}
	for {
		f, err := st.Recv()
		if err != nil {
			return err
		}
		switch k := f.Kind.(type) {
		case *pb.Frame_Batch:
			if x.prepared {
				x.prepared = false // late writes: another Prepare follows
			}
			if err := x.batch(k.Batch); err != nil {
				if _, ok := status.FromError(err); ok {
					return err
				}
				return status.Error(codes.InvalidArgument, err.Error())
			}
		case *pb.Frame_Prepare:
			if len(x.partial) != 0 {
				return status.Error(codes.InvalidArgument, "migrate: Prepare inside a split record")
			}
			x.prepared = true
			var keys uint64
			for _, s := range x.slots {
				keys += uint64(x.t.db.SlotLen(s))
			}
			if err := st.Send(&pb.Reply{Kind: &pb.Reply_Prepared{Prepared: &pb.Prepared{Records: x.records, Keys: keys}}}); err != nil {
				return err
			}
		case *pb.Frame_Commit:
			if !x.prepared {
				return status.Error(codes.FailedPrecondition, "migrate: Commit before Prepare")
			}
			x.committed = true
			_ = st.Send(&pb.Reply{Kind: &pb.Reply_Committed{Committed: &pb.Committed{}}})
			return nil
		case *pb.Frame_Abort:
			// An uncertain abort leaves a prepared session to be settled by the map.
			x.prepared = x.prepared && k.Abort.GetUncertain()
			return fmt.Errorf("aborted by the source: %s", k.Abort.GetReason())
		default:
			return status.Error(codes.InvalidArgument, "migrate: unexpected frame")
		}
	}
}

// batch applies the records of one frame (or, for a split record, of its last frame).
func (x *importer) batch(b *pb.Batch) error {
	if b.Offset < x.offset {
		return fmt.Errorf("migrate: offset %d after %d", b.Offset, x.offset)
	}
	x.offset = b.Offset
	recs := b.Records
	if b.Partial || len(x.partial) != 0 {
		x.partial = append(x.partial, recs...)
		if b.Partial {
			return nil
		}
		recs = x.partial
		defer func() { x.partial = nil }()
	}
	now := x.t.opts.Clock()
	lim := x.t.opts.Limits()
	// As before any write: evict per the policy, or refuse when memory is full.
	if err := x.t.db.CheckMemory(now); err != nil {
		return status.Errorf(codes.ResourceExhausted, "migrate: target: %v", err)
	}
	for len(recs) > 0 {
		r, rest, err := nextRecord(recs)
		if err != nil {
			return err
		}
		recs = rest
		if err := x.apply(r, now, lim); err != nil {
			return err
		}
		x.records++
	}
	return nil
}

// apply writes one record into the engine.
func (x *importer) apply(r record, now int64, lim Limits) error {
	if r.op == recFlush {
		if !x.in[r.slot] {
			return fmt.Errorf("migrate: flush of slot %d, not in the session", r.slot)
		}
		x.t.dropSlots([]uint16{r.slot})
		return nil
	}
	if !x.in[engine.Slot(r.key)] {
		return fmt.Errorf("migrate: key %q of slot %d, not in the session", r.key, engine.Slot(r.key))
	}
	var v Value
	if r.op == recSet {
		var err error
		if v, err = DecodeValue(r.val, lim); err != nil {
			return fmt.Errorf("key %q: %w", r.key, err)
		}
	}
	t := &x.txn
	x.t.db.Begin(t, now, r.key)
	defer t.End()
	switch {
	case r.op == recDel, r.expireAt != 0 && r.expireAt < now:
		t.Delete(r.key) // absent, or expired by now
	case v.Kind == engine.KindString:
		t.SetString(r.key, v.Str, r.expireAt)
	default:
		t.SetObject(r.key, v.Obj, r.expireAt)
	}
	return nil
}
