package command

import (
	"sync"
	"sync/atomic"
	"time"
)

// Client is the server-side state of one connection that other clients may
// look at (CLIENT LIST, CLIENT KILL, INFO). Fields without a comment are set
// once, before the client is registered.
type Client struct {
	ID      int64
	Addr    string // remote address, "ip:port"
	LAddr   string // local address
	Created time.Time
	// Kill closes the connection; set by the network layer. Safe to call
	// more than once and from any goroutine.
	Kill func()

	mu      sync.Mutex // guards the fields below it
	name    string
	libName string
	libVer  string

	lastCmd       atomic.Pointer[Command]
	proto         atomic.Int32
	lastActive    atomic.Int64 // unix ms of the last command
	noEvict       atomic.Bool
	authenticated atomic.Bool
	killed        atomic.Bool
	flags         atomic.Uint32 // clientFlag bits, for CLIENT LIST

	// Pub/sub delivery: out is the socket, shared by the connection's
	// replies and the pushes of ps's writer goroutine (pubsub_output.go);
	// ps is nil until the first (P|S)SUBSCRIBE.
	out output
	ps  *subState
}

// Name returns the name set by CLIENT SETNAME, or "".
func (c *Client) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// Proto returns the RESP version the client speaks (2 or 3).
func (c *Client) Proto() int { return int(c.proto.Load()) }

// clients is the registry of connected clients.
type clients struct {
	mu     sync.Mutex // guards byID
	byID   map[int64]*Client
	nextID atomic.Int64
}

func (cs *clients) init() { cs.byID = make(map[int64]*Client) }

func (cs *clients) add(c *Client) {
	cs.mu.Lock()
	cs.byID[c.ID] = c
	cs.mu.Unlock()
}

func (cs *clients) remove(c *Client) {
	cs.mu.Lock()
	delete(cs.byID, c.ID)
	cs.mu.Unlock()
}

// snapshot returns the connected clients ordered by ID.
func (cs *clients) snapshot() []*Client {
	cs.mu.Lock()
	out := make([]*Client, 0, len(cs.byID))
	for _, c := range cs.byID {
		out = append(out, c)
	}
	cs.mu.Unlock()
	sortClients(out)
	return out
}

func (cs *clients) count() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.byID)
}

func sortClients(cs []*Client) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].ID < cs[j-1].ID; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// Connect registers a new connection and returns its per-connection context.
// The network layer calls Disconnect when the connection ends.
func (s *Server) Connect(c *Client, x *Ctx) {
	c.ID = s.clients.nextID.Add(1)
	if c.Created.IsZero() {
		c.Created = s.now()
	}
	c.proto.Store(2)
	c.lastActive.Store(c.Created.UnixMilli())
	c.authenticated.Store(s.cfg.String("requirepass") == "")
	x.Srv = s
	x.C = c
	s.clients.add(c)
}

// Disconnect removes a connection's client from the registry.
func (s *Server) Disconnect(x *Ctx) {
	x.FlushStats()
	s.endTxn(x)
	s.clients.remove(x.C)
	s.disconnectPubSub(x) // drops the subscriptions, stops the push writer
}

// ConnectedClients returns how many clients are connected.
func (s *Server) ConnectedClients() int { return s.clients.count() }
