package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ensureGCTrace re-executes the program with GODEBUG=gctrace=1 unless it is set: the runtime
// reads that setting only at start.
func ensureGCTrace() error {
	env := os.Getenv("GODEBUG")
	if strings.Contains(env, "gctrace=1") {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if env != "" {
		env += ","
	}
	environ := append(os.Environ(), "GODEBUG="+env+"gctrace=1")
	return syscall.Exec(exe, os.Args, environ)
}

// gcWindow is one garbage collection: from the stop-the-world sweep termination to the end
// of mark termination, with the two stop-the-world phases' lengths.
type gcWindow struct {
	num          int
	start, end   time.Time
	stw1, stw2   time.Duration // sweep termination, mark termination (wall clock)
	mark         time.Duration // concurrent mark
	heapAfterMiB int
	line         string // the trace line as the runtime wrote it
}

// gcTracer reads the runtime's gctrace lines from its own standard error (fd 2, redirected
// to a pipe) and passes every other line on to the real standard error.
type gcTracer struct {
	mu   sync.Mutex // guards the fields below
	raw  []rawGC
	zero time.Duration // smallest (receipt - end since process start) so far
}

// rawGC is one trace line: times since process start, and when the line arrived.
type rawGC struct {
	num                  int
	at, stw1, mark, stw2 time.Duration
	received             time.Time
	heapAfterMiB         int
	line                 string
}

// "gc 12 @3.456s 1%: 0.020+1.5+0.030 ms clock, ... 4->4->2 MB, ..."
var gcLine = regexp.MustCompile(`^gc (\d+) @([\d.]+)s \d+%: ([\d.]+)\+([\d.]+)\+([\d.]+) ms clock.* (\d+)->(\d+)->(\d+) MB`)

// startGCTracer redirects fd 2 to a pipe it reads.
func startGCTracer() (*gcTracer, error) {
	orig, err := syscall.Dup(2)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		return nil, err
	}
	w.Close()
	return readGCTrace(r, os.NewFile(uintptr(orig), "stderr")), nil
}

// readGCTrace reads gctrace lines from r, a process's standard error, until its end, and
// copies every other line to out.
func readGCTrace(r io.Reader, out io.Writer) *gcTracer {
	t := &gcTracer{}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			now := time.Now()
			line := s.Text()
			m := gcLine.FindStringSubmatch(line)
			if m == nil {
				fmt.Fprintln(out, line)
				continue
			}
			g := rawGC{received: now, line: line}
			g.num, _ = strconv.Atoi(m[1])
			g.at = seconds(m[2])
			g.stw1, g.mark, g.stw2 = millis(m[3]), millis(m[4]), millis(m[5])
			g.heapAfterMiB, _ = strconv.Atoi(m[8])
			t.mu.Lock()
			// The line is written just after the collection ends: the smallest gap between
			// its arrival and its end since process start gives the process's start time.
			if z := time.Duration(now.UnixNano()) - (g.at + g.stw1 + g.mark + g.stw2); len(t.raw) == 0 || z < t.zero {
				t.zero = z
			}
			t.raw = append(t.raw, g)
			t.mu.Unlock()
		}
	}()
	return t
}

func seconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * 1e9)
}

func millis(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * 1e6)
}

// windows returns the collections that ended between from and to, in order.
func (t *gcTracer) windows(from, to time.Time) []gcWindow {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []gcWindow
	for _, g := range t.raw {
		start := time.Unix(0, int64(t.zero+g.at))
		end := start.Add(g.stw1 + g.mark + g.stw2)
		if end.Before(from) || end.After(to) {
			continue
		}
		out = append(out, gcWindow{num: g.num, start: start, end: end, stw1: g.stw1, stw2: g.stw2,
			mark: g.mark, heapAfterMiB: g.heapAfterMiB, line: g.line})
	}
	slices.SortFunc(out, func(a, b gcWindow) int { return a.start.Compare(b.start) })
	return out
}

// near reports whether [from, to] overlaps a window widened by margin on both sides; ws is
// sorted by start.
func near(ws []gcWindow, from, to time.Time, margin time.Duration) (gcWindow, bool) {
	// Windows do not overlap, so their ends are sorted too: of those starting by to+margin,
	// the last is the only one that can reach from-margin if any does.
	i, _ := slices.BinarySearchFunc(ws, to.Add(margin), func(w gcWindow, t time.Time) int {
		if w.start.After(t) {
			return 1
		}
		return -1
	})
	if i > 0 && !ws[i-1].end.Add(margin).Before(from) {
		return ws[i-1], true
	}
	return gcWindow{}, false
}
