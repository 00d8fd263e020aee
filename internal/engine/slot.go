package engine

// NumSlots is the number of Redis Cluster hash slots a key can map to.
const NumSlots = 16384

// crc16tab is the table for CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0,
// no reflection, as Redis Cluster uses. It is computed once at package initialisation.
var crc16tab = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c<<8 ^ crc16tab[byte(c>>8)^x]
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
