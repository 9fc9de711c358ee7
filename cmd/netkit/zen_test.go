package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// zenPy is the directory of the book's Python programs.
var zenPy, _ = filepath.Abs("../../testdata/zen")

// buildNetkit builds the netkit command into a temporary directory for the
// tests that run it as a separate process (prefork, inetd, systemd).
func buildNetkit(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "netkit")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// startArch starts the Zen service under arch for a test and stops it at the
// end, failing the test if it does not stop cleanly.
func startArch(t *testing.T, arch serve.Arch, l zenLaunch) *zenTarget {
	t.Helper()
	if l.dir == "" {
		l.dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	z, err := startZenTarget(ctx, arch, l)
	if err != nil {
		t.Fatalf("start %s: %v", arch, err)
	}
	t.Cleanup(func() {
		if err := z.stop(); err != nil {
			t.Errorf("stop %s: %v\nlog:\n%s", arch, err, z.logs())
		}
	})
	return z
}

// bookLine is one line of the book's client output.
var bookLine = regexp.MustCompile(`^b'([A-Za-z ]+ is better than\?)' b'([A-Za-z]+\.)'$`)

// runBookClient runs the book's client.py against addr and checks its
// output: the three aphorisms, each once, each with its answer.
func runBookClient(t *testing.T, py, addr string, extra ...string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{filepath.Join(zenPy, "client.py"), host, "-p", port}, extra...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client.py %v: %v\n%s%s", extra, err, out, stderr.Bytes())
	}
	return string(out)
}

func checkBookOutput(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	seen := map[string]bool{}
	for _, line := range lines {
		m := bookLine.FindStringSubmatch(line)
		if m == nil || seen[m[1]] || string(zen.Answer([]byte(m[1]))) != m[2] || !isBook(m[1]) {
			t.Fatalf("client.py printed %q", out)
		}
		seen[m[1]] = true
	}
	if len(seen) != 3 {
		t.Fatalf("client.py printed %d aphorisms, want 3:\n%s", len(seen), out)
	}
}

func isBook(q string) bool {
	for _, a := range zen.Book() {
		if a.Question == q {
			return true
		}
	}
	return false
}

// waitLogText waits up to 10 s for the server's log to match re.
func waitLogText(t *testing.T, z *zenTarget, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for !rx.MatchString(z.logs()) {
		if time.Now().After(deadline) {
			t.Fatalf("log does not match %q:\n%s", re, z.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// concurrentClients is how many clients connect at once: fewer where each
// connection starts a process.
func concurrentClients(arch serve.Arch) int {
	if arch == serve.InetdNowait {
		return 100
	}
	return 1000
}

// TestZenArchitectures runs the book's client and the bad-input and fault
// checks against every architecture of this build.
func TestZenArchitectures(t *testing.T) {
	py := testpeer.Python(t)
	exe := buildNetkit(t)
	for _, arch := range serve.Architectures() {
		t.Run(string(arch), func(t *testing.T) {
			z := startArch(t, arch, zenLaunch{exe: exe, idleTimeout: 30 * time.Second})

			t.Run("book client", func(t *testing.T) {
				checkBookOutput(t, runBookClient(t, py, z.addr))
			})
			t.Run("book client -e", func(t *testing.T) {
				if out := runBookClient(t, py, z.addr, "-e"); out != "" {
					t.Fatalf("client.py -e printed %q", out)
				}
				waitLogText(t, z, `closed with an incomplete request.* bytes=24`)
			})
			t.Run("questions in one write", func(t *testing.T) {
				c := dialZen(t, z.addr)
				all := ""
				for _, a := range zen.All() {
					all += a.Question
				}
				all += "Who knows?"
				send(t, c, all)
				for _, a := range zen.All() {
					expectAnswer(t, c, a.Answer)
				}
				expectAnswer(t, c, zen.UnknownAnswer)
			})
			t.Run("question byte by byte", func(t *testing.T) {
				c := dialZen(t, z.addr)
				q := "Explicit is better than?"
				for i := range len(q) {
					send(t, c, q[i:i+1])
					time.Sleep(time.Millisecond)
				}
				expectAnswer(t, c, "Implicit.")
			})
			t.Run("request too large", func(t *testing.T) {
				// bad first: single serves good only after bad's end.
				bad := dialZen(t, z.addr)
				good := dialZen(t, z.addr)
				// The server closes the connection while we write, so the
				// write may fail; what matters is that it closes.
				bad.Conn().SetWriteDeadline(time.Now().Add(10 * time.Second))
				go bad.Conn().Write(bytes.Repeat([]byte("x"), 1<<20))
				bad.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
				if n, err := io.Copy(io.Discard, bad.Conn()); err != nil && !isReset(err) || n != 0 {
					t.Fatalf("big request: read %d bytes, %v; want the server to close", n, err)
				}
				waitLogText(t, z, `request exceeds the maximum of 4096 bytes`)
				send(t, good, "Simple is better than?")
				expectAnswer(t, good, "Complex.")
			})
			t.Run("client vanishes mid-answer", func(t *testing.T) {
				c := dialZen(t, z.addr)
				send(t, c, strings.Repeat("Beautiful is better than?", 20000))
				expectAnswer(t, c, "Ugly.")
				c.Conn().(*net.TCPConn).SetLinger(0)
				c.Close() // a reset, with most answers unread or unsent
				// The reset reaches the server in a write (a short answer)
				// or in a read (an error).
				waitLogText(t, z, `closed before all of the answer could be sent|level=ERROR.*connection reset`)
				checkBookOutput(t, runBookClient(t, py, z.addr))
			})
			if arch != serve.Single {
				t.Run("concurrent clients", func(t *testing.T) {
					n := concurrentClients(arch)
					concurrentAsk(t, z.addr, n)
				})
			}
		})
	}
}

// TestZenIdleTimeout checks that a client sending one byte per second is
// cut at a short idle timeout under every architecture.
func TestZenIdleTimeout(t *testing.T) {
	exe := buildNetkit(t)
	for _, arch := range serve.Architectures() {
		t.Run(string(arch), func(t *testing.T) {
			t.Parallel()
			z := startArch(t, arch, zenLaunch{exe: exe, idleTimeout: 400 * time.Millisecond})
			c := dialZen(t, z.addr)
			cut := make(chan error, 1)
			go func() {
				c.Conn().SetReadDeadline(time.Now().Add(20 * time.Second))
				_, err := c.Conn().Read(make([]byte, 1))
				cut <- err
			}()
			start := time.Now()
			for i := 0; ; i++ {
				c.Conn().Write([]byte{"Simple is better than?"[i%22]})
				select {
				case err := <-cut:
					if !errors.Is(err, io.EOF) && !isReset(err) {
						t.Fatalf("slow client: read %v, want the server to close", err)
					}
					t.Logf("cut after %d bytes, %v", i+1, time.Since(start).Round(time.Millisecond))
					waitLogText(t, z, `idle timeout`)
					return
				case <-time.After(time.Second):
				}
				if i > 10 {
					t.Fatal("slow client not cut after 10 s")
				}
			}
		})
	}
}

// TestZenDelay checks that --delay serializes the clients of single while
// the architectures that serve connections concurrently overlap them.
// Overlap is read from the server's own counter (the most answers in
// flight at once) where the server runs in this process; for server
// processes, from the total time against the serialized lower bound.
func TestZenDelay(t *testing.T) {
	exe := buildNetkit(t)
	const delay = 800 * time.Millisecond
	const clients = 3
	for _, arch := range serve.Architectures() {
		t.Run(string(arch), func(t *testing.T) {
			t.Parallel()
			st := &zen.Stats{}
			z := startArch(t, arch, zenLaunch{exe: exe, delay: delay, stats: st})
			// Connect every client first, so that all are waiting at once.
			var cs []*zen.Client
			for range clients {
				cs = append(cs, dialZen(t, z.addr))
			}
			start := time.Now()
			var wg sync.WaitGroup
			for _, c := range cs {
				wg.Go(func() {
					if a, err := c.Ask("Beautiful is better than?"); err != nil || a != "Ugly." {
						t.Errorf("got %q, %v", a, err)
					}
					// Hang up, as the book's client does: single serves
					// the next connection only after this one ends.
					c.Close()
				})
			}
			wg.Wait()
			total := time.Since(start)
			inProcess := !processArch(arch)
			t.Logf("%d clients, delay %v: total %v, most in flight %d", clients, delay, total.Round(time.Millisecond), st.MaxInFlight.Load())
			switch zenConcurrency(arch) {
			case 1:
				if total < clients*delay {
					t.Errorf("total %v < %d x delay: %s did not serialize", total, clients, arch)
				}
				if inProcess && st.MaxInFlight.Load() != 1 {
					t.Errorf("%d answers in flight at once under %s", st.MaxInFlight.Load(), arch)
				}
			default:
				if inProcess && st.MaxInFlight.Load() < 2 {
					t.Errorf("%s never had two answers in flight", arch)
				}
				if total >= clients*delay {
					t.Errorf("total %v >= %d x delay: %s serialized", total, clients, arch)
				}
			}
		})
	}
}

// zenConcurrency says how many delayed answers arch computes at once: 1 for
// the architectures that run every session on one thread (single, and the
// event loop of poll, which the sleep blocks), 0 for "several".
func zenConcurrency(arch serve.Arch) int {
	switch arch {
	case serve.Single, serve.Poll:
		return 1
	case serve.Reactor:
		if runtime.NumCPU() == 1 {
			return 1
		}
	}
	return 0
}

// concurrentAsk runs n clients at once, each asking the book's three
// questions, within 60 s.
func concurrentAsk(t *testing.T, addr string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			qs := zen.Questions(3, nil)
			ex, err := zen.Ask(ctx, addr, qs, 30*time.Second)
			if err == nil && len(ex) != 3 {
				err = fmt.Errorf("%d answers", len(ex))
			}
			for _, e := range ex {
				if e.Answer != string(zen.Answer([]byte(e.Question))) {
					err = fmt.Errorf("%q answered %q", e.Question, e.Answer)
				}
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d concurrent clients x 3 questions in %v", n, time.Since(start).Round(time.Millisecond))
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d of %d clients failed; first: %v", f, n, firstErr.Load())
	}
}

func dialZen(t *testing.T, addr string) *zen.Client {
	t.Helper()
	c, err := zen.Dial(context.Background(), addr, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c *zen.Client, s string) {
	t.Helper()
	if err := c.Send(s); err != nil {
		t.Fatal(err)
	}
}

func expectAnswer(t *testing.T, c *zen.Client, want string) {
	t.Helper()
	got, err := c.ReadAnswer()
	if err != nil || got != want {
		t.Fatalf("answer %q, %v; want %q", got, err, want)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}
