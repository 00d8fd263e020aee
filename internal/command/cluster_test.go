package command_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/server"
	"github.com/larderdb/larder/internal/types"
	"github.com/redis/go-redis/v9"
)

// clusterNode is a node served in the test process with a cluster view the
// test gives it (larder.Open makes its own one-node view).
type clusterNode struct {
	addr string
	cmds *command.Server
}

// listen opens a loopback listener closed when the test ends.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// portOf returns the port ln listens on.
func portOf(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// serveCluster serves a node with view on ln until the test ends.
func serveCluster(t *testing.T, ln net.Listener, view command.ClusterView) *clusterNode {
	t.Helper()
	db, err := engine.Open(engine.Options{Thaw: types.Thaw})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.NewStore() // cluster-enabled yes by default
	log := slog.New(slog.DiscardHandler)
	cmds := command.New(command.Options{DB: db, Config: cfg, Logger: log, TCPPort: portOf(ln), Cluster: view})
	srv := server.New(server.Options{Commands: cmds, Logger: log})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		db.Close()
	})
	return &clusterNode{addr: ln.Addr().String(), cmds: cmds}
}

// dialAddr opens a raw connection to addr, closed when the test ends.
func dialAddr(t *testing.T, addr string) *connWire {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &connWire{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// keyIn returns a key (prefix followed by a number) whose slot satisfies ok.
func keyIn(prefix string, ok func(slot uint16) bool) string {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if ok(engine.Slot([]byte(k))) {
			return k
		}
	}
}

// newClusterClient returns a go-redis cluster client seeded with addrs.
func newClusterClient(t *testing.T, proto int, addrs ...string) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: addrs, Protocol: proto, DialTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		DisableIdentity: true, MaxRedirects: 4,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// twoNodes starts nodes A (slots 0-8191) and B (8192-16383), each with its
// own static view of the same map, changed by edit before it is built.
func twoNodes(t *testing.T, edit func(a, b *clusterview.Map)) (a, b *clusterNode, va, vb *clusterview.Static) {
	t.Helper()
	lna, lnb := listen(t), listen(t)
	ida, idb := clusterview.NewID(), clusterview.NewID()
	nodes := []clusterview.Node{
		{ID: ida, Host: "127.0.0.1", Port: portOf(lna), BusPort: portOf(lna) + 10000, ConfigEpoch: 1,
			Slots: []clusterview.SlotRange{{Start: 0, End: 8191}}},
		{ID: idb, Host: "127.0.0.1", Port: portOf(lnb), BusPort: portOf(lnb) + 10000, ConfigEpoch: 2,
			Slots: []clusterview.SlotRange{{Start: 8192, End: 16383}}},
	}
	ma := clusterview.Map{Me: ida, Epoch: 2, Nodes: nodes}
	mb := clusterview.Map{Me: idb, Epoch: 2, Nodes: nodes}
	if edit != nil {
		edit(&ma, &mb)
	}
	var err error
	if va, err = clusterview.NewStatic(ma); err != nil {
		t.Fatal(err)
	}
	if vb, err = clusterview.NewStatic(mb); err != nil {
		t.Fatal(err)
	}
	return serveCluster(t, lna, va), serveCluster(t, lnb, vb), va, vb
}

func TestClusterOneNodeClusterClient(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx := context.Background()
			n := startNode(t, map[string]string{"cluster-enabled": "yes"})
			c := newClusterClient(t, proto, n.Addr().String())

			if err := c.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "greeting").Result(); err != nil || v != "hello" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if err := c.MSet(ctx, "{user:42}:name", "ann", "{user:42}:mail", "ann@example.com").Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.MGet(ctx, "{user:42}:name", "{user:42}:mail", "{user:42}:none").Result(); err != nil ||
				len(v) != 3 || v[0] != "ann" || v[1] != "ann@example.com" || v[2] != nil {
				t.Fatalf("MGET = %v, %v", v, err)
			}
			// go-redis sends a multi-key command to the node of its first key.
			err := c.Do(ctx, "mset", "a", "1", "b", "2").Err()
			if err == nil || err.Error() != "CROSSSLOT Keys in request don't hash to the same slot" {
				t.Fatalf("MSET across slots: %v, want CROSSSLOT", err)
			}
			if err := c.Do(ctx, "sinter", "a", "b").Err(); err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT") {
				t.Fatalf("SINTER across slots: %v, want CROSSSLOT", err)
			}

			port := n.Addr().(*net.TCPAddr).Port
			slots, err := c.ClusterSlots(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != 1 || slots[0].Start != 0 || slots[0].End != 16383 || len(slots[0].Nodes) != 1 ||
				slots[0].Nodes[0].Addr != "127.0.0.1:"+strconv.Itoa(port) || len(slots[0].Nodes[0].ID) != 40 {
				t.Fatalf("CLUSTER SLOTS = %+v", slots)
			}
			id := slots[0].Nodes[0].ID
			if got, err := c.Do(ctx, "cluster", "myid").Text(); err != nil || got != id {
				t.Fatalf("CLUSTER MYID = %q, %v; SLOTS says %s", got, err, id)
			}
			if got, err := c.Do(ctx, "cluster", "myshardid").Text(); err != nil || got != id {
				t.Fatalf("CLUSTER MYSHARDID = %q, %v; want %s", got, err, id)
			}
			shards, err := c.ClusterShards(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(shards) != 1 || len(shards[0].Slots) != 1 || shards[0].Slots[0] != (redis.SlotRange{Start: 0, End: 16383}) ||
				len(shards[0].Nodes) != 1 {
				t.Fatalf("CLUSTER SHARDS = %+v", shards)
			}
			sn := shards[0].Nodes[0]
			if sn.ID != id || sn.Port != int64(port) || sn.IP != "127.0.0.1" || sn.Endpoint != "127.0.0.1" ||
				sn.Role != "master" || sn.Health != "online" {
				t.Fatalf("CLUSTER SHARDS node = %+v", sn)
			}
			nodes, err := c.ClusterNodes(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			// The bus listens on a free port (the node's listener was handed to it) and the
			// epoch is the control plane's after its bootstrap.
			want := regexp.MustCompile(fmt.Sprintf(`^%s 127\.0\.0\.1:%d@[1-9][0-9]* myself,master - 0 0 [1-9][0-9]* connected 0-16383\n$`, id, port))
			if !want.MatchString(nodes) {
				t.Fatalf("CLUSTER NODES = %q, want %v", nodes, want)
			}
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"cluster_state:ok\r\n", "cluster_slots_assigned:16384\r\n", "cluster_slots_ok:16384\r\n",
				"cluster_known_nodes:1\r\n", "cluster_size:1\r\n"} {
				if !strings.Contains(info, f) {
					t.Fatalf("CLUSTER INFO lacks %q:\n%s", f, info)
				}
			}
			slot := engine.Slot([]byte("{user:42}"))
			if got, err := c.ClusterKeySlot(ctx, "{user:42}:name").Result(); err != nil || got != int64(slot) {
				t.Fatalf("CLUSTER KEYSLOT = %d, %v, want %d", got, err, slot)
			}
			if got, err := c.ClusterCountKeysInSlot(ctx, int(slot)).Result(); err != nil || got != 2 {
				t.Fatalf("CLUSTER COUNTKEYSINSLOT = %d, %v, want 2", got, err)
			}
			keys, err := c.ClusterGetKeysInSlot(ctx, int(slot), 10).Result()
			if err != nil || len(keys) != 2 || !strings.HasPrefix(keys[0], "{user:42}:") {
				t.Fatalf("CLUSTER GETKEYSINSLOT = %q, %v", keys, err)
			}
			if keys, err := c.ClusterGetKeysInSlot(ctx, int(slot), 1).Result(); err != nil || len(keys) != 1 {
				t.Fatalf("CLUSTER GETKEYSINSLOT count 1 = %q, %v", keys, err)
			}
		})
	}
}

func TestClusterCommandErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, startNode(t, map[string]string{"cluster-enabled": "yes"}), 2)
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"cluster", "countkeysinslot", "16384"}, "ERR Invalid slot"},
		{[]any{"cluster", "countkeysinslot", "x"}, "ERR value is not an integer or out of range"},
		{[]any{"cluster", "getkeysinslot", "-1", "1"}, "ERR Invalid slot or number of keys"},
		{[]any{"cluster", "getkeysinslot", "1", "-1"}, "ERR Invalid slot or number of keys"},
		{[]any{"cluster", "keyslot"}, "ERR wrong number of arguments for 'cluster|keyslot' command"},
		{[]any{"cluster", "nosuch"}, "ERR unknown subcommand 'nosuch'. Try CLUSTER HELP."},
		{[]any{"cluster", "replicas", "nosuch"}, "ERR Unknown node nosuch"},
		{[]any{"cluster", "addslots", "1"}, "ERR CLUSTER ADDSLOTS is not supported: Larder places slots itself"},
		{[]any{"cluster", "setslot", "1", "stable"}, "ERR CLUSTER SETSLOT is not supported: Larder places slots itself"},
		{[]any{"cluster", "meet", "127.0.0.1", "7000"}, "ERR CLUSTER MEET is not supported: a Larder node joins a cluster at start: larder --join"},
		{[]any{"cluster", "replicate", "abc"}, "ERR CLUSTER REPLICATE is not supported: Larder chooses primaries and replicas itself"},
		{[]any{"cluster", "forget", "abc"}, "ERR Unknown node abc"}, // FORGET removes a member: see the root package's TestClusterForgetRemovesANode
		{[]any{"cluster", "failover"}, "ERR CLUSTER FAILOVER is not supported"},
		{[]any{"cluster", "reset"}, "ERR CLUSTER RESET is not supported"},
		// Other keys than the sorted one may be on other nodes, as Redis says.
		{[]any{"sort", "l", "by", "w_*"}, "ERR BY option of SORT denied in Cluster mode."},
		{[]any{"sort", "l", "get", "#"}, "ERR GET option of SORT denied in Cluster mode."},
	} {
		err := c.Do(ctx, tc.args...).Err()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if v, err := c.Do(ctx, "cluster", "help").StringSlice(); err != nil || len(v) < 10 {
		t.Errorf("CLUSTER HELP = %q, %v", v, err)
	}
	if v, err := c.Do(ctx, "cluster", "getkeysinslot", "0", "5").StringSlice(); err != nil || len(v) != 0 {
		t.Errorf("GETKEYSINSLOT of an empty slot = %q, %v", v, err)
	}
}

func TestClusterDisabled(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, startNode(t, nil), 2) // the helper's default: cluster-enabled no
	for _, args := range [][]any{{"cluster", "info"}, {"cluster", "slots"}, {"cluster", "addslots", "1"}, {"asking"}} {
		if err := c.Do(ctx, args...).Err(); err == nil || err.Error() != "ERR This instance has cluster support disabled" {
			t.Errorf("%v: %v, want the cluster-disabled error", args, err)
		}
	}
	if err := c.MSet(ctx, "a", "1", "b", "2").Err(); err != nil {
		t.Fatalf("MSET across slots in standalone mode: %v", err)
	}
	if v, err := c.Do(ctx, "readonly").Text(); err != nil || v != "OK" {
		t.Fatalf("READONLY = %q, %v", v, err)
	}
	if v, err := c.Info(ctx, "cluster").Result(); err != nil || !strings.Contains(v, "cluster_enabled:0") {
		t.Fatalf("INFO cluster = %q, %v", v, err)
	}
}

// TestClusterShardsRESP3 checks the wire shapes of CLUSTER SHARDS and SLOTS:
// maps in RESP3, flat arrays in RESP2.
func TestClusterShardsRESP3(t *testing.T) {
	n := startNode(t, map[string]string{"cluster-enabled": "yes"})
	port := n.Addr().(*net.TCPAddr).Port
	w := connDial(t, n)
	id := w.do("CLUSTER", "MYID").Str
	node := fmt.Sprintf(`$"id" $%q $"port" :%d $"ip" $"127.0.0.1" $"endpoint" $"127.0.0.1" $"role" $"master" `+
		`$"replication-offset" :0 $"health" $"online"`, id, port)
	w.expect(`*[*[$"slots" *[:0 :16383] $"nodes" *[*[`+node+`]]]]`, "CLUSTER", "SHARDS")
	w.expect(fmt.Sprintf(`*[*[:0 :16383 *[$"127.0.0.1" :%d $%q *[]]]]`, port, id), "CLUSTER", "SLOTS")
	if v := w.do("CLUSTER", "INFO"); v.Kind != '$' {
		t.Fatalf("CLUSTER INFO in RESP2: %s, want a bulk string", v)
	}
	if v := w.do("HELLO", "3"); v.Kind != '%' {
		t.Fatalf("HELLO 3 = %s", v)
	}
	w.expect(`*[%[$"slots" *[:0 :16383] $"nodes" *[%[`+node+`]]]]`, "CLUSTER", "SHARDS")
	w.expect(fmt.Sprintf(`*[*[:0 :16383 *[$"127.0.0.1" :%d $%q %%[]]]]`, port, id), "CLUSTER", "SLOTS")
	if v := w.do("CLUSTER", "NODES"); v.Kind != '=' || v.Format != "txt" {
		t.Fatalf("CLUSTER NODES in RESP3: %s, want a verbatim string", v)
	}
}

// TestClusterMulti checks the cluster errors inside MULTI, as Redis gives
// them: a command refused while queueing makes EXEC fail; EXEC whose queued
// commands span slots answers CROSSSLOT and ends the transaction.
func TestClusterMulti(t *testing.T) {
	n := startNode(t, map[string]string{"cluster-enabled": "yes"})
	w := connDial(t, n)
	w.expect(`+"OK"`, "MULTI")
	w.expect(`-"CROSSSLOT Keys in request don't hash to the same slot"`, "MSET", "a", "1", "b", "2")
	w.expect(`+"QUEUED"`, "SET", "a", "1")
	w.expect(`-"EXECABORT Transaction discarded because of previous errors."`, "EXEC")

	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "a", "1")
	w.expect(`+"QUEUED"`, "SET", "b", "2")
	w.expect(`-"CROSSSLOT Keys in request don't hash to the same slot"`, "EXEC")
	w.expect(`-"ERR EXEC without MULTI"`, "EXEC")
	w.expect(`$null`, "GET", "a")

	w.expect(`+"OK"`, "MULTI")
	w.expect(`+"QUEUED"`, "SET", "{t}a", "1")
	w.expect(`+"QUEUED"`, "GET", "{t}a")
	w.expect(`+"QUEUED"`, "PING")
	w.expect(`*[+"OK" $"1" +"PONG"]`, "EXEC")
}

// TestClusterMoved runs two nodes splitting the slots: each answers MOVED
// for the other's keys, and go-redis's ClusterClient follows.
func TestClusterMoved(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := twoNodes(t, nil)
	onA := keyIn("a", func(s uint16) bool { return s < 8192 })
	onB := keyIn("b", func(s uint16) bool { return s >= 8192 })
	slotB := engine.Slot([]byte(onB))

	wa := dialAddr(t, a.addr)
	wa.expect(`+"OK"`, "SET", onA, "1")
	wa.expect(fmt.Sprintf(`-"MOVED %d %s"`, slotB, b.addr), "SET", onB, "2")
	wa.expect(fmt.Sprintf(`-"MOVED %d %s"`, slotB, b.addr), "GET", onB)
	wa.expect(`+"PONG"`, "PING")
	wa.expect(`+"OK"`, "MULTI")
	wa.expect(fmt.Sprintf(`-"MOVED %d %s"`, slotB, b.addr), "GET", onB)
	wa.expect(`-"EXECABORT Transaction discarded because of previous errors."`, "EXEC")

	for _, proto := range []int{2, 3} {
		c := newClusterClient(t, proto, a.addr) // seeded with A only
		for i := range 200 {
			k := fmt.Sprintf("key:%d:%d", proto, i)
			if err := c.Set(ctx, k, i, 0).Err(); err != nil {
				t.Fatalf("SET %s: %v", k, err)
			}
		}
		for i := range 200 {
			k := fmt.Sprintf("key:%d:%d", proto, i)
			if v, err := c.Get(ctx, k).Int(); err != nil || v != i {
				t.Fatalf("GET %s = %d, %v", k, v, err)
			}
		}
		shards, err := c.ClusterShards(ctx).Result()
		if err != nil || len(shards) != 2 {
			t.Fatalf("CLUSTER SHARDS = %+v, %v", shards, err)
		}
	}
	// Every key is on the node serving its slot.
	for _, n := range []*clusterNode{a, b} {
		mine := 0
		for i := range 200 {
			for _, proto := range []int{2, 3} {
				k := []byte(fmt.Sprintf("key:%d:%d", proto, i))
				if (engine.Slot(k) < 8192) == (n == a) {
					mine++
				}
			}
		}
		if got := n.cmds.DB().Len(); got != mine+boolInt(n == a) { // A also has onA
			t.Errorf("node %s holds %d keys, want %d", n.addr, got, mine+boolInt(n == a))
		}
	}
	info := dialAddr(t, a.addr).do("CLUSTER", "INFO").Str
	for _, f := range []string{"cluster_state:ok\r\n", "cluster_known_nodes:2\r\n", "cluster_size:2\r\n",
		"cluster_current_epoch:2\r\n", "cluster_my_epoch:1\r\n"} {
		if !strings.Contains(info, f) {
			t.Fatalf("CLUSTER INFO on A lacks %q:\n%s", f, info)
		}
	}
	nodes := dialAddr(t, a.addr).do("CLUSTER", "NODES").Str
	if lines := strings.Split(strings.TrimSuffix(nodes, "\n"), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[0], " myself,master - 0 0 1 connected 0-8191") ||
		!strings.Contains(lines[1], " master - 0 0 2 connected 8192-16383") {
		t.Fatalf("CLUSTER NODES on A:\n%s", nodes)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestClusterAsk migrates one slot from A to B: A serves the keys it still
// has and answers ASK for the others; B serves the slot only after ASKING,
// for one command; keys split between the nodes answer TRYAGAIN.
func TestClusterAsk(t *testing.T) {
	ctx := context.Background()
	const slot = 100
	a, b, va, vb := twoNodes(t, nil)
	inSlot := func(s uint16) bool { return s == slot }
	here := keyIn("{"+keyIn("t", inSlot)+"}here", func(uint16) bool { return true })
	gone := keyIn("{"+keyIn("t", inSlot)+"}gone", func(uint16) bool { return true })
	ask := fmt.Sprintf(`-"ASK %d %s"`, slot, b.addr)
	moved := fmt.Sprintf(`-"MOVED %d %s"`, slot, a.addr)

	wa := dialAddr(t, a.addr)
	wa.expect(`+"OK"`, "SET", here, "on-a")
	// The slot starts moving from A to B.
	if err := va.Set(clusterview.Map{Me: va.MyID(), Epoch: 3, Nodes: va.Nodes(),
		Migrating: map[uint16]string{slot: vb.MyID()}}); err != nil {
		t.Fatal(err)
	}
	if err := vb.Set(clusterview.Map{Me: vb.MyID(), Epoch: 3, Nodes: vb.Nodes(),
		Importing: map[uint16]string{slot: va.MyID()}}); err != nil {
		t.Fatal(err)
	}
	wa.expect(`$"on-a"`, "GET", here)
	wa.expect(`+"OK"`, "SET", here, "on-a") // present: served here
	wa.expect(ask, "GET", gone)
	wa.expect(ask, "SET", gone, "x")
	wa.expect(`-"TRYAGAIN Multiple keys request during rehashing of slot"`, "MGET", here, gone)
	wa.expect(`*[$"on-a" $"on-a"]`, "MGET", here, here)

	wb := dialAddr(t, b.addr)
	wb.expect(moved, "GET", gone)
	wb.expect(`+"OK"`, "ASKING")
	wb.expect(`+"OK"`, "SET", gone, "on-b")
	wb.expect(moved, "GET", gone) // ASKING is for one command
	wb.expect(`+"OK"`, "ASKING")
	wb.expect(`$"on-b"`, "GET", gone)
	wb.expect(`+"OK"`, "ASKING")
	wb.expect(`-"TRYAGAIN Multiple keys request during rehashing of slot"`, "MGET", gone, here)
	// Inside MULTI the flag lasts until EXEC.
	wb.expect(`+"OK"`, "ASKING")
	wb.expect(`+"OK"`, "MULTI")
	wb.expect(`+"QUEUED"`, "GET", gone)
	wb.expect(`+"QUEUED"`, "GET", gone)
	wb.expect(`*[$"on-b" $"on-b"]`, "EXEC")
	wb.expect(moved, "GET", gone)

	// CLUSTER NODES shows the slot in flight on both sides.
	if s := wa.do("CLUSTER", "NODES").Str; !strings.Contains(s, fmt.Sprintf("[%d->-", slot)) {
		t.Fatalf("CLUSTER NODES on A lacks the migrating slot:\n%s", s)
	}
	if s := wb.do("CLUSTER", "NODES").Str; !strings.Contains(s, fmt.Sprintf("[%d-<-", slot)) {
		t.Fatalf("CLUSTER NODES on B lacks the importing slot:\n%s", s)
	}

	// go-redis follows ASK: a new key goes to B, an old one is read on A.
	c := newClusterClient(t, 3, a.addr)
	fresh := keyIn("{"+keyIn("t", inSlot)+"}fresh", func(uint16) bool { return true })
	if err := c.Set(ctx, fresh, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, fresh).Result(); err != nil || v != "v" {
		t.Fatalf("GET %s = %q, %v", fresh, v, err)
	}
	if v, err := c.Get(ctx, here).Result(); err != nil || v != "on-a" {
		t.Fatalf("GET %s = %q, %v", here, v, err)
	}
	if b.cmds.DB().SlotLen(slot) != 2 || a.cmds.DB().SlotLen(slot) != 1 {
		t.Fatalf("slot %d holds %d keys on A and %d on B, want 1 and 2", slot, a.cmds.DB().SlotLen(slot), b.cmds.DB().SlotLen(slot))
	}
}

// TestClusterDown checks a slot no node serves.
func TestClusterDown(t *testing.T) {
	ln := listen(t)
	id := clusterview.NewID()
	v, err := clusterview.NewStatic(clusterview.Map{Me: id, Nodes: []clusterview.Node{{
		ID: id, Host: "127.0.0.1", Port: portOf(ln), Slots: []clusterview.SlotRange{{Start: 0, End: 99}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	n := serveCluster(t, ln, v)
	w := dialAddr(t, n.addr)
	k := keyIn("k", func(s uint16) bool { return s >= 100 })
	w.expect(`-"CLUSTERDOWN Hash slot not served"`, "GET", k)
	if s := w.do("CLUSTER", "INFO").Str; !strings.Contains(s, "cluster_state:fail\r\ncluster_slots_assigned:100\r\n") {
		t.Fatalf("CLUSTER INFO:\n%s", s)
	}
}

// TestClusterReadOnlyReplica makes B a replica of A's slots: B serves reads
// of them to READONLY connections and redirects the rest to A; CLUSTER
// SLOTS and SHARDS list it, and go-redis's ReadOnly cluster client reads
// from it.
func TestClusterReadOnlyReplica(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := twoNodes(t, func(ma, mb *clusterview.Map) {
		for _, m := range []*clusterview.Map{ma, mb} {
			m.Nodes = append([]clusterview.Node(nil), m.Nodes...)
			m.Nodes[0].Slots = []clusterview.SlotRange{{Start: 0, End: 8191, Replicas: []string{m.Nodes[1].ID}}}
			m.Nodes[1].ReplOffset = 1 // synchronised
		}
	})
	k := keyIn("r", func(s uint16) bool { return s < 8192 })
	slot := engine.Slot([]byte(k))
	wa := dialAddr(t, a.addr)
	wa.expect(`+"OK"`, "SET", k, "on-a")
	// Replication is not there yet: put B's copy in by hand.
	var txn engine.Txn
	b.cmds.DB().Begin(&txn, time.Now().UnixMilli(), []byte(k))
	txn.SetString([]byte(k), []byte("on-b"), 0)
	txn.End()

	moved := fmt.Sprintf(`-"MOVED %d %s"`, slot, a.addr)
	wb := dialAddr(t, b.addr)
	wb.expect(moved, "GET", k)
	wb.expect(`+"OK"`, "READONLY")
	wb.expect(`$"on-b"`, "GET", k)
	wb.expect(moved, "SET", k, "x") // writes go to the primary
	wb.expect(`+"OK"`, "MULTI")
	wb.expect(`+"QUEUED"`, "GET", k)
	wb.expect(`*[$"on-b"]`, "EXEC")
	wb.expect(`+"OK"`, "READWRITE")
	wb.expect(moved, "GET", k)

	slots := wa.do("CLUSTER", "SLOTS")
	if len(slots.Elems) != 2 || len(slots.Elems[0].Elems) != 4 || slots.Elems[0].Elems[3].Elems[2].Str != dialAddr(t, b.addr).do("CLUSTER", "MYID").Str {
		t.Fatalf("CLUSTER SLOTS = %s", slots)
	}
	shards := newClusterClient(t, 2, a.addr)
	sh, err := shards.ClusterShards(ctx).Result()
	if err != nil || len(sh) != 2 || len(sh[0].Nodes) != 2 || sh[0].Nodes[1].Role != "replica" || sh[0].Nodes[1].Health != "online" {
		t.Fatalf("CLUSTER SHARDS = %+v, %v", sh, err)
	}
	if reps, err := shards.Do(ctx, "cluster", "replicas", sh[0].Nodes[0].ID).StringSlice(); err != nil || len(reps) != 1 {
		t.Fatalf("CLUSTER REPLICAS = %q, %v", reps, err)
	}

	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{a.addr}, ReadOnly: true, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	if v, err := c.Get(ctx, k).Result(); err != nil || v != "on-b" {
		t.Fatalf("GET through a ReadOnly cluster client = %q, %v, want the replica's copy", v, err)
	}
}
