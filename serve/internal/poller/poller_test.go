//go:build linux

package poller

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns two connected non-blocking stream sockets.
func socketPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Close(fds[0])
		unix.Close(fds[1])
	})
	return fds[0], fds[1]
}

func openPoller(t *testing.T) *Poller {
	t.Helper()
	p, err := Open(8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestEventsCarryFdAndGeneration(t *testing.T) {
	p := openPoller(t)
	a, b := socketPair(t)
	if err := p.Add(a, 41, In); err != nil {
		t.Fatal(err)
	}
	if evs, _, err := p.Wait(0); err != nil || len(evs) != 0 {
		t.Fatalf("idle Wait = %v, %v", evs, err)
	}
	if _, err := Send(b, []byte("hi"), false); err != nil {
		t.Fatal(err)
	}
	evs, woken, err := p.Wait(time.Second)
	if err != nil || woken || len(evs) != 1 {
		t.Fatalf("Wait = %v, %v, %v", evs, woken, err)
	}
	if ev := evs[0]; ev.Fd != a || ev.Gen != 41 || !ev.Readable() || ev.Writable() || ev.Failed() {
		t.Fatalf("event %+v", ev)
	}
	buf := make([]byte, 8)
	if n, err := Read(a, buf); n != 2 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if _, err := Read(a, buf); err != unix.EAGAIN {
		t.Fatalf("empty Read = %v, want a bare EAGAIN", err)
	}
	// A new generation replaces the old one.
	if err := p.Modify(a, 42, In|Out); err != nil {
		t.Fatal(err)
	}
	evs, _, _ = p.Wait(time.Second)
	if len(evs) != 1 || evs[0].Gen != 42 || !evs[0].Writable() {
		t.Fatalf("after Modify: %+v", evs)
	}
	if err := p.Delete(a); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(a); err == nil {
		t.Fatal("second Delete succeeded")
	}
}

func TestWakeIsCoalescedAndNeverLost(t *testing.T) {
	p := openPoller(t)
	for range 3 {
		p.Wake()
	}
	evs, woken, err := p.Wait(time.Second)
	if err != nil || !woken || len(evs) != 0 {
		t.Fatalf("Wait = %v, %v, %v", evs, woken, err)
	}
	if _, woken, _ := p.Wait(0); woken {
		t.Fatal("three Wakes woke twice")
	}
	// Wakes from another goroutine, each after the loop saw the last.
	for i := range 100 {
		done := make(chan struct{})
		go func() { p.Wake(); close(done) }()
		if _, woken, err := p.Wait(10 * time.Second); err != nil || !woken {
			t.Fatalf("round %d: woken %v, %v", i, woken, err)
		}
		<-done
	}
}

func TestHangupAndSendErrors(t *testing.T) {
	p := openPoller(t)
	a, b := socketPair(t)
	if err := p.Add(a, 1, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(b)
	evs, _, err := p.Wait(time.Second)
	if err != nil || len(evs) != 1 || !evs[0].Failed() {
		t.Fatalf("after the peer closed: %+v, %v", evs, err)
	}
	if _, err := Send(a, []byte("x"), false); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("Send to a closed peer = %v, want EPIPE (and no SIGPIPE)", err)
	}
	if n, err := Send(a, nil, false); n != 0 || err != nil {
		t.Fatalf("empty Send = %d, %v", n, err)
	}
}

func TestSendFillsThenEAGAIN(t *testing.T) {
	a, _ := socketPair(t)
	big := make([]byte, 1<<20)
	total := 0
	for {
		n, err := Send(a, big, false)
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total == 0 {
		t.Fatal("nothing sent before EAGAIN")
	}
}

func TestDupIsNonBlocking(t *testing.T) {
	a, _ := socketPair(t)
	d, err := Dup(a)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(d)
	if _, err := Read(d, make([]byte, 1)); err != unix.EAGAIN {
		t.Fatalf("Read on the duplicate = %v, want EAGAIN", err)
	}
	if err := SocketError(d); err != nil {
		t.Fatal(err)
	}
}

// TestAcceptPeerAddress checks that Accept reports the peer exactly as
// unix.Accept4 would, for IPv4, IPv6 and Unix-domain clients, and that it
// returns a bare EAGAIN when nobody waits.
func TestAcceptPeerAddress(t *testing.T) {
	for _, tc := range []struct {
		network, addr string
	}{
		{"tcp4", "127.0.0.1:0"},
		{"tcp6", "[::1]:0"},
		{"unix", t.TempDir() + "/s"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			ln, err := net.Listen(tc.network, tc.addr)
			if err != nil {
				t.Skipf("cannot listen on %s: %v", tc.network, err)
			}
			defer ln.Close()
			raw, err := ln.(interface {
				File() (*os.File, error)
			}).File()
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			lfd := int(raw.Fd())
			unix.SetNonblock(lfd, true)
			inherit := ListenerNoDelay(lfd)
			if inherit != (tc.network != "unix") {
				t.Errorf("ListenerNoDelay on %s: %v", tc.network, inherit)
			}
			if _, _, err := Accept(lfd, !inherit); err != unix.EAGAIN {
				t.Fatalf("Accept with nobody waiting: %v, want EAGAIN", err)
			}
			c, err := net.Dial(tc.network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var fd int
			var peer unix.Sockaddr
			for i := 0; ; i++ {
				fd, peer, err = Accept(lfd, !inherit)
				if err != unix.EAGAIN || i == 1000 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			switch sa := peer.(type) {
			case *unix.SockaddrInet4:
				want := c.LocalAddr().(*net.TCPAddr)
				if sa.Port != want.Port || !net.IP(sa.Addr[:]).Equal(want.IP) {
					t.Errorf("peer %v:%d, want %v", net.IP(sa.Addr[:]), sa.Port, want)
				}
			case *unix.SockaddrInet6:
				want := c.LocalAddr().(*net.TCPAddr)
				if sa.Port != want.Port || !net.IP(sa.Addr[:]).Equal(want.IP) {
					t.Errorf("peer [%v]:%d, want %v", net.IP(sa.Addr[:]), sa.Port, want)
				}
			case *unix.SockaddrUnix:
				// An unnamed client socket: unix.Accept4 reports "@".
				if sa.Name != "@" {
					t.Errorf("unix peer %q, want %q", sa.Name, "@")
				}
			default:
				t.Fatalf("peer %T", peer)
			}
			if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || v != unix.SOCK_STREAM {
				t.Errorf("accepted fd type %d, %v", v, err)
			}
			if inherit {
				// The accepted socket got TCP_NODELAY from the listener.
				if v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); err != nil || v != 1 {
					t.Errorf("accepted TCP socket: TCP_NODELAY %d, %v; want 1", v, err)
				}
			}
			if fl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); fl&unix.O_NONBLOCK == 0 {
				t.Error("accepted fd is blocking")
			}
		})
	}
}
