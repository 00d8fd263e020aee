package command_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestCommandGoRedis parses COMMAND with go-redis in both protocols, as its
// cluster client does on connect.
func TestCommandGoRedis(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		cmds, err := c.Command(ctx).Result()
		if err != nil {
			t.Fatalf("COMMAND: %v", err)
		}
		count, err := do(ctx, c, "command", "count")
		if err != nil || count != int64(len(cmds)) {
			t.Fatalf("COMMAND COUNT = %d, %v; COMMAND has %d", count, err, len(cmds))
		}
		get := cmds["get"]
		if get == nil || get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || get.StepCount != 1 ||
			!get.ReadOnly || !slices.Contains(get.Flags, "fast") || !slices.Equal(get.ACLFlags, []string{"@read", "@string", "@fast"}) {
			t.Fatalf("COMMAND get = %+v", get)
		}
		cl := cmds["client"]
		if cl == nil || cl.Arity != -2 || len(cl.Flags) != 0 || !slices.Equal(cl.ACLFlags, []string{"@slow"}) {
			t.Fatalf("COMMAND client = %+v", cl)
		}
		for _, name := range []string{"ping", "echo", "hello", "auth", "select", "quit", "reset", "command", "set"} {
			if cmds[name] == nil {
				t.Errorf("COMMAND lacks %s", name)
			}
		}
		if _, ok := cmds["client|list"]; ok {
			t.Error("COMMAND lists subcommands at the top level")
		}
	})
}

func TestCommandInfo(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	get := `*[$"get" :2 *[+"readonly" +"fast"] :1 :1 :1 *[+"@read" +"@string" +"@fast"] *[] ` +
		`*[*[$"flags" *[+"RO" +"access"] $"begin_search" *[$"type" $"index" $"spec" *[$"index" :1]] ` +
		`$"find_keys" *[$"type" $"range" $"spec" *[$"lastkey" :0 $"keystep" :1 $"limit" :0]]]] *[]]`
	w.expect(`*[`+get+` $null $null $null]`, "COMMAND", "INFO", "GET", "nosuch", "get|key", "client|list|x")

	// RESP3 uses sets for the flags, categories, tips and key specs, and
	// maps inside the key specs.
	w.do("HELLO", "3")
	v := w.do("COMMAND", "INFO", "ping", "client|kill", "nosuch")
	want := `*[*[$"ping" :-1 ~[+"fast"] :0 :0 :0 ~[+"@fast" +"@connection"] ~[] ~[] ~[]] ` +
		`*[$"client|kill" :-3 ~[+"admin" +"noscript" +"loading" +"stale"] :0 :0 :0 ` +
		`~[+"@admin" +"@slow" +"@dangerous" +"@connection"] ~[] ~[] ~[]] _null]`
	if v.String() != want {
		t.Fatalf("COMMAND INFO in RESP3 =\n%s\nwant\n%s", v, want)
	}

	// A container lists its subcommands' descriptions, by name.
	v = w.do("COMMAND", "INFO", "client")
	subs := v.Elems[0].Elems[9]
	if subs.Kind != '*' || len(subs.Elems) < 10 || subs.Elems[0].Elems[0].Str != "client|getname" {
		t.Fatalf("COMMAND INFO client subcommands = %s", subs)
	}
	v = w.do("COMMAND", "INFO", "command")
	if names := fmt.Sprint(v.Elems[0].Elems[9]); !strings.Contains(names, `$"command|getkeys"`) {
		t.Fatalf("COMMAND INFO command subcommands = %s", names)
	}

	// COMMAND and COMMAND INFO without names describe every command.
	all, info := w.do("COMMAND"), w.do("COMMAND", "INFO")
	if all.String() != info.String() || int64(len(all.Elems)) != w.do("COMMAND", "COUNT").Int || len(all.Elems) < 20 {
		t.Fatalf("COMMAND has %d entries, COMMAND INFO %d", len(all.Elems), len(info.Elems))
	}
}

func TestCommandDocs(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	w.expect(`*[$"echo" *[$"summary" $"Replies with the message it was given." $"since" $"1.0.0" `+
		`$"group" $"connection" $"complexity" $"O(1)"]]`, "COMMAND", "DOCS", "ECHO", "nosuch")
	w.expect(`*[]`, "COMMAND", "DOCS", "nosuch")
	w.do("HELLO", "3")
	v := w.do("COMMAND", "DOCS", "client", "client|id")
	if v.Kind != '%' || len(v.Elems) != 4 || v.Elems[0].Str != "client" || v.Elems[2].Str != "client|id" {
		t.Fatalf("COMMAND DOCS client client|id = %s", v)
	}
	doc := v.Elems[1]
	if doc.Kind != '%' || doc.Elems[len(doc.Elems)-2].Str != "subcommands" {
		t.Fatalf("COMMAND DOCS client = %s, want subcommands last", doc)
	}
	if subs := doc.Elems[len(doc.Elems)-1]; subs.Kind != '%' || subs.Elems[0].Str != "client|getname" {
		t.Fatalf("COMMAND DOCS client subcommands = %s", subs)
	}
	all := w.do("COMMAND", "DOCS")
	if int64(len(all.Elems)/2) != w.do("COMMAND", "COUNT").Int {
		t.Fatalf("COMMAND DOCS has %d entries", len(all.Elems)/2)
	}
}

func TestCommandList(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		list := func(args ...any) []string {
			t.Helper()
			v, err := do(ctx, c, append([]any{"command", "list"}, args...)...)
			if err != nil {
				t.Fatalf("COMMAND LIST %v: %v", args, err)
			}
			var out []string
			for _, e := range v.([]any) {
				out = append(out, e.(string))
			}
			return out
		}
		all := list()
		for _, name := range []string{"set", "client|list", "command|docs", "ping"} {
			if !slices.Contains(all, name) {
				t.Errorf("COMMAND LIST lacks %s", name)
			}
		}
		if got := list("filterby", "pattern", "set"); !slices.Equal(got, []string{"set"}) {
			t.Fatalf("PATTERN set = %q", got)
		}
		if got := list("FILTERBY", "PATTERN", "CLIENT|*NAME"); !slices.Equal(got, []string{"client|getname", "client|setname"}) {
			t.Fatalf("PATTERN CLIENT|*NAME = %q", got)
		}
		if got := list("filterby", "pattern", "c*help"); !slices.Contains(got, "client|help") || !slices.Contains(got, "command|help") {
			t.Fatalf("PATTERN c*help = %q", got)
		}
		conn := list("filterby", "aclcat", "connection")
		if !slices.Contains(conn, "ping") || !slices.Contains(conn, "client|kill") || slices.Contains(conn, "set") {
			t.Fatalf("ACLCAT connection = %q", conn)
		}
		if got := list("filterby", "aclcat", "dangerous"); !slices.Contains(got, "client|kill") || slices.Contains(got, "client|id") {
			t.Fatalf("ACLCAT dangerous = %q", got)
		}
		for _, args := range [][]any{{"filterby", "aclcat", "nosuch"}, {"filterby", "module", "x"}, {"filterby", "pattern", "nosuch*"}} {
			if got := list(args...); len(got) != 0 {
				t.Fatalf("COMMAND LIST %v = %q, want none", args, got)
			}
		}
		for _, args := range [][]any{{"bad_arg"}, {"filterby", "bad_arg"}, {"filterby", "bad_arg", "x"},
			{"filterby", "pattern", "a", "extra"}} {
			connErr(t, ctx, c, "ERR syntax error", append([]any{"command", "list"}, args...)...)
		}
	})
}

func TestCommandGetKeys(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		keys := func(args ...any) any {
			t.Helper()
			v, err := do(ctx, c, append([]any{"command", "getkeys"}, args...)...)
			if err != nil {
				t.Fatalf("COMMAND GETKEYS %v: %v", args, err)
			}
			return v
		}
		if got := fmt.Sprint(keys("get", "key")); got != "[key]" {
			t.Fatalf("GETKEYS get key = %s", got)
		}
		if got := fmt.Sprint(keys("SET", "k1", "v", "EX", "10")); got != "[k1]" {
			t.Fatalf("GETKEYS SET = %s", got)
		}
		connErr(t, ctx, c, "ERR Invalid command specified", "command", "getkeys", "nosuch", "a")
		connErr(t, ctx, c, "ERR Invalid command specified", "command", "getkeys", "client", "nosuch")
		connErr(t, ctx, c, "ERR The command has no key arguments", "command", "getkeys", "ping", "x")
		connErr(t, ctx, c, "ERR The command has no key arguments", "command", "getkeys", "client", "list")
		connErr(t, ctx, c, "ERR Invalid number of arguments specified for command", "command", "getkeys", "get", "a", "b")
		connErr(t, ctx, c, "ERR Invalid number of arguments specified for command", "command", "getkeys", "set", "a")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'command|getkeys' command", "command", "getkeys")

		v, err := do(ctx, c, "command", "getkeysandflags", "set", "k1", "v1")
		if got := fmt.Sprint(v); err != nil || got != "[[k1 [RW access update]]]" {
			t.Fatalf("GETKEYSANDFLAGS set = %s, %v", got, err)
		}
		v, err = do(ctx, c, "command", "getkeysandflags", "get", "k1")
		if got := fmt.Sprint(v); err != nil || got != "[[k1 [RO access]]]" {
			t.Fatalf("GETKEYSANDFLAGS get = %s, %v", got, err)
		}
	})
}

func TestCommandHelpAndErrors(t *testing.T) {
	forEachProto(t, func(t *testing.T, ctx context.Context, c *redis.Client) {
		v, err := do(ctx, c, "command", "help")
		lines, _ := v.([]any)
		if err != nil || len(lines) < 10 || lines[0] != "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" ||
			lines[len(lines)-1] != "    Prints this help." {
			t.Fatalf("COMMAND HELP = %#v, %v", v, err)
		}
		connErr(t, ctx, c, "ERR unknown subcommand 'nosuch'. Try COMMAND HELP.", "command", "nosuch")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'command|count' command", "command", "count", "x")
		connErr(t, ctx, c, "ERR wrong number of arguments for 'command|help' command", "command", "help", "x")
	})
}
