package membership

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Meta is what a node tells the others about itself through gossip.
type Meta struct {
	ID         string // node id, 40 hex digits; the memberlist node name
	ClientAddr string // RESP address
	BusAddr    string // cluster-bus address
	GossipAddr string // memberlist address
	Version    string // Larder release
	ClusterID  string // empty until the node is in a cluster
	Leaving    bool   // set by Leave just before the goodbye
}

// metaVersion is the first byte of an encoded Meta.
const metaVersion = 1

// errMeta is returned for metadata that does not decode.
var errMeta = errors.New("membership: undecodable node metadata")

// encode writes m as a version byte, six length-prefixed strings and a
// flags byte (bit 0: Leaving).
func (m Meta) encode() []byte {
	b := []byte{metaVersion}
	for _, s := range [...]string{m.ID, m.ClientAddr, m.BusAddr, m.GossipAddr, m.Version, m.ClusterID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	var flags byte
	if m.Leaving {
		flags |= 1
	}
	return append(b, flags)
}

func decodeMeta(b []byte) (Meta, error) {
	if len(b) == 0 || b[0] != metaVersion {
		return Meta{}, errMeta
	}
	b = b[1:]
	var f [6]string
	for i := range f {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return Meta{}, errMeta
		}
		f[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 1 {
		return Meta{}, errMeta
	}
	return Meta{ID: f[0], ClientAddr: f[1], BusAddr: f[2], GossipAddr: f[3], Version: f[4], ClusterID: f[5], Leaving: b[0]&1 != 0}, nil
}

func (m Meta) String() string {
	return fmt.Sprintf("node %s (bus %s, version %s, cluster %s)", m.ID, m.BusAddr, m.Version, m.ClusterID)
}
