package command

import (
	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/internal/glob"
)

// pubsubSubFlags are the flags of the (P|S)(UN)SUBSCRIBE commands.
const pubsubSubFlags = FlagPubSub | FlagNoScript | FlagLoading | FlagStale

var (
	pubsubSlowACL = []string{"pubsub", "slow"}
	pubsubFastACL = []string{"pubsub", "fast"}
)

// pubsubCommands are the Pub/Sub commands: (P|S)SUBSCRIBE,
// (P|S)UNSUBSCRIBE, (S)PUBLISH and the PUBSUB container. The shard
// commands name their channels as keys for cluster routing, but take no
// engine locks (FlagNoLock).
var pubsubCommands = []*Command{
	{Name: "subscribe", Arity: -2, Flags: pubsubSubFlags, Group: "pubsub", Since: "2.0.0",
		Complexity: "O(N) where N is the number of channels to subscribe to.", ACL: pubsubSlowACL,
		Summary: "Starts receiving the messages published to the given channels.", Handler: cmdSubscribe},
	{Name: "unsubscribe", Arity: -1, Flags: pubsubSubFlags, Group: "pubsub", Since: "2.0.0",
		Complexity: "O(N) where N is the number of clients already subscribed to a channel.", ACL: pubsubSlowACL,
		Summary: "Stops receiving the messages of the given channels, or of every channel.", Handler: cmdUnsubscribe},
	{Name: "psubscribe", Arity: -2, Flags: pubsubSubFlags, Group: "pubsub", Since: "2.0.0",
		Complexity: "O(N) where N is the number of patterns the client is already subscribed to.", ACL: pubsubSlowACL,
		Summary: "Starts receiving the messages published to channels matching the given patterns.",
		Handler: cmdPSubscribe},
	{Name: "punsubscribe", Arity: -1, Flags: pubsubSubFlags, Group: "pubsub", Since: "2.0.0",
		Complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
		ACL:        pubsubSlowACL, Summary: "Stops receiving the messages of the given patterns, or of every pattern.",
		Handler: cmdPUnsubscribe},
	{Name: "ssubscribe", Arity: -2, Flags: pubsubSubFlags | FlagNoLock, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "pubsub", Since: "7.0.0", Complexity: "O(N) where N is the number of shard channels to subscribe to.",
		ACL: pubsubSlowACL, Summary: "Starts receiving the messages published to the given shard channels.",
		Handler: cmdSSubscribe},
	{Name: "sunsubscribe", Arity: -1, Flags: pubsubSubFlags | FlagNoLock, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "pubsub", Since: "7.0.0",
		Complexity: "O(N) where N is the number of clients already subscribed to a shard channel.", ACL: pubsubSlowACL,
		Summary: "Stops receiving the messages of the given shard channels, or of every shard channel.",
		Handler: cmdSUnsubscribe},
	{Name: "publish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast | FlagMayReplicate,
		Group: "pubsub", Since: "2.0.0",
		Complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
		ACL:        pubsubFastACL, Summary: "Sends a message to the subscribers of a channel and of matching patterns.",
		Handler: cmdPublish},
	{Name: "spublish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast | FlagMayReplicate | FlagNoLock,
		FirstKey: 1, LastKey: 1, Step: 1, Group: "pubsub", Since: "7.0.0",
		Complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
		ACL:        pubsubFastACL, Summary: "Sends a message to the subscribers of a shard channel.", Handler: cmdSPublish},
	pubsubCommand,
}

// pubsubIntroFlags are the flags of the PUBSUB introspection subcommands.
const pubsubIntroFlags = FlagPubSub | FlagLoading | FlagStale

// pubsubCommand is the PUBSUB container.
var pubsubCommand = &Command{
	Name: "pubsub", Arity: -2, Group: "pubsub", Since: "2.8.0", Complexity: "Depends on subcommand.",
	ACL: []string{"slow"}, Summary: "A container for the commands that inspect Pub/Sub.",
	Sub: map[string]*Command{
		"channels": {Name: "channels", Arity: -2, Flags: pubsubIntroFlags, ACL: pubsubSlowACL, Since: "2.8.0",
			Complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
			Summary:    "Lists the channels with subscribers, optionally those matching a pattern.",
			Handler:    func(x *Ctx) { pubsubList(x, spaceChannel) }},
		"numsub": {Name: "numsub", Arity: -2, Flags: pubsubIntroFlags, ACL: pubsubSlowACL, Since: "2.8.0",
			Complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
			Summary:    "Counts the subscribers of each given channel.",
			Handler:    func(x *Ctx) { pubsubNumSub(x, spaceChannel) }},
		"numpat": {Name: "numpat", Arity: 2, Flags: pubsubIntroFlags, ACL: pubsubSlowACL, Since: "2.8.0",
			Complexity: "O(1)", Summary: "Counts the distinct patterns with subscribers.", Handler: cmdPubSubNumPat},
		"shardchannels": {Name: "shardchannels", Arity: -2, Flags: pubsubIntroFlags, ACL: pubsubSlowACL, Since: "7.0.0",
			Complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
			Summary:    "Lists the shard channels with subscribers, optionally those matching a pattern.",
			Handler:    func(x *Ctx) { pubsubList(x, spaceShard) }},
		"shardnumsub": {Name: "shardnumsub", Arity: -2, Flags: pubsubIntroFlags, ACL: pubsubSlowACL, Since: "7.0.0",
			Complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
			Summary:    "Counts the subscribers of each given shard channel.",
			Handler:    func(x *Ctx) { pubsubNumSub(x, spaceShard) }},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: []string{"slow"}, Since: "6.2.0",
			Complexity: "O(1)", Summary: "Lists the PUBSUB subcommands.", Handler: cmdPubSubHelp},
	},
}

// pubsubAllows reports whether cmd may run in x's current mode; in RESP2 a
// subscribed client may only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING,
// QUIT and RESET. When it returns false it has replied with the error.
func (s *Server) pubsubAllows(x *Ctx, cmd *Command) bool {
	if !x.C.hasFlag(clientPubSub) || x.C.Proto() != 2 {
		return true
	}
	if cmd.parent == nil {
		switch cmd.Name {
		case "subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe", "punsubscribe",
			"ping", "quit", "reset":
			return true
		}
	}
	cmd.stats.rejected.Add(1)
	x.Err("ERR Can't execute '" + cmd.FullName() +
		"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
	return false
}

func cmdSubscribe(x *Ctx) { x.Srv.subscribe(x, spaceChannel, "subscribe", x.Args[1:]) }

func cmdPSubscribe(x *Ctx) { x.Srv.subscribe(x, spacePattern, "psubscribe", x.Args[1:]) }

// cmdSSubscribe subscribes to shard channels, which must all hash to one
// slot, as in a cluster they live on the node owning it.
func cmdSSubscribe(x *Ctx) {
	slot := engine.Slot(x.Args[1])
	for _, ch := range x.Args[2:] {
		if engine.Slot(ch) != slot {
			x.Err("CROSSSLOT Keys in request don't hash to the same slot")
			return
		}
	}
	x.Srv.subscribe(x, spaceShard, "ssubscribe", x.Args[1:])
}

func cmdUnsubscribe(x *Ctx) { x.Srv.unsubscribe(x, spaceChannel, "unsubscribe", x.Args[1:], true) }

func cmdPUnsubscribe(x *Ctx) { x.Srv.unsubscribe(x, spacePattern, "punsubscribe", x.Args[1:], true) }

// cmdSUnsubscribe unsubscribes from shard channels, which must all hash to
// one slot, as for SSUBSCRIBE.
func cmdSUnsubscribe(x *Ctx) {
	if len(x.Args) > 2 {
		slot := engine.Slot(x.Args[1])
		for _, ch := range x.Args[2:] {
			if engine.Slot(ch) != slot {
				x.Err("CROSSSLOT Keys in request don't hash to the same slot")
				return
			}
		}
	}
	x.Srv.unsubscribe(x, spaceShard, "sunsubscribe", x.Args[1:], true)
}

func cmdPublish(x *Ctx) {
	// As in Redis Cluster, the count is of this node's receivers only.
	x.W.Int(int64(x.Srv.publish(x.Args[1], x.Args[2], false, x.Now)))
	if fwd := x.Srv.opts.Publish; fwd != nil {
		fwd(x.Args[1], x.Args[2])
	}
}

// DeliverForwarded delivers a message PUBLISHed on another member of the
// cluster to this node's subscribers (channels and patterns), as a local
// PUBLISH would, without forwarding it again.
func (s *Server) DeliverForwarded(channel, payload []byte) {
	s.publish(channel, payload, false, s.now().UnixMilli())
}

func cmdSPublish(x *Ctx) {
	x.W.Int(int64(x.Srv.publish(x.Args[1], x.Args[2], true, x.Now)))
}

// pubsubList replies with the channels of sp that have subscribers,
// matching the optional pattern argument (PUBSUB CHANNELS, SHARDCHANNELS).
func pubsubList(x *Ctx, sp space) {
	if len(x.Args) > 3 {
		pubsubSyntaxErr(x)
		return
	}
	var pat []byte
	if len(x.Args) == 3 {
		pat = x.Args[2]
	}
	p := &x.Srv.ps
	p.mu.RLock()
	var names [][]byte
	for _, set := range p.subs[sp] {
		if pat == nil || glob.Match(pat, set.name, false) {
			names = append(names, set.name)
		}
	}
	p.mu.RUnlock()
	// The names are never changed once registered, so they can be written
	// without the lock, which a slow reader must not keep.
	x.W.Array(len(names))
	for _, n := range names {
		x.W.Bulk(n)
	}
}

// pubsubNumSub replies with each given channel of sp and its number of
// subscribers (PUBSUB NUMSUB, SHARDNUMSUB).
func pubsubNumSub(x *Ctx, sp space) {
	chans := x.Args[2:]
	counts := make([]int64, len(chans))
	p := &x.Srv.ps
	p.mu.RLock()
	for i, ch := range chans {
		if set := p.subs[sp][string(ch)]; set != nil {
			counts[i] = int64(len(set.clients))
		}
	}
	p.mu.RUnlock()
	x.W.Array(2 * len(chans))
	for i, ch := range chans {
		x.W.Bulk(ch)
		x.W.Int(counts[i])
	}
}

func cmdPubSubNumPat(x *Ctx) {
	_, patterns, _ := x.Srv.pubsubCounts()
	x.W.Int(int64(patterns))
}

// pubsubSyntaxErr replies as Redis does to a PUBSUB subcommand given a
// number of arguments its arity allows but its handler does not.
func pubsubSyntaxErr(x *Ctx) {
	x.Err("ERR unknown subcommand or wrong number of arguments for '" + clip(string(x.Args[1]), 128) +
		"'. Try PUBSUB HELP.")
}

func cmdPubSubHelp(x *Ctx) { replySubcommandHelp(x, "PUBSUB", pubsubHelp) }

// pubsubHelp is the PUBSUB HELP text, after its header line.
var pubsubHelp = []string{
	"CHANNELS [<pattern>]",
	"    Lists the channels with subscribers, those matching <pattern> if given.",
	"NUMPAT",
	"    Counts the distinct patterns that clients subscribed to.",
	"NUMSUB [<channel> ...]",
	"    Counts the subscribers of each channel, pattern subscriptions aside.",
	"SHARDCHANNELS [<pattern>]",
	"    Lists the shard channels with subscribers, those matching <pattern> if given.",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Counts the subscribers of each shard channel.",
}
