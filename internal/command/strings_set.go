package command

import (
	"math"

	"github.com/larderdb/larder/internal/engine"
)

// strOpts are the options of SET and GETEX, as Redis's OBJ_* flags.
type strOpts uint16

const (
	optNX strOpts = 1 << iota
	optXX
	optEX
	optPX
	optKeepTTL
	optGet
	optEXAT
	optPXAT
	optPersist

	// optExpire is any option carrying an expire time.
	optExpire = optEX | optPX | optEXAT | optPXAT
)

// parseStrOpts parses the options of SET (forSet) or GETEX from x.Args[from:]
// with Redis's rules: each option may conflict with others, an expire option
// needs a following argument, and anything else is a syntax error. It returns
// the options and the expire argument (nil if none); on error it replies and
// returns false.
func parseStrOpts(x *Ctx, from int, forSet bool) (strOpts, []byte, bool) {
	var f strOpts
	var expire []byte
	args := x.Args
	for j := from; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case forSet && eqFold(opt, "nx") && f&optXX == 0:
			f |= optNX
		case forSet && eqFold(opt, "xx") && f&optNX == 0:
			f |= optXX
		case forSet && eqFold(opt, "get"):
			f |= optGet
		case forSet && eqFold(opt, "keepttl") && f&(optPersist|optExpire) == 0:
			f |= optKeepTTL
		case !forSet && eqFold(opt, "persist") && f&(optExpire|optKeepTTL) == 0:
			f |= optPersist
		case hasNext && f&(optKeepTTL|optPersist) == 0 && expireOpt(opt) != 0 &&
			f&optExpire&^expireOpt(opt) == 0:
			f |= expireOpt(opt)
			expire = args[j+1]
			j++
		default:
			x.Err(errSyntax)
			return 0, nil, false
		}
	}
	return f, expire, true
}

// expireOpt returns the flag of an expire option name (EX, PX, EXAT, PXAT),
// or 0.
func expireOpt(b []byte) strOpts {
	switch {
	case eqFold(b, "ex"):
		return optEX
	case eqFold(b, "px"):
		return optPX
	case eqFold(b, "exat"):
		return optEXAT
	case eqFold(b, "pxat"):
		return optPXAT
	}
	return 0
}

// expireAt converts the expire argument of option f (EX, PX, EXAT or PXAT)
// to an absolute unix time in milliseconds, rejecting what Redis rejects:
// values that are not positive, and seconds or sums that overflow. On error
// it replies and returns false.
func expireAt(x *Ctx, arg []byte, f strOpts) (int64, bool) {
	ms, ok := intArg(x, arg)
	if !ok {
		return 0, false
	}
	seconds := f&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		errExpireTime(x)
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if f&(optEX|optPX) != 0 {
		ms += x.Now // wraps on overflow, caught below as Redis does
	}
	if ms <= 0 {
		errExpireTime(x)
		return 0, false
	}
	return ms, true
}

// intArg parses b as a 64-bit integer; on failure it replies with Redis's
// error and returns false.
func intArg(x *Ctx, b []byte) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		x.Err(errNotInt)
	}
	return n, ok
}

// errExpireTime replies that the expire time given to the current command
// is invalid.
func errExpireTime(x *Ctx) {
	x.Err("ERR invalid expire time in '" + x.Cmd.FullName() + "' command")
}

// setReply selects the replies of the SET family: +OK or a null when a
// condition fails (SET), or 1 and 0 (SETNX).
type setReply uint8

const (
	replyOKNull setReply = iota
	replyOneZero
)

// setGeneric is SET and its variants: it sets key to val under the options
// f, with the expire argument expire (nil for none).
func setGeneric(x *Ctx, f strOpts, key, val, expire []byte, r setReply) {
	var at int64
	if expire != nil {
		var ok bool
		if at, ok = expireAt(x, expire, f); !ok {
			return
		}
	}
	if f&optGet != 0 {
		if _, ok := getGeneric(x, key); !ok {
			return
		}
	}
	e := x.Txn.Lookup(key)
	if (f&optNX != 0 && e != nil) || (f&optXX != 0 && e == nil) {
		if f&optGet == 0 {
			if r == replyOneZero {
				x.W.Int(0)
			} else {
				x.W.Null()
			}
		}
		return
	}
	if f&optKeepTTL != 0 && e != nil {
		at = e.ExpireAt()
	}
	// An expire time already past is stored as it is: the key is gone at its
	// next access, and SET still replies OK, as in Redis 7.0.
	x.Txn.SetString(key, val, at)
	x.Notify('$', "set", key)
	if expire != nil {
		x.Notify('g', "expire", key)
	}
	if f&optGet == 0 {
		if r == replyOneZero {
			x.W.Int(1)
		} else {
			x.OK()
		}
	}
}

// getGeneric is GET: it replies with key's string value or a null, and
// returns the entry (nil when missing). On a value of another kind it
// replies WRONGTYPE and returns false.
func getGeneric(x *Ctx, key []byte) (*engine.Entry, bool) {
	e := x.Txn.Get(key)
	switch {
	case e == nil:
		x.W.Null()
		return nil, true
	case e.Kind() != engine.KindString:
		x.ErrWrongType()
		return nil, false
	}
	x.W.Bulk(e.Str)
	return e, true
}

func cmdSet(x *Ctx) {
	f, expire, ok := parseStrOpts(x, 3, true)
	if !ok {
		return
	}
	setGeneric(x, f, x.Args[1], x.Args[2], expire, replyOKNull)
}

func cmdSetNX(x *Ctx) { setGeneric(x, optNX, x.Args[1], x.Args[2], nil, replyOneZero) }

func cmdSetEX(x *Ctx) { setGeneric(x, optEX, x.Args[1], x.Args[3], x.Args[2], replyOKNull) }

func cmdPSetEX(x *Ctx) { setGeneric(x, optPX, x.Args[1], x.Args[3], x.Args[2], replyOKNull) }

func cmdMSet(x *Ctx) { msetGeneric(x, false) }

func cmdMSetNX(x *Ctx) { msetGeneric(x, true) }

// msetGeneric is MSET, and MSETNX when nx: it sets every key to its value,
// or (nx) none of them when any exists.
func msetGeneric(x *Ctx, nx bool) {
	args := x.Args
	if len(args)%2 == 0 {
		x.ErrArity()
		return
	}
	if nx {
		for j := 1; j < len(args); j += 2 {
			if x.Txn.Lookup(args[j]) != nil {
				x.W.Int(0)
				return
			}
		}
	}
	for j := 1; j < len(args); j += 2 {
		x.Txn.SetString(args[j], args[j+1], 0)
		x.Notify('$', "set", args[j])
	}
	if nx {
		x.W.Int(1)
	} else {
		x.OK()
	}
}
