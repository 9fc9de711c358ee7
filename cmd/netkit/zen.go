package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	streamServeOptions
	delay time.Duration
}

// AddFlags registers the options on fs.
func (o *zenServeOptions) AddFlags(fs *pflag.FlagSet) {
	o.streamServeOptions.AddFlags(fs, defaultZenAddr)
	fs.DurationVar(&o.delay, "delay", 0, "sleep this long before each answer, to simulate an expensive answer")
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
	if opts.delay < 0 {
		return withExit(exitUsage, errors.New("--delay must not be negative"))
	}
	proto := &zen.Protocol{MaxRequest: opts.maxRequest, Delay: opts.delay}
	return runStreamServe(ctx, proto, opts.streamServeOptions, stderr)
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
