//go:build nocluster

package larder_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/larderdb/larder"
	"github.com/redis/go-redis/v9"
)

// TestNoCluster checks a build with the nocluster tag: cluster-enabled yes is ErrNoCluster,
// and a node started with the defaults serves standalone. TestNoClusterLinks checks what
// such a build leaves out.
func TestNoCluster(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	n, err := larder.Open(&larder.Options{Listener: ln, Logger: quiet, Settings: map[string]string{"cluster-enabled": "yes"}})
	if !errors.Is(err, larder.ErrNoCluster) {
		if n != nil {
			n.Close()
		}
		t.Fatalf("Open with cluster-enabled yes: %v, want ErrNoCluster", err)
	}
	ln.Close()

	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	n, err = larder.Open(&larder.Options{Listener: ln, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c := redis.NewClient(&redis.Options{Addr: n.Addr().String(), DisableIdentity: true})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "a").Result(); err != nil || v != "1" {
		t.Fatalf("GET a = %q, %v", v, err)
	}
	info, err := c.Info(ctx, "cluster").Result()
	if err != nil || !strings.Contains(info, "cluster_enabled:0") {
		t.Fatalf("INFO cluster = %q, %v; want cluster_enabled:0", info, err)
	}
}
