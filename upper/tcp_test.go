package upper

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/serve"
)

// streamArchs are the architectures that run inside the test process
// (prefork, inetd and systemd need a process of their own).
func streamArchs(t *testing.T) []serve.Arch {
	var out []serve.Arch
	for _, a := range serve.Architectures() {
		switch {
		case a == serve.Prefork, strings.HasPrefix(string(a), "inetd"), a == serve.Systemd:
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		t.Fatal("no architectures")
	}
	return out
}

// startTCP runs the uppercase protocol under arch on a loopback port.
func startTCP(t *testing.T, arch serve.Arch) string {
	t.Helper()
	return startStream(t, Protocol{}, serve.Config{Arch: arch, MaxRequest: 4096})
}

// startStream runs proto configured by cfg on a loopback port until the
// test ends, and returns the address.
func startStream(t *testing.T, proto serve.Protocol, cfg serve.Config) string {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := serve.New(proto, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		if err := <-done; err != nil && !errors.Is(err, serve.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return s.Addr().String()
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.TCPConn)
}

// readN reads exactly len(want) bytes and compares them.
func expect(t *testing.T, c net.Conn, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

func TestTCPArchitectures(t *testing.T) {
	for _, arch := range streamArchs(t) {
		t.Run(string(arch), func(t *testing.T) {
			addr := startTCP(t, arch)

			t.Run("conversation", func(t *testing.T) {
				c := dial(t, addr)
				for _, m := range []string{"hello ", "straße ", "ﬁn"} {
					c.Write([]byte(m))
					want, _ := UpperString(m)
					expect(t, c, want)
				}
				c.CloseWrite()
				if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
					t.Fatalf("after close: %q %v", rest, err)
				}
			})

			t.Run("split characters", func(t *testing.T) {
				// One byte per write with pauses: the server sees
				// characters cut across reads.
				c := dial(t, addr)
				text := "été ΐ 𐐨"
				for i := range len(text) {
					c.Write([]byte{text[i]})
					time.Sleep(2 * time.Millisecond)
				}
				c.CloseWrite()
				got, err := io.ReadAll(c)
				want, _ := UpperString(text)
				if err != nil || string(got) != want {
					t.Fatalf("got %q, %v; want %q", got, err, want)
				}
			})

			t.Run("bad input", func(t *testing.T) {
				// A client served all along, except under single, which
				// serves one connection at a time: there the clients
				// come one after the other.
				var good *net.TCPConn
				if arch != serve.Single {
					good = dial(t, addr)
					good.Write([]byte("before "))
					expect(t, good, "BEFORE ")
				}

				// Invalid UTF-8: the valid start, an error line, close.
				bad := dial(t, addr)
				bad.Write([]byte("ab\xffcd"))
				got, _ := io.ReadAll(bad)
				if want := "AB\nerror: invalid UTF-8 at byte 2 of the stream; closing\n"; string(got) != want {
					t.Errorf("invalid UTF-8: %q, want %q", got, want)
				}

				// Closing in the middle of a character.
				mid := dial(t, addr)
				mid.Write([]byte("ok \xe6\x97"))
				time.Sleep(10 * time.Millisecond)
				mid.CloseWrite()
				got, _ = io.ReadAll(mid)
				if want := "OK \nerror: the stream ended inside a UTF-8 character (2 of its bytes arrived)\n"; string(got) != want {
					t.Errorf("mid-character close: %q, want %q", got, want)
				}

				// Everyone is still served.
				if good != nil {
					good.Write([]byte("after"))
					expect(t, good, "AFTER")
					good.Close()
				}
				next := dial(t, addr)
				next.Write([]byte("next"))
				expect(t, next, "NEXT")
				next.Close()
			})

			t.Run("client", func(t *testing.T) {
				got, err := SendTCP(context.Background(), addr, []byte("hello, straße"), 5*time.Second)
				if err != nil || string(got) != "HELLO, STRASSE" {
					t.Fatalf("SendTCP = %q, %v", got, err)
				}
				big := bytes.Repeat([]byte("é"), 300000)
				got, err = SendTCP(context.Background(), addr, big, 10*time.Second)
				if err != nil || !bytes.Equal(got, bytes.Repeat([]byte("É"), 300000)) {
					t.Fatalf("SendTCP of 600 kB: %d bytes, %v", len(got), err)
				}
				_, err = SendTCP(context.Background(), addr, []byte("x\xc3"), 5*time.Second)
				var se *ServerError
				if !errors.As(err, &se) || !strings.Contains(se.Msg, "ended inside a UTF-8 character") {
					t.Fatalf("SendTCP of a cut character: %v", err)
				}
			})
		})
	}
}
