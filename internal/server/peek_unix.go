//go:build unix

package server

import "syscall"

// canPeek says that peek works here.
const canPeek = true

// peek reads what the socket fd holds into b without taking it from the socket and without
// blocking: EAGAIN when it holds nothing, 0 bytes when the peer has closed it.
func peek(fd uintptr, b []byte) (int, error) {
	n, _, err := syscall.Recvfrom(int(fd), b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}
