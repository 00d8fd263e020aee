package command

import "strconv"

// replyBufSize is the reply buffer size CLIENT LIST reports as rbs: the
// size the network layer gives each connection's writer.
const replyBufSize = 16 << 10

// appendClientInfo appends c's CLIENT LIST line, without the newline, with
// Redis 7.2's fields in Redis's order. Larder does not track per-client
// buffer usage, so the buffer fields describe the command being run for
// the caller's own line and are zero for the others.
func appendClientInfo(b []byte, x *Ctx, c *Client) []byte {
	self := c == x.C
	var qbuf, argvMem int64
	cmd := "NULL"
	if self {
		// The command being run is still in the query buffer, as in Redis.
		qbuf = int64(len(strconv.Itoa(len(x.Args)))) + 3
		for _, a := range x.Args {
			n := len(a)
			argvMem += int64(n)
			qbuf += int64(1+len(strconv.Itoa(n))+2+n) + 2
		}
		if x.Cmd != nil {
			cmd = x.Cmd.FullName()
		}
	} else if lc := c.lastCmd.Load(); lc != nil {
		cmd = lc.FullName()
	}
	multi := int64(-1)
	if c.hasFlag(clientMulti) {
		multi = 0
	}
	name := c.Name()
	libName, libVer := c.lib()

	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, " addr="...)
	b = append(b, c.Addr...)
	b = append(b, " laddr="...)
	b = append(b, c.LAddr...)
	b = append(b, " fd=-1 name="...)
	b = append(b, name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, max(x.Now/1000-c.Created.Unix(), 0), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, max(x.Now-c.lastActive.Load(), 0)/1000, 10)
	b = append(b, " flags="...)
	b = appendClientFlags(b, c)
	b = append(b, " db=0 sub=0 psub=0 ssub=0 multi="...)
	b = strconv.AppendInt(b, multi, 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, qbuf, 10)
	b = append(b, " qbuf-free=0 argv-mem="...)
	b = strconv.AppendInt(b, argvMem, 10)
	b = append(b, " multi-mem=0 rbs="...)
	b = strconv.AppendInt(b, replyBufSize, 10)
	b = append(b, " rbp=0 obl=0 oll=0 omem=0 tot-mem="...)
	b = strconv.AppendInt(b, replyBufSize+qbuf+argvMem, 10)
	b = append(b, " events=r cmd="...)
	b = append(b, cmd...)
	b = append(b, " user="+defaultUser+" redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(c.Proto()), 10)
	b = append(b, " lib-name="...)
	b = append(b, libName...)
	b = append(b, " lib-ver="...)
	b = append(b, libVer...)
	return b
}

// appendClientFlags appends c's CLIENT LIST flags: one letter per state,
// or "N" for none.
func appendClientFlags(b []byte, c *Client) []byte {
	n := len(b)
	switch {
	case c.hasFlag(clientMonitor):
		b = append(b, 'O')
	case c.hasFlag(clientReplica):
		b = append(b, 'S')
	}
	for _, fl := range clientFlagLetters {
		if c.hasFlag(fl.f) {
			b = append(b, fl.letter)
		}
	}
	if c.noEvict.Load() {
		b = append(b, 'e')
	}
	if c.hasFlag(clientNoTouch) {
		b = append(b, 'T')
	}
	if len(b) == n {
		b = append(b, 'N')
	}
	return b
}

// cmdClientInfo runs CLIENT INFO: the caller's own CLIENT LIST line.
func cmdClientInfo(x *Ctx) {
	b := appendClientInfo(nil, x, x.C)
	x.W.Verbatim("txt", append(b, '\n'))
}

// cmdClientList runs CLIENT LIST [TYPE type | ID id [id ...]].
func cmdClientList(x *Ctx) {
	var b []byte
	switch {
	case len(x.Args) == 2:
		for _, c := range x.Srv.clients.snapshot() {
			if !c.killed.Load() {
				b = append(appendClientInfo(b, x, c), '\n')
			}
		}
	case len(x.Args) == 4 && eqFold(x.Args[2], "type"):
		typ := clientTypeByName(x.Args[3])
		if typ < 0 {
			x.Err("ERR Unknown client type '" + string(x.Args[3]) + "'")
			return
		}
		for _, c := range x.Srv.clients.snapshot() {
			if !c.killed.Load() && c.typ() == typ {
				b = append(appendClientInfo(b, x, c), '\n')
			}
		}
	case len(x.Args) > 3 && eqFold(x.Args[2], "id"):
		ids := make([]int64, 0, len(x.Args)-3)
		for _, a := range x.Args[3:] {
			id, ok := parseInt(a)
			if !ok {
				x.Err("ERR Invalid client ID")
				return
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if c := x.Srv.clients.get(id); c != nil && !c.killed.Load() {
				b = append(appendClientInfo(b, x, c), '\n')
			}
		}
	default:
		x.Err(errSyntax)
		return
	}
	x.W.Verbatim("txt", b)
}

// clientFilter selects the clients CLIENT KILL closes; zero fields match
// every client.
type clientFilter struct {
	addr, laddr       []byte
	hasAddr, hasLAddr bool
	typ               int // -1: any
	id                int64
	skipMe            bool
}

func (f *clientFilter) match(x *Ctx, c *Client) bool {
	switch {
	case f.hasAddr && c.Addr != string(f.addr),
		f.hasLAddr && c.LAddr != string(f.laddr),
		f.typ >= 0 && c.typ() != f.typ,
		f.id != 0 && c.ID != f.id,
		f.skipMe && c == x.C:
		return false
	}
	return true
}

// parseKillFilter parses CLIENT KILL's arguments; on an error it replies
// and returns ok false.
func parseKillFilter(x *Ctx) (f clientFilter, ok bool) {
	f = clientFilter{typ: -1, skipMe: true}
	args := x.Args
	if len(args) == 3 {
		// The old form, CLIENT KILL addr, may kill the caller.
		f.addr, f.hasAddr, f.skipMe = args[2], true, false
		return f, true
	}
	for i := 2; i < len(args); i += 2 {
		if i+1 >= len(args) {
			x.Err(errSyntax)
			return f, false
		}
		opt, val := args[i], args[i+1]
		switch {
		case eqFold(opt, "id"):
			id, ok := parseInt(val)
			if !ok || id < 1 {
				x.Err("ERR client-id should be greater than 0")
				return f, false
			}
			f.id = id
		case eqFold(opt, "type"):
			if f.typ = clientTypeByName(val); f.typ < 0 {
				x.Err("ERR Unknown client type '" + string(val) + "'")
				return f, false
			}
		case eqFold(opt, "addr"):
			f.addr, f.hasAddr = val, true
		case eqFold(opt, "laddr"):
			f.laddr, f.hasLAddr = val, true
		case eqFold(opt, "user"):
			// Every connection runs as the default user, so the filter
			// matches all of them.
			if string(val) != defaultUser {
				x.Err("ERR No such user '" + string(val) + "'")
				return f, false
			}
		case eqFold(opt, "skipme"):
			switch {
			case eqFold(val, "yes"):
				f.skipMe = true
			case eqFold(val, "no"):
				f.skipMe = false
			default:
				x.Err(errSyntax)
				return f, false
			}
		default:
			x.Err(errSyntax)
			return f, false
		}
	}
	return f, true
}

// cmdClientKill runs CLIENT KILL addr (reply OK, or an error when no
// client matched) and CLIENT KILL option value ... (reply: how many were
// killed). Other connections are closed at once; the caller's own is
// closed after the reply is sent.
func cmdClientKill(x *Ctx) {
	f, ok := parseKillFilter(x)
	if !ok {
		return
	}
	killed := 0
	closeMe := false
	for _, c := range x.Srv.clients.snapshot() {
		if c.killed.Load() || !f.match(x, c) {
			continue
		}
		if c == x.C {
			closeMe = true
		} else if !c.killed.CompareAndSwap(false, true) {
			continue
		} else if c.Kill != nil {
			c.Kill()
		}
		killed++
	}
	if len(x.Args) == 3 {
		if killed == 0 {
			x.Err("ERR No such client")
		} else {
			x.OK()
		}
	} else {
		x.W.Int(int64(killed))
	}
	if closeMe {
		x.C.killed.Store(true)
		x.Close = true
	}
}
