package command

import "github.com/larderdb/larder/internal/engine"

// Keyspace notification flags, one bit per notify-keyspace-events letter.
const (
	notifyKeyspace uint32 = 1 << iota // K: __keyspace@0__:<key> <event>
	notifyKeyevent                    // E: __keyevent@0__:<event> <key>
	notifyGeneric                     // g: DEL, EXPIRE, RENAME, ...
	notifyString                      // $
	notifyList                        // l
	notifySet                         // s
	notifyHash                        // h
	notifyZSet                        // z
	notifyExpired                     // x: a key expired
	notifyEvicted                     // e: a key was evicted
	notifyStream                      // t
	notifyKeyMiss                     // m: a read missed (not part of A)
	notifyModule                      // d
	notifyNew                         // n: a key was created (not part of A)

	// notifyAll is what 'A' stands for.
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet |
		notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// notifyClass maps a class letter to its flag; 0 for letters that are not
// event classes.
var notifyClass = [256]uint32{
	'g': notifyGeneric, '$': notifyString, 'l': notifyList, 's': notifySet, 'h': notifyHash,
	'z': notifyZSet, 'x': notifyExpired, 'e': notifyEvicted, 't': notifyStream, 'm': notifyKeyMiss,
	'd': notifyModule, 'n': notifyNew,
}

// parseNotifyFlags turns a notify-keyspace-events value into flags. Without
// K or E nothing is ever published, so the result is then 0: Notify costs
// one atomic load whenever notifications are off.
func parseNotifyFlags(v string) uint32 {
	var f uint32
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case 'A':
			f |= notifyAll
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		default:
			f |= notifyClass[c]
		}
	}
	if f&(notifyKeyspace|notifyKeyevent) == 0 {
		return 0
	}
	return f
}

// Notify publishes the keyspace notification of an event of class (a
// notify-keyspace-events letter: 'g', '$', 'l', 's', 'h', 'z', 'x', 'e',
// 't', 'm', 'd', 'n') that happened to key, as Redis's
// notifyKeyspaceEvent: "__keyspace@0__:<key>" receives event and
// "__keyevent@0__:<event>" receives key, each if enabled. Handlers call it
// after each successful write, with Redis's event name ("set", "del",
// "lpush", "hset", ...). It costs one atomic load when the class is off.
func (x *Ctx) Notify(class byte, event string, key []byte) {
	f := x.Srv.ps.notify.Load()
	if f&notifyClass[class] == 0 {
		return
	}
	x.Srv.notify(f, event, key, x.Now)
}

// notify publishes the keyspace and keyevent messages of an event enabled
// in flags f. now (unix ms) times the subscribers' output limits.
func (s *Server) notify(f uint32, event string, key []byte, now int64) {
	if f&notifyKeyspace != 0 {
		ch := make([]byte, 0, len("__keyspace@0__:")+len(key))
		ch = append(append(ch, "__keyspace@0__:"...), key...)
		s.publish(ch, []byte(event), false, now)
	}
	if f&notifyKeyevent != 0 {
		s.publish([]byte("__keyevent@0__:"+event), key, false, now)
	}
}

// notifyChange publishes the notifications of the changes no command
// reports itself: keys expired ('x', "expired") or evicted ('e',
// "evicted"). It is called from OnChange, with the key's shard locked.
func (s *Server) notifyChange(c *engine.Change) {
	f := s.ps.notify.Load()
	if f == 0 {
		return
	}
	if c.Op == engine.OpSet && c.Created && f&notifyNew != 0 {
		s.notify(f, "new", c.Key, s.now().UnixMilli())
		return
	}
	if c.Op != engine.OpDel {
		return
	}
	switch c.Reason {
	case engine.ReasonExpired:
		if f&notifyExpired != 0 {
			s.notify(f, "expired", c.Key, s.now().UnixMilli())
		}
	case engine.ReasonEvicted:
		if f&notifyEvicted != 0 {
			s.notify(f, "evicted", c.Key, s.now().UnixMilli())
		}
	}
}
