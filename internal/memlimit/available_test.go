package memlimit

import (
	"os"
	"runtime"
	"testing"
	"testing/fstest"
)

const meminfo = `MemTotal:       16318480 kB
MemFree:         1210936 kB
MemAvailable:    9712344 kB
`

const memTotalBytes = 16318480 << 10

func TestAvailableFS(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"nothing readable (not Linux)", nil, 0},
		{"physical memory only", map[string]string{procMeminfo: meminfo}, memTotalBytes},
		{"v2 container, limit at the root", map[string]string{
			procMeminfo: meminfo, procCgroup: "0::/\n",
			"sys/fs/cgroup/memory.max": "536870912\n",
		}, 512 << 20},
		{"v2 container without /proc/self/cgroup", map[string]string{
			procMeminfo: meminfo, "sys/fs/cgroup/memory.max": "536870912\n",
		}, 512 << 20},
		{"v2 max means no limit", map[string]string{
			procMeminfo: meminfo, procCgroup: "0::/\n", "sys/fs/cgroup/memory.max": "max\n",
		}, memTotalBytes},
		{"v2 host: the smallest limit of the cgroup and its ancestors", map[string]string{
			procMeminfo: meminfo,
			procCgroup:  "0::/system.slice/larder.service\n",
			"sys/fs/cgroup/system.slice/larder.service/memory.max": "max\n",
			"sys/fs/cgroup/system.slice/memory.max":                "1073741824\n",
		}, 1 << 30},
		{"v2 cgroup's own limit below its parent's", map[string]string{
			procMeminfo:                    meminfo,
			procCgroup:                     "0::/a/b\n",
			"sys/fs/cgroup/a/b/memory.max": "104857600\n",
			"sys/fs/cgroup/a/memory.max":   "1073741824\n",
		}, 100 << 20},
		{"cgroup limit above physical memory", map[string]string{
			procMeminfo: meminfo, "sys/fs/cgroup/memory.max": "1099511627776\n",
		}, memTotalBytes},
		{"cgroup limit without meminfo", map[string]string{
			"sys/fs/cgroup/memory.max": "536870912\n",
		}, 512 << 20},
		{"v1 container", map[string]string{
			procMeminfo: meminfo,
			procCgroup:  "12:pids:/docker/abc\n7:memory:/docker/abc\n1:name=systemd:/docker/abc\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "268435456\n",
		}, 256 << 20},
		{"v1 controller listed with others", map[string]string{
			procMeminfo: meminfo,
			procCgroup:  "4:cpu,memory:/job\n",
			"sys/fs/cgroup/memory/job/memory.limit_in_bytes": "268435456\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes":     "9223372036854771712\n",
		}, 256 << 20},
		{"v1 unlimited", map[string]string{
			procMeminfo: meminfo, procCgroup: "7:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, memTotalBytes},
		{"garbage in the limit files", map[string]string{
			procMeminfo:                "MemTotal: lots kB\n",
			"sys/fs/cgroup/memory.max": "soon\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "-1\n",
		}, 0},
		{"a cgroup path that is not clean", map[string]string{
			procCgroup: "0::/a/../../etc\n", "sys/fs/cgroup/memory.max": "4096\n",
		}, 4096},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, data := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			if got := AvailableFS(fsys); got != tc.want {
				t.Errorf("AvailableFS = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestParseMemTotal(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{meminfo, memTotalBytes},
		{"MemFree: 5 kB\nMemTotal: 2 kB\n", 2048},
		{"MemTotal: 2048\n", 2048}, // no unit: bytes
		{"MemTotal:\n", 0},
		{"MemFree: 5 kB\n", 0},
		{"", 0},
	}
	for _, tc := range cases {
		if got := parseMemTotal([]byte(tc.in)); got != tc.want {
			t.Errorf("parseMemTotal(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseLimit(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{"max\n", 0},
		{"max", 0},
		{"1073741824\n", 1 << 30},
		{"  4096  ", 4096},
		{"9223372036854771712\n", 0}, // v1 "no limit"
		{"9223372036854775807", 0},
		{"0\n", 0},
		{"-1\n", 0},
		{"", 0},
		{"12mb", 0},
	}
	for _, tc := range cases {
		if got := parseLimit([]byte(tc.in)); got != tc.want {
			t.Errorf("parseLimit(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	cases := []struct {
		in     string
		v2, v1 string
	}{
		{"0::/\n", "/", "/"},
		{"0::/user.slice/session-2.scope\n", "/user.slice/session-2.scope", "/"},
		{"11:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n", "/", "/docker/abc"},
		{"5:blkio,memory:/x\n0::/y\n", "/y", "/x"},
		{"7:memorysomething:/x\n", "/", "/"}, // not the memory controller
		{"garbage\n1:memory\n", "/", "/"},
		{"", "/", "/"},
	}
	for _, tc := range cases {
		v2, v1 := parseProcCgroup([]byte(tc.in))
		if v2 != tc.v2 || v1 != tc.v1 {
			t.Errorf("parseProcCgroup(%q) = %q, %q; want %q, %q", tc.in, v2, v1, tc.v2, tc.v1)
		}
	}
}

func TestDefaultMaxMemory(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		avail, want int64
	}{
		{0, 0},
		{-1, 0},
		{1 << 30, 768 * mib}, // 75%
		{16 << 30, 12 << 30}, // 75%
		{256 * mib, 256*mib - 256*mib/10 - Overhead}, // 90% less Headroom, below 75%
		{128 * mib, 128*mib - 128*mib/10 - Overhead},
		{64 * mib, 16 * mib}, // never below 25%
	}
	for _, tc := range cases {
		got := DefaultMaxMemory(tc.avail)
		if got != tc.want {
			t.Errorf("DefaultMaxMemory(%d) = %d, want %d", tc.avail, got, tc.want)
		}
		if tc.avail > 4*Overhead && got+Overhead > tc.avail-tc.avail/10 {
			t.Errorf("DefaultMaxMemory(%d) = %d: with Overhead, %d is above 90%% of it", tc.avail, got, got+Overhead)
		}
	}
}

// TestAvailableHere reads the real files: on Linux there is always at least physical memory.
func TestAvailableHere(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo")
	}
	n := Available()
	if n < 16<<20 {
		t.Fatalf("Available() = %d, want at least 16 MiB", n)
	}
	t.Logf("Available() = %d MiB, DefaultMaxMemory = %d MiB", n>>20, DefaultMaxMemory(n)>>20)
}
