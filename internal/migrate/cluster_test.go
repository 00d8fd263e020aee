package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"

	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/server"
	"github.com/larderdb/larder/internal/types"
)

// redisNode is a whole node in the test process: engine, hub, command layer routing by a
// View over a static map, RESP server, and the migration service on a gRPC server.
type redisNode struct {
	id     string
	ln     net.Listener
	db     *engine.DB
	hub    *Hub
	view   *clusterview.Static
	src    *Source
	tgt    *Target
	busLn  net.Listener
	grpc   *grpc.Server
	cmds   *command.Server
	server *server.Server
}

func startRedisNode(t *testing.T, id string, m clusterview.Map, ln net.Listener, flip func(ctx context.Context, target string, slots []uint16) error) *redisNode {
	t.Helper()
	n := &redisNode{id: id, ln: ln, hub: new(Hub)}
	var cmds atomic.Pointer[command.Server]
	db, err := engine.Open(engine.Options{Thaw: types.Thaw, OnChange: Fanout(n.hub.OnChange, func(c *engine.Change) {
		if s := cmds.Load(); s != nil {
			s.OnChange(c)
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	n.db = db
	if n.view, err = clusterview.NewStatic(m); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	n.cmds = command.New(command.Options{DB: db, Config: config.NewStore(), Logger: log,
		TCPPort: ln.Addr().(*net.TCPAddr).Port, Cluster: NewView(n.view, n.hub)})
	cmds.Store(n.cmds)
	n.server = server.New(server.Options{Commands: n.cmds, Logger: log})
	n.src = NewSource(db, n.hub, SourceOptions{ID: id, Flip: flip, Logger: logger(t)})
	n.tgt = NewTarget(db, n.hub, TargetOptions{Logger: logger(t),
		Owns: func(slot uint16) bool { return n.view.Slot(slot).Local }})
	if n.busLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	n.grpc = grpc.NewServer()
	Register(n.grpc, n.tgt)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = n.server.Serve(ln) }()
	go func() { defer wg.Done(); _ = n.grpc.Serve(n.busLn) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.server.Shutdown(ctx)
		n.grpc.Stop()
		wg.Wait()
		db.Close()
	})
	return n
}

// TestMoveUnderClusterClient runs the move behind real clients: go-redis's ClusterClient keeps
// writing and reading its keys while half the slots move from A to B through the command layer
// routing by View. No command may fail (redirections and retries are the client's business),
// every read sees the reader's last write, and at the end every key has its last value.
func TestMoveUnderClusterClient(t *testing.T) {
	lna, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lnb, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ida, idb := clusterview.NewID(), clusterview.NewID()
	port := func(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }
	mapWith := func(me string, aRanges, bRanges []clusterview.SlotRange, epoch uint64) clusterview.Map {
		return clusterview.Map{Me: me, Epoch: epoch, Nodes: []clusterview.Node{
			{ID: ida, Host: "127.0.0.1", Port: port(lna), ConfigEpoch: epoch, Slots: aRanges},
			{ID: idb, Host: "127.0.0.1", Port: port(lnb), ConfigEpoch: epoch, Slots: bRanges},
		}}
	}
	all := []clusterview.SlotRange{{Start: 0, End: 16383}}
	var a, b *redisNode
	var mu sync.Mutex
	aRanges, bRanges := all, []clusterview.SlotRange(nil)
	epoch := uint64(1)
	// Flip is the control plane's job: here both nodes' maps change at once.
	flip := func(_ context.Context, _ string, slots []uint16) error {
		mu.Lock()
		defer mu.Unlock()
		lo, hi := slots[0], slots[len(slots)-1]
		bRanges = append(bRanges, clusterview.SlotRange{Start: lo, End: hi})
		aRanges = []clusterview.SlotRange{{Start: hi + 1, End: 16383}}
		epoch++
		if err := a.view.Set(mapWith(ida, aRanges, bRanges, epoch)); err != nil {
			return err
		}
		return b.view.Set(mapWith(idb, aRanges, bRanges, epoch))
	}
	a = startRedisNode(t, ida, mapWith(ida, all, nil, 1), lna, flip)
	b = startRedisNode(t, idb, mapWith(idb, all, nil, 1), lnb, nil)

	ctx := context.Background()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{lna.Addr().String()},
		MaxRedirects: 8, DisableIdentity: true, ReadTimeout: 10 * time.Second})
	defer c.Close()

	const writers, perWriter = 4, 2000
	key := func(w, i int) string { return "w" + strconv.Itoa(w) + ":" + strconv.Itoa(i) }
	last := make([][]string, writers) // last value written per key ("" = deleted)
	for w := range writers {
		last[w] = make([]string, perWriter)
		p := c.Pipeline()
		for i := range perWriter {
			last[w][i] = "init"
			p.Set(ctx, key(w, i), "init", time.Hour)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ops, failures atomic.Int64
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (n * 7919) % perWriter
				k := key(w, i)
				var err error
				if n%5 == 4 {
					err = c.Del(ctx, k).Err()
					if err == nil {
						last[w][i] = ""
					}
				} else {
					v := strconv.Itoa(n)
					err = c.Set(ctx, k, v, time.Hour).Err()
					if err == nil {
						last[w][i] = v
					}
				}
				if err == nil {
					var got string
					got, err = c.Get(ctx, k).Result()
					if err == redis.Nil {
						got, err = "", nil
					}
					if err == nil && got != last[w][i] {
						err = fmt.Errorf("GET %s = %q after writing %q", k, got, last[w][i])
					}
				}
				ops.Add(1)
				if err != nil {
					if failures.Add(1) <= 5 {
						t.Errorf("writer %d: %v", w, err)
					}
				}
			}
		}()
	}
	conn, err := grpc.NewClient(b.busLn.Addr().String(), grpcInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(20 * time.Millisecond) // let the writers run before the move too
	slots := make([]uint16, 8192)
	for i := range slots {
		slots[i] = uint16(i)
	}
	start := time.Now()
	moveErr := a.src.Move(ctx, conn, idb, slots)
	moved := time.Since(start)
	time.Sleep(20 * time.Millisecond) // and after it
	close(stop)
	wg.Wait()
	if moveErr != nil {
		t.Fatal(moveErr)
	}
	for w := range writers {
		for i := range perWriter {
			got, err := c.Get(ctx, key(w, i)).Result()
			if err == redis.Nil {
				got, err = "", nil
			}
			if err != nil || got != last[w][i] {
				t.Fatalf("%s = %q (%v), want %q", key(w, i), got, err, last[w][i])
			}
			if got != "" {
				if ttl := c.PTTL(ctx, key(w, i)).Val(); ttl <= 0 || ttl > time.Hour {
					t.Fatalf("%s has TTL %v", key(w, i), ttl)
				}
			}
		}
	}
	for _, sl := range slots {
		if n := a.db.SlotLen(sl); n != 0 {
			t.Fatalf("A kept %d keys of slot %d", n, sl)
		}
	}
	p := a.src.Progress()
	t.Logf("%d client operations during the move (%v, %d keys, longest pause %v), %d failed",
		ops.Load(), moved.Round(time.Millisecond), p.KeysCopied, p.MaxPause, failures.Load())
}
