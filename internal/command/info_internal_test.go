package command

import (
	"math"
	"runtime/metrics"
	"strconv"
	"testing"
)

func TestCountErrorPrefix(t *testing.T) {
	var st infoState
	for _, msg := range []string{
		"ERR syntax error",
		"WRONGTYPE Operation against a key holding the wrong kind of value",
		"NOAUTH Authentication required.",
		"ERR",                                    // no space: ERR
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ x", // no space in the first 32 bytes: ERR
		"",
		"OOM command not allowed when used memory > 'maxmemory'.",
	} {
		st.countError(msg)
	}
	want := map[string]int64{"ERR": 4, "WRONGTYPE": 1, "NOAUTH": 1, "OOM": 1}
	if len(st.errors) != len(want) {
		t.Fatalf("errors = %v, want %v", st.errors, want)
	}
	for k, n := range want {
		if st.errors[k] != n {
			t.Errorf("errors[%s] = %d, want %d", k, st.errors[k], n)
		}
	}
}

func TestCountErrorBounded(t *testing.T) {
	var st infoState
	for i := range 2 * maxErrorPrefixes {
		st.countError("E" + strconv.Itoa(i) + " boom")
	}
	st.countError("E0 again")
	if len(st.errors) != maxErrorPrefixes {
		t.Fatalf("%d prefixes kept, want %d", len(st.errors), maxErrorPrefixes)
	}
	if st.errors["E0"] != 2 {
		t.Fatalf("E0 counted %d times, want 2", st.errors["E0"])
	}
}

func TestBytesToHuman(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00K"}, {1536, "1.50K"},
		{1 << 20, "1.00M"}, {5 << 30, "5.00G"}, {3 << 40, "3.00T"}, {2 << 50, "2.00P"},
		{1 << 62, strconv.FormatInt(1<<62, 10) + "B"},
	} {
		if got := bytesToHuman(tc.n); got != tc.want {
			t.Errorf("bytesToHuman(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestInfoSafe(t *testing.T) {
	for in, want := range map[string]string{
		"config|get": "config|get", "a:b#c\r\nd": "a_b_c__d", "": "",
	} {
		if got := infoSafe(in); got != want {
			t.Errorf("infoSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCPUSeconds(t *testing.T) {
	if got := cpuSeconds(1500042 * 1000); got != "1.500042" {
		t.Fatalf("cpuSeconds = %q", got)
	}
}

func TestQuantilesSince(t *testing.T) {
	inf := math.Inf(1)
	h := &metrics.Float64Histogram{
		Buckets: []float64{0, 1e-6, 10e-6, 100e-6, 1e-3, inf},
		Counts:  []uint64{10, 80, 8, 2, 1}, // the last bucket has no upper bound: its lower one counts
	}
	for _, tc := range []struct {
		name string
		base []uint64
		want pauseQuantiles
	}{
		{"no base", nil, pauseQuantiles{n: 101, p50: 10, p99: 1000, max: 1000}},
		{"base", []uint64{10, 80, 0, 2, 1}, pauseQuantiles{n: 8, p50: 100, p99: 100, max: 100}},
		{"all in base", []uint64{10, 80, 8, 2, 1}, pauseQuantiles{}},
		{"base larger", []uint64{20, 80, 8, 2, 1}, pauseQuantiles{}},
		{"short base", []uint64{10}, pauseQuantiles{n: 91, p50: 10, p99: 1000, max: 1000}},
	} {
		if got := quantilesSince(h, tc.base); got != tc.want {
			t.Errorf("%s: quantilesSince = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
