package resp_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/larderdb/larder/resp"
)

func ExampleReader() {
	in := strings.NewReader("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nSET k \"a b\"\r\n")
	r := resp.NewReader(in, resp.Limits{})
	for {
		args, err := r.ReadCommand()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%q\n", args)
	}
	// Output:
	// ["GET" "key"]
	// ["SET" "k" "a b"]
	// EOF
}

func ExampleWriter() {
	var out bytes.Buffer
	w := resp.NewWriter(&out, 0)
	w.SetProtocol(3)
	w.Map(1)
	w.BulkString("score")
	w.Double(1.5)
	w.Flush()
	fmt.Printf("%q\n", out.String())

	v, _ := resp.ReadReply(bufio.NewReader(&out))
	fmt.Println(v)
	// Output:
	// "%1\r\n$5\r\nscore\r\n,1.5\r\n"
	// %[$"score" ,"1.5"]
}
