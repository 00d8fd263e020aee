//go:build !unix

package server

import "errors"

// canPeek says that peek does not work here: a blocked client's disconnection is then noticed
// when its command ends, not while it waits.
const canPeek = false

// peek is never called here.
func peek(fd uintptr, b []byte) (int, error) { return 0, errors.ErrUnsupported }
