package command

import "math"

// expireCommands set, read and remove the time to live of keys.
var expireCommands = []*Command{
	expireCmd("expire", "1.0.0", "Sets a key's time to live in seconds.", cmdExpire),
	expireCmd("pexpire", "2.6.0", "Sets a key's time to live in milliseconds.", cmdPExpire),
	expireCmd("expireat", "1.2.0", "Sets the expiry of a key as a Unix time in seconds.", cmdExpireAt),
	expireCmd("pexpireat", "2.6.0", "Sets the expiry of a key as a Unix time in milliseconds.", cmdPExpireAt),
	ttlCmd("ttl", "1.0.0", "Reports the time to live of a key in seconds.", cmdTTL),
	ttlCmd("pttl", "2.6.0", "Reports the time to live of a key in milliseconds.", cmdPTTL),
	ttlCmd("expiretime", "7.0.0", "Reports the expiry of a key as a Unix time in seconds.", cmdExpireTime),
	ttlCmd("pexpiretime", "7.0.0", "Reports the expiry of a key as a Unix time in milliseconds.", cmdPExpireTime),
	{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"keyspace", "write", "fast"}, Group: "generic", Since: "2.2.0", Complexity: "O(1)",
		Summary: "Removes the time to live of a key.", Handler: cmdPersist},
}

// expireCmd builds one of the four commands that set a TTL.
func expireCmd(name, since, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"keyspace", "write", "fast"}, Group: "generic", Since: since, Complexity: "O(1)",
		Summary: summary, Handler: h}
}

// ttlCmd builds one of the four commands that read a TTL.
func ttlCmd(name, since, summary string, h func(*Ctx)) *Command {
	return &Command{Name: name, Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
		ACL: []string{"keyspace", "read", "fast"}, Group: "generic", Since: since, Complexity: "O(1)",
		Summary: summary, Handler: h}
}

func cmdExpire(x *Ctx)    { expireKey(x, x.Now, true) }
func cmdPExpire(x *Ctx)   { expireKey(x, x.Now, false) }
func cmdExpireAt(x *Ctx)  { expireKey(x, 0, true) }
func cmdPExpireAt(x *Ctx) { expireKey(x, 0, false) }

// The conditions of EXPIRE and friends.
const (
	expireNX = 1 << iota // only when the key has no TTL
	expireXX             // only when the key has a TTL
	expireGT             // only when the new expiry is later (no TTL counts as infinite)
	expireLT             // only when the new expiry is sooner (no TTL counts as infinite)
)

// parseExpireFlags reads the NX/XX/GT/LT options from Args[3:]; on a bad
// option or combination it replies with Redis's error and returns false.
func parseExpireFlags(x *Ctx) (int, bool) {
	flags := 0
	for _, a := range x.Args[3:] {
		switch {
		case eqFold(a, "nx"):
			flags |= expireNX
		case eqFold(a, "xx"):
			flags |= expireXX
		case eqFold(a, "gt"):
			flags |= expireGT
		case eqFold(a, "lt"):
			flags |= expireLT
		default:
			x.Err("ERR Unsupported option " + string(a))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		x.Err("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		x.Err("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return flags, true
}

// expireKey sets the expiry of Args[1] to Args[2] (seconds when sec, else
// milliseconds) after base (unix ms; 0 for an absolute time). An expiry
// not in the future deletes the key. It replies 1 when the key changed.
func expireKey(x *Ctx, base int64, sec bool) {
	flags, ok := parseExpireFlags(x)
	if !ok {
		return
	}
	when, ok := x.ArgInt(2)
	if !ok {
		return
	}
	if sec {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			x.Err("ERR invalid expire time in '" + x.Cmd.FullName() + "' command")
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		x.Err("ERR invalid expire time in '" + x.Cmd.FullName() + "' command")
		return
	}
	when += base

	key := x.Args[1]
	e := x.Txn.Lookup(key)
	if e == nil {
		x.W.Int(0)
		return
	}
	cur := e.ExpireAt() // 0: no TTL
	switch {
	case flags&expireNX != 0 && cur != 0,
		flags&expireXX != 0 && cur == 0,
		flags&expireGT != 0 && (cur == 0 || when <= cur),
		flags&expireLT != 0 && cur != 0 && when >= cur:
		x.W.Int(0)
		return
	}
	if when <= x.Now {
		x.Txn.Delete(key)
		x.Notify('g', "del", key)
	} else {
		x.Txn.SetExpire(key, e, when)
		x.Notify('g', "expire", key)
	}
	x.W.Int(1)
}

func cmdTTL(x *Ctx)         { replyTTL(x, false, false) }
func cmdPTTL(x *Ctx)        { replyTTL(x, true, false) }
func cmdExpireTime(x *Ctx)  { replyTTL(x, false, true) }
func cmdPExpireTime(x *Ctx) { replyTTL(x, true, true) }

// replyTTL replies -2 for a missing key, -1 for a key without TTL, else its
// time to live (or, when abs, its expiry as a Unix time) in milliseconds
// when ms, else in seconds rounded to the nearest.
func replyTTL(x *Ctx, ms, abs bool) {
	e := x.Txn.Peek(x.Args[1])
	if e == nil {
		x.W.Int(-2)
		return
	}
	at := e.ExpireAt()
	if at == 0 {
		x.W.Int(-1)
		return
	}
	ttl := at
	if !abs {
		ttl = at - x.Now
	}
	ttl = max(ttl, 0)
	if !ms {
		ttl = ttl/1000 + (ttl%1000+500)/1000 // rounded, without overflow
	}
	x.W.Int(ttl)
}

func cmdPersist(x *Ctx) {
	key := x.Args[1]
	e := x.Txn.Lookup(key)
	if e == nil || e.ExpireAt() == 0 {
		x.W.Int(0)
		return
	}
	x.Txn.SetExpire(key, e, 0)
	x.Notify('g', "persist", key)
	x.W.Int(1)
}
