package command

import (
	"strconv"

	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/engine"
)

// This file holds the Redis Cluster protocol as the command path sees it:
// ClusterView, what the command layer asks of the cluster map; routeCluster,
// Dispatch's check that a command's keys live on this node (MOVED, ASK,
// CROSSSLOT, TRYAGAIN, CLUSTERDOWN); and ASKING, READONLY and READWRITE. The
// CLUSTER command is in cluster_cmd.go.

// ClusterView is the cluster map as the command layer reads it
// (clusterview.View, where its contract is written).
type ClusterView = clusterview.View

// Redirection errors, worded as Redis's clusterRedirectClient words them.
const (
	errCrossSlot   = "CROSSSLOT Keys in request don't hash to the same slot"
	errTryAgain    = "TRYAGAIN Multiple keys request during rehashing of slot"
	errSlotPaused  = "TRYAGAIN Slot is changing hands; retry in a moment"
	errSlotUnbound = "CLUSTERDOWN Hash slot not served"
	errNoCluster   = "ERR This instance has cluster support disabled"
)

// clusterCommands are ASKING, READONLY, READWRITE and CLUSTER.
var clusterCommands = []*Command{
	{Name: "asking", Arity: 1, Flags: FlagFast, ACL: []string{"fast", "connection"}, Group: "cluster",
		Since: "3.0.0", Complexity: "O(1)",
		Summary: "Lets the next command use a slot being imported to this node.", Handler: cmdAsking},
	{Name: "readonly", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale,
		ACL: []string{"fast", "connection"}, Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Lets the connection read from replicas of a cluster.", Handler: cmdReadOnly},
	{Name: "readwrite", Arity: 1, Flags: FlagFast | FlagLoading | FlagStale,
		ACL: []string{"fast", "connection"}, Group: "cluster", Since: "3.0.0", Complexity: "O(1)",
		Summary: "Ends the read-from-replicas mode of the connection.", Handler: cmdReadWrite},
	clusterCommand,
}

// initCluster sets the cluster view: opts.Cluster, or in cluster mode
// without one a cluster of one serving every slot. It leaves s.cluster nil
// when cluster-enabled is no.
func (s *Server) initCluster(opts Options) {
	s.execCmd = s.table.Lookup([]byte("exec"))
	if !s.cfg.Bool("cluster-enabled") {
		return
	}
	if s.cluster = opts.Cluster; s.cluster == nil {
		v, err := clusterview.NewStatic(clusterview.Single(clusterview.NewID(), "", opts.TCPPort))
		if err != nil {
			panic("command: the one-node cluster map is invalid: " + err.Error())
		}
		s.cluster = v
	}
}

// routeCluster is Dispatch's cluster check, Redis's getNodeByQuery followed
// by clusterRedirectClient: it reports whether cmd may run on this node and,
// when it may not, has replied with the redirection or error and marked the
// transaction failed (or ended it, for EXEC). Dispatch calls it only in
// cluster mode, after authentication and before MULTI queueing, as Redis's
// processCommand does.
//
// A one-key command costs one slot computation and one Slot call (none on a
// cluster of one); the engine computes the slot again when it locks the key.
func (s *Server) routeCluster(x *Ctx, cmd *Command) bool {
	asking := x.asking
	if asking {
		// Redis clears the flag after any command; here a command refused
		// before this check (unknown, wrong arity, NOAUTH) leaves it set.
		x.asking = askingSurvives(x, cmd)
	}
	if cmd.FirstKey == 0 && cmd.Keys == nil {
		if cmd == s.execCmd && x.tx.on {
			return s.routeQuery(x, cmd, asking)
		}
		return true // no keys: served anywhere
	}
	if k := cmd.FirstKey; k == cmd.LastKey && cmd.Keys == nil && k < len(x.Args) {
		// One key: GET, SET and most commands.
		v := s.cluster
		if v.OwnsAll() {
			return true
		}
		if r := v.Slot(engine.Slot(x.Args[k])); r.Local && r.MigratingTo == nil {
			return true
		}
	} else if s.cluster.OwnsAll() {
		// Several keys on a cluster of one: only CROSSSLOT is possible.
		keys := cmd.keysOf(x.Args, x.keys[:0])
		cross := crossSlot(keys)
		clear(keys)
		x.keys = keys[:0]
		if !cross {
			return true
		}
	}
	return s.routeQuery(x, cmd, asking)
}

// askingSurvives reports whether the ASKING flag outlives cmd: it does while
// the connection stays inside MULTI (so that EXEC may use an importing
// slot), and it is set again by ASKING itself. Redis clears it in
// resetClient after every other command.
func askingSurvives(x *Ctx, cmd *Command) bool {
	if cmd.parent != nil {
		return x.tx.on
	}
	switch cmd.Name {
	case "multi":
		return true
	case "exec", "discard", "reset":
		return false
	}
	return x.tx.on
}

// crossSlot reports whether keys hash to more than one slot.
func crossSlot(keys [][]byte) bool {
	if len(keys) < 2 {
		return false
	}
	slot := engine.Slot(keys[0])
	for _, k := range keys[1:] {
		if engine.Slot(k) != slot {
			return true
		}
	}
	return false
}

// clusterQuery accumulates what getNodeByQuery learns about the keys of a
// command, or of every command queued for EXEC.
type clusterQuery struct {
	first             []byte
	slot              uint16
	route             clusterview.Slot
	multiple          bool // different keys (in one slot)
	shard             bool // a shard pub/sub command: channels are not looked up
	missing, existing int  // keys absent / present, counted in a slot in flight
	cross             bool
}

// routeQuery is the general case of routeCluster, in Redis's order: every
// key in one slot, the slot served, then the migration states.
func (s *Server) routeQuery(x *Ctx, cmd *Command, asking bool) bool {
	var q clusterQuery
	write := cmd.Flags&FlagWrite != 0
	if cmd == s.execCmd {
		for i := range x.tx.queue {
			qc := &x.tx.queue[i]
			write = write || qc.cmd.Flags&FlagWrite != 0
			if !s.addQueryKeys(x, &q, qc.cmd, qc.args) {
				break
			}
		}
	} else {
		s.addQueryKeys(x, &q, cmd, x.Args)
	}
	switch {
	case q.cross:
		return s.clusterReject(x, cmd, errCrossSlot)
	case q.first == nil:
		return true
	case q.route.Owner == nil:
		return s.clusterReject(x, cmd, errSlotUnbound)
	}
	migrating := q.route.Local && q.route.MigratingTo != nil
	importing := !migrating && q.route.ImportingFrom != nil
	if migrating && q.missing > 0 {
		if q.existing > 0 {
			return s.clusterReject(x, cmd, errTryAgain)
		}
		return s.clusterReject(x, cmd, s.redirection(x, "ASK", q.slot, q.route.MigratingTo))
	}
	if importing && asking {
		if q.multiple && q.missing > 0 {
			return s.clusterReject(x, cmd, errTryAgain)
		}
		return true
	}
	if q.route.Local {
		return true
	}
	if (x.C.hasFlag(clientReadOnly) || q.shard) && !write && s.holdsCopy(q.route) {
		return true
	}
	return s.clusterReject(x, cmd, s.redirection(x, "MOVED", q.slot, q.route.Owner))
}

// addQueryKeys adds the keys of one command to q and reports whether the
// query may go on (false once the keys cross slots).
func (s *Server) addQueryKeys(x *Ctx, q *clusterQuery, cmd *Command, args [][]byte) bool {
	if cmd.FirstKey == 0 && cmd.Keys == nil {
		return true
	}
	shardCmd := cmd.Flags&FlagPubSub != 0
	q.shard = q.shard || shardCmd
	keys := cmd.keysOf(args, x.keys[:0])
	defer func() { clear(keys); x.keys = keys[:0] }()
	for _, k := range keys {
		slot := engine.Slot(k)
		if q.first == nil {
			q.first, q.slot = k, slot
			q.route = s.cluster.Slot(slot)
			if q.route.Owner == nil {
				return false // CLUSTERDOWN
			}
		} else if slot != q.slot {
			q.cross = true
			return false
		} else if !q.multiple && string(k) != string(q.first) {
			q.multiple = true
		}
		inFlight := q.route.Local && q.route.MigratingTo != nil || !q.route.Local && q.route.ImportingFrom != nil
		if inFlight && !q.shard {
			if s.keyPresent(x, k) {
				q.existing++
			} else {
				q.missing++
			}
		}
	}
	return true
}

// keyPresent reports whether key is in the keyspace and not expired, without
// touching or counting it (Redis's lookup with LOOKUP_NOTOUCH, NOSTATS,
// NONOTIFY and NOEXPIRE). Only keys of slots in flight are looked up.
func (s *Server) keyPresent(x *Ctx, key []byte) bool {
	s.db.Begin(&x.Txn, x.Now, key)
	present, expired := x.Txn.Present(key)
	x.Txn.End()
	return present && !expired
}

// holdsCopy reports whether this node is a replica of the slot r.
func (s *Server) holdsCopy(r clusterview.Slot) bool {
	me := s.cluster.MyID()
	for _, n := range r.Replicas {
		if n.ID == me {
			return true
		}
	}
	return false
}

// redirection words a MOVED or ASK error to node for slot.
func (s *Server) redirection(x *Ctx, kind string, slot uint16, n *clusterview.Node) string {
	b := make([]byte, 0, 64)
	b = append(b, kind...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(slot), 10)
	b = append(b, ' ')
	b = append(b, nodeHost(x, n)...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(n.Port), 10)
	return string(b)
}

// nodeHost returns the host clients reach n at: its Host, or for a node that
// does not know its own, the address this client connected to.
func nodeHost(x *Ctx, n *clusterview.Node) string {
	if n.Host != "" {
		return n.Host
	}
	laddr := x.C.LAddr
	for i := len(laddr) - 1; i >= 0; i-- {
		if laddr[i] == ':' {
			laddr = laddr[:i]
			break
		}
	}
	if len(laddr) > 1 && laddr[0] == '[' && laddr[len(laddr)-1] == ']' {
		laddr = laddr[1 : len(laddr)-1]
	}
	return laddr
}

// clusterReject replies msg to a command the cluster check refused. As in
// Redis, a refused EXEC ends the transaction, and a refused command inside
// MULTI makes EXEC fail.
func (s *Server) clusterReject(x *Ctx, cmd *Command, msg string) bool {
	cmd.stats.rejected.Add(1)
	if cmd == s.execCmd {
		s.endTxn(x)
	} else {
		x.flagMulti()
	}
	x.Err(msg)
	return false
}

// cmdAsking implements ASKING: the next command (or, inside MULTI, the
// transaction) may use a slot this node is importing.
func cmdAsking(x *Ctx) {
	if x.Srv.cluster == nil {
		x.Err(errNoCluster)
		return
	}
	x.asking = true
	x.OK()
}

// cmdReadOnly implements READONLY: reads of slots whose primary this node
// replicates are served here instead of redirected. Without cluster mode it
// only answers OK, as Larder always has.
func cmdReadOnly(x *Ctx) {
	if x.Srv.cluster != nil {
		x.C.setFlag(clientReadOnly, true)
	}
	x.OK()
}

// cmdReadWrite implements READWRITE, which ends READONLY.
func cmdReadWrite(x *Ctx) {
	x.C.setFlag(clientReadOnly, false)
	x.OK()
}
