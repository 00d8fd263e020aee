package command_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/larderdb/larder/resp"
)

// rewriteGolden regenerates the golden files instead of checking them:
// go test ./internal/command -run Golden -rewrite
var rewriteGolden = flag.Bool("rewrite", false, "rewrite the golden files in testdata")

// commandsGolden is the file holding the command table as COMMAND INFO
// reports it.
const commandsGolden = "testdata/commands.golden"

// TestCommandTableGolden checks the command table, as COMMAND reports it
// over the wire, against testdata/commands.golden: one line per command
// and subcommand with its name, arity, flags, key positions and ACL
// categories. A change to the table shows up as a diff of that file.
func TestCommandTableGolden(t *testing.T) {
	w := connDial(t, startNode(t, nil))
	var b strings.Builder
	b.WriteString("# name arity [flags] first-key last-key step [acl categories]\n")
	b.WriteString("# Regenerate: go test ./internal/command -run TestCommandTableGolden -rewrite\n")
	for _, c := range w.do("COMMAND").Elems {
		writeGoldenInfo(t, &b, c)
		for _, s := range c.Elems[9].Elems {
			writeGoldenInfo(t, &b, s)
		}
	}
	got := b.String()
	if *rewriteGolden {
		if err := os.MkdirAll(filepath.Dir(commandsGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(commandsGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(commandsGolden)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("command table differs from %s at line %d:\n got: %s\nwant: %s\n"+
					"(if the change is intended, rerun with -rewrite and review the diff)", commandsGolden, i+1, g, w)
			}
		}
	}
}

// writeGoldenInfo writes one COMMAND INFO entry as a golden-file line.
func writeGoldenInfo(t *testing.T, b *strings.Builder, v resp.Value) {
	t.Helper()
	if len(v.Elems) != 10 {
		t.Fatalf("COMMAND entry %s has %d elements, want 10", v, len(v.Elems))
	}
	words := func(v resp.Value) string {
		var s []string
		for _, e := range v.Elems {
			s = append(s, e.Str)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	e := v.Elems
	b.WriteString(strings.Join([]string{e[0].Str, strconv.FormatInt(e[1].Int, 10), words(e[2]),
		strconv.FormatInt(e[3].Int, 10), strconv.FormatInt(e[4].Int, 10), strconv.FormatInt(e[5].Int, 10),
		words(e[6])}, " "))
	b.WriteByte('\n')
}
