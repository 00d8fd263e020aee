package topology

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/larderdb/larder/internal/clusterview"
)

// View returns the map as the command layer sees it from node me (see
// clusterview.View): the members that are not gone, and me even when it
// is, in join order, each with its slot ranges (runs of slots with the same owners, replicas
// named), and the slots migrating out of or importing into me. A node
// keeps a clusterview.Static current with it:
//
//	n.Follow(ctx, func(m *topology.Map) {
//		if v, err := m.View(n.ID()); err == nil { static.Set(v) }
//	})
func (m *Map) View(me string) (clusterview.Map, error) {
	v := clusterview.Map{Me: me, Epoch: m.Epoch}
	index := make(map[uint64]int) // join order -> index in v.Nodes
	for _, mb := range m.Members {
		// A removed node keeps itself in its own view, serving no slot: it
		// answers MOVED for every key until it stops (see leaveLinger), even
		// when its last slot flip and its removal arrive in one map.
		if mb.State == Gone && mb.ID != me {
			continue
		}
		host, port, err := hostPort(mb.ClientAddr)
		if err != nil {
			return v, fmt.Errorf("topology: member %s client address: %w", mb.ID, err)
		}
		_, busPort, err := hostPort(mb.BusAddr)
		if err != nil {
			return v, fmt.Errorf("topology: member %s bus address: %w", mb.ID, err)
		}
		index[mb.JoinOrder] = len(v.Nodes)
		v.Nodes = append(v.Nodes, clusterview.Node{
			ID: mb.ID, Host: host, Port: port, BusPort: busPort,
			Failed: mb.Failed, ConfigEpoch: m.Epoch,
		})
	}
	for s := 0; s < len(m.slots); {
		ow := m.slots[s]
		e := s
		for e+1 < len(m.slots) && slices.Equal(m.slots[e+1], ow) {
			e++
		}
		if len(ow) > 0 {
			i, ok := index[ow[0]]
			if !ok {
				return v, fmt.Errorf("topology: slot %d owned by a member that is gone", s)
			}
			r := clusterview.SlotRange{Start: uint16(s), End: uint16(e)}
			for _, o := range ow[1:] {
				if j, ok := index[o]; ok {
					r.Replicas = append(r.Replicas, v.Nodes[j].ID)
				}
			}
			v.Nodes[i].Slots = append(v.Nodes[i].Slots, r)
		}
		s = e + 1
	}
	for s := range m.migrations {
		mg, _ := m.Migration(s)
		switch {
		case mg.From == me && mg.To != me:
			if v.Migrating == nil {
				v.Migrating = make(map[uint16]string)
			}
			v.Migrating[uint16(s)] = mg.To
		case mg.To == me && mg.From != me && mg.From != "":
			if v.Importing == nil {
				v.Importing = make(map[uint16]string)
			}
			v.Importing[uint16(s)] = mg.From
		}
	}
	return v, nil
}

func hostPort(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	return host, port, nil
}

// Follow calls fn with the current map, then with each newer one, until
// ctx ends or the node closes. fn runs on the caller's goroutine, one map
// at a time; if fn is slow, maps published meanwhile are skipped and fn
// gets the newest.
func (n *Node) Follow(ctx context.Context, fn func(*Map)) {
	for {
		m := n.Map()
		fn(m)
		select {
		case <-m.Changed():
		case <-ctx.Done():
			return
		case <-n.done:
			return
		}
	}
}
