package dgram

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenConfig returns a net.ListenConfig that, when reuse is set, sets
// SO_REUSEADDR and SO_REUSEPORT on the socket before it is bound, so that
// several servers can share one port: each of them then receives every
// broadcast datagram sent to the port (unicast datagrams go to one of them).
func ListenConfig(reuse bool) *net.ListenConfig {
	lc := &net.ListenConfig{}
	if reuse {
		lc.Control = func(network, address string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr != nil {
					return
				}
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			if err != nil {
				return err
			}
			if serr != nil {
				return fmt.Errorf("set SO_REUSEADDR/SO_REUSEPORT: %w", serr)
			}
			return nil
		}
	}
	return lc
}

// Listen opens a UDP socket on addr, with port sharing when reuse is set
// (see ListenConfig).
func Listen(ctx context.Context, addr string, reuse bool) (net.PacketConn, error) {
	pc, err := ListenConfig(reuse).ListenPacket(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on udp %s: %w", addr, err)
	}
	return pc, nil
}
