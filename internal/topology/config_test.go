package topology

import (
	"strings"
	"testing"

	"github.com/larderdb/larder/internal/bus"
)

func TestConfigErrorsNameTheSetting(t *testing.T) {
	b, err := bus.Listen(bus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	good := Config{Dir: t.TempDir(), Bus: b, ClientAddr: "127.0.0.1:7379", Version: "0.1.0"}
	for setting, change := range map[string]func(*Config){
		"Dir":        func(c *Config) { c.Dir = "" },
		"Bus":        func(c *Config) { c.Bus = nil },
		"ClientAddr": func(c *Config) { c.ClientAddr = "" },
		"Version":    func(c *Config) { c.Version = "latest" },
		"Replicas":   func(c *Config) { c.Replicas = 6 },
		"Voters":     func(c *Config) { c.Voters = 2 },
	} {
		c := good
		change(&c)
		if _, err := Open(c); err == nil || !strings.Contains(err.Error(), "Config."+setting) {
			t.Errorf("%s: got %v", setting, err)
		}
	}
}

func TestDamagedIdentity(t *testing.T) {
	dir := t.TempDir()
	if err := saveIdentity(dir, identity{NodeID: "not hex"}); err != nil {
		t.Fatal(err)
	}
	if _, err := NodeID(dir); err == nil || !strings.Contains(err.Error(), "node.json") {
		t.Fatalf("got %v", err)
	}
}
