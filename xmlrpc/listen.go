package xmlrpc

import (
	"context"
	"net"
)

// Listen opens a TCP listener for the stream protocol, tuned for short
// HTTP exchanges: no TCP keep-alive probes (they cost three setsockopt
// calls for every accepted connection, and HTTP has its own idle timeout)
// and, on Linux, TCP_DEFER_ACCEPT: the kernel hands a connection to accept
// only once its request has started to arrive, so that the server wakes
// once per new connection (accept, then read at once) instead of twice
// (accept, then wait for the request). A client that connects and sends
// nothing is handed over after deferAcceptSeconds all the same.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1, Control: deferAccept}
	return lc.Listen(ctx, "tcp", addr)
}
