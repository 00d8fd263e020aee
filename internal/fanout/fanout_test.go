package fanout_test

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/bus"
	"github.com/larderdb/larder/internal/fanout"
	"github.com/larderdb/larder/internal/leakcheck"
	"google.golang.org/grpc"
)

// TestMain fails the run if goroutines outlive the tests that started them.
func TestMain(m *testing.M) { leakcheck.Main(m) }

// node is one member: a real cluster bus with a Fanout on it, recording what it delivers.
type node struct {
	bus *bus.Bus
	f   *fanout.Fanout

	mu   sync.Mutex
	got  []string // "channel payload"
	gate chan struct{}
}

func startNode(t *testing.T, queue int, gated bool) *node {
	t.Helper()
	b, err := bus.Listen(bus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{bus: b}
	if gated {
		n.gate = make(chan struct{})
	}
	n.f = fanout.New(fanout.Options{
		Queue:   queue,
		Timeout: time.Minute, // a gated member's call must not time out
		Conn:    func(addr string) (grpc.ClientConnInterface, error) { return b.Conn(addr) },
		Deliver: func(channel, payload []byte) {
			if n.gate != nil {
				<-n.gate
			}
			n.mu.Lock()
			n.got = append(n.got, string(channel)+" "+string(payload))
			n.mu.Unlock()
		},
	})
	fanout.Register(b.Server(), n.f)
	b.Serve()
	t.Cleanup(func() {
		n.f.Close()
		b.Close()
	})
	return n
}

func (n *node) delivered() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got)
}

// waitFor polls until n has delivered want messages.
func (n *node) waitFor(t *testing.T, want int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := n.delivered()
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestForwardInOrder: what one member publishes reaches every other member, complete and in
// publish order, and nothing comes back to the publisher.
func TestForwardInOrder(t *testing.T) {
	a, b, c := startNode(t, 0, false), startNode(t, 0, false), startNode(t, 0, false)
	a.f.SetPeers([]string{b.bus.Addr(), c.bus.Addr()})
	const n = 5000
	var want []string
	for i := range n {
		ch, msg := fmt.Sprintf("chan:%d", i%7), fmt.Sprintf("message %d %s", i, string(make([]byte, i%300)))
		a.f.Publish([]byte(ch), []byte(msg))
		want = append(want, ch+" "+msg)
	}
	for name, m := range map[string]*node{"b": b, "c": c} {
		if got := m.waitFor(t, n); !slices.Equal(got, want) {
			t.Errorf("%s delivered %d messages, want the %d published, in order", name, len(got), n)
		}
	}
	if got := a.delivered(); len(got) != 0 {
		t.Errorf("the publisher delivered %d of its own messages", len(got))
	}
	if d := a.f.Dropped(); d != 0 {
		t.Errorf("Dropped = %d with every member up", d)
	}
}

// TestPublishIsCopied: the caller may reuse its buffers as soon as Publish returns.
func TestPublishIsCopied(t *testing.T) {
	a, b := startNode(t, 0, false), startNode(t, 0, false)
	a.f.SetPeers([]string{b.bus.Addr()})
	buf := []byte("first")
	a.f.Publish([]byte("c"), buf)
	copy(buf, "XXXXX")
	if got := b.waitFor(t, 1); !slices.Equal(got, []string{"c first"}) {
		t.Errorf("delivered %q, want [\"c first\"]", got)
	}
}

// TestSlowMemberLosesNotBlocks: a member that does not keep up fills its queue; publishing
// goes on without waiting and the overflow is counted, and the member gets what was queued.
func TestSlowMemberLosesNotBlocks(t *testing.T) {
	a, slow := startNode(t, 100, false), startNode(t, 0, true)
	a.f.SetPeers([]string{slow.bus.Addr()})
	start := time.Now()
	for i := range 10000 {
		a.f.Publish([]byte("c"), fmt.Appendf(nil, "%d", i))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("publishing to a stalled member took %v", d)
	}
	d := a.f.Dropped()
	if d < 10000-100-fanoutMaxBatch {
		t.Errorf("Dropped = %d of 10000 with a queue of 100 and a stalled member", d)
	}
	close(slow.gate)
	got := slow.waitFor(t, int(10000-d))
	if int64(len(got)) != 10000-d {
		t.Errorf("the member got %d messages, want the %d not dropped", len(got), 10000-d)
	}
}

// fanoutMaxBatch bounds what the stalled member's sender holds in its call in flight.
const fanoutMaxBatch = 512

// TestUnreachableMember: messages for a member nobody answers at are dropped and counted;
// the others still get theirs; a member taken out of the peers costs nothing more.
func TestUnreachableMember(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	a, b := startNode(t, 0, false), startNode(t, 0, false)
	a.f.SetPeers([]string{dead, b.bus.Addr()})
	for i := range 100 {
		a.f.Publish([]byte("c"), fmt.Appendf(nil, "%d", i))
	}
	if got := b.waitFor(t, 100); len(got) != 100 {
		t.Errorf("the live member got %d of 100", len(got))
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.f.Dropped() < 100 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if d := a.f.Dropped(); d != 100 {
		t.Errorf("Dropped = %d, want the 100 messages of the unreachable member", d)
	}
	a.f.SetPeers([]string{b.bus.Addr()})
	a.f.Publish([]byte("c"), []byte("last"))
	if got := b.waitFor(t, 101); len(got) != 101 || got[100] != "c last" {
		t.Errorf("after removing the dead member: %d delivered", len(got))
	}
	if d := a.f.Dropped(); d != 100 {
		t.Errorf("Dropped = %d after the dead member was removed, want 100", d)
	}
}
