package migrate

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Progress is what a Source has done since its current run of moves started (the first Move
// while none was running), for INFO and logs.
type Progress struct {
	// Running reports whether a Move is under way.
	Running bool
	// SlotsTotal is the number of slots given to the moves of the run; SlotsMoved of them
	// have moved (their ownership has changed).
	SlotsTotal, SlotsMoved int
	// KeysTotal is the number of keys the slots held when their Move started; KeysCopied
	// of them have been copied (read from the engine and queued to the target).
	KeysTotal, KeysCopied int64
	// Keys counts the records sent, copies and catch-up writes; Bytes their bytes.
	Keys, Bytes int64
	// Started is when the run started; Elapsed how long it has run (or ran).
	Started time.Time
	Elapsed time.Duration
	// Rate is in keys copied per second; ETA the time left at that rate (0 when unknown).
	Rate float64
	ETA  time.Duration
	// MaxPause is the longest time slots were paused (TRYAGAIN) for their flip.
	MaxPause time.Duration
	// Aborted counts sessions given up.
	Aborted int64
	// LateWrites counts writes of commands to paused slots, which the command layer's
	// check of Hub.Paused under the key's lock prevents; the source sent them anyway.
	LateWrites int64
}

// progress holds Progress's counters.
type progress struct {
	mu      sync.Mutex // guards running, started, ended, logged
	running int
	started time.Time
	ended   time.Time
	logged  int // deciles logged in this run

	slotsTotal, slotsMoved, slotsCopied atomic.Int64
	keysTotal, copied, keys, bytes      atomic.Int64
	maxPause                            atomic.Int64
	aborted, late                       atomic.Int64
}

func (p *progress) start(slots int, keys int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running == 0 {
		p.started, p.ended, p.logged = time.Now(), time.Time{}, 0
		for _, c := range []*atomic.Int64{&p.slotsTotal, &p.slotsMoved, &p.slotsCopied, &p.keysTotal,
			&p.copied, &p.keys, &p.bytes, &p.maxPause} {
			c.Store(0)
		}
	}
	p.running++
	p.slotsTotal.Add(int64(slots))
	p.keysTotal.Add(keys)
}

func (p *progress) end() Progress {
	p.mu.Lock()
	p.running--
	if p.running == 0 {
		p.ended = time.Now()
	}
	p.mu.Unlock()
	return p.snapshot()
}

func (p *progress) pause(d time.Duration) {
	for {
		old := p.maxPause.Load()
		if int64(d) <= old || p.maxPause.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// fraction returns how far the run is, from 0 to 1.
func (p *progress) fraction() float64 {
	if t := p.keysTotal.Load(); t > 0 {
		f := float64(p.copied.Load()) / float64(t)
		if moved, total := p.slotsMoved.Load(), p.slotsTotal.Load(); moved < total {
			f = min(f, 0.99)
		}
		return min(f, 1)
	}
	if t := p.slotsTotal.Load(); t > 0 {
		return float64(p.slotsCopied.Load()) / float64(t)
	}
	return 0
}

// decile reports, once per 10% step of the run, the percentage reached.
func (p *progress) decile() (int, bool) {
	d := int(p.fraction() * 10)
	p.mu.Lock()
	defer p.mu.Unlock()
	if d <= p.logged || d >= 10 {
		return 0, false
	}
	p.logged = d
	return d * 10, true
}

func (p *progress) snapshot() Progress {
	p.mu.Lock()
	r := Progress{Running: p.running > 0, Started: p.started}
	if !p.started.IsZero() {
		end := p.ended
		if r.Running || end.IsZero() {
			end = time.Now()
		}
		r.Elapsed = end.Sub(p.started)
	}
	p.mu.Unlock()
	r.SlotsTotal, r.SlotsMoved = int(p.slotsTotal.Load()), int(p.slotsMoved.Load())
	r.KeysTotal, r.KeysCopied = p.keysTotal.Load(), p.copied.Load()
	r.Keys, r.Bytes = p.keys.Load(), p.bytes.Load()
	r.MaxPause = time.Duration(p.maxPause.Load())
	r.Aborted = p.aborted.Load()
	r.LateWrites = p.late.Load()
	if s := r.Elapsed.Seconds(); s > 0 {
		r.Rate = float64(r.KeysCopied) / s
	}
	if r.Running && r.Rate > 0 && r.KeysTotal > r.KeysCopied {
		r.ETA = time.Duration(float64(r.KeysTotal-r.KeysCopied) / r.Rate * float64(time.Second))
	}
	return r
}

// Progress returns what the source's current (or last) run of moves has done.
func (s *Source) Progress() Progress { return s.prog.snapshot() }

// AppendInfo appends p as INFO fields ("name:value\r\n", Redis's format) for the cluster
// section: migrating, slots moved and total, keys copied and total, records and bytes sent,
// rate, time left, longest pause and sessions aborted.
func (p Progress) AppendInfo(b []byte) []byte {
	running := 0
	if p.Running {
		running = 1
	}
	return fmt.Appendf(b, "migrating:%d\r\nmigrate_slots_moved:%d\r\nmigrate_slots_total:%d\r\n"+
		"migrate_keys_copied:%d\r\nmigrate_keys_total:%d\r\nmigrate_records_sent:%d\r\nmigrate_bytes_sent:%d\r\n"+
		"migrate_keys_per_sec:%.0f\r\nmigrate_eta_sec:%.0f\r\nmigrate_elapsed_sec:%.3f\r\nmigrate_max_pause_ms:%.3f\r\n"+
		"migrate_aborted:%d\r\nmigrate_late_writes:%d\r\n",
		running, p.SlotsMoved, p.SlotsTotal, p.KeysCopied, p.KeysTotal, p.Keys, p.Bytes,
		p.Rate, p.ETA.Seconds(), p.Elapsed.Seconds(), float64(p.MaxPause)/float64(time.Millisecond), p.Aborted, p.LateWrites)
}
