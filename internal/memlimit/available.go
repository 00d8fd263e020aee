// Package memlimit finds how much memory the process may use (its cgroup's memory limit, else
// the machine's physical memory) and keeps the Go runtime's soft memory limit in line with the
// maxmemory of the keyspaces the process holds.
package memlimit

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
)

// Files read, relative to the root of the file system.
const (
	procCgroup  = "proc/self/cgroup"
	procMeminfo = "proc/meminfo"
	cgroupV2    = "sys/fs/cgroup"        // unified hierarchy: <dir>/memory.max
	cgroupV1    = "sys/fs/cgroup/memory" // memory controller: <dir>/memory.limit_in_bytes
)

// v1Unlimited is the smallest cgroup v1 memory.limit_in_bytes taken to mean "no limit": v1
// reports none as the largest int64 rounded down to a page (9223372036854771712).
const v1Unlimited = 1 << 62

// Available returns the bytes of memory the process may use: the smallest cgroup memory limit
// of the process's cgroup and its ancestors (cgroup v2 memory.max, or cgroup v1
// memory.limit_in_bytes), capped by physical memory (MemTotal in /proc/meminfo); physical
// memory when no cgroup limits the process; and 0 when neither is known, as on systems other
// than Linux. It reads a few small files on every call.
func Available() int64 { return AvailableFS(os.DirFS("/")) }

// AvailableFS is Available reading its files from fsys, the root of the file system
// (paths such as "proc/meminfo" and "sys/fs/cgroup/memory.max"), so that tests can feed it
// fake ones.
func AvailableFS(fsys fs.FS) int64 {
	phys := memTotal(fsys)
	cg := cgroupLimit(fsys)
	switch {
	case cg == 0:
		return phys
	case phys == 0:
		return cg
	}
	return min(cg, phys)
}

// DefaultMaxMemory returns the maxmemory a node should default to when it may use avail bytes
// (see Available): 75% of avail, lowered where needed so that maxmemory plus Overhead stays
// within 90% of avail, and never below 25% of avail. From about
// 430 MiB up that is plain 75%; 256 MiB gives 166 MiB, 128 MiB gives 51 MiB. The rest of avail
// is for what accounting does not see: the runtime, stacks, buffers, garbage awaiting
// collection and fragmentation. It returns 0 (no limit) when avail is not positive (unknown).
func DefaultMaxMemory(avail int64) int64 {
	if avail <= 0 {
		return 0
	}
	m := min(avail/4*3, avail-avail/10-Overhead)
	return max(m, avail/4)
}

// Overhead is what DefaultMaxMemory leaves a node beyond maxmemory, 64 MiB: Headroom for the Go
// runtime, the arenas' allowance for dead bytes, slack and head segments (10 MiB up to a
// maxmemory of 512 MiB) and the binary's pages (14 MiB), with a margin.
const Overhead = 64 << 20

// memTotal returns MemTotal from proc/meminfo in bytes, or 0.
func memTotal(fsys fs.FS) int64 {
	b, err := fs.ReadFile(fsys, procMeminfo)
	if err != nil {
		return 0
	}
	return parseMemTotal(b)
}

// parseMemTotal reads the MemTotal line of /proc/meminfo ("MemTotal:  16318480 kB") and
// returns it in bytes, or 0 when there is none.
func parseMemTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n <= 0 {
			return 0
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") { // the kernel always says kB (KiB)
			n <<= 10
		}
		return n
	}
	return 0
}

// cgroupLimit returns the smallest memory limit set on the process's cgroup or an ancestor, in
// bytes, or 0 when none is set. It looks in both hierarchies, each from the process's own
// cgroup (proc/self/cgroup) up to the hierarchy's root: in a container with its own cgroup
// namespace the process's cgroup is the root itself.
func cgroupLimit(fsys fs.FS) int64 {
	v2, v1 := "/", "/"
	if b, err := fs.ReadFile(fsys, procCgroup); err == nil {
		v2, v1 = parseProcCgroup(b)
	}
	var limit int64
	lower := func(n int64) {
		if n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	for _, dir := range ancestors(v2) {
		lower(readLimit(fsys, path.Join(cgroupV2, dir, "memory.max")))
	}
	for _, dir := range ancestors(v1) {
		lower(readLimit(fsys, path.Join(cgroupV1, dir, "memory.limit_in_bytes")))
	}
	return limit
}

// parseProcCgroup returns the process's cgroup in the unified (v2) hierarchy and in the v1
// memory controller's, from /proc/self/cgroup lines "0::/path" and "7:memory:/path". A
// hierarchy the file does not name is "/".
func parseProcCgroup(b []byte) (v2, v1 string) {
	v2, v1 = "/", "/"
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		id, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		ctrls, dir, ok := strings.Cut(rest, ":")
		if !ok || !strings.HasPrefix(dir, "/") {
			continue
		}
		switch {
		case id == "0" && ctrls == "":
			v2 = dir
		case hasController(ctrls, "memory"):
			v1 = dir
		}
	}
	return v2, v1
}

// hasController reports whether a comma-separated controller list ("cpu,cpuacct") holds name.
func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// ancestors returns dir and its parents up to "/", dir first. A dir that is not a clean
// absolute path gives only "/".
func ancestors(dir string) []string {
	if !strings.HasPrefix(dir, "/") || path.Clean(dir) != dir {
		return []string{"/"}
	}
	out := []string{dir}
	for dir != "/" {
		dir = path.Dir(dir)
		out = append(out, dir)
	}
	return out
}

// readLimit reads a cgroup memory limit file, returning 0 when it is absent, unreadable or says
// there is no limit.
func readLimit(fsys fs.FS, name string) int64 {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0
	}
	return parseLimit(b)
}

// parseLimit parses the contents of memory.max (v2: bytes, or "max" for none) or
// memory.limit_in_bytes (v1: bytes, a value near the largest int64 for none), returning 0 for
// no limit or a value it cannot read.
func parseLimit(b []byte) int64 {
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= v1Unlimited {
		return 0
	}
	return n
}
