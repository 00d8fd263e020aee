package command

import (
	"testing"

	"github.com/larderdb/larder/internal/config"
)

// standaloneConfig returns the default settings with cluster-enabled no: the
// internal tests check Redis's standalone semantics, keys in any slots.
func standaloneConfig() *config.Store {
	cfg, err := config.NewStoreWith([][2]string{{"cluster-enabled", "no"}})
	if err != nil {
		panic(err)
	}
	return cfg
}

func TestAskingSurvives(t *testing.T) {
	tab := newTable(multiCommands, connCommands, stringCommands, clusterCommands)
	for _, tc := range []struct {
		cmd   string
		multi bool
		want  bool
	}{
		{"get", false, false}, {"get", true, true}, {"multi", false, true},
		{"exec", true, false}, {"discard", true, false}, {"reset", true, false},
		{"asking", false, false}, // ASKING sets the flag again itself
	} {
		x := &Ctx{}
		x.tx.on = tc.multi
		if got := askingSurvives(x, tab.Lookup([]byte(tc.cmd))); got != tc.want {
			t.Errorf("%s (multi %v): survives = %v, want %v", tc.cmd, tc.multi, got, tc.want)
		}
	}
}
