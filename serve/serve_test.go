package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineProto answers each newline-terminated line with "ok:" and the line.
type lineProto struct {
	mu     sync.Mutex
	closes []error
}

func (p *lineProto) Split(buf []byte) (int, error) {
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return i + 1, nil
	}
	return 0, nil
}

func (p *lineProto) NewSession(net.Addr) Session { return &lineSession{p: p} }

type lineSession struct{ p *lineProto }

func (s *lineSession) Serve(req, out []byte) ([]byte, error) {
	if string(req) == "quit\n" {
		return append(out, "bye\n"...), errors.New("quit")
	}
	out = append(out, "ok:"...)
	return append(out, req...), nil
}

func (s *lineSession) Close(err error) {
	s.p.mu.Lock()
	s.p.closes = append(s.p.closes, err)
	s.p.mu.Unlock()
}

func (p *lineProto) waitCloses(t *testing.T, n int) []error {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		got := append([]error(nil), p.closes...)
		p.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("fewer than %d sessions closed", n)
	return nil
}

// startServer runs p under arch on a free loopback port.
func startServer(t *testing.T, p Protocol, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s
}

func TestPipelinedAndSplitRequests(t *testing.T) {
	for _, arch := range Architectures() {
		if !goroutineArch(arch) {
			continue
		}
		t.Run(string(arch), func(t *testing.T) {
			p := &lineProto{}
			s := startServer(t, p, Config{Arch: arch})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Two requests in one write, then one byte by byte.
			io.WriteString(c, "a\nb\n")
			for _, b := range []byte("cd\n") {
				c.Write([]byte{b})
				time.Sleep(time.Millisecond)
			}
			r := bufio.NewReader(c)
			for _, want := range []string{"ok:a\n", "ok:b\n", "ok:cd\n"} {
				got, err := r.ReadString('\n')
				if err != nil || got != want {
					t.Fatalf("got %q, %v; want %q", got, err, want)
				}
			}
		})
	}
}

// goroutineArch reports whether arch runs in-process on a listener, which
// is what these tests exercise.
func goroutineArch(a Arch) bool {
	switch a {
	case Prefork, InetdNowait, InetdWait, Systemd:
		return false
	}
	return true
}

func TestIncompleteRequestIsReported(t *testing.T) {
	p := &lineProto{}
	s := startServer(t, p, Config{Arch: PerConn})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "abc")
	c.Close()
	got := p.waitCloses(t, 1)
	var inc *IncompleteError
	if !errors.As(got[0], &inc) || inc.N != 3 {
		t.Fatalf("Close got %v, want IncompleteError{3}", got[0])
	}
}

func TestRequestTooLargeClosesOnlyThatConnection(t *testing.T) {
	p := &lineProto{}
	s := startServer(t, p, Config{Arch: PerConn, MaxRequest: 64})
	good, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	bad, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Write(bytes.Repeat([]byte("x"), 1<<20))
	got := p.waitCloses(t, 1)
	var tooLarge *RequestTooLargeError
	if !errors.As(got[0], &tooLarge) {
		t.Fatalf("Close got %v, want RequestTooLargeError", got[0])
	}
	io.WriteString(good, "still\n")
	line, err := bufio.NewReader(good).ReadString('\n')
	if err != nil || line != "ok:still\n" {
		t.Fatalf("good connection got %q, %v", line, err)
	}
}

func TestServeErrorSendsAnswerThenCloses(t *testing.T) {
	p := &lineProto{}
	s := startServer(t, p, Config{Arch: PerConn})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "quit\n")
	all, _ := io.ReadAll(c)
	if string(all) != "bye\n" {
		t.Fatalf("got %q", all)
	}
}

func TestShutdownFinishesAndWaits(t *testing.T) {
	p := &lineProto{}
	cfg := Config{Arch: PerConn, Addr: "127.0.0.1:0"}
	s, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "x\n")
	if line, _ := bufio.NewReader(c).ReadString('\n'); line != "ok:x\n" {
		t.Fatalf("got %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	if got := p.waitCloses(t, 1); got[0] != nil {
		t.Fatalf("idle connection closed with %v, want nil", got[0])
	}
}

func TestUnknownArch(t *testing.T) {
	_, err := New(&lineProto{}, Config{Arch: "nope"})
	if err == nil || !strings.Contains(err.Error(), "unknown architecture") {
		t.Fatalf("got %v", err)
	}
}
