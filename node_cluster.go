//go:build !nocluster

package larder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/larderdb/larder/internal/bus"
	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/command"
	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/fanout"
	"github.com/larderdb/larder/internal/membership"
	"github.com/larderdb/larder/internal/migrate"
	"github.com/larderdb/larder/internal/topology"
	"github.com/larderdb/larder/internal/types/hash"
	"github.com/larderdb/larder/internal/types/zset"

	"google.golang.org/grpc"
)

// clusterStartTimeout bounds how long Open waits for the node to bootstrap,
// join, or rejoin its cluster.
const clusterStartTimeout = 30 * time.Second

// moveRetry is how long the mover waits before retrying a failed move.
const moveRetry = time.Second

// clusterParts is what Open makes of cluster mode before the keyspace, the slot mover's tap
// on the change stream (migrate.Hub), and then starts (start).
type clusterParts struct {
	hub *migrate.Hub
}

func newClusterParts() (*clusterParts, error) { return &clusterParts{hub: new(migrate.Hub)}, nil }

// onChange is the keyspace's change stream's way to the slot mover.
func (c *clusterParts) onChange(ch *engine.Change) { c.hub.OnChange(ch) }

// start starts n's control plane (startControlPlane) on the keyspace n.db, whose clients' port
// is port, and sets the command layer's cluster hooks in co. deliver hands the command layer
// a message PUBLISHed on another member.
func (c *clusterParts) start(n *Node, port int, ephemeral bool, deliver func(channel, payload []byte), co *command.Options) error {
	static, err := clusterView(n.cfg, port)
	if err != nil {
		return err
	}
	cp, err := startControlPlane(n.cfg, port, ephemeral, static, n.db, c.hub, deliver, func() { n.Close() }, n.log)
	if err != nil {
		return err
	}
	n.cluster = cp
	co.Cluster, co.Migrations, co.ClusterInfo = migrate.NewView(static, c.hub), c.hub, cp.appendInfo
	co.RemoveNode, co.Publish = cp.remove, cp.fan.Publish
	return nil
}

// clusterView returns the view the command layer routes by in cluster mode,
// first a cluster of one serving every slot (at the first bind address, or,
// when that is a wildcard, the address each client connected to), until the
// control plane replaces it with the cluster map.
func clusterView(cfg *config.Store, port int) (*clusterview.Static, error) {
	host := firstBind(cfg.String("bind"))
	if ip := net.ParseIP(host); host == "*" || ip != nil && ip.IsUnspecified() {
		host = ""
	}
	m := clusterview.Single(clusterview.NewID(), host, port)
	if bus := cfg.Int("cluster-port"); bus != 0 {
		m.Nodes[0].BusPort = int(bus)
	}
	return clusterview.NewStatic(m)
}

// controlPlane is a node's part in its cluster: the cluster bus (gRPC and
// Raft), gossip, the Raft-held cluster map, which it copies into the command
// layer's view at every change, and the slot mover, which moves the slots
// the map takes from this node to their new owners.
type controlPlane struct {
	bus    *bus.Bus
	fan    *fanout.Fanout // PUBLISH to and from the other members
	gossip *membership.Gossip
	topo   *topology.Node
	hub    *migrate.Hub
	src    *migrate.Source
	view   *clusterview.Static
	log    *slog.Logger
	// removed is called once when the map says this node has left the
	// cluster (CLUSTER FORGET elsewhere, or its own leave): the node stops.
	removed  func()
	goneOnce sync.Once

	applyMu sync.Mutex // serializes apply
	// applied is the epoch of the map in view, written under applyMu; 0 while
	// view is still the placeholder cluster of one, which serves every slot
	// (a map's epoch is its Raft index, from 1).
	applied atomic.Uint64
	dir     string // removed at close when the node made it for one run
	stop    context.CancelFunc
	done    chan struct{} // closed when the map follower has returned
}

// clusterAddrs are the addresses a node's cluster parts listen on and
// announce.
type clusterAddrs struct {
	client, clientAdvertise string
	bus, busAdvertise       string
	gossip, gossipAdvertise string
	dir                     string
	tempDir                 bool // dir is the node's own, removed at close
}

// addrsOf works out the cluster addresses from the settings and the port the
// node's listener got: the bus on port+10000 and gossip on port+20000 unless
// set, both on free ports when the client port was not chosen by the user
// (port 0, or a listener handed to Open).
func addrsOf(cfg *config.Store, port int, ephemeral bool) (clusterAddrs, error) {
	host := firstBind(cfg.String("bind"))
	if ip := net.ParseIP(host); host == "*" || ip != nil && ip.IsUnspecified() {
		host = "0.0.0.0"
	}
	announce := cfg.String("cluster-announce-ip")
	if announce == "" {
		announce = host
		if announce == "0.0.0.0" {
			announce = "127.0.0.1"
		}
	}
	busPort, gossipPort := int(cfg.Int("cluster-port")), int(cfg.Int("cluster-gossip-port"))
	if busPort == 0 && !ephemeral {
		if busPort = port + 10000; busPort > 65535 {
			return clusterAddrs{}, fmt.Errorf("invalid cluster-port: the default, port+10000 = %d, is not a port; set cluster-port", busPort)
		}
	}
	if gossipPort == 0 && !ephemeral {
		if gossipPort = port + 20000; gossipPort > 65535 {
			return clusterAddrs{}, fmt.Errorf("invalid cluster-gossip-port: the default, port+20000 = %d, is not a port; set cluster-gossip-port", gossipPort)
		}
	}
	hp := func(h string, p int) string { return net.JoinHostPort(h, strconv.Itoa(p)) }
	a := clusterAddrs{
		client: hp(host, port), bus: hp(host, busPort), gossip: hp(host, gossipPort),
		dir: filepath.Join(cfg.String("dir"), "larder-"+strconv.Itoa(port)),
	}
	if ephemeral {
		// A node on a port it did not choose cannot come back at the same address:
		// its state lives for one run, in a directory of its own.
		d, err := os.MkdirTemp("", "larder-node-")
		if err != nil {
			return clusterAddrs{}, fmt.Errorf("invalid dir: %w", err)
		}
		a.dir, a.tempDir = d, true
	}
	a.clientAdvertise = hp(announce, orInt(int(cfg.Int("cluster-announce-port")), port))
	if busPort != 0 {
		a.busAdvertise = hp(announce, orInt(int(cfg.Int("cluster-announce-bus-port")), busPort))
	}
	if gossipPort != 0 {
		a.gossipAdvertise = hp(announce, gossipPort)
	}
	return a, nil
}

func orInt(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

// joinTargets turns the join setting (client addresses, comma separated, each
// host:port or host:port@busport) into the bus addresses topology dials.
func joinTargets(setting string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(setting, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		addr, busPort, hasBus := strings.Cut(t, "@")
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("invalid join %q: want host:port: %v", t, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p <= 0 || p > 65535-10000 && !hasBus {
			return nil, fmt.Errorf("invalid join %q: bad port %q", t, port)
		}
		bp := p + 10000
		if hasBus {
			if bp, err = strconv.Atoi(busPort); err != nil || bp <= 0 || bp > 65535 {
				return nil, fmt.Errorf("invalid join %q: bad bus port %q", t, busPort)
			}
		}
		out = append(out, net.JoinHostPort(host, strconv.Itoa(bp)))
	}
	return out, nil
}

// startControlPlane starts the node's cluster parts and returns once the node
// is a member of its cluster (bootstrapped, joined, or restarted as itself),
// with the view following the cluster map.
//
// deliver hands the command layer a message PUBLISHed on another member.
func startControlPlane(cfg *config.Store, port int, ephemeral bool, view *clusterview.Static, db *engine.DB, hub *migrate.Hub,
	deliver func(channel, payload []byte), removed func(), log *slog.Logger) (*controlPlane, error) {
	a, err := addrsOf(cfg, port, ephemeral)
	if err != nil {
		return nil, err
	}
	join, err := joinTargets(cfg.String("join"))
	if err != nil {
		return nil, err
	}
	b, err := bus.Listen(bus.Config{Addr: a.bus, Advertise: a.busAdvertise, Logger: log})
	if err != nil {
		if a.tempDir {
			os.RemoveAll(a.dir)
		}
		return nil, fmt.Errorf("invalid cluster-port: cannot listen on %s: %w", a.bus, unwrapOp(err))
	}
	cp := &controlPlane{bus: b, view: view, hub: hub, log: log, removed: removed, done: make(chan struct{})}
	if a.tempDir {
		cp.dir = a.dir
	}
	fail := func(err error) (*controlPlane, error) {
		cp.close()
		return nil, err
	}
	id, err := topology.NodeID(a.dir)
	if err != nil {
		return fail(fmt.Errorf("invalid dir: %w", err))
	}
	cp.gossip, err = membership.Start(membership.Config{
		Meta:     membership.Meta{ID: id, ClientAddr: a.clientAdvertise, BusAddr: b.Addr(), Version: Version},
		BindAddr: a.gossip, AdvertiseAddr: a.gossipAdvertise, Logger: log,
		Compatible: func(p membership.Meta) error { return topology.Compatible(p.Version, Version) },
	})
	if err != nil {
		return fail(fmt.Errorf("invalid cluster-gossip-port: cannot gossip on %s: %w", a.gossip, err))
	}
	cp.topo, err = topology.Open(topology.Config{
		Dir: a.dir, Bus: b, ClientAddr: a.clientAdvertise, GossipAddr: cp.gossip.Addr(),
		Version: Version, Join: join, Placer: topology.RingPlacer{},
		Replicas: int(cfg.Int("cluster-replication-factor")), Voters: int(cfg.Int("cluster-voters")),
		Logger: log,
	})
	if err != nil {
		return fail(err)
	}
	cp.src = migrate.NewSource(db, hub, migrate.SourceOptions{ID: id, Logger: log,
		Flip: func(ctx context.Context, target string, slots []uint16) error {
			s := make([]int, len(slots))
			for i, v := range slots {
				s[i] = int(v)
			}
			if err := cp.topo.SlotsMovedTo(ctx, target, s...); err != nil {
				return err
			}
			// The command layer must route by the new map before the source answers
			// MOVED and deletes its copy: the map follower may not have run yet.
			return cp.apply(cp.topo.Map())
		}})
	tgt := migrate.NewTarget(db, hub, migrate.TargetOptions{Logger: log, Limits: func() migrate.Limits { return limitsFrom(cfg) },
		Accept: cp.accept, Owns: cp.owns})
	migrate.Register(b.Server(), tgt)
	cp.fan = fanout.New(fanout.Options{Deliver: deliver, Logger: log,
		Conn: func(addr string) (grpc.ClientConnInterface, error) { return b.Conn(addr) }})
	fanout.Register(b.Server(), cp.fan)
	b.Serve()
	ctx, cancel := context.WithTimeout(context.Background(), clusterStartTimeout)
	defer cancel()
	if err := cp.topo.Start(ctx); err != nil {
		return fail(fmt.Errorf("cannot join the cluster: %w", err))
	}
	m := cp.topo.Map()
	meta := cp.gossip.Meta()
	meta.ClusterID = m.ClusterID
	if err := cp.gossip.SetMeta(meta); err != nil {
		return fail(err)
	}
	if peers := m.GossipAddrs(cp.topo.ID()); len(peers) > 0 {
		if _, err := cp.gossip.Join(peers); err != nil {
			log.Warn("gossip could not reach the other members yet", "err", err)
		}
	}
	cp.topo.FollowGossip(cp.gossip)
	if err := cp.apply(m); err != nil {
		return fail(err)
	}
	fctx, stop := context.WithCancel(context.Background())
	cp.stop = stop
	moved := make(chan struct{})
	go func() {
		defer close(cp.done)
		defer func() { <-moved }()
		cp.topo.Follow(fctx, func(m *topology.Map) {
			if err := cp.apply(m); err != nil {
				log.Error("cluster map not applied", "epoch", m.Epoch, "err", err)
			}
		})
	}()
	go func() {
		defer close(moved)
		cp.runMoves(fctx)
	}()
	log.Info("cluster member", "id", cp.topo.ID(), "cluster", m.ClusterID, "members", len(m.Members),
		"bus", b.Addr(), "gossip", cp.gossip.Addr(), "dir", a.dir)
	return cp, nil
}

// apply copies map m into the command layer's view, unless a newer map is
// there already (the follower and a slot flip both apply), and stops the
// node once m says it has left the cluster.
func (cp *controlPlane) apply(m *topology.Map) error {
	cp.applyMu.Lock()
	defer cp.applyMu.Unlock()
	if m.Epoch < cp.applied.Load() {
		return nil
	}
	if me, ok := m.Member(cp.topo.ID()); ok && me.State == topology.Gone && cp.removed != nil {
		cp.goneOnce.Do(func() {
			cp.log.Info("removed from the cluster; redirecting clients before stopping", "for", leaveLinger)
			go func() {
				time.Sleep(leaveLinger)
				cp.removed()
			}()
		})
	}
	v, err := m.View(cp.topo.ID())
	if err != nil {
		return err
	}
	if err := cp.view.Set(v); err != nil {
		return err
	}
	cp.applied.Store(m.Epoch)
	if cp.fan != nil {
		var peers []string
		for _, mb := range m.Members {
			if mb.ID != cp.topo.ID() && mb.State != topology.Gone && mb.BusAddr != "" {
				peers = append(peers, mb.BusAddr)
			}
		}
		cp.fan.SetPeers(peers)
	}
	return nil
}

// appendInfo appends the node's cluster fields to INFO's cluster section:
// the map (epoch, members, slots this node serves, slots in migration
// across the cluster) and the progress of this node's slot moves.
func (cp *controlPlane) appendInfo(b []byte) []byte {
	m := cp.topo.Map()
	members := 0
	for _, mb := range m.Members {
		if mb.State != topology.Gone {
			members++
		}
	}
	b = fmt.Appendf(b, "cluster_id:%s\r\ncluster_node_id:%s\r\ncluster_map_epoch:%d\r\ncluster_members:%d\r\n"+
		"cluster_slots_served:%d\r\ncluster_migrations:%d\r\ncluster_publish_lost:%d\r\n",
		m.ClusterID, cp.topo.ID(), m.Epoch, members, len(m.Slots(cp.topo.ID())), len(m.Migrations()), cp.fan.Dropped())
	return cp.src.Progress().AppendInfo(b)
}

// limitsFrom returns the encodings moved values are rebuilt with: the node's
// settings now.
func limitsFrom(cfg *config.Store) migrate.Limits {
	return migrate.Limits{
		Hash:     hash.Limits{MaxEntries: int(cfg.Int("hash-max-listpack-entries")), MaxValue: int(cfg.Int("hash-max-listpack-value"))},
		ZSet:     zset.Limits{MaxEntries: int(cfg.Int("zset-max-listpack-entries")), MaxValue: int(cfg.Int("zset-max-listpack-value"))},
		Intset:   int(cfg.Int("set-max-intset-entries")),
		ListFill: int(cfg.Int("list-max-listpack-size")),
	}
}

// accept tells the migration target whether to take slots from the node
// source: the map (once this node's copy has caught up, for up to a few
// seconds) must show each of them migrating from source to this node.
func (cp *controlPlane) accept(source string, slots []uint16) error {
	me := cp.topo.ID()
	ok := func(m *topology.Map) bool {
		for _, s := range slots {
			mg, in := m.Migration(int(s))
			if !in || mg.From != source || mg.To != me {
				return false
			}
		}
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cp.topo.Wait(ctx, ok); err != nil {
		return fmt.Errorf("the cluster map does not move these slots from %s to %s", source, me)
	}
	return nil
}

// owns tells the migration target whether the command layer's view gives
// slot to this node. The target drops a slot's Committed mark once owns says
// yes; were the view behind the map then, this node would answer MOVED back
// to the source, which answers MOVED here, until the client runs out of
// redirects. So owns asks the view, not the Raft map the view follows, and
// says no while the view is still the placeholder that serves every slot (a
// joining node imports slots before its first map is applied).
func (cp *controlPlane) owns(slot uint16) bool {
	return cp.applied.Load() != 0 && cp.view.Slot(slot).Local
}

// runMoves moves the slots the map takes from this node to their new
// owners, one stream per target at a time, until ctx ends; a failed move is
// retried after moveRetry (the source kept serving the slots meanwhile).
func (cp *controlPlane) runMoves(ctx context.Context) {
	me := cp.topo.ID()
	for ctx.Err() == nil {
		m := cp.topo.Map()
		byTarget := map[string][]uint16{}
		for _, mg := range m.Migrations() {
			if mg.From == me {
				byTarget[mg.To] = append(byTarget[mg.To], uint16(mg.Slot))
			}
		}
		failed := false
		done := make(chan bool, len(byTarget))
		for to, slots := range byTarget {
			go func() { done <- cp.move(ctx, m, to, slots) }()
		}
		for range byTarget {
			failed = !<-done || failed
		}
		if len(byTarget) > 0 && !failed && cp.topo.Map() != m {
			continue // the moves changed the map: look again
		}
		var retry <-chan time.Time
		if failed {
			retry = time.After(moveRetry)
		}
		select {
		case <-ctx.Done():
		case <-m.Changed():
		case <-retry:
		}
	}
}

// move moves slots to the member to, and reports whether it succeeded.
func (cp *controlPlane) move(ctx context.Context, m *topology.Map, to string, slots []uint16) bool {
	t, ok := m.Member(to)
	if !ok {
		return false
	}
	conn, err := cp.bus.Conn(t.BusAddr)
	if err == nil {
		err = cp.src.Move(ctx, conn, to, slots)
	}
	if err != nil && ctx.Err() == nil {
		cp.log.Warn("slot move failed; retrying", "to", to, "slots", len(slots), "err", err)
		return false
	}
	return err == nil
}

// remove starts taking the member id out of the cluster (CLUSTER FORGET):
// its slots move to the others, then the map drops it, and it stops.
func (cp *controlPlane) remove(id string) error {
	m := cp.topo.Map()
	mb, ok := m.Member(id)
	if !ok || mb.State == topology.Gone {
		return fmt.Errorf("Unknown node %s", id)
	}
	if len(m.Members) < 2 {
		return errors.New("the last node of a cluster cannot be removed")
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cp.log.Info("removing a node: handing its slots over", "id", id)
		if err := cp.topo.Drain(ctx, id); err != nil {
			cp.log.Error("could not remove the node", "id", id, "err", err)
		}
	}()
	return nil
}

// leave hands this node's slots to the others and takes it out of the
// cluster, then says goodbye to gossip; the node stops by itself soon after
// (see apply). A node alone in its cluster has no one to hand its slots to:
// it stays a member, and comes back as itself.
func (cp *controlPlane) leave(ctx context.Context) error {
	if len(cp.topo.Map().Members) < 2 {
		return nil
	}
	cp.log.Info("leaving the cluster: handing slots over", "slots", len(cp.topo.Map().Slots(cp.topo.ID())))
	if err := cp.topo.Leave(ctx); err != nil {
		return fmt.Errorf("leaving the cluster: %w", err)
	}
	// The map says this node is gone now: apply stops it after leaveLinger of
	// redirects, as it does for a node removed by CLUSTER FORGET.
	return cp.gossip.Leave(2 * time.Second)
}

// close stops the cluster parts, without leaving the cluster: a node that
// restarts with its data directory comes back as the same member.
func (cp *controlPlane) close() error {
	if cp.stop != nil {
		cp.stop()
		<-cp.done
	}
	if cp.fan != nil {
		cp.fan.Close()
	}
	var errs []error
	if cp.topo != nil {
		errs = append(errs, cp.topo.Close())
	}
	if cp.gossip != nil {
		errs = append(errs, cp.gossip.Close())
	}
	errs = append(errs, cp.bus.Close())
	if cp.dir != "" {
		errs = append(errs, os.RemoveAll(cp.dir))
	}
	return errors.Join(errs...)
}
