package command

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/larderdb/larder/resp"
)

func TestParseNotifyFlags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 0},
		{"A", 0}, // no K or E: nothing is published
		{"g$", 0},
		{"K", notifyKeyspace},
		{"KA", notifyKeyspace | notifyAll},
		{"AE", notifyKeyevent | notifyAll},
		{"Kg", notifyKeyspace | notifyGeneric},
		{"Eg$lshzxetd", notifyKeyevent | notifyAll},
		{"Emn", notifyKeyevent | notifyKeyMiss | notifyNew},
	} {
		if got := parseNotifyFlags(tc.in); got != tc.want {
			t.Errorf("parseNotifyFlags(%q) = %b, want %b", tc.in, got, tc.want)
		}
	}
	if notifyAll&(notifyKeyMiss|notifyNew|notifyKeyspace|notifyKeyevent) != 0 {
		t.Error("A must not include m, n, K or E")
	}
}

func TestParsePubSubLimits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want outputLimits
	}{
		{"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", outputLimits{32 << 20, 8 << 20, 60}},
		{"normal 0 0 0 slave 1 2 3 pubsub 0 0 0", outputLimits{}},
		{"pubsub 1 2 3", outputLimits{1, 2, 3}},
		{"", outputLimits{32 << 20, 8 << 20, 60}},
	} {
		if got := *parsePubSubLimits(tc.in); got != tc.want {
			t.Errorf("parsePubSubLimits(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestOutboxLimits checks the hard limit, the soft limit's clock and that
// a closed queue holds nothing.
func TestOutboxLimits(t *testing.T) {
	kills := 0
	c := &Client{Kill: func() { kills++ }}
	b := &outbox{c: c, wake: make(chan struct{}, 1)} // no writer: nothing drains
	lim := outputLimits{hard: 100, soft: 50, softSeconds: 2}
	msg := make([]byte, 20)

	// 20, 40: under both limits.
	for i := 0; i < 2; i++ {
		if b.push(msg, lim, 1000) {
			t.Fatal("killed under the limits")
		}
	}
	// 60: over soft; the clock starts.
	if b.push(msg, lim, 1000) || b.softSince != 1000 {
		t.Fatalf("over soft: softSince = %d", b.softSince)
	}
	// Still over soft 2s later: not longer than softSeconds yet.
	if b.push(msg, lim, 3000) {
		t.Fatal("killed after exactly soft seconds")
	}
	// Over soft for more than 2s.
	if !b.push(msg, lim, 4000) || kills != 1 {
		t.Fatalf("not killed past the soft seconds (kills %d)", kills)
	}
	if b.size != 0 || b.q != nil || !b.closed {
		t.Fatalf("closed queue holds %d bytes, %d messages", b.size, len(b.q))
	}
	if b.push(msg, lim, 5000) || b.size != 0 || kills != 1 {
		t.Fatal("a closed queue took a message")
	}

	// The hard limit closes at once, and the soft clock resets below soft.
	b2 := &outbox{c: c, wake: make(chan struct{}, 1)}
	b2.push(make([]byte, 60), lim, 1)
	if b2.softSince == 0 {
		t.Fatal("soft clock not started")
	}
	b2.mu.Lock()
	b2.size = 10 // as if written out
	b2.mu.Unlock()
	b2.push(msg, lim, 2)
	if b2.softSince != 0 {
		t.Fatal("soft clock not reset under the soft limit")
	}
	if !b2.push(make([]byte, 90), lim, 3) || kills != 2 {
		t.Fatal("not killed over the hard limit")
	}
}

// TestOutboxWrites checks that the writer goroutine writes every queued
// message in order, batching small ones, and stops on close.
func TestOutboxWrites(t *testing.T) {
	var mu sync.Mutex
	var got bytes.Buffer
	writes := 0
	c := &Client{}
	c.Output(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		writes++
		return got.Write(p)
	}))
	b := newOutbox(c)
	var want bytes.Buffer
	for i := 0; i < 1000; i++ {
		m := encodePush(nil, 2, kindMessage, []byte("ch"), bytes.Repeat([]byte{byte('a' + i%26)}, i%50))
		want.Write(m)
		b.push(m, outputLimits{}, 0)
	}
	big := bytes.Repeat([]byte("B"), 3*outboxBatch)
	want.Write(big)
	b.push(big, outputLimits{}, 0)
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := got.Len()
		mu.Unlock()
		if n >= want.Len() {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("wrote %d of %d bytes", n, want.Len())
		}
	}
	b.close()
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatal("written bytes differ from the queued messages")
	}
	if writes >= 1001 {
		t.Fatalf("%d writes for 1001 messages: small ones are not batched", writes)
	}
	if b.size != 0 {
		t.Fatalf("size = %d after everything was written", b.size)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestEncodeMatchesWriter checks the shared encodings against what the
// reply writer produces for the same values.
func TestEncodeMatchesWriter(t *testing.T) {
	for _, proto := range []int{2, 3} {
		var buf bytes.Buffer
		w := resp.NewWriter(&buf, 0)
		w.SetProtocol(proto)
		w.Push(4)
		w.BulkString("pmessage")
		w.BulkString("p*")
		w.BulkString("pc")
		w.Bulk([]byte("pay\r\nload"))
		w.Flush()
		if got := encodePush(nil, proto, kindPMessage, []byte("p*"), []byte("pc"), []byte("pay\r\nload")); !bytes.Equal(got, buf.Bytes()) {
			t.Errorf("RESP%d pmessage = %q, want %q", proto, got, buf.Bytes())
		}
		for _, name := range [][]byte{[]byte("ch"), nil} {
			buf.Reset()
			w.Push(3)
			w.BulkString("unsubscribe")
			if name == nil {
				w.Null()
			} else {
				w.Bulk(name)
			}
			w.Int(7)
			w.Flush()
			if got := encodeConfirmation(proto, "unsubscribe", name, 7); !bytes.Equal(got, buf.Bytes()) {
				t.Errorf("RESP%d confirmation = %q, want %q", proto, got, buf.Bytes())
			}
		}
	}
}
