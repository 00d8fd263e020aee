package engine

import "unsafe"

// Op is the kind of a change in the change stream.
type Op uint8

// The operations of the change stream.
const (
	// OpSet: the key now holds Change.Entry, with its TTL.
	OpSet Op = iota + 1
	// OpExpire: the TTL of the key changed to Change.Entry.ExpireAt() (0 = persistent).
	OpExpire
	// OpDel: the key was deleted; Change.Reason says why.
	OpDel
	// OpFlush: every key was deleted.
	OpFlush
)

// String returns the name of the operation.
func (o Op) String() string {
	switch o {
	case OpSet:
		return "set"
	case OpExpire:
		return "expire"
	case OpDel:
		return "del"
	case OpFlush:
		return "flush"
	}
	return "unknown"
}

// Reason says why a key was deleted.
type Reason uint8

// The reasons for a change.
const (
	// ReasonUser: a command asked for it.
	ReasonUser Reason = iota
	// ReasonExpired: the key's TTL passed (lazy or active expiry).
	ReasonExpired
	// ReasonEvicted: the eviction policy removed the key to free memory.
	ReasonEvicted
)

// String returns the name of the reason.
func (r Reason) String() string {
	switch r {
	case ReasonUser:
		return "user"
	case ReasonExpired:
		return "expired"
	case ReasonEvicted:
		return "evicted"
	}
	return "unknown"
}

// Change is one write in the change stream, passed to Options.OnChange. The sink is called
// synchronously with the key's shard locked (every shard for OpFlush), so all changes of one
// slot arrive in the order they were made. The sink must not call into the DB and must not
// keep the Change, its Key or its Entry after it returns; all are read-only.
type Change struct {
	// Op is what happened.
	Op Op
	// Reason is why, for OpDel (ReasonUser otherwise).
	Reason Reason
	// Slot is the key's slot; 0 for OpFlush.
	Slot uint16
	// Key is the key; nil for OpFlush.
	Key []byte
	// Entry is the key's entry for OpSet and OpExpire; nil otherwise.
	Entry *Entry
	// Created is set for the OpSet that created the key (keyspace "new" events).
	Created bool
}

// publishLocked counts a change in its shard and hands it to the sink, if there is one. The
// caller holds the lock of sh, whose scratch Change is reused so publishing does not allocate.
// The count is the shard's, on a line its lock holder writes anyway: a count on the DB's line
// would pass between the cores on every write and every key expired (DB.Offset sums them).
func (db *DB) publishLocked(sh *shard, op Op, why Reason, slot uint16, key []byte, e *Entry) {
	sh.changed++ // added to the shard's count at release (shard.release)
	if db.onChange == nil {
		sh.change.Created = false
		return
	}
	created := sh.change.Created // set by the caller for OpSet of a new key
	sh.change = Change{Op: op, Reason: why, Slot: slot, Key: key, Entry: e, Created: created}
	db.onChange(&sh.change)
	sh.change = Change{}
}

// bytesOf returns a read-only view of s's bytes without copying, for the change stream.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// Offset returns the number of changes made so far, which never decreases: INFO's changes
// since the last save and the slot mover's batches read it. It takes no lock and sums the
// shards' counts one after the other.
func (db *DB) Offset() uint64 {
	var off uint64
	for i := range db.shards {
		off += uint64(db.shards[i].changes.Load())
	}
	return off
}
