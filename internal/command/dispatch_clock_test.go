package command

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// TestDispatchClockReadsPerBatch checks that a batch of n commands reads the
// clock n+1 times (each command's end is the next one's start), that the
// commands see the time as it advances within the batch, and that a new
// batch reads the clock afresh.
func TestDispatchClockReadsPerBatch(t *testing.T) {
	reads := 0
	now := time.Now()
	db, err := engine.Open(engine.Options{Clock: func() int64 { return now.UnixMilli() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	s := New(Options{DB: db, Config: standaloneConfig(), Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time {
			reads++
			now = now.Add(time.Second) // every reading a second later
			return now
		}})
	var out bytes.Buffer
	x := &Ctx{W: resp.NewWriter(&out, 0)}
	s.Connect(&Client{}, x)
	reads = 0 // New and Connect read it too
	run := func(args ...string) {
		x.Args = x.Args[:0]
		for _, a := range args {
			x.Args = append(x.Args, []byte(a))
		}
		s.Dispatch(x)
	}

	run("SET", "k", "v", "PX", "1500") // starts at t1, expires at t1+1.5s
	run("GET", "k")                    // starts at t2 = t1+1s: still there
	run("GET", "k")                    // starts at t3 = t1+2s: expired
	if reads != 4 {
		t.Errorf("3 commands in one batch read the clock %d times, want 4", reads)
	}
	x.EndBatch()
	run("PING")
	if reads != 6 {
		t.Errorf("a new batch of one command: %d clock reads in all, want 6", reads)
	}
	x.EndBatch()
	if err := x.W.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "+OK\r\n$1\r\nv\r\n$-1\r\n+PONG\r\n"; got != want {
		t.Errorf("replies %q, want %q", got, want)
	}
	// Each command took a second of the fake clock: the statistics say so.
	get := s.Table().Lookup([]byte("get"))
	if calls, usec := get.stats.calls.Load(), get.stats.usec.Load(); calls != 2 || usec != 2e6 {
		t.Errorf("GET stats: %d calls, %d usec; want 2 calls, 2000000 usec", calls, usec)
	}
}
