package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildLarder compiles the binary once per test run.
func buildLarder(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "larder")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestInvalidSettingsExit2WithOneLine(t *testing.T) {
	bin := buildLarder(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	cases := []struct {
		args []string
		env  []string
		want string // in the one line printed
	}{
		{[]string{"--maxmemory", "12xb"}, nil, "maxmemory"},
		{[]string{"--no-such-setting", "1"}, nil, "no-such-setting"},
		{[]string{"--port", "abc"}, nil, "port"},
		{[]string{"--maxmemory-policy", "sometimes"}, nil, "maxmemory-policy"},
		{nil, []string{"LARDER_MAXCLIENTS=lots"}, "LARDER_MAXCLIENTS"},
		{[]string{"--port", busyPort}, nil, "port"},
		{[]string{"--config", "/nonexistent/larder.yaml"}, nil, "larder.yaml"},
		{[]string{"--port", "0", "--join", "nowhere"}, nil, "join"},
		{[]string{"--port", strconv.Itoa(freePort(t) | 0xC000), "--cluster-port", "1"}, nil, "cluster-gossip-port"},
		{[]string{"--port", "0", "--cluster-voters", "9"}, nil, "cluster-voters"},
	}
	for _, tc := range cases {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), tc.env...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 {
			t.Errorf("%v %v: err %v, want exit code 2; output %q", tc.args, tc.env, err, out)
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], tc.want) || strings.Contains(string(out), "panic") {
			t.Errorf("%v %v: output %q, want one line naming %q", tc.args, tc.env, out, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(buildLarder(t), "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "larder ") {
		t.Fatalf("--version: %q, %v", out, err)
	}
}

func TestServeThenSIGTERMExits0(t *testing.T) {
	bin := buildLarder(t)
	port := freePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--cluster-port", strconv.Itoa(freePort(t)),
		"--cluster-gossip-port", strconv.Itoa(freePort(t)))
	cmd.Env = append(os.Environ(), "LARDER_LOGLEVEL=notice")
	cmd.Dir = t.TempDir() // the node's cluster state goes to larder-PORT there
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Raft may log its first election before the ready line.
	sc := bufio.NewScanner(stderr)
	var lines []string
	for len(lines) < 20 && sc.Scan() && !strings.Contains(sc.Text(), "ready") {
		lines = append(lines, sc.Text())
	}
	if !strings.Contains(sc.Text(), "ready") || !strings.Contains(sc.Text(), strconv.Itoa(port)) {
		t.Fatalf("log lines %q then %q, want the ready line with the address", lines, sc.Text())
	}
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("PING\r\n"))
	r := bufio.NewReader(c)
	if line, _ := r.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("PING: %q", line)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("larder did not exit after SIGTERM")
	}
}
