package loadgen

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// IdleConns are connections opened to a server and left silent, to measure
// what an idle connection costs the server.
type IdleConns struct {
	fds []int
}

// OpenIdle opens n connections to addr and sends nothing on them. On error
// it closes the ones it opened.
func OpenIdle(addr string, n int) (*IdleConns, error) {
	sa, err := resolve(addr)
	if err != nil {
		return nil, err
	}
	ic := &IdleConns{fds: make([]int, 0, n)}
	for range n {
		fd, err := unix.Socket(sockFamily(sa), unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			ic.Close()
			return nil, fmt.Errorf("idle connection %d: socket: %w", len(ic.fds)+1, err)
		}
		if err := unix.Connect(fd, sa); err != nil {
			unix.Close(fd)
			ic.Close()
			return nil, fmt.Errorf("idle connection %d: connect: %w", len(ic.fds)+1, err)
		}
		ic.fds = append(ic.fds, fd)
	}
	return ic, nil
}

// Len returns the number of open connections.
func (ic *IdleConns) Len() int { return len(ic.fds) }

// Close closes every connection.
func (ic *IdleConns) Close() {
	for _, fd := range ic.fds {
		unix.Close(fd)
	}
	ic.fds = nil
}
