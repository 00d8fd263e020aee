package topology

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocol is the control-plane protocol version: the encoding of the
// cluster map and the bus calls. Nodes with different protocols never join.
const Protocol = 1

// Compatible reports whether a node of Larder version a may join a cluster
// running version b: the same major version, and for 0.x releases the same
// minor version too ("0.1.0" and "0.1.7" work together, "0.1.0" and "0.2.0"
// do not). A pre-release or build suffix ("-dev", "+abc") is ignored.
func Compatible(a, b string) error {
	am, an, err := majorMinor(a)
	if err != nil {
		return err
	}
	bm, bn, err := majorMinor(b)
	if err != nil {
		return err
	}
	if am != bm || (am == 0 && an != bn) {
		return fmt.Errorf("%w: version %s cannot join a cluster running %s", ErrIncompatibleVersion, a, b)
	}
	return nil
}

func majorMinor(v string) (major, minor int, err error) {
	s := strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("%w: version %q is not major.minor[.patch]", ErrIncompatibleVersion, v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return 0, 0, fmt.Errorf("%w: version %q is not major.minor[.patch]", ErrIncompatibleVersion, v)
	}
	return major, minor, nil
}
