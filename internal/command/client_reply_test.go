package command_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

func TestClientReplyOffSkipOn(t *testing.T) {
	n := startNode(t, nil)
	c, err := net.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "CLIENT REPLY OFF\r\nSET a 1\r\nGET a\r\nCLIENT REPLY ON\r\n"+
		"CLIENT REPLY SKIP\r\nINCR a\r\nGET a\r\n")
	r := bufio.NewReader(c)
	for _, want := range []string{"+OK\r\n", "$1\r\n", "2\r\n"} {
		line, err := r.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("got %q, %v; want %q", line, err, want)
		}
	}
}
