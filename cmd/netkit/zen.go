package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// defaultZenAddr is where `netkit zen serve` and `netkit serve` listen.
const defaultZenAddr = "127.0.0.1:1060"

func newZenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "zen",
		Short: "The Zen-of-Python question/answer service, its client and a self-test",
		Long: `The Zen-of-Python service of chapter 7 of Foundations of Python Network
Programming: a client sends "Beautiful is better than?" and the server
answers "Ugly.". netkit serves it under every server architecture of the
chapter (and a few more), asks it questions like the book's client.py, and
runs the book's test.sh over every architecture in one command.`,
		Example: `  netkit zen serve --arch pool --workers 8
  netkit zen ask localhost
  netkit zen selftest`,
	}
	cmd.AddCommand(newZenServeCommand(), newZenAskCommand(), newZenSelftestCommand())
	return cmd
}

// zenServeOptions are the flags of `netkit zen serve`.
type zenServeOptions struct {
	addr        string
	arch        string
	workers     int
	delay       time.Duration
	maxConns    int
	maxRequest  int
	idleTimeout time.Duration
	idle        time.Duration
	logFile     string
	addrFile    string
}

// AddFlags registers the options on fs.
func (o *zenServeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.addr, "addr", defaultZenAddr, "TCP address to listen on (not used by inetd and systemd modes)")
	fs.StringVar(&o.arch, "arch", string(serve.PerConn), "server architecture: "+archList())
	fs.IntVar(&o.workers, "workers", 0, "accepting goroutines (pool), worker processes (prefork) or event loops (reactor); 0: the architecture's default (pool 4, prefork and reactor one per CPU)")
	fs.DurationVar(&o.delay, "delay", 0, "sleep this long before each answer, to simulate an expensive answer")
	fs.IntVar(&o.maxConns, "max-conns", 0, "most connections served at once (0: no limit)")
	fs.IntVar(&o.maxRequest, "max-request", serve.DefaultMaxRequest, "most bytes of a question, '?' included")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "close a connection silent for this long")
	fs.DurationVar(&o.idle, "idle", serve.DefaultInetdIdle, "inetd-wait: exit after this long with no connection open, handing the socket back to inetd")
	fs.StringVar(&o.logFile, "log", "", "append connection logs to FILE (default: stderr; inetd and systemd modes: no logs)")
	fs.StringVar(&o.addrFile, "addr-file", "", "once listening, write the address (HOST:PORT) to FILE; useful with --addr 127.0.0.1:0")
}

// archList returns the architectures of this build as "a, b, c".
func archList() string {
	var names []string
	for _, a := range serve.Architectures() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// detached reports whether arch gets its socket from a super-server (inetd
// or systemd), whose stdin, stdout and maybe stderr are then the socket or
// belong to the super-server: such a server must not write to them.
func detached(arch serve.Arch) bool {
	switch arch {
	case serve.InetdNowait, serve.InetdWait, serve.Systemd:
		return true
	}
	return false
}

func newZenServeCommand() *cobra.Command {
	var opts zenServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Zen service under one architecture",
		Long: `Serve the Zen service under the architecture chosen with --arch until
SIGINT or SIGTERM, then stop accepting, finish the answers in flight and
exit 0. Connection logs go to stderr, or to --log FILE.

prefork runs --workers copies of this same command as worker processes
that share the listening socket, restarts a worker that dies, and stops
them all on SIGINT or SIGTERM.

Under inetd the socket is fd 0: the connection (inetd-nowait, a "nowait"
service) or the listening socket (inetd-wait, a "wait" service, which exits
after --idle with no connection). Under systemd (--arch systemd) the socket
is fd 3 with LISTEN_FDS, or fd 0 (StandardInput=socket,
systemd-socket-activate --inetd); a listener is served until SIGTERM, a
connection (Accept=yes) to its end. In these modes netkit writes nothing to
stdout or stderr: logs go to --log FILE or nowhere.

With --addr 127.0.0.1:0 the system picks a free port; --addr-file FILE
tells it (zen ask --addr-file FILE reads it).`,
		Example: `  netkit zen serve
  netkit zen serve --arch single --delay 1s
  netkit zen serve --arch prefork --workers 4 --addr 127.0.0.1:1061
  netkit zen serve --addr 127.0.0.1:0 --addr-file zen.addr
  # /etc/inetd.conf:
  # 1060 stream tcp nowait nobody /usr/local/bin/netkit netkit zen serve --arch inetd-nowait --log /tmp/zen.log`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runZenServe(cmd.Context(), opts, cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runZenServe(ctx context.Context, opts zenServeOptions, stderr io.Writer) error {
	arch := serve.Arch(opts.arch)
	if !slices.Contains(serve.Architectures(), arch) {
		return withExit(exitUsage, fmt.Errorf("unknown architecture %q; use one of: %s", opts.arch, archList()))
	}
	if opts.maxRequest <= 0 || opts.idleTimeout <= 0 || opts.idle <= 0 || opts.workers < 0 || opts.maxConns < 0 || opts.delay < 0 {
		return withExit(exitUsage, errors.New("--max-request, --idle-timeout and --idle must be positive; --workers, --max-conns and --delay must not be negative"))
	}
	var logw io.Writer = stderr
	if detached(arch) {
		logw = io.Discard
	}
	if opts.logFile != "" {
		f, err := os.OpenFile(opts.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		defer f.Close()
		logw = f
	}
	if detached(arch) {
		// inetd (and systemd's inetd style) make fds 0, 1 and 2 the socket:
		// send anything written to stdout or stderr (a panic, an error
		// message) to the log instead.
		if err := redirectSocketStdio(logw); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	proto := &zen.Protocol{MaxRequest: opts.maxRequest, Delay: opts.delay}
	srv, err := serve.New(proto, serve.Config{
		Arch:        arch,
		Addr:        opts.addr,
		Workers:     opts.workers,
		MaxConns:    opts.maxConns,
		MaxRequest:  opts.maxRequest,
		IdleTimeout: opts.idleTimeout,
		Idle:        opts.idle,
		Logger:      log,
	})
	if err != nil {
		return withExit(exitUsage, err)
	}
	if opts.addrFile != "" && !serve.IsPreforkWorker() {
		if err := srv.Listen(); err != nil {
			log.Error("server failed", "err", err)
			return err
		}
		if err := writeAddrFile(opts.addrFile, srv.Addr().String()); err != nil {
			return err
		}
	}
	err = serveUntilDone(ctx, srv)
	if err != nil {
		log.Error("server failed", "err", err)
	}
	return err
}

// serveUntilDone runs srv until it stops by itself or ctx ends, then shuts
// it down gracefully (10 s at most).
func serveUntilDone(ctx context.Context, srv *serve.Server) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, serve.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, serve.ErrServerClosed) {
		return err
	}
	return nil
}

// writeAddrFile writes addr and a newline to path, atomically: a reader
// never sees a partial address.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return fmt.Errorf("write the address: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the address: %w", err)
	}
	return nil
}

// redirectSocketStdio points fds 1 and 2, where they are sockets (as inetd
// and systemd's StandardOutput=socket make them), at w when w is a file, or
// at /dev/null.
func redirectSocketStdio(w io.Writer) error {
	var fds []int
	for _, fd := range []int{1, 2} {
		if _, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err == nil {
			fds = append(fds, fd)
		}
	}
	if len(fds) == 0 {
		return nil
	}
	f, ok := w.(*os.File)
	if !ok {
		null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", os.DevNull, err)
		}
		defer null.Close()
		f = null
	}
	for _, fd := range fds {
		if err := unix.Dup2(int(f.Fd()), fd); err != nil {
			return fmt.Errorf("redirect fd %d: %w", fd, err)
		}
	}
	return nil
}

// zenAskOptions are the flags of `netkit zen ask`.
type zenAskOptions struct {
	port       int
	incomplete bool
	count      int
	timeout    time.Duration
	wait       time.Duration
	addrFile   string
}

// AddFlags registers the options on fs.
func (o *zenAskOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVarP(&o.port, "port", "p", zen.DefaultPort, "TCP port")
	fs.BoolVarP(&o.incomplete, "error", "e", false, "send the first aphorism without its '?' and close (the server logs an incomplete request)")
	fs.IntVarP(&o.count, "count", "n", 3, "how many questions to ask (3: the book's three in random order)")
	fs.DurationVar(&o.timeout, "timeout", zen.DefaultTimeout, "limit for connecting and for each answer")
	fs.DurationVar(&o.wait, "wait", 0, "retry a refused connection for this long (a server that is still starting)")
	fs.StringVar(&o.addrFile, "addr-file", "", "ask the server whose HOST:PORT is in FILE (written by zen serve --addr-file), waiting up to --wait for FILE; no HOST then")
}

func newZenAskCommand() *cobra.Command {
	var opts zenAskOptions
	cmd := &cobra.Command{
		Use:   "ask HOST | --addr-file FILE",
		Short: "Ask a Zen server questions, like the book's client.py",
		Long: `Connect to the Zen server on HOST, ask the book's three aphorisms in random
order (or -n of the known ones), read each answer up to its '.', and print
each question and answer on one line exactly as the book's client.py does.
With -e, send the first aphorism without its '?' and close at once.`,
		Example: `  netkit zen ask localhost
  netkit zen ask localhost -p 1061 -n 5
  netkit zen ask localhost -e
  netkit zen serve --addr 127.0.0.1:0 --addr-file zen.addr &
  netkit zen ask --addr-file zen.addr --wait 5s`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (opts.addrFile != "") {
				return withExit(exitUsage, errors.New("give either HOST or --addr-file FILE"))
			}
			if opts.addrFile != "" {
				return runZenAskAddrFile(cmd.Context(), opts, cmd.OutOrStdout())
			}
			return runZenAsk(cmd.Context(), opts, args[0], cmd.OutOrStdout())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// runZenAskAddrFile asks the server whose address is in opts.addrFile.
func runZenAskAddrFile(ctx context.Context, opts zenAskOptions, stdout io.Writer) error {
	deadline := time.Now().Add(opts.wait)
	for {
		b, err := os.ReadFile(opts.addrFile)
		if err == nil {
			host, port, err := net.SplitHostPort(strings.TrimSpace(string(b)))
			if err != nil {
				return withExit(exitUsage, fmt.Errorf("%s: %w", opts.addrFile, err))
			}
			if opts.port, err = strconv.Atoi(port); err != nil {
				return withExit(exitUsage, fmt.Errorf("%s: port %q: %w", opts.addrFile, port, err))
			}
			return runZenAsk(ctx, opts, host, stdout)
		}
		if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			return withExit(exitUsage, fmt.Errorf("read the address: %w", err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func runZenAsk(ctx context.Context, opts zenAskOptions, host string, stdout io.Writer) error {
	if opts.port <= 0 || opts.port > 65535 {
		return withExit(exitUsage, fmt.Errorf("port %d is out of range 1-65535", opts.port))
	}
	if opts.count < 0 {
		return withExit(exitUsage, fmt.Errorf("-n %d: the count must not be negative", opts.count))
	}
	addr := net.JoinHostPort(host, strconv.Itoa(opts.port))
	d := zen.Dialer{Timeout: opts.timeout, Wait: opts.wait}
	if opts.incomplete {
		return zenNetError(d.AskIncomplete(ctx, addr))
	}
	ex, err := d.Ask(ctx, addr, zen.Questions(opts.count, nil))
	for _, e := range ex {
		fmt.Fprintln(stdout, pyBytes(e.Question), pyBytes(e.Answer))
	}
	return zenNetError(err)
}

// zenNetError gives a host that does not exist exit status 2.
func zenNetError(err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return withExit(exitUsage, err)
	}
	return err
}

// pyBytes formats s as Python 3 prints a bytes object, b'...', so that the
// output matches the book's client.py byte for byte.
func pyBytes(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte('b')
	b.WriteByte(quote)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// zenService is the Zen service as `netkit serve` starts it: perconn on
// defaultZenAddr.
func zenService() service {
	return streamService("zen", &zen.Protocol{}, defaultZenAddr)
}
