// Package membership runs hashicorp/memberlist (SWIM gossip) on the gossip
// port: who is alive, suspect or dead, with each node's metadata (id,
// addresses, version, cluster id). It reports; it never decides slot
// ownership. The topology leader turns its reports into map changes.
//
// A node refuses gossip from a node of another cluster (a different
// cluster id in its metadata) or of an incompatible version, so two
// clusters pointed at each other by mistake stay apart.
package membership

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Status is what gossip knows of a node.
type Status int

// Node statuses.
const (
	Alive   Status = iota + 1 // answering probes
	Suspect                   // missed probes; not yet declared dead
	Dead                      // declared dead by the group
	Left                      // left gracefully
)

func (s Status) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	case Left:
		return "left"
	}
	return "unknown"
}

// Event is a change in a node's status (or metadata, with Status Alive).
type Event struct {
	Node   Meta
	Status Status
}

// Member is a node as gossip sees it now.
type Member struct {
	Meta   Meta
	Status Status
}

// ErrOtherCluster is returned by Join when the peers belong to another
// cluster; ErrIncompatible when they run an incompatible version.
var (
	ErrOtherCluster = errors.New("membership: peer belongs to another cluster")
	ErrIncompatible = errors.New("membership: peer runs an incompatible version")
	ErrClosed       = errors.New("membership: closed")
)

// Config configures Gossip. The timing defaults detect a dead node in
// about a second on a LAN or loopback.
type Config struct {
	// Meta describes this node; Meta.ID is required and is the memberlist
	// node name. Meta.GossipAddr is filled in by Start.
	Meta Meta
	// BindAddr is the TCP and UDP address to listen on. Default
	// "127.0.0.1:0" (a free port, the same for TCP and UDP).
	BindAddr string
	// AdvertiseAddr is the address other nodes reach this one at.
	// Default: the bound address.
	AdvertiseAddr string
	// Compatible, when set, is called with a peer's metadata; an error
	// keeps that peer out (wrapped in ErrIncompatible).
	Compatible func(peer Meta) error
	// ProbeInterval is how often a random node is probed. Default 200ms.
	ProbeInterval time.Duration
	// ProbeTimeout is how long to wait for a probe's ack. Default 100ms.
	ProbeTimeout time.Duration
	// SuspicionMult times ProbeInterval (scaled by log10 of the cluster
	// size) is how long a suspect has to refute before it is declared
	// dead. Default 3.
	SuspicionMult int
	// GossipInterval is how often gossip messages are sent. Default 50ms.
	GossipInterval time.Duration
	// PushPullInterval is how often full state is exchanged over TCP.
	// Default 10s.
	PushPullInterval time.Duration
	// Logger receives memberlist's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Gossip is a running memberlist member. Its methods are safe for
// concurrent use.
type Gossip struct {
	ml     *memberlist.Memberlist
	log    *slog.Logger
	compat func(Meta) error
	probe  time.Duration

	mu       sync.Mutex // guards meta, nodes, watchers, closed
	meta     Meta
	nodes    map[string]Member
	watchers map[*watcher]struct{}
	closed   bool

	done chan struct{}
	wg   sync.WaitGroup
}

// Start listens on the gossip port and starts gossiping, alone until Join.
func Start(cfg Config) (*Gossip, error) {
	if cfg.Meta.ID == "" {
		return nil, errors.New("membership: Config.Meta.ID is required")
	}
	if cfg.BindAddr == "" {
		cfg.BindAddr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	host, port, err := splitHostPort(cfg.BindAddr)
	if err != nil {
		return nil, fmt.Errorf("membership: Config.BindAddr: %w", err)
	}
	g := &Gossip{
		log:      cfg.Logger,
		compat:   cfg.Compatible,
		meta:     cfg.Meta,
		nodes:    make(map[string]Member),
		watchers: make(map[*watcher]struct{}),
		done:     make(chan struct{}),
	}
	mc := memberlist.DefaultLANConfig()
	mc.Name = cfg.Meta.ID
	mc.BindAddr, mc.BindPort = host, port
	if cfg.AdvertiseAddr != "" {
		ah, ap, err := splitHostPort(cfg.AdvertiseAddr)
		if err != nil {
			return nil, fmt.Errorf("membership: Config.AdvertiseAddr: %w", err)
		}
		mc.AdvertiseAddr, mc.AdvertisePort = ah, ap
	}
	mc.ProbeInterval = orDuration(cfg.ProbeInterval, 200*time.Millisecond)
	mc.ProbeTimeout = orDuration(cfg.ProbeTimeout, 100*time.Millisecond)
	mc.SuspicionMult = 3
	if cfg.SuspicionMult > 0 {
		mc.SuspicionMult = cfg.SuspicionMult
	}
	mc.SuspicionMaxTimeoutMult = 2
	mc.GossipInterval = orDuration(cfg.GossipInterval, 50*time.Millisecond)
	mc.GossipToTheDeadTime = 2 * time.Second
	mc.PushPullInterval = orDuration(cfg.PushPullInterval, 10*time.Second)
	mc.TCPTimeout = 2 * time.Second
	mc.DeadNodeReclaimTime = 10 * time.Millisecond // a node restarting at a new address keeps its name
	mc.Delegate = (*delegate)(g)
	mc.Events = (*delegate)(g)
	mc.Alive = (*delegate)(g)
	mc.Merge = (*delegate)(g)
	mc.Ping = (*delegate)(g)
	mc.Logger = log.New(logWriter{l: cfg.Logger, g: g}, "", 0)
	g.probe = mc.ProbeInterval

	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("membership: start: %w", err)
	}
	g.ml = ml
	local := ml.LocalNode()
	g.mu.Lock()
	g.meta.GossipAddr = net.JoinHostPort(local.Addr.String(), strconv.Itoa(int(local.Port)))
	g.mu.Unlock()
	if err := ml.UpdateNode(time.Second); err != nil {
		ml.Shutdown()
		return nil, fmt.Errorf("membership: start: %w", err)
	}
	return g, nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func splitHostPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

// Addr returns the gossip address other nodes reach this one at.
func (g *Gossip) Addr() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.meta.GossipAddr
}

// Meta returns this node's metadata as gossiped.
func (g *Gossip) Meta() Meta {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.meta
}

// SetMeta changes this node's metadata (its GossipAddr is kept) and
// gossips it: for instance the cluster id, once the node is in a cluster.
func (g *Gossip) SetMeta(m Meta) error {
	g.mu.Lock()
	m.ID = g.meta.ID
	m.GossipAddr = g.meta.GossipAddr
	g.meta = m
	g.mu.Unlock()
	return g.ml.UpdateNode(time.Second)
}

// Join contacts the nodes at addrs (gossip addresses) and merges their
// view of the group into ours. It returns how many answered; an error
// wraps ErrOtherCluster or ErrIncompatible when peers were refused.
func (g *Gossip) Join(addrs []string) (int, error) {
	if len(addrs) == 0 {
		return 0, nil
	}
	n, err := g.ml.Join(addrs)
	if err != nil {
		msg := err.Error()
		switch {
		case bytes.Contains([]byte(msg), []byte(ErrOtherCluster.Error())):
			return n, fmt.Errorf("%w: %v", ErrOtherCluster, err)
		case bytes.Contains([]byte(msg), []byte(ErrIncompatible.Error())):
			return n, fmt.Errorf("%w: %v", ErrIncompatible, err)
		}
		return n, fmt.Errorf("membership: join: %w", err)
	}
	return n, nil
}

// Status returns what gossip knows of the node named id.
func (g *Gossip) Status(id string) (Status, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.nodes[id]
	return m.Status, ok
}

// Members returns every node gossip has heard of, this one included, with
// its status.
func (g *Gossip) Members() []Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Member, 0, len(g.nodes))
	for _, m := range g.nodes {
		out = append(out, m)
	}
	return out
}

// Watch returns a channel that receives every status change from now on,
// and a func that ends the watch and closes the channel. The channel holds
// 256 events; a watcher that falls further behind loses events (Members
// and Status always tell the truth).
func (g *Gossip) Watch() (<-chan Event, func()) {
	w := &watcher{ch: make(chan Event, 256)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		close(w.ch)
		return w.ch, func() {}
	}
	g.watchers[w] = struct{}{}
	g.mu.Unlock()
	var once sync.Once
	return w.ch, func() {
		once.Do(func() {
			g.mu.Lock()
			if _, ok := g.watchers[w]; ok {
				delete(g.watchers, w)
				close(w.ch)
			}
			g.mu.Unlock()
		})
	}
}

// Leave tells the group this node is leaving, waiting up to timeout for
// the message to spread: the others see it Left rather than Dead. Close it
// afterwards.
func (g *Gossip) Leave(timeout time.Duration) error {
	g.mu.Lock()
	g.meta.Leaving = true
	g.mu.Unlock()
	if err := g.ml.UpdateNode(timeout); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	return g.ml.Leave(timeout)
}

// Close stops gossip without a goodbye (the others will find this node
// dead), ends every watch and waits for the goroutines.
func (g *Gossip) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	close(g.done)
	err := g.ml.Shutdown()
	g.wg.Wait()
	g.mu.Lock()
	for w := range g.watchers {
		close(w.ch)
	}
	g.watchers = nil
	g.mu.Unlock()
	return err
}

type watcher struct{ ch chan Event }

// setStatus records a status and tells the watchers. g.mu held.
func (g *Gossip) setStatusLocked(meta Meta, st Status) {
	old, ok := g.nodes[meta.ID]
	g.nodes[meta.ID] = Member{Meta: meta, Status: st}
	if ok && old.Status == st && old.Meta == meta {
		return
	}
	ev := Event{Node: meta, Status: st}
	for w := range g.watchers {
		select {
		case w.ch <- ev:
		default:
		}
	}
}

// check refuses a peer of another cluster or an incompatible version.
func (g *Gossip) check(n *memberlist.Node) error {
	peer, err := decodeMeta(n.Meta)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrIncompatible, n.Name, err)
	}
	g.mu.Lock()
	self := g.meta
	g.mu.Unlock()
	if peer.ID == self.ID {
		return nil
	}
	if self.ClusterID != "" && peer.ClusterID != "" && self.ClusterID != peer.ClusterID {
		return fmt.Errorf("%w: %s is in cluster %s, this node in %s", ErrOtherCluster, peer.ID, peer.ClusterID, self.ClusterID)
	}
	if g.compat != nil {
		if err := g.compat(peer); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrIncompatible, peer.ID, err)
		}
	}
	return nil
}

// delegate implements memberlist's delegates for Gossip.
type delegate Gossip

func (d *delegate) g() *Gossip { return (*Gossip)(d) }

func (d *delegate) NodeMeta(limit int) []byte {
	g := d.g()
	g.mu.Lock()
	b := g.meta.encode()
	g.mu.Unlock()
	if len(b) > limit {
		g.log.Error("membership: node metadata too large", "size", len(b), "limit", limit)
		return nil
	}
	return b
}

func (d *delegate) NotifyMsg([]byte)                           {}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(join bool) []byte                { return nil }
func (d *delegate) MergeRemoteState(buf []byte, join bool)     {}

func (d *delegate) NotifyJoin(n *memberlist.Node)   { d.notify(n, Alive) }
func (d *delegate) NotifyUpdate(n *memberlist.Node) { d.notify(n, Alive) }

// NotifyLeave is called for a dead node and for one that left: memberlist
// does not say which, so a node sets Meta.Leaving before its goodbye.
func (d *delegate) NotifyLeave(n *memberlist.Node) {
	if meta, err := decodeMeta(n.Meta); err == nil && meta.Leaving {
		d.notify(n, Left)
		return
	}
	d.notify(n, Dead)
}

// suspect marks a node Suspect when this node's probe of it failed.
// memberlist reports suspicion only in a log line (see logWriter), so this
// is best effort: only this node's own probes count.
func (g *Gossip) suspect(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.nodes[name]; ok && cur.Status == Alive && !g.closed {
		g.setStatusLocked(cur.Meta, Suspect)
	}
}

func (d *delegate) AckPayload() []byte { return nil }

// NotifyPingComplete clears a suspicion when the node answers a probe.
func (d *delegate) NotifyPingComplete(n *memberlist.Node, _ time.Duration, _ []byte) {
	g := d.g()
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.nodes[n.Name]; ok && cur.Status == Suspect && !g.closed {
		g.setStatusLocked(cur.Meta, Alive)
	}
}

func (d *delegate) notify(n *memberlist.Node, st Status) {
	g := d.g()
	meta, err := decodeMeta(n.Meta)
	if err != nil {
		meta = Meta{ID: n.Name}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.setStatusLocked(meta, st)
}

func (d *delegate) NotifyAlive(n *memberlist.Node) error { return d.g().check(n) }

func (d *delegate) NotifyMerge(peers []*memberlist.Node) error {
	for _, n := range peers {
		if err := d.g().check(n); err != nil {
			return err
		}
	}
	return nil
}

// logWriter turns memberlist's log lines into slog records (its many
// [DEBUG] lines go to Debug), and picks out the one line that says this
// node suspects another.
type logWriter struct {
	l *slog.Logger
	g *Gossip
}

var suspectLine = []byte("memberlist: Suspect ")

func (w logWriter) Write(p []byte) (int, error) {
	line := bytes.TrimSpace(p)
	if _, rest, ok := bytes.Cut(line, suspectLine); ok {
		if name, _, ok := bytes.Cut(rest, []byte(" has failed")); ok {
			w.g.suspect(string(name))
		}
	}
	level := slog.LevelInfo
	switch {
	case bytes.Contains(line, []byte("[DEBUG]")):
		level = slog.LevelDebug
	case bytes.Contains(line, []byte("[ERR]")), bytes.Contains(line, []byte("[ERROR]")):
		level = slog.LevelError
	case bytes.Contains(line, []byte("[WARN]")):
		level = slog.LevelWarn
	}
	w.l.Log(context.Background(), level, string(line))
	return len(p), nil
}

var _ io.Writer = logWriter{}
