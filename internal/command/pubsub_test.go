package command_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// receive reads the next message from ps within a few seconds.
func receive(t *testing.T, ctx context.Context, ps *redis.PubSub) *redis.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := ps.ReceiveMessage(ctx)
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return m
}

// subscribed waits for ps's confirmation of kind on channel with count.
func subscribed(t *testing.T, ctx context.Context, ps *redis.PubSub, kind, channel string, count int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := ps.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	s, ok := v.(*redis.Subscription)
	if !ok || s.Kind != kind || s.Channel != channel || s.Count != count {
		t.Fatalf("confirmation = %#v, want %s %s %d", v, kind, channel, count)
	}
}

func TestPubSubSubscribe(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		ps := c.Subscribe(ctx, "news", "sport")
		defer ps.Close()
		subscribed(t, ctx, ps, "subscribe", "news", 1)
		subscribed(t, ctx, ps, "subscribe", "sport", 2)

		if n, err := c.Publish(ctx, "news", "hello").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH = %d, %v", n, err)
		}
		if m := receive(t, ctx, ps); m.Channel != "news" || m.Payload != "hello" || m.Pattern != "" {
			t.Fatalf("message = %#v", m)
		}
		if n, _ := c.Publish(ctx, "weather", "rain").Result(); n != 0 {
			t.Fatalf("PUBLISH to nobody = %d", n)
		}
		// Binary-safe payloads.
		c.Publish(ctx, "sport", "a\r\nb\x00c")
		if m := receive(t, ctx, ps); m.Channel != "sport" || m.Payload != "a\r\nb\x00c" {
			t.Fatalf("binary message = %#v", m)
		}

		if err := ps.Unsubscribe(ctx, "news"); err != nil {
			t.Fatal(err)
		}
		subscribed(t, ctx, ps, "unsubscribe", "news", 1)
		if n, _ := c.Publish(ctx, "news", "x").Result(); n != 0 {
			t.Fatalf("PUBLISH after UNSUBSCRIBE = %d", n)
		}
	})
}

func TestPubSubPSubscribe(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		ps := c.PSubscribe(ctx, "news.*", "h?llo", "[ab]x")
		defer ps.Close()
		subscribed(t, ctx, ps, "psubscribe", "news.*", 1)
		subscribed(t, ctx, ps, "psubscribe", "h?llo", 2)
		subscribed(t, ctx, ps, "psubscribe", "[ab]x", 3)
		for _, tc := range []struct {
			channel string
			n       int64
		}{{"news.tech", 1}, {"hallo", 1}, {"bx", 1}, {"news", 0}, {"hllo", 0}, {"cx", 0}} {
			if n, _ := c.Publish(ctx, tc.channel, "m").Result(); n != tc.n {
				t.Fatalf("PUBLISH %s = %d, want %d", tc.channel, n, tc.n)
			}
		}
		for _, want := range [][2]string{{"news.*", "news.tech"}, {"h?llo", "hallo"}, {"[ab]x", "bx"}} {
			if m := receive(t, ctx, ps); m.Pattern != want[0] || m.Channel != want[1] || m.Payload != "m" {
				t.Fatalf("pmessage = %#v, want %v", m, want)
			}
		}
		if n, _ := c.PubSubNumPat(ctx).Result(); n != 3 {
			t.Fatalf("NUMPAT = %d", n)
		}
		if err := ps.PUnsubscribe(ctx); err != nil {
			t.Fatal(err)
		}
		// Unsubscribing from all goes in name order.
		subscribed(t, ctx, ps, "punsubscribe", "[ab]x", 2)
		subscribed(t, ctx, ps, "punsubscribe", "h?llo", 1)
		subscribed(t, ctx, ps, "punsubscribe", "news.*", 0)
		if n, _ := c.PubSubNumPat(ctx).Result(); n != 0 {
			t.Fatalf("NUMPAT after PUNSUBSCRIBE = %d", n)
		}
	})
}

func TestPubSubSharded(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		ps := c.SSubscribe(ctx, "{u1}orders", "{u1}refunds")
		defer ps.Close()
		subscribed(t, ctx, ps, "ssubscribe", "{u1}orders", 1)
		subscribed(t, ctx, ps, "ssubscribe", "{u1}refunds", 2)
		plain := c.Subscribe(ctx, "{u1}orders")
		defer plain.Close()
		subscribed(t, ctx, plain, "subscribe", "{u1}orders", 1)

		if n, _ := c.SPublish(ctx, "{u1}orders", "o1").Result(); n != 1 {
			t.Fatalf("SPUBLISH = %d", n)
		}
		if m := receive(t, ctx, ps); m.Channel != "{u1}orders" || m.Payload != "o1" {
			t.Fatalf("smessage = %#v", m)
		}
		if n, _ := c.Publish(ctx, "{u1}orders", "o2").Result(); n != 1 {
			t.Fatalf("PUBLISH = %d", n)
		}
		if m := receive(t, ctx, plain); m.Payload != "o2" {
			t.Fatalf("message = %#v", m)
		}
		got, _ := c.PubSubShardChannels(ctx, "*").Result()
		sort.Strings(got)
		if want := []string{"{u1}orders", "{u1}refunds"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("SHARDCHANNELS = %q", got)
		}
		if got, _ := c.PubSubShardNumSub(ctx, "{u1}orders", "none").Result(); got["{u1}orders"] != 1 || got["none"] != 0 {
			t.Fatalf("SHARDNUMSUB = %v", got)
		}
		if got, _ := c.PubSubChannels(ctx, "*").Result(); !reflect.DeepEqual(got, []string{"{u1}orders"}) {
			t.Fatalf("CHANNELS = %q", got)
		}
		if err := ps.SUnsubscribe(ctx); err != nil {
			t.Fatal(err)
		}
		subscribed(t, ctx, ps, "sunsubscribe", "{u1}orders", 1)
		subscribed(t, ctx, ps, "sunsubscribe", "{u1}refunds", 0)
		if n, _ := c.SPublish(ctx, "{u1}orders", "o3").Result(); n != 0 {
			t.Fatalf("SPUBLISH after SUNSUBSCRIBE = %d", n)
		}
	})
}

func TestPubSubIntrospection(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		a := c.Subscribe(ctx, "chan.a", "chan.b", "other")
		defer a.Close()
		b := c.Subscribe(ctx, "chan.a")
		defer b.Close()
		p := c.PSubscribe(ctx, "chan.*")
		defer p.Close()
		for _, want := range []string{"chan.a", "chan.b", "other"} {
			if _, err := a.Receive(ctx); err != nil {
				t.Fatal(err, want)
			}
		}
		b.Receive(ctx)
		p.Receive(ctx)

		got, _ := c.PubSubChannels(ctx, "*").Result()
		sort.Strings(got)
		if want := []string{"chan.a", "chan.b", "other"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("CHANNELS = %q", got)
		}
		got, _ = c.PubSubChannels(ctx, "chan.*").Result()
		sort.Strings(got)
		if want := []string{"chan.a", "chan.b"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("CHANNELS chan.* = %q", got)
		}
		num, _ := c.PubSubNumSub(ctx, "chan.a", "chan.b", "nobody").Result()
		if want := map[string]int64{"chan.a": 2, "chan.b": 1, "nobody": 0}; !reflect.DeepEqual(num, want) {
			t.Fatalf("NUMSUB = %v", num)
		}
		// NUMSUB without channels is an empty array; a pattern is not a channel.
		if v, err := do(ctx, c, "pubsub", "numsub"); err != nil || len(v.([]any)) != 0 {
			t.Fatalf("NUMSUB = %v, %v", v, err)
		}
		if n, _ := c.PubSubNumPat(ctx).Result(); n != 1 {
			t.Fatalf("NUMPAT = %d", n)
		}
		// Two receivers for chan.a, plus the pattern.
		if n, _ := c.Publish(ctx, "chan.a", "x").Result(); n != 3 {
			t.Fatalf("PUBLISH = %d", n)
		}
		info, _ := c.Info(ctx, "stats").Result()
		for _, want := range []string{"pubsub_channels:3\r\n", "pubsub_patterns:1\r\n", "pubsubshard_channels:0\r\n"} {
			if !strings.Contains(info, want) {
				t.Fatalf("INFO stats lacks %q:\n%s", want, info)
			}
		}
		help, err := do(ctx, c, "pubsub", "help")
		if err != nil || len(help.([]any)) != 13 || !strings.HasPrefix(help.([]any)[0].(string), "PUBSUB <subcommand>") {
			t.Fatalf("PUBSUB HELP = %v, %v", help, err)
		}
	})
}

// TestPubSubRESP3AnyCommand checks that a RESP3 subscriber may run other
// commands on its connection, between pushes.
func TestPubSubRESP3AnyCommand(t *testing.T) {
	n := startNode(t, nil)
	ctx := context.Background()
	c := newClient(t, n, 3)
	w := connDial(t, n)
	w.do("HELLO", "3")
	w.expect(`>[$"subscribe" $"k" :1]`, "SUBSCRIBE", "k")
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Publish(ctx, "k", "m1")
	// The message, published before GET was sent, arrives before its reply.
	if got := w.do("GET", "k").String(); got != `>[$"message" $"k" $"m1"]` {
		t.Fatalf("first = %s", got)
	}
	if got := w.read().String(); got != `$"v"` {
		t.Fatalf("GET = %s", got)
	}
}
