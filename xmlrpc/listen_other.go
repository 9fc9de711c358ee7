//go:build !linux

package xmlrpc

import "syscall"

// deferAccept does nothing where TCP_DEFER_ACCEPT does not exist.
func deferAccept(network, address string, rc syscall.RawConn) error { return nil }
