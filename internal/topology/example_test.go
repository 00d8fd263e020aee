package topology_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/larderdb/larder/internal/bus"
	"github.com/larderdb/larder/internal/membership"
	"github.com/larderdb/larder/internal/topology"
)

// The control plane of one node, wired as node.go does it: a cluster of
// one, since there is no join target.
func Example() {
	const version = "0.1.0"
	dir, _ := os.MkdirTemp("", "larder-example")
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	b, err := bus.Listen(bus.Config{Addr: "127.0.0.1:0", Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer b.Close() // last
	id, err := topology.NodeID(dir)
	if err != nil {
		panic(err)
	}
	g, err := membership.Start(membership.Config{
		Meta:       membership.Meta{ID: id, ClientAddr: "127.0.0.1:7379", BusAddr: b.Addr(), Version: version},
		Compatible: func(p membership.Meta) error { return topology.Compatible(p.Version, version) },
		Logger:     quiet,
	})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	t, err := topology.Open(topology.Config{
		Dir: dir, Bus: b, ClientAddr: "127.0.0.1:7379", GossipAddr: g.Addr(), Version: version,
		Logger: quiet,
	})
	if err != nil {
		panic(err)
	}
	defer t.Close()
	b.Serve()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.Start(ctx); err != nil {
		panic(err)
	}
	meta := g.Meta()
	meta.ClusterID = t.Map().ClusterID
	g.SetMeta(meta)
	g.Join(t.Map().GossipAddrs(t.ID()))
	t.FollowGossip(g)

	m := t.Map()
	fmt.Println("members:", len(m.Members))
	fmt.Println("slot 0 served here:", m.Primary(0).ID == t.ID())
	fmt.Println("leader:", t.IsLeader())
	// Output:
	// members: 1
	// slot 0 served here: true
	// leader: true
}
