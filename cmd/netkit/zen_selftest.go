package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// zenSelftestOptions are the flags of `netkit zen selftest`.
type zenSelftestOptions struct {
	archs   []string
	timeout time.Duration
}

// AddFlags registers the options on fs.
func (o *zenSelftestOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&o.archs, "arch", nil, "test only these architectures (repeatable or comma-separated; default all)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "limit for each architecture's test")
}

func newZenSelftestCommand() *cobra.Command {
	var opts zenSelftestOptions
	cmd := &cobra.Command{
		Use:   "selftest",
		Short: "Run the Zen service under every architecture against the client",
		Long: `The book's test.sh in one command: start the Zen service under every
architecture in turn on a free loopback port, run the client against it, and
print a pass/fail table. For each architecture the client asks the book's
three questions, sends all three in one write, and sends a question without
its '?' and closes, which the server must log as an incomplete request.

prefork, inetd and systemd run netkit itself as the server process: systemd
gets a listener through LISTEN_FDS, inetd-wait the listener on fd 0, and for
inetd-nowait the self-test accepts each connection and starts a server with
the connection on fds 0, 1 and 2, as inetd does.`,
		Example: `  netkit zen selftest
  netkit zen selftest --arch poll,reactor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runZenSelftest(cmd.Context(), opts, cmd.OutOrStdout())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runZenSelftest(ctx context.Context, opts zenSelftestOptions, stdout io.Writer) error {
	archs := serve.Architectures()
	if len(opts.archs) > 0 {
		archs = nil
		for _, name := range opts.archs {
			a := serve.Arch(name)
			if !slices.Contains(serve.Architectures(), a) {
				return withExit(exitUsage, fmt.Errorf("unknown architecture %q; use one of: %s", name, archList()))
			}
			archs = append(archs, a)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the netkit executable: %w", err)
	}
	dir, err := os.MkdirTemp("", "netkit-zen-selftest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Rows are printed as each architecture finishes, in fixed columns.
	width := len("ARCH")
	for _, a := range archs {
		width = max(width, len(a))
	}
	row := func(arch, result, took, detail string) {
		fmt.Fprintf(stdout, "%-*s  %-6s  %-7s  %s\n", width, arch, result, took, detail)
	}
	row("ARCH", "RESULT", "TIME", "DETAIL")
	failed := 0
	for _, arch := range archs {
		if ctx.Err() != nil {
			break
		}
		actx, cancel := context.WithTimeout(ctx, opts.timeout)
		start := time.Now()
		detail, err := zenSelftestArch(actx, arch, zenLaunch{exe: exe, dir: dir})
		cancel()
		result := "pass"
		if err != nil {
			result, detail = "FAIL", err.Error()
			failed++
		}
		row(string(arch), result, time.Since(start).Round(time.Millisecond).String(), detail)
	}
	fmt.Fprintf(stdout, "%d architectures: %d passed, %d failed\n", len(archs), len(archs)-failed, failed)
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d architectures failed the self-test", failed, len(archs))
	}
	return nil
}

// zenSelftestArch runs the self-test's client checks against arch.
func zenSelftestArch(ctx context.Context, arch serve.Arch, l zenLaunch) (string, error) {
	t, err := startZenTarget(ctx, arch, l)
	if err != nil {
		return "", err
	}
	stopped := false
	defer func() {
		if !stopped {
			t.stop()
		}
	}()
	qs := zen.Questions(3, nil)
	ex, err := zen.Ask(ctx, t.addr, qs, 10*time.Second)
	if err != nil {
		return "", fmt.Errorf("book client: %w", err)
	}
	for _, e := range ex {
		if want := string(zen.Answer([]byte(e.Question))); e.Answer != want {
			return "", fmt.Errorf("book client: %q answered %q, want %q", e.Question, e.Answer, want)
		}
	}
	c, err := zen.Dial(ctx, t.addr, 10*time.Second)
	if err != nil {
		return "", err
	}
	err = c.Send(strings.Join(qs, ""))
	for i := 0; err == nil && i < len(qs); i++ {
		var a string
		if a, err = c.ReadAnswer(); err == nil && a != string(zen.Answer([]byte(qs[i]))) {
			err = fmt.Errorf("answer %d is %q", i+1, a)
		}
	}
	c.Close()
	if err != nil {
		return "", fmt.Errorf("pipelined questions: %w", err)
	}
	if err := zen.AskIncomplete(ctx, t.addr, 10*time.Second); err != nil {
		return "", fmt.Errorf("client -e: %w", err)
	}
	if err := waitLog(ctx, t, "closed with an incomplete request"); err != nil {
		return "", fmt.Errorf("client -e: %w", err)
	}
	stopped = true
	if err := t.stop(); err != nil {
		return "", fmt.Errorf("stop: %w", err)
	}
	return "book client, pipelined, -e logged as incomplete", nil
}

// waitLog waits until the target's log contains text.
func waitLog(ctx context.Context, t *zenTarget, text string) error {
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(t.logs(), text) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("the server did not log %q; log:\n%s", text, t.logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// zenLaunch says how to start a Zen server for the self-test and tests.
type zenLaunch struct {
	// exe is the netkit binary that process architectures run.
	exe string
	// dir holds the log files of server processes.
	dir string
	// delay, idleTimeout and maxRequest are the options of the same names
	// of `netkit zen serve`; zero means the default.
	delay       time.Duration
	idleTimeout time.Duration
	maxRequest  int
	// stats, when not nil, counts the work of in-process architectures.
	stats *zen.Stats
}

// serveArgs returns the flags of `netkit zen serve` that l sets.
func (l zenLaunch) serveArgs() []string {
	var args []string
	if l.delay > 0 {
		args = append(args, "--delay", l.delay.String())
	}
	if l.idleTimeout > 0 {
		args = append(args, "--idle-timeout", l.idleTimeout.String())
	}
	if l.maxRequest > 0 {
		args = append(args, "--max-request", fmt.Sprint(l.maxRequest))
	}
	return args
}

// A zenTarget is a running Zen server.
type zenTarget struct {
	arch serve.Arch
	addr string
	// logs returns the server's log so far.
	logs func() string
	// stop shuts the server down gracefully and reports whether it exited
	// cleanly. It may be called once.
	stop func() error
}

// startZenTarget starts the Zen service under arch on a free loopback port.
func startZenTarget(ctx context.Context, arch serve.Arch, l zenLaunch) (*zenTarget, error) {
	if !processArch(arch) {
		return startZenInProcess(arch, l)
	}
	return startServerProcess(ctx, arch, l.exe, l.dir, append([]string{"zen", "serve"}, l.serveArgs()...))
}

// startServerProcess runs `netkit ARGS --arch ARCH --log FILE` (FILE in
// dir), where ARGS is a serve command and its flags, as arch's server
// processes on a free loopback port: prefork directly, systemd with a
// listener as fd 3, inetd under a small inetd of its own.
func startServerProcess(ctx context.Context, arch serve.Arch, exe, dir string, args []string) (*zenTarget, error) {
	logPath := filepath.Join(dir, fmt.Sprintf("%s-%d.log", arch, time.Now().UnixNano()))
	logs := func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}
	args = append(slices.Clip(args), "--arch", string(arch), "--log", logPath)
	switch arch {
	case serve.Prefork:
		return startZenPrefork(ctx, exe, args, logs)
	case serve.Systemd:
		return startZenSystemd(exe, args, logs)
	default:
		ss, err := startSuperServer(exe, args, arch == serve.InetdWait)
		if err != nil {
			return nil, err
		}
		return &zenTarget{arch: arch, addr: ss.addr(), logs: logs, stop: ss.stop}, nil
	}
}

// startZenInProcess serves in this process, logging to memory.
func startZenInProcess(arch serve.Arch, l zenLaunch) (*zenTarget, error) {
	var buf lockedBuffer
	p := &zen.Protocol{MaxRequest: l.maxRequest, Delay: l.delay, Stats: l.stats}
	srv, err := serve.New(p, serve.Config{
		Arch:        arch,
		Addr:        "127.0.0.1:0",
		MaxRequest:  l.maxRequest,
		IdleTimeout: l.idleTimeout,
		Logger:      slog.New(slog.NewTextHandler(&buf, nil)),
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			return err
		}
		if err := <-done; err != nil && !errors.Is(err, serve.ErrServerClosed) {
			return err
		}
		return nil
	}
	return &zenTarget{arch: arch, addr: srv.Addr().String(), logs: buf.String, stop: stop}, nil
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// netkitCommand returns the command that runs exe with args, named
// "netkit" in argv[0] whatever exe's file name is.
func netkitCommand(exe string, args []string) *exec.Cmd {
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "netkit"
	// A prefork worker inherits the server's stderr; should one outlive
	// the server, Wait must not block on the pipe it still holds.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startZenPrefork runs `netkit zen serve --arch prefork` on a free port
// (port 0, the address written to a file) and waits until it accepts
// connections.
func startZenPrefork(ctx context.Context, exe string, args []string, logs func() string) (*zenTarget, error) {
	dir, err := os.MkdirTemp("", "netkit-prefork-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	addrFile := filepath.Join(dir, "addr")
	cmd := netkitCommand(exe, append(args, "--addr", "127.0.0.1:0", "--addr-file", addrFile))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error { return stopProcess(cmd, exited, stderr.String) }
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			addr := strings.TrimSpace(string(b))
			return &zenTarget{arch: serve.Prefork, addr: addr, logs: logs, stop: stop}, nil
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("prefork server exited early (%v): %s%s", err, stderr.String(), logs())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return nil, fmt.Errorf("prefork server did not start: %s%s", stderr.String(), logs())
		}
	}
}

// stopProcess sends SIGTERM and waits up to 10 s for a clean exit.
func stopProcess(cmd *exec.Cmd, exited <-chan error, stderr func() string) error {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("server exited with %v: %s", err, stderr())
		}
		return nil
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		return errors.New("server did not exit within 10s of SIGTERM")
	}
}

// startZenSystemd socket-activates `netkit zen serve --arch systemd` as
// systemd does: the listener is fd 3, LISTEN_FDS=1 and LISTEN_PID is the
// server's pid, which only the child knows, so a shell sets it and execs.
func startZenSystemd(exe string, args []string, logs func() string) (*zenTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command("/bin/sh", append([]string{"-c", `LISTEN_PID=$$; export LISTEN_PID; exec "$0" "$@"`, exe}, args...)...)
	cmd.Env = append(os.Environ(), "LISTEN_FDS=1", "LISTEN_FDNAMES=zen")
	cmd.ExtraFiles = []*os.File{f}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error { return stopProcess(cmd, exited, stderr.String) }
	return &zenTarget{arch: serve.Systemd, addr: ln.Addr().String(), logs: logs, stop: stop}, nil
}

// A superServer is a small inetd for one service on a loopback port. In
// nowait mode it accepts each connection and starts the server with the
// connection as fds 0, 1 and 2; in wait mode it waits until the listener is
// readable, starts the server with the listener as fds 0, 1 and 2, and
// waits for it to exit before watching the listener again.
type superServer struct {
	ln     *net.TCPListener
	exe    string
	args   []string
	closed chan struct{}
	loop   chan struct{} // closed when the loop has ended

	mu       sync.Mutex
	children map[*exec.Cmd]chan struct{} // guarded by mu; value closed on exit
	failures []string                    // guarded by mu
}

func startSuperServer(exe string, args []string, wait bool) (*superServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &superServer{
		ln: ln.(*net.TCPListener), exe: exe, args: args,
		closed: make(chan struct{}), loop: make(chan struct{}),
		children: map[*exec.Cmd]chan struct{}{},
	}
	if wait {
		go s.waitLoop()
	} else {
		go s.nowaitLoop()
	}
	return s, nil
}

func (s *superServer) addr() string { return s.ln.Addr().String() }

func (s *superServer) nowaitLoop() {
	defer close(s.loop)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		f, err := c.(*net.TCPConn).File()
		c.Close()
		if err != nil {
			s.fail(err.Error())
			continue
		}
		s.spawn(f)
		f.Close()
	}
}

func (s *superServer) waitLoop() {
	defer close(s.loop)
	f, err := s.ln.File()
	if err != nil {
		s.fail(err.Error())
		return
	}
	defer f.Close()
	for {
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		select {
		case <-s.closed:
			return
		default:
		}
		if err != nil || n == 0 {
			continue
		}
		done := s.spawn(f)
		if done == nil {
			return
		}
		select {
		case <-done:
		case <-s.closed:
			return
		}
	}
}

// spawn starts the server on f and returns a channel closed when it exits.
func (s *superServer) spawn(f *os.File) chan struct{} {
	cmd := netkitCommand(s.exe, s.args)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, f, f
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.closed:
		return nil
	default:
	}
	if err := cmd.Start(); err != nil {
		s.failures = append(s.failures, err.Error())
		return nil
	}
	done := make(chan struct{})
	s.children[cmd] = done
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		if err != nil && !isTermination(err) {
			s.failures = append(s.failures, fmt.Sprintf("server process: %v", err))
		}
		delete(s.children, cmd)
		s.mu.Unlock()
		close(done)
	}()
	return done
}

// isTermination reports whether err is the exit of a process we stopped.
func isTermination(err error) bool {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal() == syscall.SIGTERM || ws.Signal() == syscall.SIGKILL
		}
	}
	return false
}

func (s *superServer) fail(msg string) {
	s.mu.Lock()
	s.failures = append(s.failures, msg)
	s.mu.Unlock()
}

// stop closes the listener, sends SIGTERM to the running servers, waits up
// to 10 s for them and reports any server that failed.
func (s *superServer) stop() error {
	s.mu.Lock()
	close(s.closed)
	s.mu.Unlock()
	s.ln.Close()
	<-s.loop
	s.mu.Lock()
	var waits []chan struct{}
	for cmd, done := range s.children {
		cmd.Process.Signal(syscall.SIGTERM)
		waits = append(waits, done)
	}
	s.mu.Unlock()
	timeout := time.After(10 * time.Second)
	for _, done := range waits {
		select {
		case <-done:
		case <-timeout:
			s.mu.Lock()
			for cmd := range s.children {
				cmd.Process.Kill()
			}
			s.mu.Unlock()
			return errors.New("server processes did not exit within 10s of SIGTERM")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) > 0 {
		return errors.New(strings.Join(s.failures, "; "))
	}
	return nil
}
