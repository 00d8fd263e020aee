package config

import "testing"

// FuzzNormalize checks that no value makes a setting panic and that the
// canonical form is a fixed point: normalizing it again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "0", "1gb", "-1", "yes", "10%", "700", "KEA", "100 1 50 2",
		"normal 1mb 2mb 3", "NOW nosave", "99.9 50", "host 6379", "ALLKEYS-LRU", " 5", "+5"} {
		f.Add(uint16(0), s)
		f.Add(uint16(97), s)
	}
	ps := Params()
	f.Fuzz(func(t *testing.T, i uint16, v string) {
		p := ps[int(i)%len(ps)]
		out, err := p.Normalize(v)
		if err != nil {
			return
		}
		again, err := p.Normalize(out)
		if err != nil || again != out {
			t.Fatalf("%s: %q -> %q -> %q, %v", p.Name, v, out, again, err)
		}
		_, _ = ParseMemory(v)
	})
}
