package xmlrpc

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestListenDefersAccept checks the tuned listener: TCP_DEFER_ACCEPT is set,
// a client that sends its request is accepted, and a client that sends
// nothing is still handed over (after the defer period), not held forever.
func TestListenDefersAccept(t *testing.T) {
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT)
	})
	if gerr != nil || v <= 0 {
		t.Errorf("TCP_DEFER_ACCEPT = %d, %v; want it set", v, gerr)
	}

	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	next := func(what string) net.Conn {
		t.Helper()
		select {
		case c, ok := <-accepted:
			if !ok {
				t.Fatalf("%s: accept failed", what)
			}
			return c
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: not accepted", what)
		}
		return nil
	}

	talker, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer talker.Close()
	talker.Write([]byte("POST"))
	c := next("a client that sends")
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); n == 0 || err != nil {
		t.Errorf("read from the accepted client: %d, %v", n, err)
	}
	c.Close()

	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	next("a silent client").Close()
}
