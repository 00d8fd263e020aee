// Command respreplay replays a cache access trace against a RESP server as an application
// would: GET each key and, on a miss, SET it to a fixed-size value. It prints the hits, the
// misses, the hit ratio and the server's used_memory. Requests go out in pipelined batches:
// first the GETs of a batch, then the SETs of its misses, so a key repeated inside one batch
// misses again (the same for every server it is run against).
//
// Usage (from bench/): go run ./respreplay -addr 127.0.0.1:6379 -trace FILE [-n N] [-value 100]
//
// bench/hitratio-resp.sh runs it against Redis 7 (allkeys-lru and allkeys-lfu) and Larder at
// the same maxmemory and compares the hits and the servers' RSS.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/larderdb/larder/resp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "the server's address")
	trace := flag.String("trace", "", "the trace: zstd-compressed, one decimal key per line")
	limit := flag.Int("n", 0, "replay at most this many requests (0: all)")
	size := flag.Int("value", 100, "bytes of the value SET on a miss")
	batch := flag.Int("batch", 32, "requests per pipelined batch")
	flag.Parse()
	if err := run(*addr, *trace, *limit, *size, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "respreplay:", err)
		os.Exit(1)
	}
}

func run(addr, trace string, limit, size, batch int) error {
	if trace == "" {
		return errors.New("-trace is required")
	}
	keys, err := readTrace(trace, limit)
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	c := &client{w: resp.NewWriter(conn, 64<<10), r: bufio.NewReaderSize(conn, 64<<10)}
	value := []byte(strings.Repeat("v", size))
	var hits, misses int
	start := time.Now()
	miss := make([][]byte, 0, batch)
	for i := 0; i < len(keys); i += batch {
		b := keys[i:min(i+batch, len(keys))]
		for _, k := range b {
			c.cmd("GET", k)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		miss = miss[:0]
		for _, k := range b {
			v, err := resp.ReadReply(c.r)
			if err != nil {
				return err
			}
			switch {
			case v.Kind == resp.KindError:
				return fmt.Errorf("GET: %s", v.Str)
			case v.Null || v.Kind == resp.KindNull:
				misses++
				miss = append(miss, k)
			default:
				hits++
			}
		}
		for _, k := range miss {
			c.cmd("SET", k, value)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for range miss {
			v, err := resp.ReadReply(c.r)
			if err != nil {
				return err
			}
			if v.Kind == resp.KindError {
				return fmt.Errorf("SET: %s", v.Str)
			}
		}
	}
	used, err := c.info("used_memory")
	if err != nil {
		return err
	}
	fmt.Printf("requests %d hits %d misses %d hit_ratio %.2f used_memory %s seconds %.1f\n",
		hits+misses, hits, misses, 100*float64(hits)/float64(max(hits+misses, 1)), used, time.Since(start).Seconds())
	return nil
}

// client is a minimal pipelining RESP client on Larder's own codec.
type client struct {
	w *resp.Writer
	r *bufio.Reader
}

func (c *client) cmd(name string, args ...[]byte) {
	c.w.Array(1 + len(args))
	c.w.BulkString(name)
	for _, a := range args {
		c.w.Bulk(a)
	}
}

// info returns one field of INFO.
func (c *client) info(field string) (string, error) {
	c.cmd("INFO")
	if err := c.w.Flush(); err != nil {
		return "", err
	}
	v, err := resp.ReadReply(c.r)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(v.Str), "\r\n") {
		if f, val, ok := strings.Cut(line, ":"); ok && f == field {
			return val, nil
		}
	}
	return "", fmt.Errorf("INFO has no %s", field)
}

// readTrace returns the trace's keys as "k:<decimal>", at most limit of them (0: all).
func readTrace(path string, limit int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	var keys [][]byte
	for sc.Scan() && (limit == 0 || len(keys) < limit) {
		n, err := strconv.ParseUint(strings.TrimSpace(sc.Text()), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(keys)+1, err)
		}
		keys = append(keys, strconv.AppendUint([]byte("k:"), n, 10))
	}
	return keys, sc.Err()
}
