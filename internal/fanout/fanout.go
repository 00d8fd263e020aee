// Package fanout carries PUBLISH across a cluster, as Redis Cluster does: a message published
// on one node reaches the subscribers of every node, so that service instances connected to
// different nodes share a channel.
//
// Each node forwards the messages its clients publish to every other member over the cluster
// bus, and delivers the messages the others forward to its own subscribers without forwarding
// them again. A member gets its own queue and sender: batches go to it one at a time, so it
// sees one node's messages in the order they were published there. Delivery is best effort,
// as in Redis Cluster: publishing never waits for the network, and a member that is
// unreachable, or so slow that its queue fills, loses messages; they are counted (Dropped) and
// logged. Sharded pub/sub (SPUBLISH) does not go through here: the slot's owner serves it.
package fanout

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/larderdb/larder/internal/fanout/fanoutpb"
	"google.golang.org/grpc"
)

// Defaults of Options.
const (
	DefaultQueue   = 16384           // messages waiting for one member
	DefaultTimeout = 5 * time.Second // one Forward call
	maxBatch       = 512             // messages per Forward call
	maxBatchBytes  = 1 << 20         // and their bytes (past one message)
	retryPause     = 100 * time.Millisecond
)

// Options configures a Fanout.
type Options struct {
	// Deliver hands a message forwarded by another member to this node's subscribers. It is
	// called from the bus's goroutines, one batch at a time per sending member.
	Deliver func(channel, payload []byte)
	// Conn returns a client connection to a member's bus address (bus.Bus.Conn).
	Conn func(addr string) (grpc.ClientConnInterface, error)
	// Queue is how many messages may wait for one member before new ones are dropped.
	// Default DefaultQueue.
	Queue int
	// Timeout bounds one Forward call. Default DefaultTimeout.
	Timeout time.Duration
	// Logger receives the losses. Default slog.Default().
	Logger *slog.Logger
}

// Fanout forwards this node's messages to the other members and delivers theirs. Its methods
// are safe for concurrent use.
type Fanout struct {
	pb.UnimplementedFanoutServer
	o       Options
	dropped atomic.Int64
	lastLog atomic.Int64 // unix ns of the last loss logged: one line a second at most

	mu     sync.Mutex
	peers  map[string]*peer // by bus address
	closed bool
	wg     sync.WaitGroup
}

// peer is the queue and sender of one member. Cancelling ctx stops the sender and its call in
// flight.
type peer struct {
	addr   string
	q      chan *pb.Message
	ctx    context.Context
	cancel context.CancelFunc
}

// New returns a Fanout with no members to forward to yet (see SetPeers).
func New(o Options) *Fanout {
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Fanout{o: o, peers: map[string]*peer{}}
}

// Register serves f's Forward on s (the cluster bus's gRPC server).
func Register(s *grpc.Server, f *Fanout) { pb.RegisterFanoutServer(s, f) }

// Forward delivers a batch another member forwarded.
func (f *Fanout) Forward(_ context.Context, b *pb.Batch) (*pb.Delivered, error) {
	for _, m := range b.GetMessages() {
		f.o.Deliver(m.GetChannel(), m.GetPayload())
	}
	return &pb.Delivered{}, nil
}

// SetPeers sets the members to forward to, by bus address (this node excluded): it starts a
// sender for each new one and stops those of members no longer listed, dropping what they
// still held.
func (f *Fanout) SetPeers(addrs []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	keep := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		keep[a] = true
		if f.peers[a] == nil {
			p := &peer{addr: a, q: make(chan *pb.Message, f.o.Queue)}
			p.ctx, p.cancel = context.WithCancel(context.Background())
			f.peers[a] = p
			f.wg.Add(1)
			go f.send(p)
		}
	}
	for a, p := range f.peers {
		if !keep[a] {
			p.cancel()
			delete(f.peers, a)
		}
	}
}

// Publish queues a message this node's client published for every other member. It copies
// channel and payload and never blocks: a member whose queue is full loses the message.
func (f *Fanout) Publish(channel, payload []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.peers) == 0 {
		return
	}
	m := &pb.Message{Channel: append([]byte(nil), channel...), Payload: append([]byte(nil), payload...)}
	for _, p := range f.peers {
		select {
		case p.q <- m: // read-only from here on, shared by the senders
		default:
			f.lost(p.addr, 1, "queue full")
		}
	}
}

// Dropped returns how many messages were lost for some member (counted once per member).
func (f *Fanout) Dropped() int64 { return f.dropped.Load() }

// Close stops the senders; what they still held is dropped.
func (f *Fanout) Close() {
	f.mu.Lock()
	if !f.closed {
		f.closed = true
		for a, p := range f.peers {
			p.cancel()
			delete(f.peers, a)
		}
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *Fanout) lost(addr string, n int, why string) {
	f.dropped.Add(int64(n))
	now := time.Now().UnixNano()
	if last := f.lastLog.Load(); now-last >= int64(time.Second) && f.lastLog.CompareAndSwap(last, now) {
		f.o.Logger.Warn("published messages lost for a cluster member", "member", addr, "messages", n,
			"why", why, "lost_in_all", f.dropped.Load())
	}
}

// send forwards p's queue in batches, one call at a time, until p is stopped.
func (f *Fanout) send(p *peer) {
	defer f.wg.Done()
	var batch []*pb.Message
	for {
		batch = batch[:0]
		select {
		case m := <-p.q:
			batch = append(batch, m)
		case <-p.ctx.Done():
			return
		}
		size := len(batch[0].Channel) + len(batch[0].Payload)
	fill:
		for len(batch) < maxBatch && size < maxBatchBytes {
			select {
			case m := <-p.q:
				batch = append(batch, m)
				size += len(m.Channel) + len(m.Payload)
			default:
				break fill
			}
		}
		if err := f.forward(p, batch); err != nil {
			f.lost(p.addr, len(batch), err.Error())
			select { // an unreachable member: do not spin on it
			case <-time.After(retryPause):
			case <-p.ctx.Done():
				return
			}
		}
		clear(batch)
	}
}

func (f *Fanout) forward(p *peer, batch []*pb.Message) error {
	cc, err := f.o.Conn(p.addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(p.ctx, f.o.Timeout)
	defer cancel()
	_, err = pb.NewFanoutClient(cc).Forward(ctx, &pb.Batch{Messages: batch})
	return err
}
