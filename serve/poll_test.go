//go:build linux

package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// loopArchs are the event-loop architectures these tests cover.
var loopArchs = []Arch{Poll, Reactor}

// forLoopArchs runs f as a subtest under each event-loop architecture.
func forLoopArchs(t *testing.T, f func(t *testing.T, arch Arch)) {
	for _, arch := range loopArchs {
		t.Run(string(arch), func(t *testing.T) { f(t, arch) })
	}
}

// bigProto is a line protocol for the loop tests. Requests are lines:
//
//	big N   answers N bytes of the pattern 'a'..'z' repeated
//	quit    answers "bye\n" and ends the connection with an error
//	close   answers "bye\n" and ends the connection normally (ErrClose)
//	panic   panics in Serve
//	wait    blocks until gate is closed (or a value is sent), then "done\n"
//	other   answers "ok:" and the line
type bigProto struct {
	gate    chan struct{}
	waiting chan struct{} // receives when a "wait" request starts

	sessions atomic.Int64
	mu       sync.Mutex
	closes   []error // guarded by mu
	closed   chan struct{}
}

func newBigProto() *bigProto {
	return &bigProto{gate: make(chan struct{}), waiting: make(chan struct{}, 100), closed: make(chan struct{}, 100000)}
}

func (p *bigProto) Split(buf []byte) (int, error) {
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		return i + 1, nil
	}
	return 0, nil
}

func (p *bigProto) NewSession(net.Addr) Session {
	p.sessions.Add(1)
	return &bigSession{p: p}
}

type bigSession struct{ p *bigProto }

func (s *bigSession) Serve(req, out []byte) ([]byte, error) {
	line := string(req[:len(req)-1])
	switch {
	case strings.HasPrefix(line, "big "):
		n, err := strconv.Atoi(line[4:])
		if err != nil {
			return out, err
		}
		for i := range n {
			out = append(out, byte('a'+i%26))
		}
		return out, nil
	case line == "quit":
		return append(out, "bye\n"...), errors.New("quit")
	case line == "close":
		return append(out, "bye\n"...), ErrClose
	case line == "panic":
		panic("asked to")
	case line == "wait":
		s.p.waiting <- struct{}{}
		<-s.p.gate
		return append(out, "done\n"...), nil
	}
	out = append(out, "ok:"...)
	return append(out, req...), nil
}

func (s *bigSession) Close(err error) {
	s.p.mu.Lock()
	s.p.closes = append(s.p.closes, err)
	s.p.mu.Unlock()
	s.p.closed <- struct{}{}
}

// nextClose waits for the next session to close and returns its error.
func (p *bigProto) nextClose(t *testing.T) error {
	t.Helper()
	select {
	case <-p.closed:
	case <-time.After(20 * time.Second):
		t.Fatal("no session closed within 20 s")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.closes[0]
	p.closes = p.closes[1:]
	return err
}

// pattern returns the answer to "big n".
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// loopServer is a server under test with its log.
type loopServer struct {
	*Server
	log  *syncBuffer
	done chan error

	stopOnce sync.Once
}

// stop closes the server and waits for Serve to return ErrServerClosed.
func (ls *loopServer) stop(t testing.TB) {
	ls.stopOnce.Do(func() {
		ls.Close()
		select {
		case err := <-ls.done:
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("Serve did not return after Close")
		}
	})
}

// counts returns the loops' partial writes and held-back reads, summed;
// only after stop.
func (ls *loopServer) counts() (partialWrites, heldBack int) {
	for _, l := range ls.eng().all {
		partialWrites += l.partialWrites
		heldBack += l.heldBack
	}
	return partialWrites, heldBack
}

// startLoop serves p under cfg on a free loopback port and closes the
// server at the end of the test.
func startLoop(t testing.TB, p Protocol, cfg Config) *loopServer {
	t.Helper()
	log := &syncBuffer{}
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	s, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ls := &loopServer{Server: s, log: log, done: make(chan error, 1)}
	go func() { ls.done <- s.Serve() }()
	t.Cleanup(func() { ls.stop(t) })
	return ls
}

// waitLog waits for the server's log to contain s.
func (ls *loopServer) waitLog(t testing.TB, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(ls.log.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log has no %q:\n%s", s, ls.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eng returns the server's event-loop engine, or nil before Serve.
func (ls *loopServer) eng() *loopEngine {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e, _ := ls.Server.eng.(*loopEngine)
	return e
}

func (ls *loopServer) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", ls.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*net.TCPConn)
}

func readLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	got, err := r.ReadString('\n')
	if err != nil || got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

// stillServes checks that c, a connection whose neighbour just failed,
// is still answered.
func stillServes(t *testing.T, c net.Conn) {
	t.Helper()
	io.WriteString(c, "still\n")
	readLine(t, bufio.NewReader(c), "ok:still\n")
}

func TestPollPipelining(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		ls := startLoop(t, newBigProto(), Config{Arch: arch})
		c := ls.dial(t)
		var all bytes.Buffer
		for i := range 1000 {
			fmt.Fprintf(&all, "q%d\n", i)
		}
		go c.Write(all.Bytes())
		r := bufio.NewReader(c)
		for i := range 1000 {
			readLine(t, r, fmt.Sprintf("ok:q%d\n", i))
		}
	})
}

func TestPollByteByByte(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		c := ls.dial(t)
		c.SetNoDelay(true)
		for _, b := range []byte("hello\nworld\n") {
			if _, err := c.Write([]byte{b}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Microsecond)
		}
		r := bufio.NewReader(c)
		readLine(t, r, "ok:hello\n")
		readLine(t, r, "ok:world\n")
		// Half a request, then the end: an incomplete request of 3 bytes.
		io.WriteString(c, "abc")
		c.CloseWrite()
		if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
			t.Fatalf("after half-close: %q, %v", rest, err)
		}
		var inc *IncompleteError
		if err := p.nextClose(t); !errors.As(err, &inc) || inc.N != 3 {
			t.Fatalf("session closed with %v, want 3 incomplete bytes", err)
		}
		ls.waitLog(t, "closed with an incomplete request")
		ls.waitLog(t, "bytes=3")
	})
}

// TestPollHalfCloseGetsEveryAnswer sends requests, closes its writing side
// at once and expects every answer before the end of stream.
func TestPollHalfCloseGetsEveryAnswer(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		c := ls.dial(t)
		io.WriteString(c, "a\nbig 3000000\nb\n")
		c.CloseWrite()
		got, err := io.ReadAll(c)
		want := "ok:a\n" + string(pattern(3000000)) + "ok:b\n"
		if err != nil || string(got) != want {
			t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
		}
		if err := p.nextClose(t); err != nil {
			t.Fatalf("session closed with %v, want nil", err)
		}
		ls.waitLog(t, "closed normally")
	})
}

func TestPollConcurrentClients(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		const clients = 1000
		var wg sync.WaitGroup
		var failed atomic.Int64
		errs := make(chan error, clients)
		for i := range clients {
			wg.Go(func() {
				c, err := net.DialTimeout("tcp", ls.Addr().String(), 20*time.Second)
				if err != nil {
					failed.Add(1)
					errs <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				r := bufio.NewReader(c)
				for j := range 3 {
					q := fmt.Sprintf("c%d-%d\n", i, j)
					io.WriteString(c, q)
					if got, err := r.ReadString('\n'); err != nil || got != "ok:"+q {
						failed.Add(1)
						errs <- fmt.Errorf("client %d: %q, %v", i, got, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Fatalf("%d of %d clients failed; first: %v", n, clients, <-errs)
		}
		for range clients {
			if err := p.nextClose(t); err != nil {
				t.Fatalf("a session closed with %v", err)
			}
		}
	})
}

// TestPollClientVanishesMidAnswer resets a connection with megabytes of
// answer unsent; the server logs a short write (or the reset) and serves
// others.
func TestPollClientVanishesMidAnswer(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		c := ls.dial(t)
		io.WriteString(c, "big 20000000\n")
		if _, err := io.ReadFull(c, make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		c.SetLinger(0)
		c.Close()
		err := p.nextClose(t)
		if !errors.Is(err, ErrShortWrite) && !strings.Contains(fmt.Sprint(err), "reset") {
			t.Fatalf("session closed with %v, want a short write", err)
		}
		stillServes(t, ls.dial(t))
	})
}

// TestPollSlowReader makes the socket take large answers a little at a
// time, so that the loop keeps partial writes and resumes them on EPOLLOUT,
// and holds back requests while a connection has much unsent.
func TestPollSlowReader(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		c := ls.dial(t)
		// A small fixed receive buffer (not so small as to stall TCP's
		// window updates under loopback's 64 KB MSS) and answers far
		// larger than the server's largest send buffer (4 MB).
		c.SetReadBuffer(64 << 10)
		sizes := []int{3 << 20, 3, 2 << 20, 1, 6 << 20}
		var req bytes.Buffer
		var want bytes.Buffer
		for _, n := range sizes {
			fmt.Fprintf(&req, "big %d\n", n)
			want.Write(pattern(n))
		}
		if _, err := c.Write(req.Bytes()); err != nil {
			t.Fatal(err)
		}
		// Meanwhile another connection is served.
		other := ls.dial(t)
		io.WriteString(other, "hi\n")
		readLine(t, bufio.NewReader(other), "ok:hi\n")

		got := make([]byte, 0, want.Len())
		buf := make([]byte, 8192)
		for len(got) < want.Len() {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("after %d bytes: %v", len(got), err)
			}
			got = append(got, buf[:n]...)
			if len(got) < 256<<10 {
				time.Sleep(time.Millisecond)
			}
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatal("answers differ from the patterns")
		}
		ls.stop(t)
		partial, held := ls.counts()
		t.Logf("%d partial writes, reading held back %d times", partial, held)
		if partial == 0 || held == 0 {
			t.Fatalf("%d partial writes, reading held back %d times; want both", partial, held)
		}
	})
}

// TestPollChurn opens and closes connections as fast as it can from
// several goroutines, some closing before they ask: every connection that
// asks gets its answer, whatever fd numbers the kernel reuses.
func TestPollChurn(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		const workers, rounds = 8, 250
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				buf := make([]byte, 64)
				for i := range rounds {
					c, err := net.Dial("tcp", ls.Addr().String())
					if err != nil {
						errs <- err
						return
					}
					tc := c.(*net.TCPConn)
					switch i % 3 {
					case 0: // vanish at once, with a reset
						tc.SetLinger(0)
						c.Close()
						continue
					case 1: // send and vanish
						io.WriteString(c, "x\n")
						c.Close()
						continue
					}
					c.SetDeadline(time.Now().Add(20 * time.Second))
					q := fmt.Sprintf("w%d-%d\n", w, i)
					io.WriteString(c, q)
					n, err := io.ReadFull(c, buf[:3+len(q)])
					c.Close()
					if err != nil || string(buf[:n]) != "ok:"+q {
						errs <- fmt.Errorf("worker %d round %d: %q, %v", w, i, buf[:n], err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// The last connections may still wait to be accepted.
		for range workers * rounds {
			if err := p.nextClose(t); err != nil && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("a session closed with %v", err)
			}
		}
		if got := p.sessions.Load(); got != workers*rounds {
			t.Fatalf("%d sessions, want %d", got, workers*rounds)
		}
	})
}

func TestPollIdleTimeout(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch, IdleTimeout: 200 * time.Millisecond})
		c := ls.dial(t)
		io.WriteString(c, "ping\n")
		readLine(t, bufio.NewReader(c), "ok:ping\n")
		io.WriteString(c, "half")
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read %v, want EOF at the idle timeout", err)
		}
		if err := p.nextClose(t); !errors.Is(err, ErrIdleTimeout) {
			t.Fatalf("session closed with %v, want ErrIdleTimeout", err)
		}
		ls.waitLog(t, "idle timeout")
	})
}

func TestPollMaxRequest(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch, MaxRequest: 64})
		good := ls.dial(t)
		bad := ls.dial(t)
		// An answered request first: its answer still goes out.
		go bad.Write(append([]byte("first\n"), bytes.Repeat([]byte("x"), 1<<20)...))
		got, _ := io.ReadAll(bad)
		if string(got) != "ok:first\n" {
			t.Fatalf("too-large connection read %q", got)
		}
		var tooLarge *RequestTooLargeError
		if err := p.nextClose(t); !errors.As(err, &tooLarge) || tooLarge.Max != 64 {
			t.Fatalf("session closed with %v, want RequestTooLargeError", err)
		}
		ls.waitLog(t, "request exceeds the maximum of 64 bytes")
		stillServes(t, good)
	})
}

func TestPollServeErrorAndPanicCloseOneConnection(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		good := ls.dial(t)
		quit := ls.dial(t)
		io.WriteString(quit, "a\nquit\nnever\n")
		if got, _ := io.ReadAll(quit); string(got) != "ok:a\nbye\n" {
			t.Fatalf("quit connection read %q", got)
		}
		if err := p.nextClose(t); err == nil || err.Error() != "quit" {
			t.Fatalf("session closed with %v, want quit", err)
		}
		pan := ls.dial(t)
		io.WriteString(pan, "panic\n")
		if got, _ := io.ReadAll(pan); len(got) != 0 {
			t.Fatalf("panic connection read %q", got)
		}
		if err := p.nextClose(t); err == nil || !strings.Contains(err.Error(), "panic") {
			t.Fatalf("session closed with %v, want a panic", err)
		}
		stillServes(t, good)
	})
}

// TestPollMaxConns checks that past MaxConns a connection waits in the
// backlog until another ends.
func TestPollMaxConns(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch, MaxConns: 2})
		a, b := ls.dial(t), ls.dial(t)
		ra, rb := bufio.NewReader(a), bufio.NewReader(b)
		io.WriteString(a, "a\n")
		io.WriteString(b, "b\n")
		readLine(t, ra, "ok:a\n")
		readLine(t, rb, "ok:b\n")
		third := ls.dial(t)
		io.WriteString(third, "c\n")
		// Not accepted while two are served. (A lower bound only: the
		// check cannot prove it never would be.)
		third.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, err := third.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("third connection read %d, %v while two are served", n, err)
		}
		if got := p.sessions.Load(); got != 2 {
			t.Fatalf("%d sessions, want 2", got)
		}
		a.Close()
		third.SetReadDeadline(time.Now().Add(20 * time.Second))
		readLine(t, bufio.NewReader(third), "ok:c\n")
	})
}

// TestPollShutdownFinishesAnswers shuts the server down while one answer
// is being computed and another, large one is half sent: both arrive whole,
// then the connections end, and Serve returns ErrServerClosed.
func TestPollShutdownFinishesAnswers(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		idle := ls.dial(t)
		io.WriteString(idle, "hi\n")
		readLine(t, bufio.NewReader(idle), "ok:hi\n")

		big := ls.dial(t)
		big.SetReadBuffer(64 << 10)
		io.WriteString(big, "big 12000000\n")
		if _, err := io.ReadFull(big, make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		queued := ls.dial(t)
		queuedR := bufio.NewReader(queued)
		io.WriteString(queued, "first\n")
		readLine(t, queuedR, "ok:first\n")
		waiting := ls.dial(t)
		io.WriteString(waiting, "wait\n")
		<-p.waiting
		// Under poll this request waits in its socket while the loop is
		// blocked; it was sent before the stop, so it is answered.
		io.WriteString(queued, "queued\n")
		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			shut <- ls.Shutdown(ctx)
		}()
		for ls.eng() == nil || ls.eng().state.Load() != loopStopping {
			time.Sleep(time.Millisecond)
		}
		// Under poll the one loop is blocked in the waiting Serve, so it
		// sees the shutdown only once that answer is computed.
		close(p.gate)
		if got, err := io.ReadAll(waiting); err != nil || string(got) != "done\n" {
			t.Fatalf("waiting connection: %q, %v", got, err)
		}
		if got, err := io.ReadAll(queuedR); err != nil || string(got) != "ok:queued\n" {
			t.Fatalf("queued connection: %q, %v", got, err)
		}
		if got, err := io.ReadAll(idle); err != nil || len(got) != 0 {
			t.Fatalf("idle connection: %q, %v", got, err)
		}
		rest, err := io.ReadAll(big)
		if err != nil || !bytes.Equal(rest, pattern(12000000)[1000:]) {
			t.Fatalf("big answer: %d bytes, %v", len(rest), err)
		}
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		for range 4 {
			if err := p.nextClose(t); err != nil {
				t.Fatalf("a session closed with %v", err)
			}
		}
		if _, err := net.Dial("tcp", ls.Addr().String()); err == nil {
			t.Fatal("the server still accepts after Shutdown")
		}
	})
}

// TestPollShutdownTimeout gives Shutdown a context that ends while a peer
// reads nothing: it closes everything and returns the context's error.
func TestPollShutdownTimeout(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		p := newBigProto()
		ls := startLoop(t, p, Config{Arch: arch})
		c := ls.dial(t)
		c.SetReadBuffer(64 << 10)
		io.WriteString(c, "big 50000000\n")
		if _, err := io.ReadFull(c, make([]byte, 10)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := ls.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown returned %v, want DeadlineExceeded", err)
		}
		if err := p.nextClose(t); !errors.Is(err, ErrShortWrite) {
			t.Fatalf("session closed with %v, want a short write", err)
		}
	})
}

// TestPollRandomChunks sends a stream of requests cut at random places,
// from several clients at once, and checks every answer.
func TestPollRandomChunks(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		ls := startLoop(t, newBigProto(), Config{Arch: arch, MaxRequest: 256})
		var wg sync.WaitGroup
		for client := range 8 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(client), 42))
				c, err := net.Dial("tcp", ls.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				var stream, want bytes.Buffer
				for i := range 300 {
					if r.IntN(10) == 0 {
						n := r.IntN(20000)
						fmt.Fprintf(&stream, "big %d\n", n)
						want.Write(pattern(n))
						continue
					}
					q := fmt.Sprintf("%d:%s\n", i, strings.Repeat("z", r.IntN(200)))
					stream.WriteString(q)
					want.WriteString("ok:" + q)
				}
				go func() {
					b := stream.Bytes()
					for len(b) > 0 {
						n := min(len(b), 1+r.IntN(300))
						if _, err := c.Write(b[:n]); err != nil {
							return
						}
						b = b[n:]
					}
				}()
				got := make([]byte, want.Len())
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want.Bytes()) {
					t.Errorf("client %d: answers differ (%v)", client, err)
				}
			})
		}
		wg.Wait()
	})
}

// TestPollStaleEventIsDropped checks the fd-reuse guard directly: an event
// that carries an old generation is not given to the connection that now
// has its fd number.
func TestPollStaleEventIsDropped(t *testing.T) {
	l := &loop{}
	c := &conn{fd: 7, gen: 12}
	l.conns = make([]*conn, 8)
	l.conns[7] = c
	if l.lookup(7, 12) != c {
		t.Fatal("current event not found")
	}
	if l.lookup(7, 11) != nil || l.lookup(8, 12) != nil || l.lookup(-1, 0) != nil {
		t.Fatal("stale or unknown event found a connection")
	}
}

func TestPollConnList(t *testing.T) {
	var q connList
	a, b, c := &conn{fd: 1}, &conn{fd: 2}, &conn{fd: 3}
	q.moveToBack(a)
	q.moveToBack(b)
	q.moveToBack(c)
	q.moveToBack(a) // b c a
	q.remove(c)     // b a
	var got []int
	for x := q.head; x != nil; x = x.next {
		got = append(got, x.fd)
	}
	if fmt.Sprint(got) != "[2 1]" || q.tail != a {
		t.Fatalf("list = %v, tail %v", got, q.tail.fd)
	}
	q.remove(b)
	q.remove(a)
	if q.head != nil || q.tail != nil {
		t.Fatal("list not empty")
	}
}

func TestPollCloseBeforeServe(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		s, err := New(newBigProto(), Config{Arch: arch, Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Listen(); err != nil {
			t.Fatal(err)
		}
		if err := s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.Serve(); !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Serve after Shutdown returned %v", err)
		}
	})
}

// TestPollEMFILE runs a server whose process may open only a few more
// descriptors (in a child process, so that this one keeps its limit) and
// connects more clients than it can hold: the server logs the accept
// failure, backs off (a bounded number of log lines: no spin), and serves
// every client once the first ones leave.
func TestPollEMFILE(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPollEMFILEServer$", "-test.v")
		cmd.Env = append(os.Environ(), "NETKIT_EMFILE_ARCH="+string(arch))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr := &syncBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stdin.Close()
			cmd.Wait()
		}()
		var addr string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				addr = a
			}
			if sc.Text() == "READY" {
				break
			}
		}
		if addr == "" {
			t.Fatalf("server did not start:\n%s", stderr.String())
		}
		go io.Copy(io.Discard, stdout)

		const clients = 8
		release := make(chan struct{})
		errs := make(chan error, clients)
		for i := range clients {
			go func() {
				c, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				q := fmt.Sprintf("client%d\n", i)
				io.WriteString(c, q)
				got, err := bufio.NewReader(c).ReadString('\n')
				if err == nil && got != "ok:"+q {
					err = fmt.Errorf("client %d read %q", i, got)
				}
				<-release
				errs <- err
			}()
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(stderr.String(), "accept failed; retrying") {
			if time.Now().After(deadline) {
				t.Fatalf("no accept failure logged:\n%s", stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(release)
		for range clients {
			if err := <-errs; err != nil {
				t.Fatalf("%v\nserver log:\n%s", err, stderr.String())
			}
		}
		log := stderr.String()
		if !strings.Contains(log, "too many open files") {
			t.Errorf("the accept failure is not EMFILE:\n%s", log)
		}
		if n := strings.Count(log, "accept failed"); n > 50 {
			t.Errorf("%d accept failures logged: the server spins", n)
		}
	})
}

// TestPollEMFILEServer is the server process of TestPollEMFILE; it runs
// only when that test starts it.
func TestPollEMFILEServer(t *testing.T) {
	arch := Arch(os.Getenv("NETKIT_EMFILE_ARCH"))
	if arch == "" {
		t.Skip("the server process of TestPollEMFILE")
	}
	s, err := New(newBigProto(), Config{
		Arch:   arch,
		Addr:   "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	// One exchange, so that the loops hold their descriptors.
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "probe\n")
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(50 * time.Millisecond) // let the server close its side
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	// Room for three connections (ReadDir's own descriptor is closed).
	lim := syscall.Rlimit{Cur: uint64(len(fds) - 1 + 3), Max: uint64(len(fds) + 1000)}
	var old syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old)
	lim.Max = old.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\nREADY\n", s.Addr())
	io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Shutdown(ctx)
	<-done
}

// FuzzPollChunking sends a fixed stream of requests to a poll server, cut
// where the input says (each input byte is the length of the next write,
// 0 meaning 1), and checks that every answer comes back whole and in order.
func FuzzPollChunking(f *testing.F) {
	f.Add([]byte{1})
	f.Add([]byte{3, 200, 7, 1, 1, 255, 9})
	f.Add([]byte("\x00\x10\x20\x30\x40"))
	ls := startLoop(f, newBigProto(), Config{Arch: Poll, MaxRequest: 512})
	var stream, want bytes.Buffer
	for i := range 50 {
		q := fmt.Sprintf("%d:%s\n", i, strings.Repeat("y", i*7))
		stream.WriteString(q)
		want.WriteString("ok:" + q)
	}
	stream.WriteString("big 70000\n")
	want.Write(pattern(70000))
	f.Fuzz(func(t *testing.T, cuts []byte) {
		if len(cuts) == 0 {
			cuts = []byte{0}
		}
		c, err := net.Dial("tcp", ls.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		go func() {
			b := stream.Bytes()
			for i := 0; len(b) > 0; i++ {
				n := min(len(b), max(1, int(cuts[i%len(cuts)])))
				if _, err := c.Write(b[:n]); err != nil {
					return
				}
				b = b[n:]
			}
		}()
		got := make([]byte, want.Len())
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("answers differ (%v)", err)
		}
	})
}

// wrappedListener hides the listener's file descriptor.
type wrappedListener struct{ net.Listener }

func TestPollNeedsAListenerWithAnFD(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		s, err := New(newBigProto(), Config{Arch: arch})
		if err != nil {
			t.Fatal(err)
		}
		err = s.ServeListener(wrappedListener{ln})
		if err == nil || !strings.Contains(err.Error(), "file descriptor") {
			t.Fatalf("ServeListener = %v, want an error about the file descriptor", err)
		}
	})
}

func TestPollIPv6AndUnixListeners(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		for _, addr := range []struct{ network, address string }{
			{"tcp6", "[::1]:0"},
			{"unix", t.TempDir() + "/s"},
		} {
			ln, err := net.Listen(addr.network, addr.address)
			if err != nil {
				t.Logf("skip %s: %v", addr.network, err)
				continue
			}
			p, stop := serveOn(t, arch, ln)
			c, err := net.Dial(addr.network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(20 * time.Second))
			stillServes(t, c)
			c.Close()
			if err := p.nextClose(t); err != nil {
				t.Fatalf("%s: session closed with %v", addr.network, err)
			}
			stop()
		}
	})
}

// serveOn serves a new bigProto on ln under arch; stop closes the server
// and checks that Serve returned ErrServerClosed.
func serveOn(t *testing.T, arch Arch, ln net.Listener) (p *bigProto, stop func()) {
	t.Helper()
	p = newBigProto()
	s, err := New(p, Config{Arch: arch})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeListener(ln) }()
	return p, func() {
		t.Helper()
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Fatalf("%s: Serve returned %v", ln.Addr(), err)
		}
	}
}

// TestPollDeferAcceptReadsAtOnce serves a TCP_DEFER_ACCEPT listener, whose
// connections the loops read as soon as they accept them: a one-request
// connection that ends with its answer, one that sends its request in two
// parts, a conversation, and a pipelined batch that ends the connection
// in its middle all get exactly the answers they would get otherwise.
func TestPollDeferAcceptReadsAtOnce(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, 1)
			})
			return serr
		}}
		ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p, stop := serveOn(t, arch, ln)
		dial := func(first string) (net.Conn, *bufio.Reader) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(20 * time.Second))
			io.WriteString(c, first)
			return c, bufio.NewReader(c)
		}
		// ends reads the end of the server's stream and closes c, whose
		// session must end cleanly.
		ends := func(c net.Conn, r *bufio.Reader) {
			t.Helper()
			if _, err := r.ReadByte(); err != io.EOF {
				t.Fatalf("after the last answer: %v, want EOF", err)
			}
			c.Close()
			if err := p.nextClose(t); err != nil {
				t.Fatalf("session closed with %v", err)
			}
		}
		for range 20 {
			c, r := dial("close\n")
			readLine(t, r, "bye\n")
			ends(c, r)
		}
		c, r := dial("hal")
		time.Sleep(20 * time.Millisecond) // accepted and read before the rest comes
		io.WriteString(c, "f\nsecond\n")
		readLine(t, r, "ok:half\n")
		readLine(t, r, "ok:second\n")
		stillServes(t, c)
		c.Close()
		if err := p.nextClose(t); err != nil {
			t.Fatalf("session closed with %v", err)
		}
		c, r = dial("one\nclose\nnever\n")
		readLine(t, r, "ok:one\n")
		readLine(t, r, "bye\n")
		ends(c, r)
		stop()
	})
}

// TestPollListenerSocketClosedAtEnd checks that the loops serve a TCP
// listener whose own descriptor they close at the start (only their
// duplicate stays open, out of Go's runtime poller), and that the port is
// free once Serve has returned.
func TestPollListenerSocketClosedAtEnd(t *testing.T) {
	forLoopArchs(t, func(t *testing.T, arch Arch) {
		ls := startLoop(t, newBigProto(), Config{Arch: arch})
		addr := ls.Addr().String()
		stillServes(t, ls.dial(t))
		ls.stop(t)
		if c, err := net.DialTimeout("tcp", addr, 5*time.Second); err == nil {
			c.Close()
			t.Fatalf("%s still accepts connections after the server ended", addr)
		}
	})
}
