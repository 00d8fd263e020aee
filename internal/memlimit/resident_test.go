package memlimit

import (
	"os"
	"runtime"
	"testing"
)

func TestParseStatm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"263 140 113 131 0 56 0\n", 140 * 4096},
		{"1 0", 0},
		{"12", 0},
		{"", 0},
		{"5 x 3", 0},
		{"5 -3 3", 0},
	} {
		if got := parseStatm([]byte(tc.in), 4096); got != tc.want {
			t.Errorf("parseStatm(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestResident checks the live reading against the Go heap the test has just made resident.
func TestResident(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc/self/statm on this system")
	}
	before := Resident()
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	after := Resident()
	runtime.KeepAlive(buf)
	if after-before < 60<<20 {
		t.Errorf("Resident grew by %d bytes after touching 64 MiB (from %d to %d)", after-before, before, after)
	}
}
