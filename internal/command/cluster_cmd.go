package command

import (
	"slices"
	"strconv"
	"strings"

	"github.com/larderdb/larder/internal/clusterview"
	"github.com/larderdb/larder/internal/engine"
)

// This file holds the CLUSTER command: the subcommands that read the cluster
// map (INFO, MYID, NODES, SLOTS, SHARDS, REPLICAS) and the keyspace by slot
// (KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT), with Redis 7's reply shapes;
// and the subcommands of Redis's manual topology (ADDSLOTS, MEET, SETSLOT,
// REPLICATE...), which answer what Larder does instead.

var (
	clusterACL      = []string{"slow"}
	clusterAdminACL = []string{"admin", "slow", "dangerous"}
	clusterFlags    = FlagStale
	clusterAdmin    = FlagAdmin | FlagStale
)

// clusterCommand is the CLUSTER container.
var clusterCommand = &Command{
	Name: "cluster", Arity: -2, Group: "cluster", Since: "3.0.0", Complexity: "Depends on subcommand.",
	ACL: []string{"slow"}, Summary: "A container for Redis Cluster commands.",
	Sub: map[string]*Command{
		"info": {Name: "info", Arity: 2, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0", Complexity: "O(1)",
			Summary: "Returns information about the state of the cluster.", Handler: clusterOnly(cmdClusterInfo)},
		"myid": {Name: "myid", Arity: 2, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0", Complexity: "O(1)",
			Summary: "Returns the ID of this node.", Handler: clusterOnly(cmdClusterMyID)},
		"myshardid": {Name: "myshardid", Arity: 2, Flags: clusterFlags, ACL: clusterACL, Since: "7.2.0",
			Complexity: "O(1)", Summary: "Returns the shard ID of this node: the ID of its primary.",
			Handler: clusterOnly(cmdClusterMyShardID)},
		"nodes": {Name: "nodes", Arity: 2, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0",
			Complexity: "O(N) where N is the total number of Cluster nodes",
			Summary:    "Returns the cluster configuration as this node sees it.", Handler: clusterOnly(cmdClusterNodes)},
		"slots": {Name: "slots", Arity: 2, Flags: clusterFlags | FlagLoading, ACL: clusterACL, Since: "3.0.0",
			Complexity: "O(N) where N is the total number of Cluster nodes",
			Summary:    "Returns the mapping of slot ranges to nodes.", Handler: clusterOnly(cmdClusterSlots)},
		"shards": {Name: "shards", Arity: 2, Flags: clusterFlags | FlagLoading, ACL: clusterACL, Since: "7.0.0",
			Complexity: "O(N) where N is the total number of cluster nodes",
			Summary:    "Returns the mapping of slots to shards.", Handler: clusterOnly(cmdClusterShards)},
		"replicas": {Name: "replicas", Arity: 3, Flags: clusterAdmin, ACL: clusterAdminACL, Since: "5.0.0",
			Complexity: "O(N) where N is the number of replicas.",
			Summary:    "Lists the replicas of a primary.", Handler: clusterOnly(cmdClusterReplicas)},
		"slaves": {Name: "slaves", Arity: 3, Flags: clusterAdmin, ACL: clusterAdminACL, Since: "3.0.0",
			Complexity: "O(N) where N is the number of replicas.",
			Summary:    "Lists the replicas of a primary (an old name of REPLICAS).", Handler: clusterOnly(cmdClusterReplicas)},
		"count-failure-reports": {Name: "count-failure-reports", Arity: 3, Flags: clusterAdmin, ACL: clusterAdminACL,
			Since: "3.0.0", Complexity: "O(N) where N is the number of failure reports",
			Summary: "Returns the number of active failure reports about a node.",
			Handler: clusterOnly(cmdClusterFailureReports)},
		"keyslot": {Name: "keyslot", Arity: 3, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0",
			Complexity: "O(N) where N is the number of bytes in the key",
			Summary:    "Returns the hash slot of a key.", Handler: clusterOnly(cmdClusterKeySlot)},
		"countkeysinslot": {Name: "countkeysinslot", Arity: 3, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0",
			Complexity: "O(1)", Summary: "Returns the number of keys in a hash slot.",
			Handler: clusterOnly(cmdClusterCountKeys)},
		"getkeysinslot": {Name: "getkeysinslot", Arity: 4, Flags: clusterFlags, ACL: clusterACL, Since: "3.0.0",
			Complexity: "O(N) where N is the number of requested keys",
			Summary:    "Returns the key names in a hash slot.", Handler: clusterOnly(cmdClusterGetKeys)},
		"saveconfig": {Name: "saveconfig", Arity: 2, Flags: clusterAdmin, ACL: clusterAdminACL, Since: "3.0.0",
			Complexity: "O(1)", Summary: "Does nothing: the cluster map is kept by Larder's control plane.",
			Handler: clusterOnly(cmdOK)},
		"help": {Name: "help", Arity: 2, Flags: FlagLoading | FlagStale, ACL: clusterACL, Since: "5.0.0",
			Complexity: "O(1)", Summary: "Lists the CLUSTER subcommands.", Handler: clusterOnly(cmdClusterHelp)},

		// Redis's manual topology: Larder places slots and replicas itself.
		"addslots":      manualTopology("addslots", -3, errSlotsAutomatic),
		"addslotsrange": manualTopology("addslotsrange", -4, errSlotsAutomatic),
		"delslots":      manualTopology("delslots", -3, errSlotsAutomatic),
		"delslotsrange": manualTopology("delslotsrange", -4, errSlotsAutomatic),
		"flushslots":    manualTopology("flushslots", 2, errSlotsAutomatic),
		"setslot":       manualTopology("setslot", -4, errSlotsAutomatic),
		"meet":          manualTopology("meet", -4, errJoin),
		"forget": {Name: "forget", Arity: 3, Flags: clusterAdmin, ACL: clusterAdminACL, Since: "3.0.0",
			Complexity: "O(1) to start; the node's slots then move in the background",
			Summary:    "Removes a node from the cluster: it hands its slots to the others first, then stops.",
			Handler:    clusterOnly(cmdClusterForget)},
		"reset":            manualTopology("reset", -2, errLeave),
		"replicate":        manualTopology("replicate", 3, errReplicas),
		"failover":         manualTopology("failover", -2, errReplicas),
		"bumpepoch":        manualTopology("bumpepoch", 2, errEpoch),
		"set-config-epoch": manualTopology("set-config-epoch", 3, errEpoch),
	},
}

// What Larder does instead of Redis's manual topology commands.
const (
	errSlotsAutomatic = "Larder places slots itself: they move automatically when a node joins (larder --join host:port) or leaves (SIGTERM or SHUTDOWN)"
	errJoin           = "a Larder node joins a cluster at start: larder --join host:port (any member's client address)"
	errLeave          = "a Larder node leaves its cluster by stopping (SIGTERM or SHUTDOWN) or by CLUSTER FORGET <node-id>: it hands its slots over first"
	errReplicas       = "Larder chooses primaries and replicas itself and promotes a replica when its primary fails"
	errEpoch          = "Larder's cluster map and its epochs are kept by the Raft control plane"
)

// cmdClusterForget is CLUSTER FORGET <node-id>: unlike Redis's (which only
// drops a node from this node's table), it removes the node from the cluster
// the way SIGTERM does: its slots move to the others, then it stops. It
// answers once the removal has started; INFO cluster shows its progress.
func cmdClusterForget(x *Ctx) {
	if x.Srv.removeNode == nil {
		x.Err("ERR this node cannot remove cluster members")
		return
	}
	if err := x.Srv.removeNode(string(x.Args[2])); err != nil {
		x.Err("ERR " + err.Error())
		return
	}
	x.OK()
}

// manualTopology returns the subcommand name of CLUSTER, which Larder refuses
// with an error saying what it does instead.
func manualTopology(name string, arity int, instead string) *Command {
	msg := "ERR CLUSTER " + strings.ToUpper(name) + " is not supported: " + instead
	return &Command{
		Name: name, Arity: arity, Flags: clusterAdmin, ACL: clusterAdminACL, Since: "3.0.0",
		Complexity: "O(1)", Summary: "Not supported: " + instead + ".",
		Handler: clusterOnly(func(x *Ctx) { x.Err(msg) }),
	}
}

// clusterOnly wraps a CLUSTER handler: without cluster mode every
// subcommand answers Redis's error.
func clusterOnly(h func(x *Ctx)) func(x *Ctx) {
	return func(x *Ctx) {
		if x.Srv.cluster == nil {
			x.Err(errNoCluster)
			return
		}
		h(x)
	}
}

// clusterHelp is the CLUSTER HELP text, after its header line.
var clusterHelp = []string{
	"COUNTKEYSINSLOT <slot>",
	"    Return the number of keys in <slot>.",
	"COUNT-FAILURE-REPORTS <node-id>",
	"    Return number of failure reports for <node-id>.",
	"GETKEYSINSLOT <slot> <count>",
	"    Return key names stored by current node in a slot.",
	"INFO",
	"    Return information about the cluster.",
	"KEYSLOT <key>",
	"    Return the hash slot for <key>.",
	"MYID",
	"    Return the node id.",
	"MYSHARDID",
	"    Return the node's shard id (the id of its primary).",
	"NODES",
	"    Return cluster configuration seen by node. Output format:",
	"    <id> <ip:port@bus-port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
	"REPLICAS <node-id>",
	"    Return <node-id> replicas.",
	"SAVECONFIG",
	"    Does nothing: Larder's control plane keeps the cluster map.",
	"SHARDS",
	"    Return information about slot range mappings and the nodes associated with them.",
	"SLOTS",
	"    Return information about slots range mappings. Each range is made of:",
	"    start, end, master and replicas IP addresses, ports and ids",
	"ADDSLOTS, ADDSLOTSRANGE, DELSLOTS, DELSLOTSRANGE, FLUSHSLOTS, SETSLOT, MEET, FORGET,",
	"RESET, REPLICATE, FAILOVER, BUMPEPOCH, SET-CONFIG-EPOCH",
	"    Not supported: Larder places slots and replicas itself; a node joins with",
	"    larder --join <host:port> and leaves by stopping (SIGTERM or SHUTDOWN).",
}

func cmdClusterHelp(x *Ctx) { serverHelp(x, clusterHelp...) }

func cmdClusterMyID(x *Ctx) { x.W.BulkString(x.Srv.cluster.MyID()) }

// cmdClusterMyShardID implements CLUSTER MYSHARDID. A shard is a primary and
// its replicas; Larder names it by the primary's ID.
func cmdClusterMyShardID(x *Ctx) {
	v := x.Srv.cluster
	id := v.MyID()
	if m := findNode(v.Nodes(), v.MyID()); m != nil && m.Primary != "" {
		id = m.Primary
	}
	x.W.BulkString(id)
}

// findNode returns the node with id, or nil.
func findNode(nodes []clusterview.Node, id string) *clusterview.Node {
	for i := range nodes {
		if nodes[i].ID == id {
			return &nodes[i]
		}
	}
	return nil
}

// cmdClusterInfo implements CLUSTER INFO with Redis 7's fields. The
// cluster is ok when every slot is served by a node not marked failed.
func cmdClusterInfo(x *Ctx) {
	v := x.Srv.cluster
	nodes := v.Nodes()
	var assigned, pfail, fail, size int
	for i := range nodes {
		n := &nodes[i]
		k := 0
		for _, r := range n.Slots {
			k += int(r.End) - int(r.Start) + 1
		}
		assigned += k
		switch {
		case n.Failed:
			fail += k
		case n.Suspected:
			pfail += k
		}
		if k > 0 {
			size++
		}
	}
	state := "ok"
	if assigned < clusterview.NumSlots || fail > 0 {
		state = "fail"
	}
	var myEpoch uint64
	if m := findNode(nodes, v.MyID()); m != nil {
		myEpoch = m.ConfigEpoch
		if p := findNode(nodes, m.Primary); p != nil {
			myEpoch = p.ConfigEpoch
		}
	}
	var b strings.Builder
	line := func(k string, n uint64) {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strconv.FormatUint(n, 10))
		b.WriteString("\r\n")
	}
	b.WriteString("cluster_state:" + state + "\r\n")
	line("cluster_slots_assigned", uint64(assigned))
	line("cluster_slots_ok", uint64(assigned-pfail-fail))
	line("cluster_slots_pfail", uint64(pfail))
	line("cluster_slots_fail", uint64(fail))
	line("cluster_known_nodes", uint64(len(nodes)))
	line("cluster_size", uint64(size))
	line("cluster_current_epoch", v.Epoch())
	line("cluster_my_epoch", myEpoch)
	line("cluster_stats_messages_sent", 0)
	line("cluster_stats_messages_received", 0)
	line("total_cluster_links_buffer_limit_exceeded", 0)
	x.W.Verbatim("txt", []byte(b.String()))
}

// cmdClusterNodes implements CLUSTER NODES: one line per node, in Redis's
// format.
func cmdClusterNodes(x *Ctx) {
	v := x.Srv.cluster
	nodes := v.Nodes()
	var b []byte
	for i := range nodes {
		b = appendNodeLine(b, x, v, &nodes[i])
	}
	x.W.Verbatim("txt", b)
}

// appendNodeLine appends n's CLUSTER NODES line:
// <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv>
// <config-epoch> <link-state> <slot> ... and, for this node, the slots in
// flight as [slot->-id] and [slot-<-id].
func appendNodeLine(b []byte, x *Ctx, v ClusterView, n *clusterview.Node) []byte {
	self := n.ID == v.MyID()
	b = append(b, n.ID...)
	b = append(b, ' ')
	b = append(b, nodeHost(x, n)...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(n.Port), 10)
	b = append(b, '@')
	b = strconv.AppendInt(b, int64(n.BusPort), 10)
	if n.Hostname != "" {
		b = append(b, ',')
		b = append(b, n.Hostname...)
	}
	b = append(b, ' ')
	if self {
		b = append(b, "myself,"...)
	}
	if n.Primary == "" {
		b = append(b, "master"...)
	} else {
		b = append(b, "slave"...)
	}
	if n.Suspected {
		b = append(b, ",fail?"...)
	}
	if n.Failed {
		b = append(b, ",fail"...)
	}
	b = append(b, ' ')
	if n.Primary == "" {
		b = append(b, '-')
	} else {
		b = append(b, n.Primary...)
	}
	b = append(b, " 0 0 "...)
	b = strconv.AppendUint(b, n.ConfigEpoch, 10)
	if n.Failed && !self {
		b = append(b, " disconnected"...)
	} else {
		b = append(b, " connected"...)
	}
	for _, r := range n.Slots {
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(r.Start), 10)
		if r.End != r.Start {
			b = append(b, '-')
			b = strconv.AppendUint(b, uint64(r.End), 10)
		}
	}
	if self && !v.OwnsAll() {
		for sl := range uint16(clusterview.NumSlots) {
			r := v.Slot(sl)
			switch {
			case r.Local && r.MigratingTo != nil:
				b = append(b, " ["...)
				b = strconv.AppendUint(b, uint64(sl), 10)
				b = append(b, "->-"...)
				b = append(b, r.MigratingTo.ID...)
				b = append(b, ']')
			case !r.Local && r.ImportingFrom != nil:
				b = append(b, " ["...)
				b = strconv.AppendUint(b, uint64(sl), 10)
				b = append(b, "-<-"...)
				b = append(b, r.ImportingFrom.ID...)
				b = append(b, ']')
			}
		}
	}
	return append(b, '\n')
}

// slotSpan is a run of consecutive slots with one primary and the same
// replicas.
type slotSpan struct {
	start, end uint16
	owner      *clusterview.Node
	replicas   []*clusterview.Node
}

// slotSpans walks the slots, as Redis's CLUSTER SLOTS does, and returns the
// runs of slots served, in slot order.
func slotSpans(v ClusterView) []slotSpan {
	var out []slotSpan
	for sl := range uint16(clusterview.NumSlots) {
		r := v.Slot(sl)
		if r.Owner == nil {
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].end+1 == sl && out[k].owner.ID == r.Owner.ID &&
			slices.EqualFunc(out[k].replicas, r.Replicas, sameNode) {
			out[k].end = sl
			continue
		}
		out = append(out, slotSpan{sl, sl, r.Owner, r.Replicas})
	}
	return out
}

func sameNode(a, b *clusterview.Node) bool { return a.ID == b.ID }

// shardOf returns the slot ranges primary id serves and the replicas of any
// of them (each once, in order of first appearance).
func shardOf(spans []slotSpan, id string) (ranges []clusterview.SlotRange, replicas []*clusterview.Node) {
	for _, s := range spans {
		if s.owner.ID != id {
			continue
		}
		if k := len(ranges) - 1; k >= 0 && int(ranges[k].End)+1 == int(s.start) {
			ranges[k].End = s.end
		} else {
			ranges = append(ranges, clusterview.SlotRange{Start: s.start, End: s.end})
		}
		for _, r := range s.replicas {
			if !slices.ContainsFunc(replicas, func(o *clusterview.Node) bool { return o.ID == r.ID }) {
				replicas = append(replicas, r)
			}
		}
	}
	return ranges, replicas
}

// replicaReady reports whether a replica serves reads: not failed, and
// synchronised (a non-zero replication offset), as Redis's
// isReplicaAvailable decides.
func replicaReady(n *clusterview.Node) bool { return !n.Failed && !n.Suspected && n.ReplOffset != 0 }

// cmdClusterSlots implements CLUSTER SLOTS: for each slot range, its start,
// end, primary and the replicas ready to serve reads, each as [ip, port, id,
// {metadata}].
func cmdClusterSlots(x *Ctx) {
	spans := slotSpans(x.Srv.cluster)
	x.W.Array(len(spans))
	for _, s := range spans {
		ready := 0
		for _, r := range s.replicas {
			if replicaReady(r) {
				ready++
			}
		}
		x.W.Array(3 + ready)
		x.W.Int(int64(s.start))
		x.W.Int(int64(s.end))
		writeSlotsNode(x, s.owner)
		for _, r := range s.replicas {
			if replicaReady(r) {
				writeSlotsNode(x, r)
			}
		}
	}
}

// writeSlotsNode writes one node of a CLUSTER SLOTS range.
func writeSlotsNode(x *Ctx, n *clusterview.Node) {
	x.W.Array(4)
	x.W.BulkString(nodeHost(x, n))
	x.W.Int(int64(n.Port))
	x.W.BulkString(n.ID)
	if n.Hostname == "" {
		x.W.Map(0)
		return
	}
	x.W.Map(1)
	x.W.BulkString("hostname")
	x.W.BulkString(n.Hostname)
}

// cmdClusterShards implements CLUSTER SHARDS: one map per node that is not
// a Redis-style replica (Node.Primary), with the slot ranges it serves
// (start and end, flat) and its nodes: itself, then the replicas of its
// slots.
func cmdClusterShards(x *Ctx) {
	v := x.Srv.cluster
	nodes := v.Nodes()
	spans := slotSpans(v)
	shards := 0
	for i := range nodes {
		if nodes[i].Primary == "" {
			shards++
		}
	}
	x.W.Array(shards)
	for i := range nodes {
		p := &nodes[i]
		if p.Primary != "" {
			continue
		}
		ranges, reps := shardOf(spans, p.ID)
		x.W.Map(2)
		x.W.BulkString("slots")
		x.W.Array(2 * len(ranges))
		for _, r := range ranges {
			x.W.Int(int64(r.Start))
			x.W.Int(int64(r.End))
		}
		x.W.BulkString("nodes")
		x.W.Array(1 + len(reps))
		writeShardNode(x, p, false)
		for _, r := range reps {
			writeShardNode(x, r, true)
		}
	}
}

// writeShardNode writes one node of a CLUSTER SHARDS entry, as the shard's
// primary or as one of its replicas.
func writeShardNode(x *Ctx, n *clusterview.Node, replica bool) {
	fields := 7
	if n.Hostname != "" {
		fields++
	}
	host := nodeHost(x, n)
	x.W.Map(fields)
	x.W.BulkString("id")
	x.W.BulkString(n.ID)
	x.W.BulkString("port")
	x.W.Int(int64(n.Port))
	x.W.BulkString("ip")
	x.W.BulkString(host)
	x.W.BulkString("endpoint")
	x.W.BulkString(host)
	if n.Hostname != "" {
		x.W.BulkString("hostname")
		x.W.BulkString(n.Hostname)
	}
	x.W.BulkString("role")
	health := "online"
	if replica {
		x.W.BulkString("replica")
		if n.ReplOffset == 0 {
			health = "loading"
		}
	} else {
		x.W.BulkString("master")
	}
	if n.Failed {
		health = "fail"
	}
	x.W.BulkString("replication-offset")
	x.W.Int(n.ReplOffset)
	x.W.BulkString("health")
	x.W.BulkString(health)
}

// cmdClusterReplicas implements CLUSTER REPLICAS (and SLAVES) node-id: the
// CLUSTER NODES lines of the replicas of the node's slots.
func cmdClusterReplicas(x *Ctx) {
	v := x.Srv.cluster
	n := findNode(v.Nodes(), string(x.Args[2]))
	if n == nil {
		x.Err("ERR Unknown node " + string(x.Args[2]))
		return
	}
	if n.Primary != "" {
		x.Err("ERR The specified node is not a master")
		return
	}
	_, reps := shardOf(slotSpans(v), n.ID)
	x.W.Array(len(reps))
	for _, r := range reps {
		x.W.Bulk(appendNodeLine(nil, x, v, r))
	}
}

// cmdClusterFailureReports implements CLUSTER COUNT-FAILURE-REPORTS: Larder
// keeps no failure reports (memberlist decides who is alive), so 0 for a
// known node.
func cmdClusterFailureReports(x *Ctx) {
	if findNode(x.Srv.cluster.Nodes(), string(x.Args[2])) == nil {
		x.Err("ERR Unknown node " + string(x.Args[2]))
		return
	}
	x.W.Int(0)
}

func cmdClusterKeySlot(x *Ctx) { x.W.Int(int64(engine.Slot(x.Args[2]))) }

// argSlot parses args[i] as a slot number; it replies with Redis's errors
// (not an integer, or errMsg when out of range) and returns false on failure.
func argSlot(x *Ctx, i int, errMsg string) (uint16, bool) {
	n, ok := x.ArgInt(i)
	if !ok {
		return 0, false
	}
	if n < 0 || n >= clusterview.NumSlots {
		x.Err(errMsg)
		return 0, false
	}
	return uint16(n), true
}

func cmdClusterCountKeys(x *Ctx) {
	slot, ok := argSlot(x, 2, "ERR Invalid slot")
	if !ok {
		return
	}
	x.W.Int(int64(x.Srv.db.SlotLen(slot)))
}

// cmdClusterGetKeys implements CLUSTER GETKEYSINSLOT slot count.
func cmdClusterGetKeys(x *Ctx) {
	const errMsg = "ERR Invalid slot or number of keys"
	slot, ok := argSlot(x, 2, errMsg)
	if !ok {
		return
	}
	count, ok := x.ArgInt(3)
	if !ok {
		return
	}
	if count < 0 {
		x.Err(errMsg)
		return
	}
	var keys [][]byte
	if x.tx.holdsAll {
		// Inside EXEC every shard is held: read the slot through the
		// transaction. Scan returns the whole slot, or the next slot with
		// keys when this one has none.
		infos, _ := x.Txn.Scan(uint64(slot), 1, nil)
		for _, k := range infos {
			if int64(len(keys)) < count && engine.Slot(k.Key) == slot {
				keys = append(keys, k.Key)
			}
		}
	} else {
		keys = x.Srv.db.SlotKeys(slot, int(min(count, 1<<31-1)))
	}
	x.W.Array(len(keys))
	for _, k := range keys {
		x.W.Bulk(k)
	}
}
