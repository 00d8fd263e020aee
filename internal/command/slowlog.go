package command

import (
	"strconv"
	"sync"
	"time"

	"github.com/larderdb/larder/internal/config"
)

// slowlog keeps the most recent commands that ran longer than
// slowlog-log-slower-than microseconds, at most slowlog-max-len of them.
type slowlog struct {
	threshold *config.IntVar // slowlog-log-slower-than, microseconds; negative disables
	mu        sync.Mutex     // guards the fields below
	maxLen    int
	nextID    int64
	entries   []slowEntry // newest last
}

// slowEntry is one SLOWLOG GET entry.
type slowEntry struct {
	id       int64
	at       time.Time
	duration time.Duration
	args     []string
	addr     string
	name     string
}

// Redis keeps at most this many arguments, each at most this long.
const (
	slowlogMaxArgc   = 32
	slowlogMaxArgLen = 128
)

func (l *slowlog) init(cfg *config.Store) {
	l.threshold = cfg.IntVar("slowlog-log-slower-than")
	l.maxLen = 128
}

func (l *slowlog) setMaxLen(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxLen = n
	if len(l.entries) > n {
		l.entries = append(l.entries[:0], l.entries[len(l.entries)-n:]...)
	}
}

// add records a command, copying and trimming its arguments as Redis does.
func (l *slowlog) add(at time.Time, d time.Duration, args [][]byte, c *Client) {
	argc := min(len(args), slowlogMaxArgc)
	kept := make([]string, argc)
	for i := range argc {
		if i == slowlogMaxArgc-1 && len(args) > slowlogMaxArgc {
			kept[i] = "... (" + strconv.Itoa(len(args)-slowlogMaxArgc+1) + " more arguments)"
			break
		}
		a := args[i]
		if len(a) > slowlogMaxArgLen {
			kept[i] = string(a[:slowlogMaxArgLen]) + "... (" + strconv.Itoa(len(a)-slowlogMaxArgLen) + " more bytes)"
		} else {
			kept[i] = string(a)
		}
	}
	e := slowEntry{at: at, duration: d, args: kept, addr: c.Addr, name: c.Name()}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxLen <= 0 {
		return
	}
	e.id = l.nextID
	l.nextID++
	if len(l.entries) >= l.maxLen {
		copy(l.entries, l.entries[len(l.entries)-l.maxLen+1:])
		l.entries = l.entries[:l.maxLen-1]
	}
	l.entries = append(l.entries, e)
}

// get returns up to n entries, newest first (n < 0: all).
func (l *slowlog) get(n int) []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < 0 || n > len(l.entries) {
		n = len(l.entries)
	}
	out := make([]slowEntry, 0, n)
	for i := len(l.entries) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, l.entries[i])
	}
	return out
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *slowlog) reset() {
	l.mu.Lock()
	l.entries = l.entries[:0]
	l.mu.Unlock()
}
