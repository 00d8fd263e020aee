package command_test

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/larderdb/larder"
)

// dialSmallBuffer connects to n with a tiny receive buffer, so that a
// client that does not read makes the server queue its output quickly.
func dialSmallBuffer(t *testing.T, n *larder.Node) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) {
			err = setRecvBuffer(fd, 4096)
		})
		return err
	}}
	nc, err := d.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// infoField returns the value of an INFO field.
func infoField(t *testing.T, w *connWire, field string) string {
	t.Helper()
	info := w.do("INFO", "everything").Str
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO has no %s", field)
	return ""
}

// TestPubSubSlowSubscriber publishes many megabytes to a channel with a
// subscriber that never reads and one that does: the slow one is
// disconnected once its queue passes the hard limit, the other receives
// everything, publishing never stalls, and memory stays bounded.
func TestPubSubSlowSubscriber(t *testing.T) {
	n := startNode(t, map[string]string{"client-output-buffer-limit": "pubsub 1mb 512kb 60"})
	admin := connDial(t, n)

	slow := dialSmallBuffer(t, n)
	io.WriteString(slow, "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
	good := connDial(t, n)
	good.expect(`*[$"subscribe" $"ch" :1]`, "SUBSCRIBE", "ch")
	waitFor(t, "two subscribers", func() bool { return admin.do("PUBSUB", "NUMSUB", "ch").Elems[1].Int == 2 })

	const msgs, size = 384, 64 << 10 // 24 MB in all
	payload := strings.Repeat("x", size)
	msgLen := int64(len("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$65536\r\n\r\n") + size)

	// The good subscriber reads everything, counting bytes.
	var received atomic.Int64
	readDone := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(good.nc, 256<<10)
		good.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
		buf := make([]byte, 64<<10)
		var err error
		for received.Load() < msgs*msgLen && err == nil {
			var k int
			k, err = r.Read(buf[:min(int64(len(buf)), msgs*msgLen-received.Load())])
			received.Add(int64(k))
		}
		readDone <- err
	}()

	// Sample the heap while publishing.
	var peak atomic.Uint64
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(10 * time.Millisecond):
			}
			runtime.GC() // live heap only: garbage not yet collected is not held memory
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
		}
	}()

	pub := connDial(t, n)
	receivers := map[string]int{}
	for i := 0; i < msgs; i++ {
		start := time.Now()
		r := pub.do("PUBLISH", "ch", payload)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("PUBLISH %d took %v: a publisher must not wait for subscribers", i, d)
		}
		receivers[r.String()]++
		// Pace the publisher by the good subscriber, at most 8 messages
		// (512 KB) ahead, so that only the slow one can pass the 1 MB limit
		// however busy the machine is.
		for received.Load() < int64(i+1-8)*msgLen {
			select {
			case err := <-readDone:
				t.Fatalf("good subscriber stopped after %d bytes: %v", received.Load(), err)
			case <-time.After(time.Millisecond):
			}
		}
	}
	if err := <-readDone; err != nil {
		t.Fatalf("good subscriber read %d of %d bytes: %v", received.Load(), msgs*msgLen, err)
	}
	close(stopSampling)
	<-sampled
	t.Logf("heap peak %d MB over base %d MB", (peak.Load()-base)>>20, base>>20)
	if p := peak.Load(); p > base+24<<20 { // unbounded, the slow queue alone would hold all 24 MB
		t.Fatalf("heap peaked at %d MB over a base of %d MB while publishing 24 MB", p>>20, base>>20)
	}

	// The slow subscriber was counted until it was closed, then dropped.
	if receivers[":2"] == 0 || receivers[":1"] == 0 || len(receivers) != 2 {
		t.Fatalf("receiver counts = %v, want some :2 then :1", receivers)
	}
	if got := infoField(t, admin, "client_output_buffer_limit_disconnections"); got != "1" {
		t.Fatalf("client_output_buffer_limit_disconnections = %s", got)
	}
	// The slow client's socket was closed: after what the kernel buffered,
	// reading ends.
	slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, slow); err != nil && !isConnReset(err) {
		t.Fatalf("slow client read: %v, want EOF or reset", err)
	}
	if got := admin.do("PUBSUB", "NUMSUB", "ch").Elems[1].Int; got != 1 {
		t.Fatalf("NUMSUB after the disconnection = %d", got)
	}
}

// isConnReset reports whether err is a connection reset.
func isConnReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// TestPubSubSoftLimit checks that a subscriber over the soft limit is
// closed once it stays over it longer than the soft seconds.
func TestPubSubSoftLimit(t *testing.T) {
	n := startNode(t, map[string]string{"client-output-buffer-limit": "pubsub 0 64kb 1"})
	admin := connDial(t, n)
	slow := dialSmallBuffer(t, n)
	io.WriteString(slow, "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
	waitFor(t, "the subscriber", func() bool { return admin.do("PUBSUB", "NUMSUB", "ch").Elems[1].Int == 1 })
	payload := strings.Repeat("y", 32<<10)
	// Over the soft limit, but not for long yet: still subscribed.
	for i := 0; i < 400 && admin.do("PUBLISH", "ch", payload).Int == 1; i++ {
	}
	if got := infoField(t, admin, "client_output_buffer_limit_disconnections"); got != "0" {
		t.Fatalf("disconnected within the soft seconds (%s)", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for admin.do("PUBLISH", "ch", "z").Int == 1 {
		if time.Now().After(deadline) {
			t.Fatal("a subscriber over the soft limit for 2s was not disconnected")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := infoField(t, admin, "client_output_buffer_limit_disconnections"); got != "1" {
		t.Fatalf("client_output_buffer_limit_disconnections = %s", got)
	}
}

// TestPubSubNoGoroutineLeak checks that the push writers of subscribed
// clients stop when the clients go: closed by the client, killed by CLIENT
// KILL, or disconnected for their output limit.
func TestPubSubNoGoroutineLeak(t *testing.T) {
	n := startNode(t, map[string]string{"client-output-buffer-limit": "pubsub 256kb 0 0"})
	admin := connDial(t, n)
	admin.expect(`+"PONG"`, "PING")
	waitFor(t, "a stable goroutine count", func() bool {
		a := runtime.NumGoroutine()
		time.Sleep(20 * time.Millisecond)
		return runtime.NumGoroutine() == a
	})
	base := runtime.NumGoroutine()

	var subs []*connWire
	for i := 0; i < 20; i++ {
		w := connDial(t, n)
		w.expect(`*[$"subscribe" $"c" :1]`, "SUBSCRIBE", "c")
		w.expect(`*[$"psubscribe" $"*" :2]`, "PSUBSCRIBE", "*")
		subs = append(subs, w)
	}
	admin.expect(":40", "PUBLISH", "c", "m")
	if got := runtime.NumGoroutine(); got < base+40 {
		t.Fatalf("goroutines = %d with 20 subscribers, base %d: want a connection and a writer each", got, base)
	}
	// Half close their connection, the other half are killed.
	for i, w := range subs {
		if i%2 == 0 {
			w.nc.Close()
		}
	}
	waitFor(t, "the closed subscribers to go", func() bool { return admin.do("PUBSUB", "NUMSUB", "c").Elems[1].Int == 10 })
	admin.expect(":10", "CLIENT", "KILL", "TYPE", "pubsub")
	// One more subscriber, closed by its output limit.
	slow := dialSmallBuffer(t, n)
	io.WriteString(slow, "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n")
	waitFor(t, "the slow subscriber", func() bool { return admin.do("PUBSUB", "NUMSUB", "c").Elems[1].Int == 1 })
	big := strings.Repeat("z", 64<<10)
	for admin.do("PUBLISH", "c", big).Int == 1 {
	}
	waitFor(t, "the goroutines to stop", func() bool { return runtime.NumGoroutine() <= base })
	if got := admin.do("PUBSUB", "NUMSUB", "c").Elems[1].Int; got != 0 {
		t.Fatalf("NUMSUB = %d after every subscriber left", got)
	}
}
