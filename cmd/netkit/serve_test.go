package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// TestServeEveryService runs `netkit serve` on the real default ports, checks
// that every service it lists answers a connection or a datagram, and stops
// it as Ctrl-C would. Locally a port in use (another netkit serve) skips the
// test; in CI the ports are free.
func TestServeEveryService(t *testing.T) {
	if len(services()) == 0 {
		t.Fatal("netkit serve has no services")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	cmd := newServeCommand()
	cmd.SetArgs([]string{"--quiet"})
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "serving ") {
		select {
		case err := <-done:
			if !testpeer.InCI() && err != nil && strings.Contains(err.Error(), "address already in use") {
				t.Skipf("a default port is in use (another netkit serve?): %v", err)
			}
			t.Fatalf("netkit serve stopped early: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("netkit serve did not start within 10s; stdout:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got, want := len(lines), len(services())+1; got != want {
		t.Fatalf("netkit serve printed %d lines, want one per service and a summary:\n%s", got, out.String())
	}
	for _, line := range lines[:len(lines)-1] {
		f := strings.Fields(line)
		if len(f) < 3 {
			t.Fatalf("line %q: want NAME NETWORK ADDRESS...", line)
		}
		network, addr := f[1], f[2]
		host, _, err := net.SplitHostPort(strings.TrimPrefix(strings.SplitN(addr, "/", 2)[0], "http://"))
		if err != nil {
			t.Fatalf("line %q: address: %v", line, err)
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("service %s listens on %s, want a loopback address", f[0], addr)
		}
		if network == "tcp" {
			c, err := net.DialTimeout("tcp", strings.SplitN(strings.TrimPrefix(addr, "http://"), "/", 2)[0], 2*time.Second)
			if err != nil {
				t.Errorf("service %s: %v", f[0], err)
				continue
			}
			c.Close()
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("netkit serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("netkit serve did not stop within 15s of Ctrl-C")
	}
	if !strings.Contains(out.String(), "stopped ") {
		t.Errorf("no summary line at the end:\n%s", out.String())
	}
}
