package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
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
	// Workers is the number of accepting goroutines (pool), worker
	// processes (prefork) or event loops (reactor); 0 means the
	// architecture's default: DefaultWorkers for pool, runtime.NumCPU() for
	// prefork and reactor.
	Workers int
	// MaxConns caps the connections served at once; 0 means no cap.
	// Connections past the cap wait in the listen backlog.
	MaxConns int
	// MaxRequest is the most bytes a request may have before it is complete;
	// default DefaultMaxRequest.
	MaxRequest int
	// IdleTimeout closes a connection that does not complete a request
	// within this long of its previous answer (or of its start): a silent
	// client, and one that trickles a request byte by byte; default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Idle is how long an inetd-wait server waits with no connection open
	// before it exits and hands the listening socket back to inetd; default
	// DefaultInetdIdle.
	Idle time.Duration
	// Socket is the inherited socket of inetd-nowait, inetd-wait and
	// systemd; nil means the one the super-server passed: fd 0 for inetd
	// (and systemd-socket-activate --inetd), fd 3 with LISTEN_FDS for
	// systemd. The server owns it.
	Socket *os.File
	// Exec is the command line prefork runs for each worker process; empty
	// means this program again with the same arguments (os.Executable and
	// os.Args[1:]). A worker must build the same Server with Arch Prefork:
	// it then serves the inherited listener instead of starting workers.
	Exec []string
	// Logger receives the connection log lines; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Arch == "" {
		c.Arch = PerConn
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
		if c.Arch == Prefork || c.Arch == Reactor {
			c.Workers = runtime.NumCPU()
		}
	}
	if c.Idle <= 0 {
		c.Idle = DefaultInetdIdle
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
	if cfg.Arch == Prefork && preforkWorker != "" {
		cfg.Logger = cfg.Logger.With("worker", preforkWorker, "pid", os.Getpid())
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
	ln, err := s.listen()
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// listen opens or takes over the socket that the architecture serves: a new
// listener on cfg.Addr, or the socket inherited from inetd, systemd or the
// prefork parent.
func (s *Server) listen() (net.Listener, error) {
	switch {
	case s.cfg.Arch == InetdNowait || s.cfg.Arch == InetdWait || s.cfg.Arch == Systemd:
		return inheritedListener(s.cfg)
	case s.cfg.Arch == Prefork && preforkWorker != "":
		return workerListener()
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return ln, nil
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
// Close, when it returns ErrServerClosed, or until the listener fails. It
// returns nil when the server ends by itself: inetd-nowait and systemd
// Accept=yes once their one connection is served, inetd-wait after Idle
// with no connection.
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
	log := s.cfg.Logger
	if oc, ok := l.(*oneConnListener); ok {
		log.Info("serving one connection", "arch", string(s.cfg.Arch), "addr", l.Addr().String(), "peer", oc.peer())
	} else {
		log.Info("listening", "arch", string(s.cfg.Arch), "addr", l.Addr().String())
	}
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
