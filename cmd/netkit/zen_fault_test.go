package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// zenProcess is `netkit zen serve` run as a process for a fault test, on
// a free port, logging to a file.
type zenProcess struct {
	*zenTarget
	pid int
}

// startZenProcess runs exe as `netkit zen serve` with args (through sh -c
// when shell is not empty, for example to lower a limit first) and waits
// for its address.
func startZenProcess(t *testing.T, exe, shell string, args ...string) *zenProcess {
	t.Helper()
	dir := t.TempDir()
	logPath, addrFile := filepath.Join(dir, "zen.log"), filepath.Join(dir, "addr")
	args = append([]string{"zen", "serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile, "--log", logPath}, args...)
	cmd := netkitCommand(exe, args)
	if shell != "" {
		cmd = netkitCommand("/bin/sh", append([]string{"-c", shell + `; exec "$0" "$@"`, exe}, args...))
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	z := &zenProcess{
		zenTarget: &zenTarget{logs: fileLog(logPath), stop: func() error { return stopProcess(cmd, exited, stderr.String) }},
		pid:       cmd.Process.Pid,
	}
	t.Cleanup(func() {
		if err := z.stop(); err != nil {
			t.Errorf("stop: %v\nlog:\n%s", err, z.logs())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			z.addr = strings.TrimSpace(string(b))
			return z
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start: %s%s", stderr.String(), z.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// acceptedBy returns the pid of the prefork worker that logged accepting
// the connection from local address peer, or 0.
func acceptedBy(logs, peer string) int {
	rx := regexp.MustCompile(`msg=accepted worker=\d+ pid=(\d+) peer=` + regexp.QuoteMeta(peer) + `\n`)
	m := rx.FindStringSubmatch(logs)
	if m == nil {
		return 0
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// TestZenPreforkWorkerKilled kills one prefork worker with SIGKILL: only
// its connections are lost, the others go on being answered, the parent
// restarts it, and new clients are served.
func TestZenPreforkWorkerKilled(t *testing.T) {
	requireArch(t, serve.Prefork)
	exe := buildNetkit(t)
	z := startZenProcess(t, exe, "", "--arch", "prefork", "--workers", "2")

	// Open connections until both workers hold some.
	byPid := map[int][]*zen.Client{}
	for i := 0; len(byPid) < 2; i++ {
		if i == 200 {
			t.Fatalf("200 connections all went to one worker:\n%s", z.logs())
		}
		c := dialZen(t, z.addr)
		if a, err := c.Ask("Simple is better than?"); err != nil || a != "Complex." {
			t.Fatalf("got %q, %v", a, err)
		}
		var pid int
		deadline := time.Now().Add(10 * time.Second)
		for pid == 0 && time.Now().Before(deadline) {
			if pid = acceptedBy(z.logs(), c.Conn().LocalAddr().String()); pid == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if pid == 0 {
			t.Fatalf("no worker logged accepting %v:\n%s", c.Conn().LocalAddr(), z.logs())
		}
		byPid[pid] = append(byPid[pid], c)
	}
	var victim, survivor int
	for pid := range byPid {
		if victim == 0 {
			victim = pid
		} else {
			survivor = pid
		}
	}
	t.Logf("killing worker %d (%d connections); worker %d keeps %d", victim, len(byPid[victim]), survivor, len(byPid[survivor]))
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for _, c := range byPid[victim] {
		if a, err := c.Ask("Flat is better than?"); err == nil {
			t.Errorf("a connection of the killed worker still answered %q", a)
		}
	}
	for _, c := range byPid[survivor] {
		if a, err := c.Ask("Flat is better than?"); err != nil || a != "Nested." {
			t.Errorf("a connection of the other worker: %q, %v", a, err)
		}
	}
	waitLogText(t, z.zenTarget, fmt.Sprintf(`msg="worker died; restarting" worker=\d+ pid=%d err="signal: killed" in=100ms`, victim))
	waitLogText(t, z.zenTarget, `(?s)worker died.*msg="worker started"`)
	concurrentAsk(t, z.addr, 50)
}

// TestZenFileDescriptorsExhausted runs netkit with a low RLIMIT_NOFILE,
// holds enough connections open to exhaust it, and checks that the failed
// accepts are logged and retried with back-off, and that the server serves
// again once descriptors are free.
func TestZenFileDescriptorsExhausted(t *testing.T) {
	exe := buildNetkit(t)
	for _, tc := range []struct {
		arch serve.Arch
		args []string
	}{
		{arch: serve.PerConn},
		{arch: serve.Pool, args: []string{"--workers", "64"}},
		{arch: serve.Prefork, args: []string{"--workers", "1"}},
	} {
		t.Run(string(tc.arch), func(t *testing.T) {
			requireArch(t, tc.arch)
			z := startZenProcess(t, exe, "ulimit -n 32", append([]string{"--arch", string(tc.arch)}, tc.args...)...)
			// 40 connections: more than the server has descriptors for.
			var held []net.Conn
			for range 40 {
				c, err := net.DialTimeout("tcp", z.addr, 10*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			waitLogText(t, z.zenTarget, `msg="accept failed; retrying".*too many open files`)
			for _, c := range held {
				c.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ex, err := zen.Ask(ctx, z.addr, zen.Questions(3, nil), 20*time.Second)
			if err != nil || len(ex) != 3 {
				t.Fatalf("after the descriptors were freed: %v, %v\n%s", ex, err, z.logs())
			}
			retries := strings.Count(z.logs(), "accept failed; retrying")
			t.Logf("%d failed accepts logged", retries)
		})
	}
}

// TestZenGracefulShutdown stops every architecture (SIGTERM for server
// processes, Shutdown in this process) while an answer is being computed:
// the answer still arrives, the connection then closes, new connections
// are refused, and the server exits cleanly.
func TestZenGracefulShutdown(t *testing.T) {
	exe := buildNetkit(t)
	for _, arch := range serve.Architectures() {
		t.Run(string(arch), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			z, err := startZenTarget(ctx, arch, zenLaunch{exe: exe, dir: t.TempDir(), delay: 500 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			c := dialZen(t, z.addr)
			send(t, c, "Beautiful is better than?")
			waitLogText(t, z, `msg=accepted .*peer=`+regexp.QuoteMeta(c.Conn().LocalAddr().String()))
			stopped := make(chan error, 1)
			go func() { stopped <- z.stop() }()
			expectAnswer(t, c, "Ugly.")
			if err := <-stopped; err != nil {
				t.Fatalf("stop: %v\nlog:\n%s", err, z.logs())
			}
			if a, err := c.ReadAnswer(); err == nil {
				t.Errorf("after the shutdown the connection answered %q", a)
			}
			if c2, err := net.DialTimeout("tcp", z.addr, 5*time.Second); err == nil {
				c2.Close()
				t.Errorf("the stopped server still accepts on %s", z.addr)
			}
		})
	}
}
