package engine

import "testing"

func TestSlot(t *testing.T) {
	tests := []struct {
		key  string
		want uint16
	}{
		{"foo", 12182},
		{"bar", 5061},
		{"", 0},
		{"123456789", 0x31C3 & (NumSlots - 1)}, // the XMODEM check value
		{"{foo}bar", 12182},
		{"a{foo}", 12182},
		{"foo{}{bar}", crc16([]byte("foo{}{bar}")) & (NumSlots - 1)},
		{"foo{{bar}}zap", crc16([]byte("{bar")) & (NumSlots - 1)},
		{"foo{bar}{zap}", 5061},
		{"{bar", crc16([]byte("{bar")) & (NumSlots - 1)},
	}
	for _, tt := range tests {
		if got := Slot([]byte(tt.key)); got != tt.want {
			t.Errorf("Slot(%q) = %d, want %d", tt.key, got, tt.want)
		}
	}
	if a, b := Slot([]byte("{user1000}.following")), Slot([]byte("{user1000}.followers")); a != b {
		t.Errorf("hash tags differ: %d != %d", a, b)
	}
}

func TestSlotNoAlloc(t *testing.T) {
	k := []byte("{user1000}.following")
	if n := testing.AllocsPerRun(100, func() { Slot(k) }); n != 0 {
		t.Errorf("Slot allocates %v times", n)
	}
}

func BenchmarkSlot(b *testing.B) {
	k := []byte("user:1000:profile")
	for b.Loop() {
		Slot(k)
	}
}

// TestCRC16Slicing holds the 8-bytes-a-step CRC16 against the byte-at-a-time definition.
func TestCRC16Slicing(t *testing.T) {
	bytewise := func(b []byte) uint16 {
		var c uint16
		for _, x := range b {
			c ^= uint16(x) << 8
			for range 8 {
				if c&0x8000 != 0 {
					c = c<<1 ^ 0x1021
				} else {
					c <<= 1
				}
			}
		}
		return c
	}
	b := make([]byte, 100)
	for i := range b {
		b[i] = byte(i*131 + 7)
	}
	for n := range len(b) + 1 {
		for off := range 3 {
			if off > n {
				continue
			}
			if got, want := crc16(b[off:n]), bytewise(b[off:n]); got != want {
				t.Fatalf("crc16 of %d bytes at %d = %#x, want %#x", n-off, off, got, want)
			}
		}
	}
}
