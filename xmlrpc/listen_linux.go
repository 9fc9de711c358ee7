package xmlrpc

import "syscall"

// deferAcceptSeconds is how long the kernel holds back a connection that
// sends nothing before it hands it to accept anyway.
const deferAcceptSeconds = 1

// deferAccept sets TCP_DEFER_ACCEPT on a listening TCP socket.
func deferAccept(network, address string, rc syscall.RawConn) error {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, deferAcceptSeconds)
	}); err != nil {
		return err
	}
	return serr
}
