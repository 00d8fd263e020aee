package command

import (
	"bytes"
	"testing"

	"github.com/larderdb/larder/internal/engine"
	"github.com/larderdb/larder/resp"
)

// keysFakeList is a collection value for tests, which no command can build
// yet. It does not implement keysCopyable.
type keysFakeList struct {
	items []string
}

func (l *keysFakeList) Kind() engine.Kind    { return engine.KindList }
func (l *keysFakeList) Encoding() string     { return "quicklist" }
func (l *keysFakeList) MemoryUsage() int64   { return int64(16 * len(l.items)) }
func (l *keysFakeList) Len() int             { return len(l.items) }
func (l *keysFakeList) clone() *keysFakeList { return &keysFakeList{append([]string(nil), l.items...)} }

// keysCopyableList is a keysFakeList that COPY can duplicate.
type keysCopyableList struct{ keysFakeList }

func (l *keysCopyableList) Copy() engine.Object { return &keysCopyableList{*l.clone()} }

// keysHarness runs commands on a Server without a network.
type keysHarness struct {
	t   *testing.T
	db  *engine.DB
	srv *Server
	x   Ctx
	out bytes.Buffer
}

func newKeysHarness(t *testing.T) *keysHarness {
	t.Helper()
	db, err := engine.Open(engine.Options{Shards: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	h := &keysHarness{t: t, db: db}
	h.srv = New(Options{DB: db, Config: standaloneConfig()})
	h.srv.Connect(&Client{}, &h.x)
	h.x.W = resp.NewWriter(&h.out, 4096)
	return h
}

// run dispatches one command and returns its raw reply.
func (h *keysHarness) run(args ...string) string {
	h.t.Helper()
	h.x.Args = h.x.Args[:0]
	for _, a := range args {
		h.x.Args = append(h.x.Args, []byte(a))
	}
	h.out.Reset()
	h.srv.Dispatch(&h.x)
	h.x.EndBatch() // as the server does before it flushes
	if err := h.x.W.Flush(); err != nil {
		h.t.Fatal(err)
	}
	return h.out.String()
}

func (h *keysHarness) expect(want string, args ...string) {
	h.t.Helper()
	if got := h.run(args...); got != want {
		h.t.Fatalf("%q = %q, want %q", args, got, want)
	}
}

// setObject stores obj under key with a TTL (0 = none).
func (h *keysHarness) setObject(key string, obj engine.Object, at int64) {
	var t engine.Txn
	h.db.Begin(&t, 1, []byte(key))
	t.SetObject([]byte(key), obj, at)
	t.End()
}

// object returns the Object stored under key, or nil.
func (h *keysHarness) object(key string) engine.Object {
	var t engine.Txn
	h.db.Begin(&t, 1, []byte(key))
	defer t.End()
	if e := t.Peek([]byte(key)); e != nil {
		return e.Obj
	}
	return nil
}

func TestKeysCollections(t *testing.T) {
	h := newKeysHarness(t)
	plain := &keysFakeList{items: []string{"a", "b"}}
	h.setObject("plain", plain, 0)
	h.expect("+list\r\n", "type", "plain")
	h.expect("$9\r\nquicklist\r\n", "object", "encoding", "plain")
	h.expect("-ERR COPY of this type is not supported yet\r\n", "copy", "plain", "dst")
	h.expect(":0\r\n", "exists", "dst")

	// RENAME moves the Object itself, with its TTL.
	h.expect(":1\r\n", "expire", "plain", "1000")
	h.expect("+OK\r\n", "rename", "plain", "moved")
	if h.object("moved") != plain || h.object("plain") != nil {
		t.Fatal("RENAME did not move the Object")
	}
	if got := h.run("ttl", "moved"); got != ":1000\r\n" && got != ":999\r\n" {
		t.Fatalf("TTL moved = %q", got)
	}
	// RENAME of a string over a collection replaces it.
	h.expect("+OK\r\n", "set", "s", "str")
	h.expect("+OK\r\n", "rename", "s", "moved")
	h.expect("+string\r\n", "type", "moved")

	cl := &keysCopyableList{keysFakeList{items: []string{"x"}}}
	h.setObject("cl", cl, 0)
	h.expect(":1\r\n", "copy", "cl", "cl2")
	got, ok := h.object("cl2").(*keysCopyableList)
	if !ok || got == cl || len(got.items) != 1 || got.items[0] != "x" {
		t.Fatalf("COPY made %#v", h.object("cl2"))
	}
	got.items[0] = "changed"
	if cl.items[0] != "x" {
		t.Fatal("COPY shares the collection's data")
	}
	h.expect(":1\r\n", "copy", "cl", "moved", "REPLACE")
	h.expect("+list\r\n", "type", "moved")
	h.expect("*2\r\n$1\r\n0\r\n*1\r\n$5\r\nmoved\r\n", "scan", "0", "type", "LIST", "match", "m*")
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"", 0, true}, {"42", 42, true}, {"+7", 7, true}, {"007", 7, true},
		{"-1", ^uint64(0), true}, {"18446744073709551615", ^uint64(0), true},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"+", 0, false}, {"-", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"0x1", 0, false}, {"1.0", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestKeysTable checks the arity, flags and key positions of the commands
// against Redis 7.0's command specs.
func TestKeysTable(t *testing.T) {
	tab := newTable(keyCommands, expireCommands)
	for _, tc := range []struct {
		args  []string
		arity int
		flags Flag
		keys  string
	}{
		{[]string{"del", "a", "b", "c"}, -2, FlagWrite, "a b c"},
		{[]string{"unlink", "a"}, -2, FlagWrite | FlagFast, "a"},
		{[]string{"exists", "a", "b"}, -2, FlagReadOnly | FlagFast, "a b"},
		{[]string{"rename", "a", "b"}, 3, FlagWrite, "a b"},
		{[]string{"renamenx", "a", "b"}, 3, FlagWrite | FlagFast, "a b"},
		{[]string{"copy", "a", "b", "db", "0", "replace"}, -3, FlagWrite | FlagDenyOOM, "a b"},
		{[]string{"move", "a", "1"}, 3, FlagWrite | FlagFast, "a"},
		{[]string{"keys", "*"}, 2, FlagReadOnly, ""},
		{[]string{"scan", "0", "match", "x"}, -2, FlagReadOnly, ""},
		{[]string{"flushall", "async"}, -1, FlagWrite, ""},
		{[]string{"swapdb", "0", "1"}, 3, FlagWrite | FlagFast, ""},
		{[]string{"expire", "a", "1", "nx"}, -3, FlagWrite | FlagFast, "a"},
		{[]string{"pexpiretime", "a"}, 2, FlagReadOnly | FlagFast, "a"},
		{[]string{"persist", "a"}, 2, FlagWrite | FlagFast, "a"},
	} {
		c := tab.Lookup([]byte(tc.args[0]))
		if c == nil {
			t.Fatalf("%s missing", tc.args[0])
		}
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		keys := string(bytes.Join(c.keysOf(args, nil), []byte(" ")))
		if c.Arity != tc.arity || c.Flags != tc.flags || keys != tc.keys || c.Handler == nil || c.Summary == "" {
			t.Errorf("%s: arity %d flags %v keys %q; want %d %v %q", c.Name, c.Arity, c.Flags.Names(), keys,
				tc.arity, tc.flags.Names(), tc.keys)
		}
	}
	obj := tab.Lookup([]byte("OBJECT"))
	for name, sub := range obj.Sub {
		want := 3
		if name == "help" {
			want = 2
		}
		if sub.Arity != want || sub.Handler == nil || sub.Group != "generic" || sub.FullName() != "object|"+name {
			t.Errorf("object|%s: arity %d group %q", name, sub.Arity, sub.Group)
		}
		if name != "help" {
			if k := sub.keysOf([][]byte{[]byte("object"), []byte(name), []byte("k")}, nil); len(k) != 1 || string(k[0]) != "k" {
				t.Errorf("object|%s keys %q", name, k)
			}
		}
	}
}
