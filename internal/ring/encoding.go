package ring

import (
	"encoding/binary"
	"fmt"
)

// The binary form, version 1, all integers unsigned varints unless noted:
//
//	"LRG1" RF VNodes n (len(ID) ID Weight)*n owner*(NumSlots*RF)
//
// where each owner is a 2-byte little-endian member index, 0xFFFF for none.

const magic = "LRG1"

// MarshalBinary encodes a for the cluster map (a Raft snapshot, say). It never fails.
func (a *Assignment) MarshalBinary() ([]byte, error) {
	a = a.orEmpty()
	b := make([]byte, 0, 16+len(a.members)*48+2*len(a.owners))
	b = append(b, magic...)
	b = binary.AppendUvarint(b, uint64(a.cfg.RF))
	b = binary.AppendUvarint(b, uint64(a.cfg.VNodes))
	b = binary.AppendUvarint(b, uint64(len(a.members)))
	for _, m := range a.members {
		b = binary.AppendUvarint(b, uint64(len(m.ID)))
		b = append(b, m.ID...)
		b = binary.AppendUvarint(b, uint64(m.Weight))
	}
	for _, i := range a.owners {
		b = binary.LittleEndian.AppendUint16(b, i)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into a, then checks it with Check. On
// error, which wraps ErrCorrupt or the error Check found, a is unchanged.
func (a *Assignment) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if string(d.bytes(len(magic))) != magic {
		return fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	var x Assignment
	x.cfg.RF = d.int(MaxRF)
	x.cfg.VNodes = d.int(MaxVNodes)
	n := d.int(MaxMembers)
	if d.err == nil {
		x.members = make([]Member, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		x.members[i].ID = string(d.bytes(d.int(1 << 16)))
		x.members[i].Weight = d.int(MaxWeight)
	}
	if d.err == nil && x.cfg.RF >= 1 {
		x.owners = make([]uint16, NumSlots*x.cfg.RF)
		raw := d.bytes(2 * len(x.owners))
		for i := range x.owners {
			if d.err == nil {
				x.owners[i] = binary.LittleEndian.Uint16(raw[2*i:])
			}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	if err := x.Check(); err != nil {
		return err
	}
	*a = x
	return nil
}

// decoder reads the binary form; after the first error it returns zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) int(limit int) int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(limit) {
		d.err = fmt.Errorf("%w: bad integer", ErrCorrupt)
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = fmt.Errorf("%w: truncated", ErrCorrupt)
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}
