package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"
)

// Arch names a server architecture.
type Arch string

// The architectures. Each is the Go rendering of one server of the sources;
// see the package documentation.
const (
	Single      Arch = "single"
	Pool        Arch = "pool"
	PerConn     Arch = "perconn"
	Poll        Arch = "poll"
	Reactor     Arch = "reactor"
	Prefork     Arch = "prefork"
	InetdNowait Arch = "inetd-nowait"
	InetdWait   Arch = "inetd-wait"
	Systemd     Arch = "systemd"
)

// Defaults used when a Config field is zero.
const (
	DefaultMaxRequest  = 4096
	DefaultWorkers     = 4
	DefaultIdleTimeout = 5 * time.Minute
	DefaultInetdIdle   = 8 * time.Second
)

// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
var ErrServerClosed = errors.New("serve: server closed")

// Config holds the options shared by every architecture. The zero value of
// each field means its default.
type Config struct {
	// Arch is the architecture; empty means PerConn.
	Arch Arch
	// Addr is the TCP address to listen on, for the architectures that
	// listen themselves (not inetd or systemd).
	Addr string
	// Workers is the number of accepting goroutines (pool) or processes
	// (prefork); default DefaultWorkers.
	Workers int
	// MaxConns caps the connections served at once; 0 means no cap.
	// Connections past the cap wait in the listen backlog.
	MaxConns int
	// MaxRequest is the most bytes a request may have before it is complete;
	// default DefaultMaxRequest.
	MaxRequest int
	// IdleTimeout closes a connection that sends nothing for this long;
	// default DefaultIdleTimeout. For inetd-wait it is also how long the
	// server waits for a new connection before it exits (default
	// DefaultInetdIdle there).
	IdleTimeout time.Duration
	// Logger receives the connection log lines; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Arch == "" {
		c.Arch = PerConn
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxRequest <= 0 {
		c.MaxRequest = DefaultMaxRequest
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// An engine runs one architecture on a listener. Serve blocks until the
// listener fails, Shutdown or Close; Shutdown stops accepting, lets answers
// in flight finish and waits for connections to end or ctx to expire; Close
// ends everything at once.
type engine interface {
	Serve(l net.Listener) error
	Shutdown(ctx context.Context) error
	Close() error
}

// engines maps each architecture that runs on a net.Listener to its
// constructor. Architectures register here from their own files.
var engines = map[Arch]func(p Protocol, cfg Config) engine{}

// Architectures returns the names of the architectures this build supports,
// sorted.
func Architectures() []Arch {
	var out []Arch
	for a := range engines {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// A Server serves one Protocol under one architecture.
type Server struct {
	proto Protocol
	cfg   Config

	mu     sync.Mutex
	ln     net.Listener // guarded by mu
	eng    engine       // guarded by mu
	closed bool         // guarded by mu
}

// New returns a server for p configured by cfg. It does not listen yet.
func New(p Protocol, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if _, ok := engines[cfg.Arch]; !ok {
		return nil, fmt.Errorf("serve: unknown architecture %q (have %v)", cfg.Arch, Architectures())
	}
	return &Server{proto: p, cfg: cfg}, nil
}

// Listen opens the listening socket on cfg.Addr, so that Addr is known
// before Serve is called (useful with port 0).
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr returns the listening address, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serve listens (if Listen was not called) and serves until Shutdown or
// Close, when it returns ErrServerClosed, or until the listener fails.
func (s *Server) Serve() error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.ServeListener(s.ln)
}

// ServeListener serves connections accepted from l, as Serve does. The
// server owns l from then on.
func (s *Server) ServeListener(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.ln = l
	s.eng = engines[s.cfg.Arch](s.proto, s.cfg)
	eng := s.eng
	s.mu.Unlock()
	s.cfg.Logger.Info("listening", "arch", string(s.cfg.Arch), "addr", l.Addr().String())
	err := eng.Serve(l)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrServerClosed
	}
	return err
}

// Shutdown stops accepting, lets every answer in flight be sent, closes the
// connections as they become idle and waits for them, or until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	eng, ln := s.eng, s.ln
	s.mu.Unlock()
	if eng != nil {
		return eng.Shutdown(ctx)
	}
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	eng, ln := s.eng, s.ln
	s.mu.Unlock()
	if eng != nil {
		return eng.Close()
	}
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// logEnd writes the one log line of a connection's end, the same for every
// architecture.
func logEnd(log *slog.Logger, peer string, err error) {
	var inc *IncompleteError
	switch {
	case err == nil:
		log.Info("closed normally", "peer", peer)
	case errors.As(err, &inc):
		log.Warn("closed with an incomplete request", "peer", peer, "bytes", inc.N)
	case errors.Is(err, ErrShortWrite):
		log.Warn("closed before all of the answer could be sent", "peer", peer)
	default:
		log.Error("error", "peer", peer, "err", err)
	}
}

// logAccept writes the log line of a new connection.
func logAccept(log *slog.Logger, peer string) {
	log.Info("accepted", "peer", peer)
}

// isClosedConn reports whether err means the peer or we closed the stream.
func isClosedConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}
