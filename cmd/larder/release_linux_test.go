package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssFileKB returns the process's file-backed resident set (RssFile), in kB.
func rssFileKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseStartupPages drops the test binary's read-only mappings and checks that it keeps
// running (the pages come back from the page cache) with fewer file-backed pages resident.
func TestReleaseStartupPages(t *testing.T) {
	before := rssFileKB(t)
	n := releaseStartupPages()
	after := rssFileKB(t)
	if n <= 0 {
		t.Fatalf("releaseStartupPages released %d bytes, want the binary's read-only mappings", n)
	}
	if after >= before {
		t.Errorf("RssFile %d kB after releasing, %d kB before", after, before)
	}
	// Code and data the run has not used since are still there.
	if _, err := strconv.ParseFloat("1.5e3", 64); err != nil {
		t.Fatal(err)
	}
}
