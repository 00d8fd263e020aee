//go:build !nocluster

package larder_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// openClusterNode starts a cluster-mode node on a free port, joining join
// ("host:port@bus") unless empty.
func openClusterNode(t *testing.T, join string) *larder.Node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{"cluster-enabled": "yes"}
	if join != "" {
		settings["join"] = join
	}
	n, err := larder.Open(&larder.Options{Listener: ln, Settings: settings, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// joinAddr returns n's client address with its bus port, as --join takes it.
func joinAddr(t *testing.T, n *larder.Node) string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String()})
	defer c.Close()
	nodes, err := c.ClusterNodes(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(nodes, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.Contains(f[2], "myself") {
			_, bus, _ := strings.Cut(f[1], "@")
			return n.Addr().String() + "@" + bus
		}
	}
	t.Fatalf("no myself line in CLUSTER NODES: %q", nodes)
	return ""
}

// infoField reads one field of INFO cluster from n.
func infoField(t *testing.T, n *larder.Node, name string) string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String()})
	defer c.Close()
	info, err := c.Info(context.Background(), "cluster").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// waitSettled waits until every node sees want members and no slot in
// migration.
func waitSettled(t *testing.T, ns []*larder.Node, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range ns {
		for infoField(t, n, "cluster_members") != strconv.Itoa(want) || infoField(t, n, "cluster_migrations") != "0" {
			if time.Now().After(deadline) {
				t.Fatalf("%s: members %s, migrations %s; want %d members, none moving", n.Addr(),
					infoField(t, n, "cluster_members"), infoField(t, n, "cluster_migrations"), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestClusterRueidis runs rueidis's cluster client against three nodes in
// one process: it finds the nodes from one address, routes every key to its
// owner, and reads back what it wrote; each node ends up with a share.
func TestClusterRueidis(t *testing.T) {
	start := time.Now()
	n1 := openClusterNode(t, "")
	n2 := openClusterNode(t, joinAddr(t, n1))
	waitSettled(t, []*larder.Node{n1, n2}, 2)
	n3 := openClusterNode(t, joinAddr(t, n1))
	ns := []*larder.Node{n1, n2, n3}
	waitSettled(t, ns, 3)
	t.Logf("three nodes settled at %v", time.Since(start))

	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{n1.Addr().String()},
		// Larder has no CLIENT TRACKING, so no server-assisted client-side caching.
		DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if nodes := c.Nodes(); len(nodes) != 3 {
		t.Fatalf("rueidis found %d nodes, want 3", len(nodes))
	}
	t.Logf("rueidis connected at %v", time.Since(start))
	ctx := context.Background()
	const keys = 2000
	cmds := make(rueidis.Commands, 0, keys)
	for i := range keys {
		cmds = append(cmds, c.B().Set().Key(fmt.Sprint("k", i)).Value(fmt.Sprint("v", i)).Build())
	}
	for i, r := range c.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			t.Fatalf("SET k%d: %v", i, err)
		}
	}
	for i := range keys {
		v, err := c.Do(ctx, c.B().Get().Key(fmt.Sprint("k", i)).Build()).ToString()
		if err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("GET k%d = %q, %v", i, v, err)
		}
	}
	t.Logf("keys written and read at %v", time.Since(start))
	// Keys under one hash tag go to one node together; keys across slots do not.
	if err := c.Do(ctx, c.B().Mset().KeyValue().KeyValue("{user:1}:a", "1").KeyValue("{user:1}:b", "2").Build()).Error(); err != nil {
		t.Fatalf("MSET under a hash tag: %v", err)
	}
	if vs, err := c.Do(ctx, c.B().Mget().Key("{user:1}:a", "{user:1}:b").Build()).AsStrSlice(); err != nil || strings.Join(vs, ",") != "1,2" {
		t.Fatalf("MGET under a hash tag = %v, %v", vs, err)
	}
	total := 0
	for _, n := range ns {
		rc := redis.NewClient(&redis.Options{Addr: n.Addr().String()})
		k, err := rc.DBSize(ctx).Result()
		rc.Close()
		if err != nil || k < keys/6 {
			t.Fatalf("%s holds %d keys (%v), want about a third of %d", n.Addr(), k, err, keys)
		}
		total += int(k)
	}
	if total != keys+2 {
		t.Fatalf("the nodes hold %d keys in all, want %d", total, keys+2)
	}
}

// TestClusterForgetRemovesANode: CLUSTER FORGET <id>, sent to any member,
// moves the node's slots to the others, takes it out of the map and stops
// it; no key is lost. An unknown ID is an error.
func TestClusterForgetRemovesANode(t *testing.T) {
	n1 := openClusterNode(t, "")
	n2 := openClusterNode(t, joinAddr(t, n1))
	waitSettled(t, []*larder.Node{n1, n2}, 2)
	n3 := openClusterNode(t, joinAddr(t, n1))
	waitSettled(t, []*larder.Node{n1, n2, n3}, 3)

	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{n1.Addr().String()}})
	defer cc.Close()
	const keys = 3000
	for i := range keys {
		if err := cc.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	c1 := redis.NewClient(&redis.Options{Addr: n1.Addr().String()})
	defer c1.Close()
	if err := c1.Do(ctx, "cluster", "forget", strings.Repeat("ab", 20)).Err(); err == nil || !strings.Contains(err.Error(), "Unknown node") {
		t.Fatalf("CLUSTER FORGET of an unknown node: %v, want Unknown node", err)
	}
	c3 := redis.NewClient(&redis.Options{Addr: n3.Addr().String()})
	id3, err := c3.ClusterMyID(ctx).Result()
	c3.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Do(ctx, "cluster", "forget", id3).Err(); err != nil {
		t.Fatalf("CLUSTER FORGET %s: %v", id3, err)
	}
	select {
	case <-n3.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("the forgotten node did not stop within 60 s")
	}
	waitSettled(t, []*larder.Node{n1, n2}, 2)
	// The client sent nothing while the removed node redirected (2 s), so its slot map
	// still names that node: a client learns the new map from MOVED or a reload.
	cc.ReloadState(ctx)
	for i := range keys {
		if v, err := cc.Get(ctx, fmt.Sprint("k", i)).Int(); err != nil || v != i {
			t.Fatalf("k%d = %d, %v after the node was removed", i, v, err)
		}
	}
}

// TestClusterPublishReachesEveryNode: as in Redis Cluster, a PUBLISH on one node reaches the
// channel and pattern subscribers of every node, in publish order, and its reply counts this
// node's receivers only.
func TestClusterPublishReachesEveryNode(t *testing.T) {
	n1 := openClusterNode(t, "")
	n2 := openClusterNode(t, joinAddr(t, n1))
	n3 := openClusterNode(t, joinAddr(t, n1))
	waitSettled(t, []*larder.Node{n1, n2, n3}, 3)
	ctx := context.Background()
	client := func(n *larder.Node) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: n.Addr().String()})
		t.Cleanup(func() { c.Close() })
		return c
	}
	sub2 := client(n2).Subscribe(ctx, "news")
	defer sub2.Close()
	psub3 := client(n3).PSubscribe(ctx, "ne*")
	defer psub3.Close()
	for _, s := range []*redis.PubSub{sub2, psub3} {
		if _, err := s.Receive(ctx); err != nil { // the subscription's confirmation
			t.Fatal(err)
		}
	}
	pub := client(n1)
	const n = 200
	for i := range n {
		got, err := pub.Publish(ctx, "news", fmt.Sprint("item ", i)).Result()
		if err != nil || got != 0 {
			t.Fatalf("PUBLISH on a node without subscribers = %d, %v; want 0 (this node's receivers)", got, err)
		}
	}
	for name, s := range map[string]*redis.PubSub{"SUBSCRIBE on node 2": sub2, "PSUBSCRIBE on node 3": psub3} {
		ch := s.Channel()
		for i := range n {
			select {
			case m := <-ch:
				if m.Channel != "news" || m.Payload != fmt.Sprint("item ", i) {
					t.Fatalf("%s: message %d is %q on %q, want %q on news", name, i, m.Payload, m.Channel, fmt.Sprint("item ", i))
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: got %d of %d messages", name, i, n)
			}
		}
	}
	// And back the other way, to a subscriber on the first node.
	sub1 := client(n1).Subscribe(ctx, "news")
	defer sub1.Close()
	if _, err := sub1.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := client(n3).Publish(ctx, "news", "from node 3").Result(); err != nil || got != 1 {
		t.Fatalf("PUBLISH on node 3, with its pattern subscriber = %d, %v; want 1", got, err)
	}
	select {
	case m := <-sub1.Channel():
		if m.Payload != "from node 3" {
			t.Fatalf("node 1 got %q", m.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("node 1's subscriber got nothing from node 3")
	}
	if lost := infoField(t, n1, "cluster_publish_lost"); lost != "0" {
		t.Errorf("cluster_publish_lost = %q on node 1, want 0", lost)
	}
}
