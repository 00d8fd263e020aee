package larder_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoClusterLinks checks that the binary built with the nocluster tag (node_nocluster.go)
// links none of cluster mode's dependencies, whose package initialization a standalone node
// would otherwise run, and that the default build still links them.
func TestNoClusterLinks(t *testing.T) {
	cluster := []string{"google.golang.org/grpc", "google.golang.org/protobuf/", "github.com/hashicorp/raft",
		"github.com/hashicorp/memberlist", "github.com/larderdb/larder/internal/topology"}
	deps := func(tags string) []string {
		out, err := exec.Command("go", "list", "-deps", "-tags", tags, "./cmd/larder").Output()
		if err != nil {
			t.Fatalf("go list -tags %s: %v", tags, err)
		}
		return strings.Fields(string(out))
	}
	linked := func(pkgs []string, prefix string) bool {
		for _, p := range pkgs {
			if strings.HasPrefix(p, prefix) {
				return true
			}
		}
		return false
	}
	without, with := deps("nocluster"), deps("")
	for _, c := range cluster {
		if linked(without, c) {
			t.Errorf("a nocluster build links %s", c)
		}
		if !linked(with, c) {
			t.Errorf("the default build does not link %s", c)
		}
	}
}
