package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/netkit-go/netkit/internal/testpeer"
	"github.com/netkit-go/netkit/serve"
)

// TestUpperServeEveryArch runs `netkit upper serve --arch A` for every
// architecture and talks to it with `netkit upper send`: over TCP and UDP
// under the in-process architectures; over TCP only under prefork, inetd
// and systemd, run as the real netkit binary, which must leave UDP alone.
func TestUpperServeEveryArch(t *testing.T) {
	exe := buildNetkit(t)
	for _, arch := range serve.Architectures() {
		t.Run(string(arch), func(t *testing.T) {
			if !processArch(arch) {
				addr := startUpperInProcess(t, arch)
				checkUpperSend(t, addr, false)
				checkUpperSend(t, addr, true)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			z, err := startServerProcess(ctx, arch, exe, t.TempDir(), []string{"upper", "serve", "--workers", "2"})
			if err != nil {
				t.Fatalf("start %s: %v", arch, err)
			}
			defer func() {
				if err := z.stop(); err != nil {
					t.Errorf("stop %s: %v\nlog:\n%s", arch, err, z.logs())
				}
			}()
			// Twice: inetd-nowait starts a process per connection,
			// inetd-wait serves the second from the same process.
			checkUpperSend(t, z.addr, false)
			checkUpperSend(t, z.addr, false)
			checkNoUDP(t, z.addr, z.logs)
		})
	}
}

// startUpperInProcess runs `netkit upper serve --arch arch` in this process
// on a free port until the end of the test, and returns its address.
func startUpperInProcess(t *testing.T, arch serve.Arch) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrFile := filepath.Join(t.TempDir(), "addr")
	var opts upperServeOptions
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:0", "--arch", string(arch), "--addr-file", addrFile}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runUpperServe(ctx, opts, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not write its address")
		}
	}
}

// checkUpperSend sends text that upper-cases to more characters than it
// has to the server at addr with `netkit upper send`.
func checkUpperSend(t *testing.T, addr string, udp bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := runUpperSend(context.Background(), upperSendOptions{udp: udp, timeout: 5 * time.Second}, addr, "straße ﬁ", &stdout, &stderr)
	if err != nil || stdout.String() != "STRASSE FI\n" {
		t.Errorf("send (udp %v): %q, %v; stderr %q", udp, stdout.String(), err, stderr.String())
	}
}

// checkNoUDP checks that the TCP-only server at addr, whose log is logs,
// holds no UDP socket on its port: this test can bind it.
func checkNoUDP(t *testing.T, addr string, logs func() string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Errorf("the TCP-only server seems to hold UDP %s: %v", addr, err)
	} else {
		pc.Close()
	}
	if l := logs(); strings.Contains(l, "proto=udp") || strings.Contains(l, "level=ERROR") {
		t.Errorf("log of a TCP-only server:\n%s", l)
	}
}

// TestUpperSuperServers runs `netkit upper serve` over TCP under the real
// super-servers: openbsd-inetd in nowait and wait mode, and
// systemd-socket-activate with a listener (LISTEN_FDS) and, inetd style,
// with one connection per server on stdin and stdout.
func TestUpperSuperServers(t *testing.T) {
	exe := buildNetkit(t)
	dir := t.TempDir()
	t.Run("inetd", func(t *testing.T) {
		inetd := testpeer.Require(t, "/usr/sbin/inetd", "apt-get install openbsd-inetd")
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		var conf strings.Builder
		var addrs []string
		for _, mode := range []string{"nowait", "wait"} {
			addr, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			_, port, _ := net.SplitHostPort(addr)
			fmt.Fprintf(&conf, "127.0.0.1:%s stream tcp4 %s %s %s netkit upper serve --arch inetd-%s --idle 2s --log %s\n",
				port, mode, u.Username, exe, mode, filepath.Join(dir, mode+".log"))
			addrs = append(addrs, addr)
		}
		confPath := filepath.Join(dir, "inetd.conf")
		if err := os.WriteFile(confPath, []byte(conf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startPeer(t, nil, inetd, "-d", confPath)
		for i, mode := range []string{"nowait", "wait"} {
			waitListening(t, addrs[i], p)
			checkUpperSend(t, addrs[i], false)
			checkUpperSend(t, addrs[i], false)
			checkNoUDP(t, addrs[i], fileLog(filepath.Join(dir, mode+".log")))
		}
		if t.Failed() {
			t.Logf("inetd output:\n%s", p.out.String())
		}
	})
	for _, tc := range []struct {
		name    string
		saFlags []string
		arch    serve.Arch
	}{
		{name: "systemd", arch: serve.Systemd},
		{name: "systemd inetd accept", saFlags: []string{"--inetd", "--accept"}, arch: serve.InetdNowait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa := testpeer.Require(t, "systemd-socket-activate", "apt-get install systemd")
			addr, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			logPath := filepath.Join(t.TempDir(), "upper.log")
			args := append([]string{"-l", addr}, tc.saFlags...)
			args = append(args, exe, "upper", "serve", "--arch", string(tc.arch), "--log", logPath)
			p := startPeer(t, nil, sa, args...)
			waitListening(t, addr, p)
			checkUpperSend(t, addr, false)
			checkUpperSend(t, addr, false)
			checkNoUDP(t, addr, fileLog(logPath))
			if t.Failed() {
				t.Logf("systemd-socket-activate output:\n%s", p.out.String())
			}
		})
	}
}

func TestUpperAddr(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "localhost", want: "localhost:1234"},
		{in: "localhost:99", want: "localhost:99"},
		{in: "127.0.0.1", want: "127.0.0.1:1234"},
		{in: "::1", want: "[::1]:1234"},
		{in: "[::1]", want: "[::1]:1234"},
		{in: "[::1]:5", want: "[::1]:5"},
		{in: ":99", err: "no host"},
		{in: "localhost:0", err: "not a number from 1 to 65535"},
		{in: "localhost:http", err: "not a number"},
		{in: "localhost:", err: "not a number"},
	} {
		got, err := upperAddr(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("upperAddr(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("upperAddr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
