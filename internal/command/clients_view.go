package command

// clientFlag is one bit of Client.flags: a state of the connection that
// CLIENT LIST shows in its flags field and that CLIENT KILL TYPE and
// CLIENT LIST TYPE filter on.
type clientFlag uint32

// Client flags. The command families that own a state set and clear its
// flag (MULTI sets clientMulti, SUBSCRIBE clientPubSub, and so on).
const (
	clientReplica  clientFlag = 1 << iota // a replica connection: 'S'
	clientMonitor                         // in MONITOR mode: 'O'
	clientMaster                          // the connection to our primary: 'M'
	clientPubSub                          // subscribed to a channel or pattern: 'P'
	clientMulti                           // inside MULTI: 'x'
	clientBlocked                         // waiting in a blocking command: 'b'
	clientTracking                        // client-side caching tracking on: 't'
	clientDirtyCAS                        // a WATCHed key changed: 'd'
	clientReadOnly                        // cluster READONLY mode: 'r'
	clientNoTouch                         // CLIENT NO-TOUCH ON: 'T'
)

// clientFlagLetters gives each flag's CLIENT LIST letter, in the order
// Redis prints them; 'e' (no-evict) is kept in Client.noEvict.
var clientFlagLetters = []struct {
	f      clientFlag
	letter byte
}{
	{clientMaster, 'M'}, {clientPubSub, 'P'}, {clientMulti, 'x'}, {clientBlocked, 'b'},
	{clientTracking, 't'}, {clientDirtyCAS, 'd'}, {clientReadOnly, 'r'},
}

// hasFlag reports whether f is set on c.
func (c *Client) hasFlag(f clientFlag) bool { return clientFlag(c.flags.Load())&f != 0 }

// setFlag sets (on) or clears f on c.
func (c *Client) setFlag(f clientFlag, on bool) {
	if on {
		c.flags.Or(uint32(f))
	} else {
		c.flags.And(^uint32(f))
	}
}

// NoTouch reports whether the client asked, with CLIENT NO-TOUCH ON, that
// its reads leave the keys' LRU/LFU data alone.
func (c *Client) NoTouch() bool { return c.hasFlag(clientNoTouch) }

// NoEvict reports whether the client is protected from client eviction
// (CLIENT NO-EVICT ON).
func (c *Client) NoEvict() bool { return c.noEvict.Load() }

// setName sets the CLIENT SETNAME name; "" removes it.
func (c *Client) setName(name string) {
	c.mu.Lock()
	c.name = name
	c.mu.Unlock()
}

// lib returns the library name and version set by CLIENT SETINFO.
func (c *Client) lib() (name, ver string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.libName, c.libVer
}

// setLib sets the CLIENT SETINFO library name (ver false) or version
// (ver true); "" removes it.
func (c *Client) setLib(value string, ver bool) {
	c.mu.Lock()
	if ver {
		c.libVer = value
	} else {
		c.libName = value
	}
	c.mu.Unlock()
}

// Client types, as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubSub
	clientTypeMaster
)

// clientTypeByName returns the client type for a TYPE argument, or -1.
func clientTypeByName(b []byte) int {
	switch {
	case eqFold(b, "normal"):
		return clientTypeNormal
	case eqFold(b, "slave"), eqFold(b, "replica"):
		return clientTypeReplica
	case eqFold(b, "pubsub"):
		return clientTypePubSub
	case eqFold(b, "master"):
		return clientTypeMaster
	}
	return -1
}

// typ returns the client's type, with Redis's precedence: master, then
// replica (a MONITOR client is not one), then pubsub, then normal.
func (c *Client) typ() int {
	switch {
	case c.hasFlag(clientMaster):
		return clientTypeMaster
	case c.hasFlag(clientReplica) && !c.hasFlag(clientMonitor):
		return clientTypeReplica
	case c.hasFlag(clientPubSub):
		return clientTypePubSub
	}
	return clientTypeNormal
}

// get returns the connected client with the given ID, or nil.
func (cs *clients) get(id int64) *Client {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.byID[id]
}
