package command

import "testing"

func TestNameIs(t *testing.T) {
	for _, tt := range []struct {
		arg, name string
		want      bool
	}{{"get", "get", true}, {"GET", "get", true}, {"gEt", "get", true}, {"gets", "get", false},
		{"ge", "get", false}, {"set", "get", false}, {"GET", "GET", false}, {"", "", true}} {
		if got := nameIs([]byte(tt.arg), tt.name); got != tt.want {
			t.Errorf("nameIs(%q, %q) = %v", tt.arg, tt.name, got)
		}
	}
}
