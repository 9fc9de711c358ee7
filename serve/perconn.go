package serve

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	engines[PerConn] = func(p Protocol, cfg Config) engine { return newGoEngine(p, cfg, 0) }
}

// goEngine runs blocking connections on goroutines. With acceptors == 0 it
// is perconn: one accept loop, one goroutine per connection. With
// acceptors == N it is the book's srv_threaded.py (pool): N goroutines each
// accept a connection, serve it to its end and accept the next; single is
// the pool of one (srv_single.py).
type goEngine struct {
	proto     Protocol
	cfg       Config
	acceptors int
	// idle, when not 0, ends Serve (with errIdle) once no connection has
	// been open for that long: inetd-wait.
	idle time.Duration

	stopping atomic.Bool
	sem      chan struct{} // nil when MaxConns is 0
	wg       sync.WaitGroup

	mu     sync.Mutex
	ln     net.Listener          // guarded by mu
	conns  map[net.Conn]struct{} // guarded by mu
	idleAt time.Time             // guarded by mu; when idle ends Serve
}

// deadliner is a listener whose Accept can time out.
type deadliner interface {
	SetDeadline(time.Time) error
}

func newGoEngine(p Protocol, cfg Config, acceptors int) *goEngine {
	e := &goEngine{proto: p, cfg: cfg, acceptors: acceptors, conns: map[net.Conn]struct{}{}}
	if cfg.MaxConns > 0 {
		e.sem = make(chan struct{}, cfg.MaxConns)
	}
	return e
}

// Serve accepts until the listener is closed.
func (e *goEngine) Serve(l net.Listener) error {
	e.mu.Lock()
	e.ln = l
	if e.idle > 0 {
		e.armIdleLocked()
	}
	e.mu.Unlock()
	if e.acceptors == 0 {
		return e.acceptLoop(l, true)
	}
	errs := make(chan error, e.acceptors)
	for i := 0; i < e.acceptors; i++ {
		go func() { errs <- e.acceptLoop(l, false) }()
	}
	var first error
	for i := 0; i < e.acceptors; i++ {
		if err := <-errs; first == nil {
			first = err
		}
	}
	return first
}

// acceptLoop accepts connections and serves each one, on a new goroutine
// when spawn is set or inline otherwise. Accept errors such as EMFILE are
// retried with back-off from 5 ms to 1 s.
func (e *goEngine) acceptLoop(l net.Listener, spawn bool) error {
	var backoff time.Duration
	for {
		if e.sem != nil {
			e.sem <- struct{}{}
		}
		c, err := l.Accept()
		if err != nil {
			if e.sem != nil {
				<-e.sem
			}
			if e.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return err
			}
			if e.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
				if e.idleOver() {
					e.cfg.Logger.Info("no connection for the idle period; exiting", "idle", e.idle)
					return errIdle
				}
				continue
			}
			backoff = nextBackoff(backoff)
			e.cfg.Logger.Error("accept failed; retrying", "err", err, "in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !e.track(c) {
			c.Close()
			if e.sem != nil {
				<-e.sem
			}
			continue
		}
		if spawn {
			go e.serveConn(c)
		} else {
			e.serveConn(c)
		}
	}
}

// nextBackoff doubles d within [5 ms, 1 s].
func nextBackoff(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return 5 * time.Millisecond
	case d*2 > time.Second:
		return time.Second
	default:
		return d * 2
	}
}

// track registers c as live; it reports false when the server is stopping.
func (e *goEngine) track(c net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopping.Load() {
		return false
	}
	e.conns[c] = struct{}{}
	e.wg.Add(1)
	if e.idle > 0 {
		if d, ok := e.ln.(deadliner); ok {
			d.SetDeadline(time.Time{})
		}
	}
	return true
}

// armIdleLocked starts the idle period: Accept times out at its end.
// e.mu must be held.
func (e *goEngine) armIdleLocked() {
	e.idleAt = time.Now().Add(e.idle)
	if d, ok := e.ln.(deadliner); ok {
		d.SetDeadline(e.idleAt)
	}
}

// idleOver reports whether the idle period has passed with no connection
// open; if a connection is open, or the period was restarted, the caller
// accepts again.
func (e *goEngine) idleOver() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.conns) > 0 {
		return false
	}
	if time.Now().Before(e.idleAt) {
		if d, ok := e.ln.(deadliner); ok {
			d.SetDeadline(e.idleAt)
		}
		return false
	}
	return true
}

func (e *goEngine) serveConn(c net.Conn) {
	peer := c.RemoteAddr().String()
	logAccept(e.cfg.Logger, peer)
	err := connLoop(e.proto, e.cfg, c, e.stopping.Load)
	logEnd(e.cfg.Logger, peer, err)
	e.mu.Lock()
	delete(e.conns, c)
	if e.idle > 0 && len(e.conns) == 0 && !e.stopping.Load() {
		e.armIdleLocked()
	}
	e.mu.Unlock()
	if e.sem != nil {
		<-e.sem
	}
	e.wg.Done()
}

// Shutdown stops accepting, cuts every connection's wait for more input to
// shutdownGrace so that it ends once no request is partly read, and waits
// for all of them.
func (e *goEngine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.stopping.Store(true)
	if e.ln != nil {
		e.ln.Close()
	}
	for c := range e.conns {
		c.SetReadDeadline(time.Now().Add(shutdownGrace))
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		e.Close()
		return ctx.Err()
	}
}

// Close closes the listener and every connection.
func (e *goEngine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopping.Store(true)
	var err error
	if e.ln != nil {
		err = e.ln.Close()
	}
	for c := range e.conns {
		c.Close()
	}
	return err
}
