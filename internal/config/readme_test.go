package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEListsEverySetting keeps the README's settings section true: every
// setting Larder acts on is in its table, every other one in its list.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, p := range Params() {
		if p.Hidden {
			continue
		}
		name := "`" + p.Name + "`"
		if p.Larder && !strings.Contains(readme, "| "+name+" |") {
			t.Errorf("README's settings table lacks %s, which Larder acts on", name)
		}
		if !strings.Contains(readme, name) {
			t.Errorf("README does not mention the setting %s", name)
		}
	}
}
