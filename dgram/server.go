package dgram

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// MaxPayload is the largest UDP payload over IPv4: 65535 minus the 8-byte
// UDP header and the 20-byte IP header.
const MaxPayload = 65507

// ErrServerClosed is returned by Server.Serve after Close.
var ErrServerClosed = errors.New("dgram: server closed")

// A Datagram is one request as the server received it.
type Datagram struct {
	// Data is the payload, at most Config.MaxDatagram bytes. It is only
	// valid during the handler call.
	Data []byte
	// Truncated reports that the datagram was longer than
	// Config.MaxDatagram; Data then holds only its first bytes.
	Truncated bool
	// From is the sender.
	From net.Addr
}

// A Handler answers datagrams. The server calls it from one goroutine at a
// time.
type Handler interface {
	// ServeDatagram appends the reply to d to out and returns it; the reply
	// is sent to d.From, even when empty. A non-nil error is logged as a
	// warning (the reply should tell the peer what went wrong).
	ServeDatagram(d Datagram, out []byte) ([]byte, error)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(d Datagram, out []byte) ([]byte, error)

// ServeDatagram calls f(d, out).
func (f HandlerFunc) ServeDatagram(d Datagram, out []byte) ([]byte, error) { return f(d, out) }

// Config holds a server's options; the zero value of each field means its
// default.
type Config struct {
	// MaxDatagram is the largest request served, in bytes; default and
	// upper bound MaxPayload. Replies are limited to MaxPayload.
	MaxDatagram int
	// Drop is the fraction of datagrams (0 to 1) ignored at random, to
	// exercise clients' retries; default 0.
	Drop float64
	// Seed seeds the random drops; 0 means a random seed.
	Seed uint64
	// Logger receives one line per error and, at debug level, per datagram;
	// nil discards them.
	Logger *slog.Logger
}

// A Server answers the datagrams of one packet socket with a Handler.
type Server struct {
	h   Handler
	cfg Config
	rng *rand.Rand // used only by the Serve goroutine

	mu     sync.Mutex
	pc     net.PacketConn // guarded by mu
	closed bool           // guarded by mu
}

// NewServer returns a server that answers with h. It fails if cfg is out of
// range.
func NewServer(h Handler, cfg Config) (*Server, error) {
	if cfg.MaxDatagram <= 0 || cfg.MaxDatagram > MaxPayload {
		if cfg.MaxDatagram > MaxPayload {
			return nil, fmt.Errorf("dgram: maximum datagram %d is larger than a UDP payload (%d)", cfg.MaxDatagram, MaxPayload)
		}
		cfg.MaxDatagram = MaxPayload
	}
	if cfg.Drop < 0 || cfg.Drop > 1 {
		return nil, fmt.Errorf("dgram: drop fraction %v is not between 0 and 1", cfg.Drop)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Server{h: h, cfg: cfg, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// Serve answers datagrams from pc until Close, when it returns
// ErrServerClosed, or until pc fails. The server owns pc from then on.
func (s *Server) Serve(pc net.PacketConn) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		pc.Close()
		return ErrServerClosed
	}
	s.pc = pc
	s.mu.Unlock()
	log := s.cfg.Logger
	log.Info("listening", "addr", pc.LocalAddr().String())

	buf := make([]byte, s.cfg.MaxDatagram+1)
	var out []byte
	var backoff time.Duration
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				if s.isClosed() {
					return ErrServerClosed
				}
				return err
			}
			// A transient error (for example an ICMP error queued on the
			// socket): log it and go on, slowing down if it repeats.
			backoff = min(max(2*backoff, time.Millisecond), time.Second)
			log.Warn("read failed; retrying", "err", err, "in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		d := Datagram{Data: buf[:min(n, s.cfg.MaxDatagram)], Truncated: n > s.cfg.MaxDatagram, From: from}
		if s.cfg.Drop > 0 && s.rng.Float64() < s.cfg.Drop {
			log.Info("dropped datagram", "peer", from.String(), "bytes", n)
			continue
		}
		out, err = s.serveOne(d, out[:0])
		if err != nil {
			log.Warn("error", "peer", from.String(), "err", err)
		}
		if len(out) > MaxPayload {
			log.Error("reply too large to send; not sent", "peer", from.String(), "bytes", len(out))
			continue
		}
		if _, err := pc.WriteTo(out, from); err != nil {
			log.Warn("reply failed", "peer", from.String(), "err", err)
			continue
		}
		log.Debug("answered", "peer", from.String(), "in", n, "out", len(out))
	}
}

// serveOne calls the handler, turning a panic into an error.
func (s *Server) serveOne(d Datagram, out []byte) (reply []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			reply, err = nil, fmt.Errorf("panic serving %v: %v", d.From, r)
		}
	}()
	return s.h.ServeDatagram(d, out)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Addr returns the socket's address, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pc == nil {
		return nil
	}
	return s.pc.LocalAddr()
}

// Close stops the server and closes its socket. Serve then returns
// ErrServerClosed. A datagram being answered is finished first only if the
// reply is already on its way; UDP has no connections to drain.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.pc != nil {
		return s.pc.Close()
	}
	return nil
}
