package command

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/engine"
)

// Options configures a Server. Open-style: New copies them and fills defaults.
type Options struct {
	// DB is the keyspace the commands act on. Required.
	DB *engine.DB
	// Config holds the live settings (CONFIG GET/SET). Required.
	Config *config.Store
	// Logger receives the server's log lines. Default: slog.Default().
	Logger *slog.Logger
	// Version is reported by INFO, HELLO and --version. Default "0.0.0".
	Version string
	// Shutdown is called by the SHUTDOWN command to stop the node
	// gracefully. Default: SHUTDOWN replies with an error.
	Shutdown func()
	// Now returns the current time. Default: time.Now, read more cheaply (see clock).
	Now func() time.Time
	// TCPPort is the port reported by INFO server. Default 0.
	TCPPort int
	// ConfigFile is the configuration file path reported by INFO. Default "".
	ConfigFile string
	// Cluster is the cluster map the commands route by when the setting
	// cluster-enabled is yes (cluster.go). Default: a cluster of one
	// serving every slot, with a new random node ID. Unused when
	// cluster-enabled is no.
	Cluster ClusterView
	// Migrations, in cluster mode, tells which slots are paused at the end of
	// a move to another node: a command on a paused slot is refused with
	// TRYAGAIN, checked while it holds its keys' locks, so that nothing is
	// written behind the move's last catch-up. Default: none ever is.
	Migrations SlotGate
	// ClusterInfo, in cluster mode, appends the node's cluster fields
	// ("name:value\r\n") to INFO's cluster section. Default: none.
	ClusterInfo func(dst []byte) []byte
	// RemoveNode, in cluster mode, starts removing the member with this node
	// ID (CLUSTER FORGET): its slots move to the others, then it stops. An
	// error says why it cannot (unknown node, last node). Default: refused.
	RemoveNode func(id string) error
	// Publish, in cluster mode, is called with every PUBLISH once this node's
	// subscribers have it, to forward it to the other members, as Redis
	// Cluster does; it must copy what it keeps and not block. Messages the
	// other members forward come in through DeliverForwarded. Nil: none.
	Publish func(channel, payload []byte)
}

// SlotGate tells the command layer which slots are paused by a slot
// migration (internal/migrate.Hub). Its methods must be cheap and never
// block: Busy is asked on every keyed command while anything migrates.
type SlotGate interface {
	// Busy reports whether any slot is in migration here.
	Busy() bool
	// Paused reports whether slot is paused.
	Paused(slot uint16) bool
}

// Server holds what every command handler of one node shares: the command
// table, the keyspace, the settings, the connected clients and the
// statistics. It is safe for concurrent use.
type Server struct {
	table      *Table
	db         *engine.DB
	cfg        *config.Store
	log        *slog.Logger
	now        func() time.Time
	opts       Options
	start      time.Time
	runID      string
	clients    clients
	slowlog    slowlog
	info       infoState             // INFO's own state: error stats, peak memory, samples (info.go)
	ps         pubsub                // subscriptions, keyspace notifications (pubsub_registry.go)
	watches    watchRegistry         // WATCHed keys (watch.go)
	blocked    blocking              // clients waiting in blocking commands (blocking.go)
	cluster    ClusterView           // the cluster map; nil when cluster mode is off (cluster.go)
	gate       SlotGate              // slots paused by a migration; nil when none can be
	hot        hotSettings           // settings read by every command of a kind
	cinfo      func([]byte) []byte   // INFO cluster fields; nil when none
	removeNode func(id string) error // CLUSTER FORGET; nil when refused
	execCmd    *Command              // EXEC, which the cluster check treats apart
	// Stats are the node-wide counters INFO reports; the network layer
	// updates the connection and byte counters.
	Stats Stats
}

// Stats are node-wide counters, updated atomically.
type Stats struct {
	ConnectionsReceived atomic.Int64
	RejectedConnections atomic.Int64
	CommandsProcessed   atomic.Int64
	NetInputBytes       atomic.Int64
	NetOutputBytes      atomic.Int64
	ErrorReplies        atomic.Int64
}

// New returns a Server for the given options.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Version == "" {
		opts.Version = "0.0.0"
	}
	if opts.Now == nil {
		opts.Now = new(clock).now
	}
	var id [20]byte
	_, _ = rand.Read(id[:])
	s := &Server{
		table: newTable(connCommands, stringCommands, keyCommands, expireCommands,
			serverCommands, introspectionCommands, pubsubCommands, multiCommands, listCommands, zsetCommands,
			hashCommands, setCommands, bitCommands, clusterCommands, sortCommands),
		db:    opts.DB,
		cfg:   opts.Config,
		log:   opts.Logger,
		now:   opts.Now,
		opts:  opts,
		runID: hex.EncodeToString(id[:]),
	}
	s.start = s.now()
	s.hot.init(s.cfg)
	s.initCluster(opts)
	if s.cluster != nil {
		s.gate, s.cinfo, s.removeNode = opts.Migrations, opts.ClusterInfo, opts.RemoveNode
	}
	s.clients.init()
	s.initPubSub()
	s.slowlog.init(s.cfg)
	s.slowlog.setMaxLen(int(s.cfg.Int("slowlog-max-len")))
	s.cfg.OnChange("slowlog-max-len", func(v string) error {
		n, _ := strconv.Atoi(v)
		s.slowlog.setMaxLen(n)
		return nil
	})
	return s
}

// hotSettings are live views of the settings that commands read on every call (the compact
// encodings' limits): a config.Store lookup costs a name lookup and a lock each time.
type hotSettings struct {
	listFill                  *config.IntVar // list-max-listpack-size
	hashEntries, hashValue    *config.IntVar // hash-max-listpack-entries, -value
	zsetEntries, zsetValue    *config.IntVar // zset-max-listpack-entries, -value
	intsetEntries, maxBulkLen *config.IntVar // set-max-intset-entries, proto-max-bulk-len
}

func (h *hotSettings) init(cfg *config.Store) {
	h.listFill = cfg.IntVar("list-max-listpack-size")
	h.hashEntries = cfg.IntVar("hash-max-listpack-entries")
	h.hashValue = cfg.IntVar("hash-max-listpack-value")
	h.zsetEntries = cfg.IntVar("zset-max-listpack-entries")
	h.zsetValue = cfg.IntVar("zset-max-listpack-value")
	h.intsetEntries = cfg.IntVar("set-max-intset-entries")
	h.maxBulkLen = cfg.IntVar("proto-max-bulk-len")
}

// Table returns the command table.
func (s *Server) Table() *Table { return s.table }

// DB returns the keyspace.
func (s *Server) DB() *engine.DB { return s.db }

// Config returns the live settings.
func (s *Server) Config() *config.Store { return s.cfg }

// Version returns the version string the server reports.
func (s *Server) Version() string { return s.opts.Version }
