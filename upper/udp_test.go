package upper

import (
	"bytes"
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/dgram"
)

// startServer runs an uppercase server (UDP and TCP) configured by cfg.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// exchange sends one datagram from a fresh socket and waits for the reply.
func exchange(t *testing.T, addr net.Addr, req []byte) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 70000)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no reply to %d bytes: %v", len(req), err)
	}
	return buf[:n]
}

func TestUDP(t *testing.T) {
	s := startServer(t, Config{MaxDatagram: 1000})
	if s.UDPAddr().(*net.UDPAddr).Port != s.TCPAddr().(*net.TCPAddr).Port {
		t.Fatalf("UDP %v and TCP %v differ", s.UDPAddr(), s.TCPAddr())
	}
	addr := s.UDPAddr()
	for _, c := range []struct{ in, want string }{
		{"hello", "HELLO"},
		{"straße été ﬁ", "STRASSE ÉTÉ FI"},
		{"", ""},
		{"ab\xffcd", "error: invalid UTF-8 at byte 2 of 5; send UTF-8 text"},
		{strings.Repeat("a", 1001), "error: datagram is longer than the maximum of 1000 bytes"},
		{strings.Repeat("a", 1000), strings.Repeat("A", 1000)},
		{"still serving", "STILL SERVING"},
	} {
		if got := exchange(t, addr, []byte(c.in)); string(got) != c.want {
			t.Errorf("%.20q: got %.80q, want %.80q", c.in, got, c.want)
		}
	}
}

func TestUDPLimits(t *testing.T) {
	s := startServer(t, Config{})
	addr := s.UDPAddr()
	// The largest IPv4 datagram is served.
	max := bytes.Repeat([]byte("z"), dgram.MaxPayload)
	if got := exchange(t, addr, max); !bytes.Equal(got, bytes.ToUpper(max)) {
		t.Fatalf("65507-byte datagram: %d bytes back", len(got))
	}
	// U+0390 (2 bytes) upper-cases to 6 bytes: 64000 bytes become 192000.
	grow := bytes.Repeat([]byte("ΐ"), 32000)
	got := exchange(t, addr, grow)
	if msg, ok := IsErrorReply(got); !ok || !strings.Contains(msg, "192000 bytes, more than one datagram") {
		t.Fatalf("reply too big: %.100q", got)
	}
	if got := exchange(t, addr, []byte("ok")); string(got) != "OK" {
		t.Fatalf("after errors: %q", got)
	}
}

func TestUDPClientRetries(t *testing.T) {
	t.Parallel()
	// Half the datagrams are dropped, with a fixed seed: every exchange
	// still succeeds, and some needed more than one try.
	s := startServer(t, Config{Drop: 0.5, Seed: 42})
	addr := s.UDPAddr().String()
	retried := 0
	for i := range 10 {
		r, err := SendUDP(context.Background(), addr, []byte("drop me not"), dgram.Retry{})
		if err != nil {
			t.Fatalf("exchange %d: %v", i, err)
		}
		if string(r.Data) != "DROP ME NOT" {
			t.Fatalf("exchange %d: %q", i, r.Data)
		}
		if r.Tries > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("no exchange needed a retry: drops are not exercised")
	}
	t.Logf("%d of 10 exchanges needed retries", retried)
}

// freeUDPPort returns a loopback UDP address nobody listens on.
func freeUDPPort(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func TestUDPClientNoServer(t *testing.T) {
	t.Parallel()
	addr := freeUDPPort(t)
	start := time.Now()
	_, err := SendUDP(context.Background(), addr, []byte("anyone?"), dgram.Retry{})
	elapsed := time.Since(start)
	var nr *dgram.NoReplyError
	if !errors.As(err, &nr) || nr.Tries != 5 {
		t.Fatalf("err = %v", err)
	}
	// The time in the message is measured: 3.1 s (0.1 doubling five
	// times), more on a loaded machine, so only its lower bound is checked.
	want := regexp.MustCompile(`^no reply from ` + regexp.QuoteMeta(addr) + ` after 5 tries over \d+\.\d s: server seems down$`)
	if !want.MatchString(err.Error()) {
		t.Errorf("message %q, want %q", err, want)
	}
	if elapsed < 3100*time.Millisecond {
		t.Errorf("gave up after %v, before the back-off's 3.1 s", elapsed)
	}
}

func TestUDPClientIgnoresStrangers(t *testing.T) {
	// A connected socket ignores datagrams from anyone but the server.
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	stranger, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer stranger.Close()
	go func() {
		buf := make([]byte, 100)
		n, from, err := srv.ReadFrom(buf)
		if err != nil {
			return
		}
		stranger.WriteTo([]byte("SPOOFED"), from)
		time.Sleep(20 * time.Millisecond)
		srv.WriteTo(bytes.ToUpper(buf[:n]), from)
	}()
	r, err := SendUDP(context.Background(), srv.LocalAddr().String(), []byte("real"), dgram.Retry{})
	if err != nil || string(r.Data) != "REAL" {
		t.Fatalf("got %q, %v", r.Data, err)
	}
}

// reusePair starts two servers sharing one port on 0.0.0.0, as broadcast
// discovery needs, and returns the port.
func reusePair(t *testing.T) int {
	a := startServer(t, Config{Addr: "0.0.0.0:0", Reuse: true})
	port := a.UDPAddr().(*net.UDPAddr).Port
	startServer(t, Config{Addr: net.JoinHostPort("0.0.0.0", strconv.Itoa(port)), Reuse: true})
	return port
}

func TestBroadcastTwoServers(t *testing.T) {
	t.Parallel()
	port := reusePair(t)
	replies, err := Discover(context.Background(), "127.255.255.255:"+strconv.Itoa(port), []byte("who is there?"), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 2 {
		t.Fatalf("%d replies, want 2", len(replies))
	}
	for _, r := range replies {
		if string(r.Data) != "WHO IS THERE?" || r.From.(*net.UDPAddr).Port != port {
			t.Errorf("reply %q from %v", r.Data, r.From)
		}
	}
}
