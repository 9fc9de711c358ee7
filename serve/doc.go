// Package serve runs one stream service, written once as a [Protocol], under
// any of the server architectures of the sources.
//
// A Protocol cuts the byte stream of a connection into requests (Split) and
// starts a [Session] per connection that answers each request in order. The
// architecture decides only how connections are accepted and scheduled:
//
//	single        accept one connection, serve it to its end, accept the next
//	pool          N goroutines each blocking in Accept on one listener
//	perconn       one goroutine per connection (Go's own model)
//	poll          one epoll loop on a locked OS thread over non-blocking fds
//	reactor       one epoll loop per CPU, connections spread across loops
//	prefork       N worker processes share the inherited listening socket
//	inetd-nowait  the accepted connection is fd 0
//	inetd-wait    the listening socket is fd 0; exit after an idle period
//	systemd       socket activation through LISTEN_FDS / LISTEN_PID
//
// Every architecture applies the same [Config] (maximum request size, idle
// timeout, maximum connections) and writes the same log lines: "accepted",
// "closed normally", "closed with an incomplete request", "closed before all
// of the answer could be sent" and "error".
//
// The life of a connection, in every architecture:
//
//	accept -> NewSession
//	loop:  read -> Split (the Session's if it is a SessionSplitter) -> Serve
//	       for each complete request -> write answers
//	end:   peer closed (Flush if the Session is a Flusher), idle timeout,
//	       request too large, Split or Serve error, or server shutdown
//	       -> close -> Session.Close(why) -> one log line
package serve
