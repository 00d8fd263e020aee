package memlimit

import (
	"os"
	"runtime"
	"strconv"
	"strings"
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

// TestResident checks the live reading against the kernel's other report of it (VmRSS in
// /proc/self/status) and against a buffer the test has just made resident.
func TestResident(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this system")
	}
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	got := Resident()
	status, err = os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(buf)
	var vmRSS int64
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			vmRSS = kb << 10
		}
	}
	if got < int64(len(buf)) {
		t.Errorf("Resident = %d with a 64 MiB buffer just written", got)
	}
	if d := got - vmRSS; d < -8<<20 || d > 8<<20 {
		t.Errorf("Resident = %d, VmRSS = %d: more than 8 MiB apart", got, vmRSS)
	}
}
