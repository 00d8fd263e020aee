package command

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/larderdb/larder/internal/config"
	"github.com/larderdb/larder/internal/glob"
)

// space is one of the three namespaces of subscriptions.
type space int

const (
	spaceChannel space = iota // SUBSCRIBE / PUBLISH
	spacePattern              // PSUBSCRIBE, matched by PUBLISH
	spaceShard                // SSUBSCRIBE / SPUBLISH
	numSpaces
)

// subscribers are the clients subscribed to one channel or pattern.
type subscribers struct {
	name    []byte // the channel or pattern, for matching and replies
	clients map[*Client]struct{}
}

// pubsub is a server's registry of subscriptions, its keyspace
// notification settings and its output limits for subscribers.
type pubsub struct {
	mu   sync.RWMutex // guards subs; taken after engine shard locks and Client.out.mu
	subs [numSpaces]map[string]*subscribers

	notify      atomic.Uint32                // notify-keyspace-events flags (notify.go)
	limits      atomic.Pointer[outputLimits] // client-output-buffer-limit pubsub
	disconnects atomic.Int64                 // subscribers closed for their output limit
}

// subState is a client's own view of its subscriptions, created at its
// first subscription. Only the client's connection goroutine uses it,
// except box, which publishers use and which never changes.
type subState struct {
	box  *outbox
	subs [numSpaces]map[string]struct{}
}

// count returns the subscriptions counted in replies to sp's commands:
// channels and patterns together, or shard channels alone.
func (cs *subState) count(sp space) int {
	if sp == spaceShard {
		return len(cs.subs[spaceShard])
	}
	return len(cs.subs[spaceChannel]) + len(cs.subs[spacePattern])
}

// total returns every subscription of the client.
func (cs *subState) total() int {
	return len(cs.subs[spaceChannel]) + len(cs.subs[spacePattern]) + len(cs.subs[spaceShard])
}

// initPubSub sets up the registry and follows the settings it depends on.
func (s *Server) initPubSub() {
	p := &s.ps
	for i := range p.subs {
		p.subs[i] = make(map[string]*subscribers)
	}
	p.limits.Store(parsePubSubLimits(s.cfg.String("client-output-buffer-limit")))
	p.notify.Store(parseNotifyFlags(s.cfg.String("notify-keyspace-events")))
	s.cfg.OnChange("client-output-buffer-limit", func(v string) error {
		p.limits.Store(parsePubSubLimits(v))
		return nil
	})
	s.cfg.OnChange("notify-keyspace-events", func(v string) error {
		p.notify.Store(parseNotifyFlags(v))
		return nil
	})
}

// parsePubSubLimits extracts the pubsub class from a canonical
// client-output-buffer-limit value ("normal h s t slave h s t pubsub h s t").
func parsePubSubLimits(v string) *outputLimits {
	f := strings.Fields(v)
	for i := 0; i+3 < len(f); i += 4 {
		if f[i] == "pubsub" {
			var l outputLimits
			l.hard, _ = config.ParseMemory(f[i+1])
			l.soft, _ = config.ParseMemory(f[i+2])
			l.softSeconds, _ = strconv.ParseInt(f[i+3], 10, 64)
			return &l
		}
	}
	return &outputLimits{hard: 32 << 20, soft: 8 << 20, softSeconds: 60}
}

// pubsubState returns the client's subscription state, creating it (and
// starting its push writer) on first use. Only x's goroutine may call it.
func (x *Ctx) pubsubState() *subState {
	c := x.C
	if c.ps == nil {
		cs := &subState{box: newOutbox(c)}
		for i := range cs.subs {
			cs.subs[i] = make(map[string]struct{})
		}
		c.ps = cs
	}
	return c.ps
}

// subscribe adds x's client to the names of sp and confirms each, as
// SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE do.
func (s *Server) subscribe(x *Ctx, sp space, kind string, names [][]byte) {
	cs := x.pubsubState()
	// Pause the push writer until the confirmations are flushed: a message
	// published once the subscription is registered waits in the queue.
	x.C.pauseOutput()
	counts := make([]int, len(names))
	var added [][]byte
	for i, name := range names {
		if _, ok := cs.subs[sp][string(name)]; !ok {
			cs.subs[sp][string(name)] = struct{}{}
			added = append(added, name)
		}
		counts[i] = cs.count(sp)
	}
	// Confirmations that go to the queue (CLIENT REPLY OFF) go before the
	// first message, which can come as soon as the subscription is
	// registered; those that go to x.W are flushed before the queue.
	for i, name := range names {
		replySubscription(x, kind, name, counts[i])
	}
	if len(added) > 0 {
		p := &s.ps
		p.mu.Lock()
		for _, name := range added {
			set := p.subs[sp][string(name)]
			if set == nil {
				set = &subscribers{name: append([]byte(nil), name...), clients: make(map[*Client]struct{})}
				p.subs[sp][string(name)] = set
			}
			set.clients[x.C] = struct{}{}
		}
		p.mu.Unlock()
	}
	x.C.setFlag(clientPubSub, true)
}

// unsubscribe removes x's client from the names of sp, or from all of sp
// when names is empty, and confirms each (notify), as UNSUBSCRIBE,
// PUNSUBSCRIBE and SUNSUBSCRIBE do.
func (s *Server) unsubscribe(x *Ctx, sp space, kind string, names [][]byte, notify bool) {
	cs := x.C.ps
	all := len(names) == 0
	if all && cs != nil {
		for name := range cs.subs[sp] {
			names = append(names, []byte(name))
		}
		sort.Slice(names, func(i, j int) bool { return string(names[i]) < string(names[j]) })
	}
	counts := make([]int, len(names))
	var removed [][]byte
	for i, name := range names {
		if cs != nil {
			if _, ok := cs.subs[sp][string(name)]; ok {
				delete(cs.subs[sp], string(name))
				removed = append(removed, name)
			}
			counts[i] = cs.count(sp)
		}
	}
	if len(removed) > 0 {
		p := &s.ps
		p.mu.Lock()
		for _, name := range removed {
			if set := p.subs[sp][string(name)]; set != nil {
				delete(set.clients, x.C)
				if len(set.clients) == 0 {
					delete(p.subs[sp], string(name))
				}
			}
		}
		p.mu.Unlock()
	}
	if cs == nil || cs.total() == 0 {
		x.C.setFlag(clientPubSub, false)
	}
	if !notify {
		return
	}
	if len(names) == 0 { // nothing to unsubscribe from: still answer
		count := 0
		if cs != nil {
			count = cs.count(sp)
		}
		replySubscription(x, kind, nil, count)
		return
	}
	for i, name := range names {
		replySubscription(x, kind, name, counts[i])
	}
}

// replySubscription writes a (un)subscription confirmation: [kind, name,
// count], name nil for "none". Like a message, it is sent even when
// CLIENT REPLY discards the command's reply: then it goes to the client's
// queue, after the messages already there.
func replySubscription(x *Ctx, kind string, name []byte, count int) {
	if x.replyMode != replyOn {
		msg := encodeConfirmation(x.C.Proto(), kind, name, count)
		x.pubsubState().box.push(msg, outputLimits{}, x.Now)
		return
	}
	x.W.Push(3)
	x.W.BulkString(kind)
	if name == nil {
		x.W.Null()
	} else {
		x.W.Bulk(name)
	}
	x.W.Int(int64(count))
}

// unsubscribeAll drops every subscription of x's client without replies
// (RESET, disconnection).
func (s *Server) unsubscribeAll(x *Ctx) {
	if x.C.ps == nil {
		return
	}
	for sp := space(0); sp < numSpaces; sp++ {
		s.unsubscribe(x, sp, "", nil, false)
	}
}

// publish sends payload to the subscribers of channel (in the shard space
// when shard, else the channel space and the matching patterns) and
// returns how many received it. now (unix ms) times the output limits.
func (s *Server) publish(channel, payload []byte, shard bool, now int64) int {
	p := &s.ps
	lim := *p.limits.Load()
	m := message{channel: channel, payload: payload}
	kind, sp := kindMessage, spaceChannel
	if shard {
		kind, sp = kindSMessage, spaceShard
	}
	n := 0
	p.mu.RLock()
	defer p.mu.RUnlock()
	if set := p.subs[sp][string(channel)]; set != nil {
		for c := range set.clients {
			s.deliver(c, m.encoded(kind, c.Proto()), lim, now)
			n++
		}
	}
	if shard {
		return n
	}
	for _, set := range p.subs[spacePattern] {
		if !glob.Match(set.name, channel, false) {
			continue
		}
		var enc [2][]byte
		for c := range set.clients {
			i := protoIndex(c.Proto())
			if enc[i] == nil {
				enc[i] = encodePush(nil, c.Proto(), kindPMessage, set.name, channel, payload)
			}
			s.deliver(c, enc[i], lim, now)
			n++
		}
	}
	return n
}

// deliver queues msg for c, disconnecting c if that takes it over the
// limits. The caller holds s.ps.mu (read).
func (s *Server) deliver(c *Client, msg []byte, lim outputLimits, now int64) {
	if !c.ps.box.push(msg, lim, now) {
		return
	}
	s.ps.disconnects.Add(1)
	s.log.Warn("client scheduled to be closed ASAP for overcoming of output buffer limits",
		"id", c.ID, "addr", c.Addr, "name", c.Name(), "class", "pubsub")
}

// pubsubCounts returns how many channels, patterns and shard channels have
// subscribers, for INFO.
func (s *Server) pubsubCounts() (channels, patterns, shard int) {
	p := &s.ps
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.subs[spaceChannel]), len(p.subs[spacePattern]), len(p.subs[spaceShard])
}

// disconnectPubSub drops the subscriptions of x's client and stops its push
// writer, when the connection ends.
func (s *Server) disconnectPubSub(x *Ctx) {
	c := x.C
	c.ReleaseOutput()
	if c.ps == nil {
		return
	}
	s.unsubscribeAll(x)
	// The connection is ending: close the socket now, so that a push
	// blocked on a client that does not read returns.
	if c.Kill != nil {
		c.Kill()
	}
	c.ps.box.close()
}
