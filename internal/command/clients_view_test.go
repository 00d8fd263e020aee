package command

import (
	"bufio"
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// connTestServer returns a server and n connected contexts, each writing
// its replies to its own buffer.
func connTestServer(t *testing.T, n int) (*Server, []*Ctx, []*bytes.Buffer) {
	t.Helper()
	db, err := engine.Open(engine.Options{Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := New(Options{DB: db, Config: standaloneConfig(), Logger: slog.New(slog.DiscardHandler)})
	var xs []*Ctx
	var bufs []*bytes.Buffer
	for i := 0; i < n; i++ {
		buf := new(bytes.Buffer)
		x := &Ctx{W: resp.NewWriter(buf, 0)}
		s.Connect(&Client{Addr: "127.0.0.1:" + string(rune('1'+i)), LAddr: "127.0.0.1:7379"}, x)
		xs = append(xs, x)
		bufs = append(bufs, buf)
	}
	return s, xs, bufs
}

// connRun dispatches args on x and returns the reply's compact form.
func connRun(t *testing.T, s *Server, x *Ctx, buf *bytes.Buffer, args ...string) string {
	t.Helper()
	buf.Reset()
	x.Args = x.Args[:0]
	for _, a := range args {
		x.Args = append(x.Args, []byte(a))
	}
	s.Dispatch(x)
	x.EndBatch() // as the server does before it flushes
	if err := x.W.Flush(); err != nil {
		t.Fatal(err)
	}
	v, err := resp.ReadReply(bufio.NewReader(buf))
	if err != nil {
		t.Fatalf("%q: reading reply: %v", args, err)
	}
	return v.String()
}

func TestClientFlagsLetters(t *testing.T) {
	tests := []struct {
		flags   clientFlag
		noEvict bool
		want    string
	}{
		{0, false, "N"},
		{clientPubSub, false, "P"},
		{clientMulti | clientDirtyCAS, false, "xd"},
		{clientReplica, false, "S"},
		{clientReplica | clientMonitor, false, "O"},
		{clientMonitor, false, "O"},
		{clientMaster | clientBlocked | clientTracking | clientReadOnly, false, "Mbtr"},
		{clientNoTouch, true, "eT"},
		{clientPubSub | clientMulti | clientNoTouch, true, "PxeT"},
	}
	for _, tt := range tests {
		c := &Client{}
		c.setFlag(tt.flags, true)
		c.noEvict.Store(tt.noEvict)
		if got := string(appendClientFlags(nil, c)); got != tt.want {
			t.Errorf("flags %b, no-evict %v: %q, want %q", tt.flags, tt.noEvict, got, tt.want)
		}
		c.setFlag(tt.flags, false)
		if c.flags.Load() != 0 {
			t.Errorf("flags %b: %b left after clearing", tt.flags, c.flags.Load())
		}
	}
}

func TestClientType(t *testing.T) {
	tests := []struct {
		flags clientFlag
		want  int
	}{
		{0, clientTypeNormal},
		{clientMulti, clientTypeNormal},
		{clientPubSub, clientTypePubSub},
		{clientReplica, clientTypeReplica},
		{clientReplica | clientMonitor, clientTypeNormal},
		{clientMaster | clientPubSub, clientTypeMaster},
	}
	for _, tt := range tests {
		c := &Client{}
		c.setFlag(tt.flags, true)
		if got := c.typ(); got != tt.want {
			t.Errorf("flags %b: type %d, want %d", tt.flags, got, tt.want)
		}
	}
	for name, want := range map[string]int{"normal": 0, "SLAVE": 1, "replica": 1, "PubSub": 2, "master": 3, "x": -1, "": -1} {
		if got := clientTypeByName([]byte(name)); got != want {
			t.Errorf("clientTypeByName(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestPingSubscribed checks PING from a subscribed client: a two-element
// array in RESP2, the usual reply in RESP3.
func TestPingSubscribed(t *testing.T) {
	s, xs, bufs := connTestServer(t, 1)
	x, buf := xs[0], bufs[0]
	x.C.setFlag(clientPubSub, true)
	for _, tt := range []struct{ args, want []string }{
		{[]string{"PING"}, []string{`*[$"pong" $""]`, `+"PONG"`}},
		{[]string{"PING", "msg"}, []string{`*[$"pong" $"msg"]`, `$"msg"`}},
	} {
		if got := connRun(t, s, x, buf, tt.args...); got != tt.want[0] {
			t.Errorf("RESP2 %q = %s, want %s", tt.args, got, tt.want[0])
		}
		x.W.SetProtocol(3)
		x.C.proto.Store(3)
		if got := connRun(t, s, x, buf, tt.args...); got != tt.want[1] {
			t.Errorf("RESP3 %q = %s, want %s", tt.args, got, tt.want[1])
		}
		x.W.SetProtocol(2)
		x.C.proto.Store(2)
	}
}

// TestClientKillByType kills the pubsub clients and checks that the others
// stay, and that killed clients no longer show in CLIENT LIST.
func TestClientKillByType(t *testing.T) {
	s, xs, bufs := connTestServer(t, 3)
	killed := make([]bool, 3)
	for i, x := range xs {
		x.C.Kill = func() { killed[i] = true }
	}
	xs[1].C.setFlag(clientPubSub, true)
	xs[2].C.setFlag(clientReplica, true)
	if got := connRun(t, s, xs[0], bufs[0], "CLIENT", "LIST", "TYPE", "pubsub"); !strings.Contains(got, "flags=P ") ||
		strings.Count(got, "id=") != 1 {
		t.Fatalf("CLIENT LIST TYPE pubsub = %s", got)
	}
	if got := connRun(t, s, xs[0], bufs[0], "CLIENT", "KILL", "TYPE", "pubsub"); got != ":1" {
		t.Fatalf("CLIENT KILL TYPE pubsub = %s, want :1", got)
	}
	if !killed[1] || killed[0] || killed[2] {
		t.Fatalf("killed = %v, want only the pubsub client", killed)
	}
	// The killed client is gone from the list before its goroutine ends.
	if got := connRun(t, s, xs[0], bufs[0], "CLIENT", "LIST"); strings.Count(got, "id=") != 2 ||
		strings.Contains(got, "flags=P ") {
		t.Fatalf("CLIENT LIST after the kill = %s", got)
	}
	if got := connRun(t, s, xs[0], bufs[0], "CLIENT", "KILL", "TYPE", "pubsub"); got != ":0" {
		t.Fatalf("second CLIENT KILL TYPE pubsub = %s, want :0", got)
	}
	if got := connRun(t, s, xs[0], bufs[0], "CLIENT", "KILL", "TYPE", "replica"); got != ":1" || !killed[2] {
		t.Fatalf("CLIENT KILL TYPE replica = %s, killed %v", got, killed)
	}
	if xs[0].Close {
		t.Fatal("the caller was closed")
	}
}
