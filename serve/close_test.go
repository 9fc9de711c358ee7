package serve

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestErrCloseEndsNormally checks, under every in-process architecture,
// that a session returning ErrClose gets its answer sent, the connection
// closed, and the end reported as clean to the session and in the log.
func TestErrCloseEndsNormally(t *testing.T) {
	for _, arch := range []Arch{Single, Pool, PerConn, Poll, Reactor} {
		t.Run(string(arch), func(t *testing.T) {
			p := newBigProto()
			ls := startLoop(t, p, Config{Arch: arch})
			c := ls.dial(t)
			io.WriteString(c, "hello\nclose\nnever answered\n")
			r := bufio.NewReader(c)
			readLine(t, r, "ok:hello\n")
			readLine(t, r, "bye\n")
			if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
				t.Fatalf("after the closing answer: %q, %v; want EOF", rest, err)
			}
			if err := p.nextClose(t); err != nil {
				t.Errorf("Session.Close got %v, want nil", err)
			}
			ls.waitLog(t, "closed normally")
			if strings.Contains(ls.log.String(), "level=ERROR") {
				t.Errorf("log reports an error:\n%s", ls.log.String())
			}
		})
	}
}

// TestShutdownBeforeEngineServes checks that a Shutdown arriving after the
// engine exists but before it serves (a signal while a prefork worker
// starts) still stops it: Serve returns at once instead of accepting.
func TestShutdownBeforeEngineServes(t *testing.T) {
	for _, arch := range []Arch{Single, Pool, PerConn, Poll, Reactor} {
		t.Run(string(arch), func(t *testing.T) {
			eng := engines[arch](newBigProto(), Config{Arch: arch}.withDefaults())
			if err := eng.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- eng.Serve(ln) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				eng.Close()
				t.Fatal("Serve kept serving after Shutdown")
			}
			if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
				c.Close()
				t.Error("the listener is still open after Serve returned")
			}
		})
	}
}

// TestListenerFileKeepsNonblocking checks that handing the listener to a
// prefork worker (os/exec calls Fd on it at every start) leaves the shared
// socket non-blocking: a blocking one would park a running worker's accept
// in the kernel, out of reach of its Shutdown.
func TestListenerFileKeepsNonblocking(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := listenerFile(ln)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range 3 {
		flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		if flags&unix.O_NONBLOCK == 0 {
			t.Fatal("the listener became blocking when its file was handed on")
		}
	}
}
