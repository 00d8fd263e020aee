package command

import (
	"crypto/sha256"
	"crypto/subtle"
)

// Authentication error replies, worded as Redis 7 words them.
const (
	errWrongPass  = "WRONGPASS invalid username-password pair or user is disabled."
	errAuthNoPass = "ERR AUTH <password> called without any password configured for the default user. " +
		"Are you sure your configuration is correct?"
	errHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the " +
		"HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP " +
		"protocol version at the same time"
)

// defaultUser is the only user Larder knows: the one requirepass protects.
const defaultUser = "default"

// credentialsOK reports whether user and pass log in. The only user is
// "default"; with requirepass empty it takes any password (Redis's
// "nopass"), otherwise the password must equal requirepass. Passwords are
// compared through their hashes, so the time taken tells nothing about
// the configured one, its length included.
func (s *Server) credentialsOK(user, pass []byte) bool {
	if string(user) != defaultUser {
		return false
	}
	want := s.cfg.String("requirepass")
	if want == "" {
		return true
	}
	got := sha256.Sum256(pass)
	exp := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(got[:], exp[:]) == 1
}

// cmdAuth runs AUTH <password> and AUTH <username> <password>. A failed
// attempt leaves an authenticated connection authenticated.
func cmdAuth(x *Ctx) {
	if len(x.Args) > 3 {
		x.Err(errSyntax)
		return
	}
	user, pass := []byte(defaultUser), x.Args[1]
	if len(x.Args) == 2 {
		if x.Srv.cfg.String("requirepass") == "" {
			x.Err(errAuthNoPass)
			return
		}
	} else {
		user, pass = x.Args[1], x.Args[2]
	}
	if !x.Srv.credentialsOK(user, pass) {
		x.Err(errWrongPass)
		return
	}
	x.C.authenticated.Store(true)
	x.OK()
}

// cmdHello runs HELLO [protover [AUTH username password] [SETNAME name]]:
// it authenticates, names the connection and switches its protocol, then
// describes the server in a map written in the new protocol.
func cmdHello(x *Ctx) {
	var ver int64
	i := 1
	if len(x.Args) >= 2 {
		v, ok := parseInt(x.Args[1])
		if !ok {
			x.Err("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			x.Err("NOPROTO unsupported protocol version")
			return
		}
		ver, i = v, 2
	}
	var user, pass, name []byte
	auth, setName := false, false
	for ; i < len(x.Args); i++ {
		more := len(x.Args) - 1 - i
		switch {
		case eqFold(x.Args[i], "auth") && more >= 2:
			auth, user, pass = true, x.Args[i+1], x.Args[i+2]
			i += 2
		case eqFold(x.Args[i], "setname") && more >= 1:
			name = x.Args[i+1]
			if !validClientAttr(name) {
				x.Err(errClientName)
				return
			}
			setName = true
			i++
		default:
			x.Err("ERR Syntax error in HELLO option '" + string(x.Args[i]) + "'")
			return
		}
	}
	if auth {
		if !x.Srv.credentialsOK(user, pass) {
			x.Err(errWrongPass)
			return
		}
		x.C.authenticated.Store(true)
	}
	if !x.C.authenticated.Load() {
		x.Err(errHelloNoAuth)
		return
	}
	if setName {
		x.C.setName(string(name))
	}
	if ver != 0 {
		x.C.proto.Store(int32(ver))
		x.W.SetProtocol(int(ver))
	}
	w := x.W
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(x.Srv.Version())
	w.BulkString("proto")
	w.Int(int64(x.C.Proto()))
	w.BulkString("id")
	w.Int(x.C.ID)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.Array(0)
}
