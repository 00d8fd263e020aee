package command_test

import (
	"strings"
	"testing"
	"time"
)

// TestPubSubWireRESP2 checks the exact RESP2 shapes of confirmations and
// messages, and the commands a subscribed RESP2 client may run.
func TestPubSubWireRESP2(t *testing.T) {
	n := startNode(t, nil)
	sub, pub := connDial(t, n), connDial(t, n)

	sub.expect(`*[$"subscribe" $"a" :1]`, "SUBSCRIBE", "a")
	// The second confirmation of one command is read as the next reply.
	sub.expect(`*[$"subscribe" $"b" :2]`, "SUBSCRIBE", "b", "b")
	if got := sub.read().String(); got != `*[$"subscribe" $"b" :2]` {
		t.Fatalf("second confirmation = %s", got)
	}
	sub.expect(`*[$"psubscribe" $"a*" :3]`, "PSUBSCRIBE", "a*")
	sub.expect(`*[$"ssubscribe" $"s" :1]`, "SSUBSCRIBE", "s")

	pub.expect(`:2`, "PUBLISH", "a", "hi") // a and a*
	if got := sub.read().String(); got != `*[$"message" $"a" $"hi"]` {
		t.Fatalf("message = %s", got)
	}
	if got := sub.read().String(); got != `*[$"pmessage" $"a*" $"a" $"hi"]` {
		t.Fatalf("pmessage = %s", got)
	}
	pub.expect(`:1`, "SPUBLISH", "s", "x")
	if got := sub.read().String(); got != `*[$"smessage" $"s" $"x"]` {
		t.Fatalf("smessage = %s", got)
	}
	pub.expect(`:0`, "PUBLISH", "s", "x") // shard channels are another namespace

	// Only the pub/sub commands, PING, QUIT and RESET are allowed.
	sub.expect(`-"ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"`,
		"GET", "k")
	sub.expect(`-"ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"`,
		"CLIENT", "ID")
	sub.expect(`*[$"pong" $""]`, "PING")
	sub.expect(`*[$"pong" $"x"]`, "PING", "x")

	sub.expect(`*[$"unsubscribe" $"zz" :3]`, "UNSUBSCRIBE", "zz")
	sub.expect(`*[$"unsubscribe" $"a" :2]`, "UNSUBSCRIBE")
	if got := sub.read().String(); got != `*[$"unsubscribe" $"b" :1]` {
		t.Fatalf("unsubscribe all, second = %s", got)
	}
	sub.expect(`*[$"unsubscribe" $null :1]`, "UNSUBSCRIBE")
	sub.expect(`*[$"punsubscribe" $"a*" :0]`, "PUNSUBSCRIBE")
	// Still subscribed to a shard channel: still in pub/sub mode.
	sub.expect(`*[$"pong" $""]`, "PING")
	sub.expect(`*[$"sunsubscribe" $"s" :0]`, "SUNSUBSCRIBE", "s")
	sub.expect(`+"PONG"`, "PING")
	sub.expect(`$null`, "GET", "k")
}

// TestPubSubWireRESP3 checks the push shapes in RESP3, where a subscribed
// client may run any command.
func TestPubSubWireRESP3(t *testing.T) {
	n := startNode(t, nil)
	sub, pub := connDial(t, n), connDial(t, n)
	if got := sub.do("HELLO", "3").String(); !strings.HasPrefix(got, "%[") {
		t.Fatalf("HELLO 3 = %s", got)
	}
	sub.expect(`>[$"subscribe" $"a" :1]`, "SUBSCRIBE", "a")
	sub.expect(`>[$"psubscribe" $"*" :2]`, "PSUBSCRIBE", "*")
	sub.expect(`_null`, "GET", "k")
	sub.expect(`+"PONG"`, "PING")
	pub.expect(`:2`, "PUBLISH", "a", "hi")
	if got := sub.read().String(); got != `>[$"message" $"a" $"hi"]` {
		t.Fatalf("message = %s", got)
	}
	if got := sub.read().String(); got != `>[$"pmessage" $"*" $"a" $"hi"]` {
		t.Fatalf("pmessage = %s", got)
	}
	sub.expect(`>[$"unsubscribe" $"a" :1]`, "UNSUBSCRIBE")
	sub.expect(`>[$"punsubscribe" $"*" :0]`, "PUNSUBSCRIBE")
	sub.expect(`>[$"sunsubscribe" _null :0]`, "SUNSUBSCRIBE")
}

// TestPubSubErrors checks arity, CROSSSLOT and PUBSUB's syntax errors.
func TestPubSubErrors(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	w.expect(`-"ERR wrong number of arguments for 'subscribe' command"`, "SUBSCRIBE")
	w.expect(`-"ERR wrong number of arguments for 'psubscribe' command"`, "PSUBSCRIBE")
	w.expect(`-"ERR wrong number of arguments for 'ssubscribe' command"`, "SSUBSCRIBE")
	w.expect(`-"ERR wrong number of arguments for 'publish' command"`, "PUBLISH", "a")
	w.expect(`-"ERR wrong number of arguments for 'spublish' command"`, "SPUBLISH", "a", "b", "c")
	w.expect(`-"CROSSSLOT Keys in request don't hash to the same slot"`, "SSUBSCRIBE", "a", "b")
	w.expect(`-"CROSSSLOT Keys in request don't hash to the same slot"`, "SUNSUBSCRIBE", "a", "b")
	w.expect(`-"ERR wrong number of arguments for 'pubsub' command"`, "PUBSUB")
	w.expect(`-"ERR unknown subcommand 'nope'. Try PUBSUB HELP."`, "PUBSUB", "nope")
	w.expect(`-"ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."`,
		"PUBSUB", "CHANNELS", "a", "b")
	w.expect(`-"ERR wrong number of arguments for 'pubsub|numpat' command"`, "PUBSUB", "NUMPAT", "x")
	// Hash tags put different channels in one slot.
	w.expect(`*[$"ssubscribe" $"{t}a" :1]`, "SSUBSCRIBE", "{t}a", "{t}b")
	if got := w.read().String(); got != `*[$"ssubscribe" $"{t}b" :2]` {
		t.Fatalf("second confirmation = %s", got)
	}
}

// TestPubSubConfirmationFirst subscribes while a channel is flooded: the
// confirmation must be the first thing the subscriber reads.
func TestPubSubConfirmationFirst(t *testing.T) {
	n := startNode(t, nil)
	pub := newClient(t, n, 2)
	ctx := t.Context()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := pub.Publish(ctx, "flood", "m").Err(); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for i := 0; i < 50; i++ {
		w := connDial(t, n)
		w.send("*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nflood\r\n")
		if got := w.read().String(); got != `*[$"subscribe" $"flood" :1]` {
			t.Fatalf("first reply = %s", got)
		}
		w.nc.Close()
	}
}

// TestPubSubReset checks that RESET leaves every subscription silently.
func TestPubSubReset(t *testing.T) {
	n := startNode(t, nil)
	w, pub := connDial(t, n), connDial(t, n)
	w.expect(`*[$"subscribe" $"a" :1]`, "SUBSCRIBE", "a")
	w.expect(`*[$"psubscribe" $"p*" :2]`, "PSUBSCRIBE", "p*")
	w.expect(`+"RESET"`, "RESET")
	pub.expect(`:0`, "PUBLISH", "a", "x")
	pub.expect(`:0`, "PUBLISH", "px", "x")
	w.expect(`+"PONG"`, "PING")
	pub.expect(`*[]`, "PUBSUB", "CHANNELS")
	pub.expect(`:0`, "PUBSUB", "NUMPAT")
}

// waitFor polls cond until it holds or the deadline passes.
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

// TestPubSubInMulti checks SUBSCRIBE queued in MULTI: EXEC's reply holds the
// confirmation, and messages follow it.
func TestPubSubInMulti(t *testing.T) {
	n := startNode(t, nil)
	w, pub := connDial(t, n), connDial(t, n)
	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SUBSCRIBE", "a")
	w.expect(`*[*[$"subscribe" $"a" :1]]`, "EXEC")
	pub.expect(`:1`, "PUBLISH", "a", "m")
	if got := w.read().String(); got != `*[$"message" $"a" $"m"]` {
		t.Fatalf("message = %s", got)
	}
}

// TestPubSubPipelined checks the order of replies to pipelined commands
// around a subscription.
func TestPubSubPipelined(t *testing.T) {
	n := startNode(t, nil)
	w := connDial(t, n)
	w.send("PING\r\nSUBSCRIBE a b\r\nPING\r\nPUBLISH a x\r\nUNSUBSCRIBE\r\nPING\r\n")
	for _, want := range []string{
		`+"PONG"`,
		`*[$"subscribe" $"a" :1]`, `*[$"subscribe" $"b" :2]`,
		`*[$"pong" $""]`,
		`-"ERR Can't execute 'publish': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"`,
		`*[$"unsubscribe" $"a" :1]`, `*[$"unsubscribe" $"b" :0]`,
		`+"PONG"`,
	} {
		if got := w.read().String(); got != want {
			t.Fatalf("reply = %s, want %s", got, want)
		}
	}
}
