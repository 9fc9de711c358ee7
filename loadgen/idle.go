package loadgen

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// IdleConns are connections opened to a server and left silent, to measure
// what an idle connection costs the server.
type IdleConns struct {
	fds []int
}

// idleConnectTimeout bounds each connect of OpenIdle: a server that does
// not accept fills its listen backlog, and the kernel then drops the
// handshakes and retries them for minutes. 3 s leaves room for the first
// two retries (after 1 and 3 s) of a server that accepts slowly.
const idleConnectTimeout = 3 * time.Second

// OpenIdle opens n connections to addr and sends nothing on them, for at
// most the time within (0: no limit). If a connection fails or does not
// complete within 3 s, or time runs out, it stops there and returns the
// connections opened so far (nil if none) with an error saying why.
func OpenIdle(addr string, n int, within time.Duration) (*IdleConns, error) {
	sa, err := resolve(addr)
	if err != nil {
		return nil, err
	}
	ic := &IdleConns{fds: make([]int, 0, n)}
	start := time.Now()
	for range n {
		if within > 0 && time.Since(start) > within {
			return ic, fmt.Errorf("stopped after %v at %d connections: the server accepts slowly", within, len(ic.fds))
		}
		fd, err := unix.Socket(sockFamily(sa), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			err = fmt.Errorf("idle connection %d: socket: %w", len(ic.fds)+1, err)
			if len(ic.fds) == 0 {
				return nil, err
			}
			return ic, err
		}
		if err := connectWithin(fd, sa, idleConnectTimeout); err != nil {
			unix.Close(fd)
			err = fmt.Errorf("idle connection %d: connect: %w", len(ic.fds)+1, err)
			if len(ic.fds) == 0 {
				return nil, err
			}
			return ic, err
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

// connectWithin connects the non-blocking socket fd to sa, waiting at most
// timeout. Signals (the Go runtime's preemption among them) do not
// interrupt it.
func connectWithin(fd int, sa unix.Sockaddr, timeout time.Duration) error {
	err := unix.Connect(fd, sa)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINPROGRESS) && !errors.Is(err, unix.EINTR) {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("timed out after %v: the server does not accept", timeout)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return err
		}
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if soerr != 0 {
			return unix.Errno(soerr)
		}
		return nil
	}
}
