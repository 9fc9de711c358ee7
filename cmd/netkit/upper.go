package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netkit-go/netkit/dgram"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/upper"
)

func newUpperCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upper",
		Short: "The course deck's uppercase service over UDP and TCP, and its client",
		Long: `The course deck's uppercase service: send text, get it back in upper case,
exactly as Python's str.upper() makes it ("straße" -> "STRASSE"). The server
answers over UDP and TCP on the same port (1234 by default); the client
retries over UDP with exponential back-off and can discover every server on
a network by broadcast.`,
		Example: `  netkit upper serve
  netkit upper send localhost hello world
  netkit upper send --udp localhost:1234 straße
  netkit upper send --udp --broadcast 127.255.255.255 who is there`,
	}
	cmd.AddCommand(newUpperServeCommand(), newUpperSendCommand())
	return cmd
}

// upperServeOptions are the flags of `netkit upper serve`.
type upperServeOptions struct {
	addr        string
	arch        string
	drop        float64
	seed        uint64
	reuse       bool
	maxDatagram int
	addrFile    string
}

// AddFlags registers the options on fs.
func (o *upperServeOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.addr, "addr", upper.DefaultAddr, "address to listen on, UDP and TCP (port 0: a free port)")
	fs.StringVar(&o.arch, "arch", string(serve.PerConn), "TCP server architecture: "+strings.Join(upperArchs(), ", "))
	fs.Float64Var(&o.drop, "drop", 0, "fraction of UDP datagrams to ignore at random, 0 to 1 (to exercise client retries)")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the random drops (0: a random seed)")
	fs.BoolVar(&o.reuse, "reuse", false, "share the port with other servers (SO_REUSEPORT), for broadcast discovery")
	fs.IntVar(&o.maxDatagram, "max-datagram", dgram.MaxPayload, "largest UDP request served, in bytes")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the address listened on to FILE once listening (useful with port 0)")
}

// upperArchs returns the architectures `netkit upper serve` can run: those
// that serve a listener inside this process.
func upperArchs() []string {
	var out []string
	for _, a := range serve.Architectures() {
		if a == serve.Prefork || detached(a) {
			continue
		}
		out = append(out, string(a))
	}
	return out
}

func newUpperServeCommand() *cobra.Command {
	var opts upperServeOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the uppercase service over UDP and TCP on one port",
		Long: `Serve the uppercase service over UDP and TCP on the same port until SIGINT
or SIGTERM, then stop accepting, finish the answers in flight and exit 0.
Logs go to stderr.

Each UDP datagram is answered with its upper-case form; a datagram that is not
UTF-8 or too long is answered with an error datagram ("error: ..."). Over TCP
the stream is upper-cased as it arrives until the client closes; invalid
UTF-8 gets an error line and the connection is closed.

To be found by broadcast, listen on every address and share the port:
--addr 0.0.0.0:1234 --reuse (several servers may then run on one host).`,
		Example: `  netkit upper serve
  netkit upper serve --addr 127.0.0.1:0 --addr-file addr.txt
  netkit upper serve --drop 0.5 --seed 42     # lose half the datagrams
  netkit upper serve --addr 0.0.0.0:1234 --reuse
  netkit upper serve --arch single`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUpperServe(cmd.Context(), opts, cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runUpperServe(ctx context.Context, opts upperServeOptions, stderr io.Writer) error {
	if !slices.Contains(upperArchs(), opts.arch) {
		return withExit(exitUsage, fmt.Errorf("architecture %q cannot serve upper; use one of: %s", opts.arch, strings.Join(upperArchs(), ", ")))
	}
	if opts.drop < 0 || opts.drop > 1 {
		return withExit(exitUsage, fmt.Errorf("--drop %v: must be between 0 and 1", opts.drop))
	}
	if opts.maxDatagram <= 0 || opts.maxDatagram > dgram.MaxPayload {
		return withExit(exitUsage, fmt.Errorf("--max-datagram %d: must be between 1 and %d", opts.maxDatagram, dgram.MaxPayload))
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := upper.Listen(ctx, upper.Config{
		Addr:        opts.addr,
		Arch:        serve.Arch(opts.arch),
		Reuse:       opts.reuse,
		MaxDatagram: opts.maxDatagram,
		Drop:        opts.drop,
		Seed:        opts.seed,
		Logger:      log,
	})
	if err != nil {
		return err
	}
	if opts.addrFile != "" {
		if err := writeFileAtomic(opts.addrFile, srv.UDPAddr().String()+"\n"); err != nil {
			srv.Close()
			return err
		}
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-done
}

// writeFileAtomic writes data to name through a temporary file and a
// rename, so that a reader never sees it half written.
func writeFileAtomic(name, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".addr-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, werr := tmp.WriteString(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// upperSendOptions are the flags of `netkit upper send`.
type upperSendOptions struct {
	udp       bool
	broadcast bool
	timeout   time.Duration
}

// AddFlags registers the options on fs.
func (o *upperSendOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.udp, "udp", false, "send one datagram, retrying with back-off (default: TCP)")
	fs.BoolVar(&o.broadcast, "broadcast", false, "send one datagram to a broadcast address and print every reply (implies --udp)")
	fs.DurationVar(&o.timeout, "timeout", dgram.DefaultMaxDelay, "TCP: limit for the whole exchange; UDP: give up once the back-off would wait longer; broadcast: how long to collect replies")
}

func newUpperSendCommand() *cobra.Command {
	var opts upperSendOptions
	cmd := &cobra.Command{
		Use:   "send [--udp] [--broadcast] HOST[:PORT] TEXT...",
		Short: "Send text to an uppercase server and print the reply",
		Long: `Send TEXT (the arguments joined by spaces) to the uppercase server at
HOST (port 1234 unless given) and print the upper-case reply.

Over TCP (the default) the text is sent, the sending side closed, and all of
the reply printed. With --udp the text goes in one datagram from a connected
socket; with no reply within 0.1 s it is sent again, and the wait doubles
after each silent try; once the next wait would pass --timeout (2 s) netkit
gives up with "server seems down" (exit 1).

With --broadcast the datagram goes once to a broadcast address (for example
127.255.255.255, which reaches every server bound to 0.0.0.0 on the
loopback) and every reply that arrives within --timeout is printed as
"SENDER REPLY"; a summary line goes to stderr.

An error reply from the server (for example to text that is not UTF-8) is
printed on stderr with exit 1.`,
		Example: `  netkit upper send localhost hello world
  netkit upper send --udp 127.0.0.1:1234 straße
  netkit upper send --udp --timeout 5s [::1]:1234 hello
  netkit upper send --broadcast 127.255.255.255 who is there`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUpperSend(cmd.Context(), opts, args[0], strings.Join(args[1:], " "), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runUpperSend(ctx context.Context, opts upperSendOptions, hostport, text string, stdout, stderr io.Writer) error {
	if opts.timeout <= 0 {
		return withExit(exitUsage, fmt.Errorf("--timeout %v: must be positive", opts.timeout))
	}
	addr, err := upperAddr(hostport)
	if err != nil {
		return withExit(exitUsage, err)
	}
	switch {
	case opts.broadcast:
		n := 0
		_, err := upper.Discover(ctx, addr, []byte(text), opts.timeout, func(r dgram.Reply) {
			n++
			fmt.Fprintf(stdout, "%s %s\n", r.From, r.Data)
		})
		if err != nil {
			return lookupError(err)
		}
		fmt.Fprintf(stderr, "%d %s from %s within %v\n", n, plural(n, "reply", "replies"), addr, opts.timeout)
		return nil
	case opts.udp:
		r, err := upper.SendUDP(ctx, addr, []byte(text), dgram.Retry{Max: opts.timeout})
		if err != nil {
			return lookupError(err)
		}
		fmt.Fprintf(stdout, "%s\n", r.Data)
		if r.Tries > 1 {
			fmt.Fprintf(stderr, "answered after %d tries in %.1f s\n", r.Tries, r.Elapsed.Seconds())
		}
		return nil
	default:
		reply, err := upper.SendTCP(ctx, addr, []byte(text), opts.timeout)
		if len(reply) > 0 {
			fmt.Fprintf(stdout, "%s\n", reply)
		}
		return lookupError(err)
	}
}

// upperAddr returns HOST[:PORT] as host:port, with the uppercase service's
// port when none is given. A bare IPv6 address ("::1") is a host.
func upperAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.Trim(s, "[]"), strconv.Itoa(upper.DefaultPort)
	}
	if host == "" {
		return "", fmt.Errorf("%q: no host (want HOST or HOST:PORT)", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, port)
	}
	return net.JoinHostPort(host, port), nil
}

// usageArgs makes the error of an argument check exit with status 2.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return withExit(exitUsage, fmt.Errorf("%w (run '%s --help' for usage)", err, cmd.CommandPath()))
		}
		return nil
	}
}

// plural returns one or many depending on n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// upperUDPService is the uppercase service over UDP as `netkit serve`
// starts it, on upper.DefaultAddr.
func upperUDPService() service {
	return service{
		name: "upper/udp",
		start: func(ctx context.Context, log *slog.Logger) (string, <-chan error, error) {
			srv, err := dgram.NewServer(&upper.Handler{}, dgram.Config{Logger: log})
			if err != nil {
				return "", nil, err
			}
			pc, err := dgram.Listen(ctx, upper.DefaultAddr, false)
			if err != nil {
				return "", nil, err
			}
			done := make(chan error, 1)
			go func() {
				err := srv.Serve(pc)
				if errors.Is(err, dgram.ErrServerClosed) {
					err = nil
				}
				done <- err
			}()
			context.AfterFunc(ctx, func() { srv.Close() })
			return "udp " + pc.LocalAddr().String(), done, nil
		},
	}
}

// upperTCPService is the uppercase service over TCP as `netkit serve`
// starts it: perconn on upper.DefaultAddr.
func upperTCPService() service {
	return streamService("upper/tcp", upper.Protocol{}, upper.DefaultAddr)
}
