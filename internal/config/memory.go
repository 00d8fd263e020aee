package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// errMemory is ParseMemory's error, worded as Redis's CONFIG SET reason.
var errMemory = errors.New("argument must be a memory value")

// ParseMemory parses a memory value as Redis's memtoull does: decimal digits
// followed by an optional case-insensitive unit, b (1), k (1000), kb (1024),
// m (1e6), mb (1<<20), g (1e9) or gb (1<<30). Unlike Redis it also rejects
// an empty string, a unit without digits, and values above the int64 range.
func ParseMemory(s string) (int64, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, errMemory
	}
	var mul int64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1 << 20
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1 << 30
	default:
		return 0, errMemory
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mul {
		return 0, errMemory
	}
	return n * mul, nil
}
