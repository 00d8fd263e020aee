package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseStartupPages drops this process's mappings of its own executable's read-only pages
// (text, read-only data, the Go runtime's tables), so that the pages package initialisation
// and start-up touched stop counting in the process's resident set (release-startup-pages).
// Nearly all of a Go binary's text is resident after start-up, since every linked package's
// init runs and the kernel maps the 64 KiB around each page fault (fault-around, which
// MADV_RANDOM does not turn off). The pages stay in the page cache, and in a cgroup's charge
// as page cache; those the node runs again are mapped again on their next use (a minor fault,
// which again maps the 64 KiB around it). So VmRSS then counts the pages the node has used
// since, not what the machine holds for it. It returns the bytes whose mappings it dropped.
func releaseStartupPages() int64 {
	exe, err := os.Executable()
	if err != nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || (fields[1] != "r-xp" && fields[1] != "r--p") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// MADV_DONTNEED on a private, read-only file mapping only unmaps the pages: they
		// read the same from the page cache on the next access. The mapping is the
		// binary's own, so it is given by address (no Go slice may point at it).
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED); e == 0 {
			total += int64(end - start)
		}
	}
	return total
}
