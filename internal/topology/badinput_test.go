package topology

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/bus/buspb"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// joinFails starts a fresh node that joins via addr and returns the error.
func joinFails(t *testing.T, addr string, opts ...nodeOpt) error {
	t.Helper()
	n, err := openNode(t, t.TempDir(), "", []string{addr}, append([]nodeOpt{func(c *Config) { c.RPCTimeout = 500 * time.Millisecond }}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = n.start()
	if err == nil {
		t.Fatal("join succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("join took %v to fail", d)
	}
	t.Logf("join %s: %v", addr, err)
	return err
}

func TestJoinNotLarder(t *testing.T) {
	ns := cluster(t, 1)

	// A RESP-speaking server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("-ERR unknown command\r\n"))
			c.Close()
		}
	}()
	httpSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not here", http.StatusNotFound)
	}))
	defer httpSrv.Close()

	for name, addr := range map[string]string{
		"resp":    ln.Addr().String(),
		"http":    strings.TrimPrefix(httpSrv.URL, "http://"),
		"nothing": freeAddr(t),
	} {
		t.Run(name, func(t *testing.T) {
			err := joinFails(t, addr)
			if !errors.Is(err, ErrNotLarder) || !strings.Contains(err.Error(), addr) {
				t.Fatalf("got %v, want ErrNotLarder naming %s", err, addr)
			}
		})
	}
	assertServing(t, ns)
}

func TestJoinIncompatibleVersion(t *testing.T) {
	ns := cluster(t, 1)
	for _, v := range []string{"0.2.0", "1.0.0"} {
		err := joinFails(t, ns[0].bus.Addr(), withVersion(v))
		if !errors.Is(err, ErrIncompatibleVersion) {
			t.Fatalf("version %s: got %v", v, err)
		}
	}
	// The leader refuses it too, when a node skips the check.
	cc, err := ns[0].bus.Conn(ns[0].bus.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, err = buspb.NewClusterClient(cc).Join(context.Background(), &buspb.JoinRequest{Node: &buspb.NodeInfo{
		Id: strings.Repeat("ab", 20), ClientAddr: "127.0.0.1:1", BusAddr: "127.0.0.1:2", Version: "0.1.0", Protocol: Protocol + 1,
	}})
	if err = fromStatus(err); !errors.Is(err, ErrIncompatibleVersion) {
		t.Fatalf("protocol mismatch: got %v", err)
	}
	if len(ns[0].Map().Members) != 1 {
		t.Fatal("refused node is in the map")
	}
	assertServing(t, ns)
}

func TestTwoClustersJoinedByMistake(t *testing.T) {
	a := cluster(t, 2)
	b := cluster(t, 1)
	// Restart a member of cluster A pointed at cluster B.
	_, err := a[1].restart([]string{b[0].bus.Addr()})
	if !errors.Is(err, ErrOtherCluster) {
		t.Fatalf("got %v, want ErrOtherCluster", err)
	}
	assertServing(t, b)
	if len(b[0].Map().Members) != 1 {
		t.Fatalf("cluster B has %d members", len(b[0].Map().Members))
	}
	// The leader refuses a cluster id that is not its own, too.
	cc, err := b[0].bus.Conn(b[0].bus.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, err = buspb.NewClusterClient(cc).Join(context.Background(), &buspb.JoinRequest{
		Node:      &buspb.NodeInfo{Id: a[1].ID(), ClientAddr: "127.0.0.1:1", BusAddr: a[1].addr, Version: testVersion, Protocol: Protocol},
		ClusterId: a[0].Map().ClusterID,
	})
	if err = fromStatus(err); !errors.Is(err, ErrOtherCluster) {
		t.Fatalf("raw join: got %v", err)
	}
	// Cluster A's node, restarted as it should be, is fine.
	r, err := a[1].restart(nil)
	if err != nil {
		t.Fatal(err)
	}
	assertServing(t, []*tnode{a[0], r})
}

func TestDataDirOfAnotherCluster(t *testing.T) {
	a := cluster(t, 1, withVoters(1))
	b := cluster(t, 1)
	// A node that was in cluster A, its directory reused for a node told
	// to join cluster B.
	dir := filepath.Join(t.TempDir(), "c")
	c := startNode(t, dir, []string{a[0].bus.Addr()})
	c.close()
	n, err := openNode(t, dir, "", []string{b[0].bus.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	err = n.start()
	if !errors.Is(err, ErrOtherCluster) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("got %v, want ErrOtherCluster naming %s", err, dir)
	}
	assertServing(t, b)
	assertServing(t, a)
}

func TestCopiedDataDir(t *testing.T) {
	ns := cluster(t, 2)
	// A copy of a running member's directory, started as another node.
	dir := t.TempDir()
	for _, name := range []string{"node.json", "raft.db"} {
		data, err := os.ReadFile(filepath.Join(ns[1].dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := openNode(t, dir, "", []string{ns[0].bus.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.start(); !errors.Is(err, ErrIDInUse) {
		t.Fatalf("got %v, want ErrIDInUse", err)
	}
	if mb, _ := ns[0].Map().Member(ns[1].ID()); mb.BusAddr != ns[1].addr {
		t.Fatalf("the copy took over the member: %+v", mb)
	}
	assertServing(t, ns)
}
