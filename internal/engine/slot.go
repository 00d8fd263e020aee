package engine

// NumSlots is the number of Redis Cluster hash slots a key can map to.
const NumSlots = 16384

// crc16tab[k][b] is the CRC16 (XMODEM: polynomial 0x1021, no reflection, initial 0) of the
// byte b followed by k zero bytes, so that crc16 takes 8 bytes a step ("slicing by 8").
var crc16tab = func() (t [8][256]uint16) {
	for i := range t[0] {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 8; k++ {
		for i := range t[k] {
			c := t[k-1][i]
			t[k][i] = c<<8 ^ t[0][byte(c>>8)]
		}
	}
	return t
}()

// crc16 returns the CRC16 of b as Redis Cluster computes it. The 16-bit register only
// affects the first two bytes of each 8-byte step, after which it is spent.
func crc16(b []byte) uint16 {
	var c uint16
	for len(b) >= 8 {
		c = crc16tab[7][b[0]^byte(c>>8)] ^ crc16tab[6][b[1]^byte(c)] ^
			crc16tab[5][b[2]] ^ crc16tab[4][b[3]] ^ crc16tab[3][b[4]] ^
			crc16tab[2][b[5]] ^ crc16tab[1][b[6]] ^ crc16tab[0][b[7]]
		b = b[8:]
	}
	for _, x := range b {
		c = c<<8 ^ crc16tab[0][byte(c>>8)^x]
	}
	return c
}

// Slot returns the Redis Cluster slot of key: CRC16 (XMODEM) of the key, or of the content of
// the first {hash tag} when that content is non-empty, modulo NumSlots. It does not allocate.
func Slot(key []byte) uint16 {
	for i, c := range key {
		if c != '{' {
			continue
		}
		for j := i + 1; j < len(key); j++ {
			if key[j] == '}' {
				if j > i+1 {
					key = key[i+1 : j]
				}
				return crc16(key) & (NumSlots - 1)
			}
		}
		break
	}
	return crc16(key) & (NumSlots - 1)
}
