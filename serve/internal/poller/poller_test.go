//go:build linux

package poller

import (
	"errors"
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
	if _, err := Send(b, []byte("hi")); err != nil {
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
	if _, err := Send(a, []byte("x")); !errors.Is(err, unix.EPIPE) {
		t.Fatalf("Send to a closed peer = %v, want EPIPE (and no SIGPIPE)", err)
	}
	if n, err := Send(a, nil); n != 0 || err != nil {
		t.Fatalf("empty Send = %d, %v", n, err)
	}
}

func TestSendFillsThenEAGAIN(t *testing.T) {
	a, _ := socketPair(t)
	big := make([]byte, 1<<20)
	total := 0
	for {
		n, err := Send(a, big)
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
