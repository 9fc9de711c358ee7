package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
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

// launch builds a server for p, listens and serves in the background; Serve's
// result arrives on the returned channel.
func launch(t *testing.T, p Protocol, cfg Config) (*Server, <-chan error) {
	t.Helper()
	s, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	return s, done
}

// startServer runs p under arch on a free loopback port.
func startServer(t *testing.T, p Protocol, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, done := launch(t, p, cfg)
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

// TestMain runs this test binary as a prefork worker when the prefork tests
// start it as one: it serves lineProto on the inherited listener until
// SIGTERM, and runs no test.
func TestMain(m *testing.M) {
	if preforkWorker != "" {
		os.Exit(runTestWorker())
	}
	os.Exit(m.Run())
}

func runTestWorker() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s, err := New(&lineProto{}, Config{Arch: Prefork, Logger: log})
	if err == nil {
		err = s.Listen()
	}
	if err != nil {
		log.Error("worker", "err", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = s.Shutdown(sctx)
	}
	if err != nil && !errors.Is(err, ErrServerClosed) {
		log.Error("worker", "err", err)
		return 1
	}
	return 0
}

// askLine sends line and returns the answer line.
func askLine(t *testing.T, c net.Conn, r *bufio.Reader, line string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("after %q: %v", line, err)
	}
	return got
}

func TestPreforkServesAndShutsDown(t *testing.T) {
	var logs syncBuffer
	s, done := launch(t, &lineProto{}, Config{
		Arch: Prefork, Addr: "127.0.0.1:0", Workers: 2,
		Exec:   []string{os.Args[0], "-test.run=^$"},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	for i := range 5 {
		c, err := net.DialTimeout("tcp", s.Addr().String(), 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("ok:%d\n", i)
		if got := askLine(t, c, bufio.NewReader(c), fmt.Sprintf("%d\n", i)); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v\n%s", err, logs.String())
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	if n := strings.Count(logs.String(), `msg="worker started"`); n != 2 {
		t.Errorf("%d workers started, want 2:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), `msg="worker stopped" worker=`); n != 2 {
		t.Errorf("%d workers stopped cleanly, want 2:\n%s", n, logs.String())
	}
}

// socketFile returns a duplicate of c's or l's socket as a file, as a
// super-server would pass it.
func socketFile(t *testing.T, x interface{ File() (*os.File, error) }) *os.File {
	t.Helper()
	f, err := x.File()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// runInherited serves an inherited socket under arch in the background and
// returns the channel Serve's result arrives on.
func runInherited(t *testing.T, arch Arch, f *os.File, idle time.Duration) <-chan error {
	t.Helper()
	_, done := launch(t, &lineProto{}, Config{Arch: arch, Socket: f, Idle: idle})
	return done
}

func waitServe(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

// TestInheritedConnection serves a connection accepted by a super-server
// (inetd nowait, systemd Accept=yes) and returns when it ends.
func TestInheritedConnection(t *testing.T) {
	for _, arch := range []Arch{InetdNowait, Systemd} {
		t.Run(string(arch), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			f := socketFile(t, sc.(*net.TCPConn))
			sc.Close()
			done := runInherited(t, arch, f, 0)
			r := bufio.NewReader(c)
			if got := askLine(t, c, r, "a\nb\n"); got != "ok:a\n" {
				t.Fatalf("got %q", got)
			}
			c.Close()
			if err := waitServe(t, done); err != nil {
				t.Fatalf("Serve returned %v, want nil after the connection", err)
			}
		})
	}
}

// TestInetdWaitExitsWhenIdle accepts on an inherited listener and returns
// nil once no connection has been open for Idle, not while one is.
func TestInetdWaitExitsWhenIdle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f := socketFile(t, ln.(*net.TCPListener))
	done := runInherited(t, InetdWait, f, 300*time.Millisecond)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	// Hold the connection open well past Idle: the server must stay.
	for i := range 5 {
		if got := askLine(t, c, r, "x\n"); got != "ok:x\n" {
			t.Fatalf("answer %d: %q", i, got)
		}
		time.Sleep(150 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v with a connection open", err)
	default:
	}
	c.Close()
	if err := waitServe(t, done); err != nil {
		t.Fatalf("Serve returned %v, want nil after the idle period", err)
	}
}

func TestInheritedSocketOfTheWrongKind(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := New(&lineProto{}, Config{Arch: InetdNowait, Socket: socketFile(t, ln.(*net.TCPListener))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err == nil || !strings.Contains(err.Error(), "use --arch inetd-wait") {
		t.Fatalf("inetd-nowait on a listener: %v", err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	s, err = New(&lineProto{}, Config{Arch: Systemd, Socket: null})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Fatalf("systemd on /dev/null: %v", err)
	}
}

// TestPreforkRestartBacksOff runs workers that die at once: the parent
// restarts them with a doubling back-off, not in a spin.
func TestPreforkRestartBacksOff(t *testing.T) {
	var logs syncBuffer
	s, done := launch(t, &lineProto{}, Config{
		Arch: Prefork, Addr: "127.0.0.1:0", Workers: 1,
		Exec:   []string{"/bin/sh", "-c", "exit 3"},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "worker died") < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 restarts:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-done
	for _, want := range []string{"in=100ms", "in=200ms", "in=400ms", "in=800ms"} {
		if !strings.Contains(logs.String(), `err="exit status 3" `+want) {
			t.Errorf("no restart %s:\n%s", want, logs.String())
		}
	}
}

// TestWorkersDefault gives each architecture its own default worker count.
func TestWorkersDefault(t *testing.T) {
	for arch, want := range map[Arch]int{Pool: DefaultWorkers, Prefork: runtime.NumCPU(), Reactor: runtime.NumCPU()} {
		if got := (Config{Arch: arch}).withDefaults().Workers; got != want {
			t.Errorf("%s: %d workers by default, want %d", arch, got, want)
		}
	}
	if got := (Config{Arch: Pool, Workers: 7}).withDefaults().Workers; got != 7 {
		t.Errorf("pool with 7 workers: got %d", got)
	}
}

// TestTrickleIsCutAtIdleTimeout sends a byte every 50 ms, never silent for
// the 300 ms idle timeout, and never a whole request: the server cuts the
// connection all the same, under every in-process architecture.
func TestTrickleIsCutAtIdleTimeout(t *testing.T) {
	for _, arch := range Architectures() {
		if !goroutineArch(arch) {
			continue
		}
		t.Run(string(arch), func(t *testing.T) {
			p := &lineProto{}
			s := startServer(t, p, Config{Arch: arch, IdleTimeout: 300 * time.Millisecond})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// A complete request first: answered, and it restarts the clock.
			if got := askLine(t, c, bufio.NewReader(c), "a\n"); got != "ok:a\n" {
				t.Fatalf("got %q", got)
			}
			for i := 0; ; i++ {
				if i == 200 {
					t.Fatal("a trickling client was not cut within 200 bytes")
				}
				if _, err := c.Write([]byte{'x'}); err != nil {
					break
				}
				if p.closedCount() > 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := p.waitCloses(t, 1); !errors.Is(got[0], ErrIdleTimeout) {
				t.Fatalf("Close got %v, want ErrIdleTimeout", got[0])
			}
		})
	}
}

func (p *lineProto) closedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.closes)
}

// TestMaxConns serves one connection at a time with MaxConns 1: the second
// waits in the backlog until the first ends, then is served.
func TestMaxConns(t *testing.T) {
	for _, arch := range Architectures() {
		if !goroutineArch(arch) {
			continue
		}
		t.Run(string(arch), func(t *testing.T) {
			s := startServer(t, &lineProto{}, Config{Arch: arch, MaxConns: 1, Workers: 3})
			c1, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c1.Close()
			if got := askLine(t, c1, bufio.NewReader(c1), "1\n"); got != "ok:1\n" {
				t.Fatalf("got %q", got)
			}
			c2, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c2.Close()
			io.WriteString(c2, "2\n")
			r2 := bufio.NewReader(c2)
			c2.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if line, err := r2.ReadString('\n'); err == nil {
				t.Fatalf("the second connection was served (%q) while the first was open", line)
			}
			c1.Close()
			c2.SetReadDeadline(time.Now().Add(10 * time.Second))
			if line, err := r2.ReadString('\n'); err != nil || line != "ok:2\n" {
				t.Fatalf("after the first closed: %q, %v", line, err)
			}
		})
	}
}

// selfSplitProto is lineProto whose sessions frame their own requests
// (SessionSplitter): its own Split fails, so a server that called it would
// end every connection.
type selfSplitProto struct{ lineProto }

func (p *selfSplitProto) Split([]byte) (int, error) {
	return 0, errors.New("the protocol's Split was called")
}

func (p *selfSplitProto) NewSession(net.Addr) Session {
	return &selfSplitSession{lineSession{p: &p.lineProto}}
}

type selfSplitSession struct{ lineSession }

func (s *selfSplitSession) Split(buf []byte) (int, error) { return s.p.Split(buf) }

// TestSessionSplitter checks that every in-process architecture frames a
// SessionSplitter's requests with the session's Split.
func TestSessionSplitter(t *testing.T) {
	for _, arch := range Architectures() {
		if !goroutineArch(arch) {
			continue
		}
		t.Run(string(arch), func(t *testing.T) {
			s := startServer(t, &selfSplitProto{}, Config{Arch: arch})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			io.WriteString(c, "a\nb\n")
			r := bufio.NewReader(c)
			for _, want := range []string{"ok:a\n", "ok:b\n"} {
				if got, err := r.ReadString('\n'); err != nil || got != want {
					t.Fatalf("got %q, %v; want %q", got, err, want)
				}
			}
		})
	}
}
