package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/netkit-go/netkit/serve"
)

// streamServeOptions are the flags of the commands that serve a stream
// protocol under any architecture of package serve (zen serve, upper
// serve).
type streamServeOptions struct {
	addr        string
	arch        string
	workers     int
	maxConns    int
	maxRequest  int
	idleTimeout time.Duration
	idle        time.Duration
	logFile     string
	addrFile    string
}

// AddFlags registers the options on fs, with defaultAddr as --addr's
// default.
func (o *streamServeOptions) AddFlags(fs *pflag.FlagSet, defaultAddr string) {
	fs.StringVar(&o.addr, "addr", defaultAddr, "TCP address to listen on (not used by inetd and systemd modes)")
	fs.StringVar(&o.arch, "arch", string(serve.PerConn), "server architecture: "+archList())
	fs.IntVar(&o.workers, "workers", 0, "accepting goroutines (pool), worker processes (prefork) or event loops (reactor); 0: the architecture's default (pool 4, prefork and reactor one per CPU)")
	fs.IntVar(&o.maxConns, "max-conns", 0, "most connections served at once (0: no limit)")
	fs.IntVar(&o.maxRequest, "max-request", serve.DefaultMaxRequest, "most bytes of a request")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "close a connection silent for this long")
	fs.DurationVar(&o.idle, "idle", serve.DefaultInetdIdle, "inetd-wait: exit after this long with no connection open, handing the socket back to inetd")
	fs.StringVar(&o.logFile, "log", "", "append connection logs to FILE (default: stderr; inetd and systemd modes: no logs)")
	fs.StringVar(&o.addrFile, "addr-file", "", "once listening, write the address (HOST:PORT) to FILE; useful with --addr 127.0.0.1:0")
}

// check validates the options, with exit status 2 for bad ones.
func (o streamServeOptions) check() error {
	if !slices.Contains(serve.Architectures(), serve.Arch(o.arch)) {
		return withExit(exitUsage, fmt.Errorf("unknown architecture %q; use one of: %s", o.arch, archList()))
	}
	if o.maxRequest <= 0 || o.idleTimeout <= 0 || o.idle <= 0 || o.workers < 0 || o.maxConns < 0 {
		return withExit(exitUsage, errors.New("--max-request, --idle-timeout and --idle must be positive; --workers and --max-conns must not be negative"))
	}
	return nil
}

// openLog returns where the server logs: --log FILE, else stderr, or
// nowhere in the detached modes. The caller calls done when the server
// has stopped.
func (o streamServeOptions) openLog(stderr io.Writer) (log io.Writer, done func(), err error) {
	if o.logFile == "" {
		if detached(serve.Arch(o.arch)) {
			return io.Discard, func() {}, nil
		}
		return stderr, func() {}, nil
	}
	f, err := os.OpenFile(o.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open log: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// runStreamServe serves proto as opts say until ctx ends (SIGINT, SIGTERM)
// or the server ends by itself (inetd), then shuts it down gracefully.
func runStreamServe(ctx context.Context, proto serve.Protocol, opts streamServeOptions, stderr io.Writer) error {
	if err := opts.check(); err != nil {
		return err
	}
	arch := serve.Arch(opts.arch)
	logw, closeLog, err := opts.openLog(stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	if detached(arch) {
		// inetd (and systemd's inetd style) make fds 0, 1 and 2 the socket:
		// send anything written to stdout or stderr (a panic, an error
		// message) to the log instead.
		if err := redirectSocketStdio(logw); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
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

// processArch reports whether arch runs as netkit processes rather than in
// this process.
func processArch(arch serve.Arch) bool {
	switch arch {
	case serve.Prefork, serve.InetdNowait, serve.InetdWait, serve.Systemd:
		return true
	}
	return false
}

// gracefulServer is a server that serveUntilDone can run: a serve.Server
// or an upper.Server.
type gracefulServer interface {
	Serve() error
	Shutdown(ctx context.Context) error
}

// serveUntilDone runs srv until it stops by itself or ctx ends, then shuts
// it down gracefully (10 s at most).
func serveUntilDone(ctx context.Context, srv gracefulServer) error {
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

// writeAddrFile writes addr and a newline to path through a temporary file
// and a rename, so that a reader never sees a partial address.
func writeAddrFile(path, addr string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return fmt.Errorf("write the address: %w", err)
	}
	_, werr := tmp.WriteString(addr + "\n")
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write the address to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write the address to %s: %w", path, err)
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
