package upper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/netkit-go/netkit/dgram"
	"github.com/netkit-go/netkit/serve"
)

// Config holds the options of an uppercase server; the zero value of each
// field means its default.
type Config struct {
	// Addr is the address to listen on, for both TCP and UDP; default
	// DefaultAddr. With port 0 both get the same free port.
	Addr string
	// Arch is the TCP server architecture; default serve.PerConn. It must
	// serve inside this process: not prefork, inetd or systemd (which can
	// serve Protocol alone through package serve).
	Arch serve.Arch
	// Workers, MaxConns, MaxRequest and IdleTimeout are the options of the
	// same names of serve.Config, for TCP.
	Workers     int
	MaxConns    int
	MaxRequest  int
	IdleTimeout time.Duration
	// Reuse lets several servers share the port (SO_REUSEADDR and
	// SO_REUSEPORT), as for broadcast discovery: every server bound to
	// 0.0.0.0 on the port then receives every broadcast datagram.
	Reuse bool
	// MaxDatagram is the largest UDP request served; default and upper
	// bound dgram.MaxPayload.
	MaxDatagram int
	// Drop is the fraction of UDP datagrams ignored at random (0 to 1).
	Drop float64
	// Seed seeds the drops; 0 means random.
	Seed uint64
	// Logger receives the connection and error log lines; nil discards
	// them.
	Logger *slog.Logger
}

// A Server is the uppercase service over UDP and TCP on the same port.
type Server struct {
	udp *dgram.Server
	tcp *serve.Server
	pc  net.PacketConn
	ln  net.Listener
}

// Listen opens the UDP and TCP sockets of a server on cfg.Addr. With port
// 0 it picks a port free for both.
func Listen(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w (want HOST:PORT)", cfg.Addr, err)
	}
	h := &Handler{MaxDatagram: cfg.MaxDatagram}
	udp, err := dgram.NewServer(h, dgram.Config{
		MaxDatagram: cfg.MaxDatagram, Drop: cfg.Drop, Seed: cfg.Seed,
		Logger: cfg.Logger.With("proto", "udp"),
	})
	if err != nil {
		return nil, err
	}
	switch cfg.Arch {
	case serve.Prefork, serve.InetdNowait, serve.InetdWait, serve.Systemd:
		return nil, fmt.Errorf("upper: architecture %s does not serve inside this process, as UDP and TCP on one port need", cfg.Arch)
	}
	tcp, err := serve.New(Protocol{}, serve.Config{
		Arch:        cfg.Arch,
		Addr:        cfg.Addr,
		Workers:     cfg.Workers,
		MaxConns:    cfg.MaxConns,
		MaxRequest:  cfg.MaxRequest,
		IdleTimeout: cfg.IdleTimeout,
		Logger:      cfg.Logger.With("proto", "tcp"),
	})
	if err != nil {
		return nil, err
	}
	s := &Server{udp: udp, tcp: tcp}
	// With port 0 the UDP port may be taken for TCP; try a few ports.
	for try := 0; ; try++ {
		pc, err := dgram.Listen(ctx, cfg.Addr, cfg.Reuse)
		if err != nil {
			return nil, err
		}
		uport := pc.LocalAddr().(*net.UDPAddr).Port
		taddr := net.JoinHostPort(host, strconv.Itoa(uport))
		ln, err := dgram.ListenConfig(cfg.Reuse).Listen(ctx, "tcp", taddr)
		if err == nil {
			s.pc, s.ln = pc, ln
			return s, nil
		}
		pc.Close()
		if port != "0" || try >= 20 || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("listen on tcp %s: %w", taddr, err)
		}
	}
}

// UDPAddr returns the UDP socket's address.
func (s *Server) UDPAddr() net.Addr { return s.pc.LocalAddr() }

// TCPAddr returns the TCP listener's address.
func (s *Server) TCPAddr() net.Addr { return s.ln.Addr() }

// Serve serves UDP and TCP until Shutdown or Close, then returns nil, or
// returns the first error that stops either of them (the other is then
// closed).
func (s *Server) Serve() error {
	errs := make(chan error, 2)
	go func() { errs <- s.udp.Serve(s.pc) }()
	go func() { errs <- s.tcp.ServeListener(s.ln) }()
	var first error
	for i := range 2 {
		err := <-errs
		if errors.Is(err, dgram.ErrServerClosed) || errors.Is(err, serve.ErrServerClosed) {
			err = nil
		}
		if err != nil && first == nil {
			first = err
		}
		if i == 0 && err != nil {
			s.Close()
		}
	}
	return first
}

// Shutdown stops both servers: UDP at once, TCP gracefully (see
// serve.Server.Shutdown), waiting at most until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	uerr := s.udp.Close()
	terr := s.tcp.Shutdown(ctx)
	return errors.Join(terr, uerr)
}

// Close stops both servers at once.
func (s *Server) Close() error {
	return errors.Join(s.udp.Close(), s.tcp.Close())
}
