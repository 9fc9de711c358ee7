//go:build linux

package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netkit-go/netkit/serve/internal/poller"
	"golang.org/x/sys/unix"
)

// The poll architecture: one event loop that accepts and serves every
// connection (see loopEngine).
func init() {
	engines[Poll] = func(p Protocol, cfg Config) engine { return newLoopEngine(p, cfg, 1) }
}

// Sizes of the event loops' buffers.
const (
	// loopReadBuf is the read buffer one loop shares among all of its
	// connections; only the bytes of a request left incomplete are copied
	// into a connection's own input buffer.
	loopReadBuf = 64 << 10
	// outHigh is how many unsent answer bytes a connection may hold before
	// its loop stops reading its requests (and answering those already
	// read) until the socket has taken them.
	outHigh = 256 << 10
	// acceptBatch caps the connections accepted per readiness event, so
	// that a flood of connects does not starve the connections served.
	acceptBatch = 64
	// keepBuf is the largest buffer capacity a connection keeps once it is
	// drained; a bigger one, grown by a burst, is given back.
	keepBuf = 64 << 10
)

// Engine states, in the order they can happen.
const (
	loopRunning  int32 = iota
	loopStopping       // Shutdown: no new connections, finish the answers in flight
	loopClosing        // Close: end everything now
)

// loopEngine runs n event loops over one listener: the poll architecture is
// one loop that accepts and serves; the reactor is n serving loops plus one
// more that only accepts and hands the connections to them in turn (see
// reactor.go). Either way, the accepting loop is e.acceptor.
//
// A loop is the Go rendering of the book's srv_async.py, done the way a C
// server would: one goroutine locked to its OS thread, blocking in
// epoll_wait (package internal/poller), with no goroutine per connection.
// Each turn of a loop:
//
//	wait     epoll_wait, blocking; its timeout is the next idle deadline
//	         or accept retry, never a poll interval
//	wake     the eventfd fired: adopt handed-over connections, see Shutdown
//	         or Close
//	accept   (acceptor) up to acceptBatch connections: non-blocking,
//	         TCP_NODELAY (passed on by the listener), each with a new
//	         generation number; read at once if the listener defers
//	         accepts (TCP_DEFER_ACCEPT), else registered for input
//	write    EPOLLOUT: send what the socket did not take last time
//	read     EPOLLIN/RDHUP/HUP/ERR: one read into the loop's buffer, then
//	         Split -> Serve for each complete request, answers appended to
//	         the connection's output buffer, sent at once; the rest kept
//	         in its input buffer (at most MaxRequest bytes of a request)
//	expire   connections idle past IdleTimeout, least recently active first
//
// A connection is read only while its unsent answers are under outHigh; past
// that, complete requests wait in its input buffer until the socket drains,
// so a peer that does not read cannot make the server buffer without bound.
// Events carry the fd's generation: an event queued for a connection that
// has since closed is dropped, even when a new connection got the same fd.
//
// Sessions run on the loop's thread: a slow Serve (zen's --delay) delays
// every connection of that loop, which is the point of the architecture.
//
// A decision not taken: a loop blocks in epoll_wait itself, as the
// architecture asks, and not in Go's runtime poller (the epoll fd can be
// registered there through os.NewFile and waited for with RawConn.Read, so
// that the idle thread holds no P). While blocked in the syscall, a loop's
// thread keeps its P until sysmon retakes it; with more loops than
// GOMAXPROCS (the reactor's default Workers on a small machine) other
// goroutines of the process can wait for a P for up to a sysmon tick. A
// prototype of the runtime-poller wait measured no clear gain on loopback
// (within the noise of a shared 2-CPU machine) and cost a second thread
// hand-off per wake-up, so the loops keep the plain blocking wait.
type loopEngine struct {
	proto Protocol
	cfg   Config
	n     int

	state  atomic.Int32
	active atomic.Int64 // connections accepted and not yet closed, all loops
	// acceptNoDelay is set when accepted TCP connections need TCP_NODELAY
	// set one by one (the listener could not pass it on); eagerRead when
	// the listener defers accepting until data arrives (TCP_DEFER_ACCEPT),
	// so that a new connection is read at once. Both are set by Serve
	// before any loop starts.
	acceptNoDelay, eagerRead bool
	// acceptWait is set while the acceptor has stopped accepting because
	// of MaxConns; a loop that closes a connection then wakes it.
	acceptWait atomic.Bool
	// next is the serving loop that gets the next connection (reactor);
	// only the acceptor uses it.
	next int

	mu sync.Mutex
	ln net.Listener // guarded by mu
	// loops (the serving loops) and acceptor are set once by Serve
	// before any loop starts; loops read them without mu.
	loops    []*loop
	acceptor *loop
	all      []*loop       // guarded by mu: loops and, if apart, the acceptor
	started  bool          // guarded by mu
	done     chan struct{} // closed when every loop has ended
}

func newLoopEngine(p Protocol, cfg Config, n int) *loopEngine {
	return &loopEngine{proto: p, cfg: cfg, n: n, done: make(chan struct{})}
}

// Serve runs the loops on l until Shutdown, Close, or a failure of epoll
// itself. The listener must expose its file descriptor (syscall.Conn); the
// acceptor works on a duplicate of it, which only the acceptor closes, so
// that the number cannot be reused under its feet.
func (e *loopEngine) Serve(l net.Listener) error {
	e.mu.Lock()
	if e.started || e.state.Load() != loopRunning {
		e.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	e.started = true
	e.ln = l
	all, err := e.openLoops(l)
	if err != nil {
		e.mu.Unlock()
		l.Close()
		close(e.done)
		return err
	}
	e.mu.Unlock()

	errs := make(chan error, len(all))
	for _, lp := range all {
		go func() { errs <- lp.run() }()
	}
	var first error
	for range all {
		if err := <-errs; err != nil && first == nil {
			first = err
			// One loop failed: end the others.
			e.Close()
		}
	}
	close(e.done)
	return first
}

// openLoops creates the loops and registers l's duplicate with the
// acceptor. e.mu must be held.
func (e *loopEngine) openLoops(l net.Listener) (all []*loop, err error) {
	defer func() {
		if err != nil {
			for _, lp := range all {
				lp.poll.Close()
			}
		}
	}()
	for i := range e.n {
		lp, err := newLoop(e, i)
		if err != nil {
			return all, err
		}
		all = append(all, lp)
	}
	e.loops = all
	e.acceptor = all[0]
	if e.n > 1 {
		acc, err := newLoop(e, e.n)
		if err != nil {
			return all, err
		}
		all = append(all, acc)
		e.acceptor = acc
	}
	lfd, err := listenerFD(l)
	if err != nil {
		return all, err
	}
	if err := e.acceptor.poll.Add(lfd, 0, poller.In); err != nil {
		poller.Close(lfd)
		return all, err
	}
	e.acceptor.lfd = lfd
	e.acceptNoDelay = !poller.ListenerNoDelay(lfd)
	e.eagerRead = poller.DefersAccept(lfd)
	e.all = all
	return all, nil
}

// listenerFD returns a non-blocking duplicate of l's file descriptor.
func listenerFD(l net.Listener) (int, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return -1, fmt.Errorf("serve: the event loops need a listener with a file descriptor, not %T", l)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("serve: listener fd: %w", err)
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) { fd, derr = poller.Dup(int(s)) }); err != nil {
		return -1, fmt.Errorf("serve: listener fd: %w", err)
	}
	if derr != nil {
		return -1, fmt.Errorf("serve: listener fd: %w", derr)
	}
	if _, ok := l.(*net.TCPListener); ok {
		// The listener's own descriptor sits in Go's runtime poller,
		// which would wake an idle thread for every new connection only
		// to find nobody waiting in Accept: close it, and the socket lives
		// on in the duplicate. (A Unix-domain listener stays open: its
		// Close would remove the socket's file.)
		l.Close()
	}
	return fd, nil
}

// wakeAll wakes every loop that still runs.
func (e *loopEngine) wakeAll() {
	e.mu.Lock()
	all := e.all
	e.mu.Unlock()
	for _, lp := range all {
		lp.wake()
	}
}

// Shutdown stops accepting and lets every connection end once its answers
// are sent and no request is partly read (a partial one ends it as
// incomplete), then waits for the loops, or for ctx, after which it closes
// everything as Close does and returns ctx's error without waiting (a loop
// blocked in a Session's Serve ends when that call returns).
func (e *loopEngine) Shutdown(ctx context.Context) error {
	e.state.CompareAndSwap(loopRunning, loopStopping)
	if !e.stop() {
		return nil
	}
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		e.Close()
		return ctx.Err()
	}
}

// Close ends every connection at once and stops the loops; it does not wait
// for them to finish.
func (e *loopEngine) Close() error {
	e.state.Store(loopClosing)
	e.stop()
	return nil
}

// stop closes the listener and wakes the loops so that they see the new
// state. It reports whether Serve had started loops.
func (e *loopEngine) stop() bool {
	e.mu.Lock()
	if e.ln != nil {
		e.ln.Close()
	}
	started := e.started
	e.mu.Unlock()
	if started {
		e.wakeAll()
	}
	return started
}

// connDone accounts for a closed connection and restarts accepting if
// MaxConns had stopped it.
func (e *loopEngine) connDone(from *loop) {
	e.active.Add(-1)
	if e.cfg.MaxConns > 0 && e.acceptWait.Load() {
		if from == e.acceptor {
			from.resumeAccept()
		} else {
			e.acceptor.wake()
		}
	}
}

// A loop is one event loop: one goroutine locked to its OS thread, one
// epoll instance, and the connections given to it. Every field but mu and
// the fields it guards belongs to the loop's goroutine.
type loop struct {
	e    *loopEngine
	id   int
	poll *poller.Poller

	lfd         int       // listening fd (acceptor only), -1 once closed
	acceptOff   bool      // the listener is out of the epoll set
	acceptRetry time.Time // when to try accepting again after an error
	backoff     time.Duration

	conns   []*conn // indexed by fd
	live    int
	gen     uint32
	buf     []byte    // read buffer shared by the connections
	idle    connList  // live connections, least recently active first
	now     time.Time // time of the last wake-up
	epoch   time.Time // when the loop was made: the origin of the conns' deadlines
	burst   int       // connections accepted since the last memory hint
	hintAt  time.Time // when to give memory back, if no connection comes before
	yielded time.Time // when the loop last passed through the scheduler
	stopped bool      // graceful stop begun

	// Counters for tests, read only after the loop has ended.
	partialWrites int // sends the socket did not take whole
	heldBack      int // times a connection's reading was held back by unsent answers

	mu      sync.Mutex
	handoff []handedConn // guarded by mu: connections from the acceptor
	spare   []handedConn // the other half of the hand-off double buffer
	exited  bool         // guarded by mu: the poller is closed
}

// A handedConn is a connection the acceptor accepted for another loop.
type handedConn struct {
	fd   int
	peer unix.Sockaddr
}

func newLoop(e *loopEngine, id int) (*loop, error) {
	p, err := poller.Open(256)
	if err != nil {
		return nil, fmt.Errorf("serve: event loop %d: %w", id, err)
	}
	return &loop{e: e, id: id, poll: p, lfd: -1, buf: make([]byte, loopReadBuf), epoch: time.Now()}, nil
}

// wake makes the loop look at the engine's state and its hand-off queue.
// Any goroutine may call it.
func (l *loop) wake() {
	l.mu.Lock()
	if !l.exited {
		l.poll.Wake()
	}
	l.mu.Unlock()
}

// run is the loop: wait, dispatch, expire timers, until the engine stops.
func (l *loop) run() (err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer l.exit()
	l.now = time.Now()
	for {
		evs, woken, werr := l.poll.Wait(l.timeout())
		if werr != nil {
			return fmt.Errorf("serve: event loop %d: %w", l.id, werr)
		}
		l.now = time.Now()
		if l.now.Sub(l.yielded) >= yieldEvery {
			l.yield()
		}
		if woken {
			l.adoptHanded()
			switch l.e.state.Load() {
			case loopClosing:
				return nil
			case loopStopping:
				l.beginStop()
			}
			if l.acceptOff && l.acceptRetry.IsZero() {
				l.resumeAccept()
			}
		}
		for _, ev := range evs {
			if l.lfd >= 0 && ev.Fd == l.lfd {
				l.accept()
				continue
			}
			if c := l.lookup(ev.Fd, ev.Gen); c != nil {
				l.event(c, ev)
			}
		}
		l.expire()
		if l.stopped && l.live == 0 {
			return nil
		}
	}
}

// hintBurst is the number of connections accepted after which, once no
// connection has come for hintQuiet, the loop gives memory back (memoryHint).
const (
	hintBurst = 1024
	hintQuiet = 50 * time.Millisecond
)

// accepted counts an accepted connection towards the next memory hint.
func (l *loop) accepted() {
	l.burst++
	if l.burst >= hintBurst {
		l.hintAt = l.now.Add(hintQuiet)
	}
}

// memoryHint collects the garbage and returns the free memory to the
// system, hintQuiet after a burst of at least hintBurst connections ended.
// An idle connection costs a loop about 200 bytes of live heap, but
// accepting it leaves about as much garbage again (its socket address,
// net.Addr and log record), and the Go heap grows to twice its live data
// before collecting: after a burst of thousands of connections that then
// say nothing, the process would keep that peak (about 0.4 KiB per
// connection) for as long as no new work makes the runtime collect. One
// collection per burst costs a millisecond or two per 10,000 connections,
// at a moment the loop has nothing to do; a steady churn of connections
// pushes hintAt back and takes one hint when it stops.
func (l *loop) memoryHint() {
	l.burst = 0
	l.hintAt = time.Time{}
	debug.FreeOSMemory()
}

// yieldEvery is how often a busy loop passes through the Go scheduler; it
// must stay under the runtime's 10 ms preemption slice (sysmon counts the
// slice from when it first sees the loop's scheduling tick, which is never
// before the yield). Each yield costs two thread hand-offs (the loop is
// locked to its thread), about 30-50 µs of CPU on a VM, so as rarely as the
// slice allows: at 4 ms they were 2-3% of a busy loop's CPU time.
const yieldEvery = 8 * time.Millisecond

// yield passes through the Go scheduler. A loop that only ever blocks in
// epoll_wait never does otherwise, and Go's sysmon then takes it for a
// goroutine that has run too long: it takes the loop's P away in every
// epoll_wait and keeps itself awake at its 20 µs period, which cost about
// a tenth of the server's CPU time. One Gosched every few milliseconds
// (a thread hand-off, as the loop is locked to its thread) stops that.
func (l *loop) yield() {
	runtime.Gosched()
	l.yielded = l.now
}

// exit closes what the loop still holds: the listener, every connection
// (abruptly), the connections handed over but not adopted, and the poller.
func (l *loop) exit() {
	l.closeListener()
	for c := l.idle.head; c != nil; c = l.idle.head {
		l.finish(c, c.abruptEnd())
	}
	l.mu.Lock()
	l.exited = true
	rest := l.handoff
	l.handoff = nil
	l.mu.Unlock()
	for _, h := range rest {
		unix.Close(h.fd)
		l.e.active.Add(-1)
	}
	l.poll.Close()
}

// timeout is how long Wait may block: until the first idle deadline,
// accept retry or memory hint, or for ever.
func (l *loop) timeout() time.Duration {
	var next time.Time
	if c := l.idle.head; c != nil {
		next = l.epoch.Add(c.deadline)
	}
	if !l.acceptRetry.IsZero() && (next.IsZero() || l.acceptRetry.Before(next)) {
		next = l.acceptRetry
	}
	if !l.hintAt.IsZero() && (next.IsZero() || l.hintAt.Before(next)) {
		next = l.hintAt
	}
	if next.IsZero() {
		return -1
	}
	// From the time of the last wake-up, not a new clock reading: the wait
	// may end late by the time the loop has worked since, which idle
	// deadlines and retries can afford.
	return max(next.Sub(l.now), 0)
}

// expire ends the connections idle past their deadline and retries
// accepting after a back-off.
func (l *loop) expire() {
	if !l.hintAt.IsZero() && !l.now.Before(l.hintAt) {
		l.memoryHint()
	}
	for c := l.idle.head; c != nil && c.deadline <= l.now.Sub(l.epoch); c = l.idle.head {
		if c.pending() > 0 {
			l.finish(c, fmt.Errorf("%w: the peer took none of it for %v", ErrShortWrite, l.e.cfg.IdleTimeout))
		} else {
			l.finish(c, ErrIdleTimeout)
		}
	}
	if !l.acceptRetry.IsZero() && !l.acceptRetry.After(l.now) {
		l.acceptRetry = time.Time{}
		l.resumeAccept()
	}
}

// beginStop starts a graceful stop: close the listener, answer the
// requests each connection's socket already holds, stop reading, end the
// connections with nothing left to send, and let the others drain. A
// request left partial ends its connection as incomplete.
func (l *loop) beginStop() {
	if l.stopped {
		return
	}
	l.stopped = true
	l.closeListener()
	var ending []*conn
	for c := l.idle.head; c != nil; c = c.next {
		if c.state == connReading {
			ending = append(ending, c)
		}
	}
	for _, c := range ending {
		if c.state == connReading && !c.backlog {
			// Requests the peer sent before the stop are answered: one
			// last read of what the socket holds.
			l.receive(c)
		}
		l.endIfStopped(c)
	}
}

func (l *loop) closeListener() {
	if l.lfd < 0 {
		return
	}
	if !l.acceptOff {
		l.poll.Delete(l.lfd)
	}
	unix.Close(l.lfd)
	l.lfd = -1
	l.acceptOff = true
	l.acceptRetry = time.Time{}
}

// endIfStopped ends c, once its answers are sent, if the loop is stopping
// and c holds no request that is complete but not answered yet.
func (l *loop) endIfStopped(c *conn) {
	if !l.stopped || c.state != connReading || c.backlog {
		return
	}
	var err error
	if len(c.in) > 0 {
		err = &IncompleteError{N: len(c.in)}
	}
	l.endAfterSend(c, err)
}

// pauseAccept takes the listener out of the epoll set; with retry set, the
// loop puts it back then.
func (l *loop) pauseAccept(retry time.Time) {
	if l.lfd < 0 {
		return
	}
	if !l.acceptOff {
		l.poll.Delete(l.lfd)
		l.acceptOff = true
	}
	l.acceptRetry = retry
}

// resumeAccept puts the listener back in the epoll set when the loop may
// accept again.
func (l *loop) resumeAccept() {
	if l.lfd < 0 || !l.acceptOff || l.stopped || !l.acceptRetry.IsZero() {
		return
	}
	if limit := l.e.cfg.MaxConns; limit > 0 && l.e.active.Load() >= int64(limit) {
		return
	}
	l.e.acceptWait.Store(false)
	if err := l.poll.Add(l.lfd, 0, poller.In); err != nil {
		l.e.cfg.Logger.Error("accept failed; retrying", "err", err, "in", time.Second)
		l.acceptRetry = l.now.Add(time.Second)
		return
	}
	l.acceptOff = false
}

// accept takes the waiting connections, up to acceptBatch, and gives each
// to a loop. Errors such as EMFILE take the listener out of the epoll set
// for a back-off from 5 ms to 1 s, so that a level-triggered listener
// cannot spin.
func (l *loop) accept() {
	e := l.e
	for range acceptBatch {
		if limit := e.cfg.MaxConns; limit > 0 && e.active.Load() >= int64(limit) {
			e.acceptWait.Store(true)
			l.pauseAccept(time.Time{})
			// A connection may have closed between the check and the
			// flag; look again.
			l.resumeAccept()
			return
		}
		fd, peer, err := poller.Accept(l.lfd, e.acceptNoDelay)
		if err != nil {
			switch {
			case errors.Is(err, unix.EAGAIN):
				l.backoff = 0
			case errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EINTR):
				continue
			default:
				l.backoff = nextBackoff(l.backoff)
				e.cfg.Logger.Error("accept failed; retrying", "err", err, "in", l.backoff)
				l.pauseAccept(l.now.Add(l.backoff))
			}
			return
		}
		l.backoff = 0
		e.active.Add(1)
		l.accepted()
		target := l
		if e.n > 1 {
			target = e.loops[e.pickLoop()]
		}
		if target == l {
			l.adopt(fd, peer)
		} else {
			target.handOver(fd, peer)
		}
	}
}

// handOver queues a connection the acceptor accepted for l and wakes l.
func (l *loop) handOver(fd int, peer unix.Sockaddr) {
	l.mu.Lock()
	if l.exited {
		l.mu.Unlock()
		unix.Close(fd)
		l.e.connDone(l)
		return
	}
	l.handoff = append(l.handoff, handedConn{fd: fd, peer: peer})
	l.poll.Wake()
	l.mu.Unlock()
}

// adoptHanded takes the connections the acceptor handed over.
func (l *loop) adoptHanded() {
	l.mu.Lock()
	got := l.handoff
	l.handoff = l.spare[:0]
	l.mu.Unlock()
	for i, h := range got {
		l.adopt(h.fd, h.peer)
		got[i] = handedConn{}
	}
	l.spare = got[:0]
}

// adopt starts serving the accepted connection fd. When the listener defers
// accepting until data arrives (TCP_DEFER_ACCEPT), the request is usually
// there already: adopt reads and answers it at once, and a connection that
// ends with that answer (HTTP's Connection: close) is closed without ever
// entering the epoll set. Otherwise, or when more is to come, the
// connection is registered for input.
func (l *loop) adopt(fd int, sa unix.Sockaddr) {
	peer := sockaddrToAddr(sa)
	c := &conn{fd: fd, peer: peer.String()}
	l.gen++
	if l.gen == 0 {
		l.gen = 1 // 0 marks the listener
	}
	c.gen = l.gen
	logAccept(l.e.cfg.Logger, c.peer)
	if err := l.newSession(c, peer); err != nil {
		unix.Close(fd)
		logEnd(l.e.cfg.Logger, c.peer, err)
		l.e.connDone(l)
		return
	}
	for fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*conn, len(l.conns)+64)...)
	}
	l.conns[fd] = c
	l.live++
	l.touch(c)
	if l.e.eagerRead && !l.stopped {
		l.receive(c)
	}
	if !c.registered {
		l.setInterest(c)
	}
	if c.state != connClosed {
		l.endIfStopped(c)
	}
}

// newSession starts c's session, turning a panic into an error.
func (l *loop) newSession(c *conn, peer net.Addr) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic starting a session for %v: %v", c.peer, r)
		}
	}()
	c.sess = l.e.proto.NewSession(peer)
	return nil
}

// lookup returns the connection an event is for, or nil when the event is
// stale: its fd was closed, and maybe accepted again, since it was queued.
func (l *loop) lookup(fd int, gen uint32) *conn {
	if fd < 0 || fd >= len(l.conns) {
		return nil
	}
	if c := l.conns[fd]; c != nil && c.gen == gen {
		return c
	}
	return nil
}

// event handles one readiness report for c.
func (l *loop) event(c *conn, ev poller.Event) {
	if ev.Writable() || (ev.Failed() && c.pending() > 0) {
		if !l.send(c) {
			return
		}
	}
	if c.interest&poller.In != 0 && (ev.Readable() || ev.Failed()) {
		l.receive(c)
		return
	}
	if ev.Failed() && c.interest&poller.In == 0 && c.pending() == 0 {
		// Nothing to read or send could tell what went wrong.
		err := poller.SocketError(c.fd)
		if err == nil {
			err = fmt.Errorf("%w: the peer hung up", ErrShortWrite)
		}
		l.finish(c, err)
	}
}

// receive reads once from c (a fairness cap: level-triggered epoll reports
// the rest next time) and answers what it can.
func (l *loop) receive(c *conn) {
	n, err := poller.Read(c.fd, l.buf)
	switch {
	case err == unix.EAGAIN:
		return
	case err != nil:
		l.finish(c, err)
		return
	case n == 0:
		l.endOfInput(c)
		return
	}
	l.touch(c)
	if len(c.in) == 0 {
		// The common case: answer straight from the loop's buffer and
		// keep only an incomplete tail.
		rest := l.answer(c, l.buf[:n])
		if c.state == connReading {
			c.in = append(c.in[:0], rest...)
		}
	} else {
		c.in = append(c.in, l.buf[:n]...)
		l.answerBuffered(c)
	}
	if c.state == connReading && !c.backlog && len(c.in) > l.e.cfg.MaxRequest {
		l.endAfterSend(c, &RequestTooLargeError{Max: l.e.cfg.MaxRequest})
		return
	}
	l.send(c)
}

// answerBuffered answers the requests in c.in and keeps the rest there.
func (l *loop) answerBuffered(c *conn) {
	rest := l.answer(c, c.in)
	if c.state == connReading {
		c.in = c.in[:copy(c.in, rest)]
	}
}

// answer serves the complete requests at the start of data and returns the
// rest. It stops early, setting c.backlog, when c holds outHigh bytes of
// unsent answers. A Split or Serve error (or a panic in either) ends the
// connection once what was answered is sent.
func (l *loop) answer(c *conn, data []byte) (rest []byte) {
	p := l.e.proto
	sp, _ := c.sess.(SessionSplitter)
	c.backlog = false
	start := 0
	defer func() {
		if r := recover(); r != nil {
			l.endAfterSend(c, fmt.Errorf("panic serving %v: %v", c.peer, r))
			rest = nil
		}
	}()
	for start < len(data) {
		if c.pending() >= outHigh {
			c.backlog = true
			l.heldBack++
			break
		}
		n, err := split(p, sp, data[start:])
		if err != nil {
			l.endAfterSend(c, err)
			return nil
		}
		if n == 0 {
			break
		}
		var serr error
		c.out, serr = c.sess.Serve(data[start:start+n], c.out)
		start += n
		if serr != nil {
			l.endAfterSend(c, serr)
			return nil
		}
	}
	return data[start:]
}

// endOfInput handles the peer's end of stream: Flush for a Flusher, an
// IncompleteError for a request left partial, then end once all is sent.
func (l *loop) endOfInput(c *conn) {
	var err error
	if flusher, ok := c.sess.(Flusher); ok {
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic flushing %v: %v", c.peer, r)
				}
			}()
			c.out, err = flusher.Flush(c.in, c.out)
		}()
	} else if len(c.in) > 0 {
		err = &IncompleteError{N: len(c.in)}
	}
	l.endAfterSend(c, err)
}

// endAfterSend stops reading from c and ends it with err once its answers
// are sent (at once when there are none).
func (l *loop) endAfterSend(c *conn, err error) {
	if c.state == connEnding {
		return
	}
	c.state = connEnding
	c.endErr = err
	c.in = c.in[:0]
	c.backlog = false
	if c.pending() == 0 {
		l.finish(c, err)
		return
	}
	// Try the socket before asking epoll about it: the last answer
	// usually fits, and the connection then closes without an
	// EPOLL_CTL_MOD for output it never needed.
	l.send(c)
}

// send writes c's pending answers until the socket takes no more. It
// reports whether c is still open. Once the answers are all sent, an ending
// connection is closed, and one held back by outHigh is served on.
func (l *loop) send(c *conn) bool {
	if c.state == connClosed {
		return false
	}
	for c.pending() > 0 {
		// The last answers of an ending connection are corked (MSG_MORE)
		// so that finish's shutdown sends them and the FIN in one segment.
		more := c.state == connEnding
		c.corked = c.corked || more
		n, err := poller.Send(c.fd, c.out[c.sent:], more)
		if err == unix.EAGAIN {
			l.partialWrites++
			break
		}
		if err != nil {
			l.finish(c, fmt.Errorf("%w: %v", ErrShortWrite, err))
			return false
		}
		c.sent += n
		l.touch(c)
	}
	if c.pending() == 0 {
		c.sent = 0
		c.out = c.out[:0]
		if cap(c.out) > keepBuf {
			c.out = nil
		}
		switch {
		case c.state == connEnding:
			l.finish(c, c.endErr)
			return false
		case c.backlog:
			// Answers were held back: serve the buffered requests
			// now, and send again.
			l.answerBuffered(c)
			if c.state == connReading && !c.backlog && len(c.in) > l.e.cfg.MaxRequest {
				l.endAfterSend(c, &RequestTooLargeError{Max: l.e.cfg.MaxRequest})
				return c.state != connClosed
			}
			if c.state == connClosed {
				return false
			}
			l.endIfStopped(c)
			return l.send(c)
		}
		if cap(c.in) > keepBuf && len(c.in) == 0 {
			c.in = nil
		}
	} else if c.sent > cap(c.out)/2 {
		// Slide the unsent tail to the front so that the buffer does not
		// grow with each partial write.
		c.out = c.out[:copy(c.out, c.out[c.sent:])]
		c.sent = 0
	}
	l.setInterest(c)
	return true
}

// setInterest registers c for what it now waits for: input while it reads
// and is not held back by unsent answers, output while it holds some.
func (l *loop) setInterest(c *conn) {
	if c.state == connClosed {
		return
	}
	var want poller.Interest
	if c.state == connReading && !c.backlog && c.pending() < outHigh && !l.stopped {
		want |= poller.In
	}
	if c.pending() > 0 {
		want |= poller.Out
	}
	if c.registered && want == c.interest {
		return
	}
	var err error
	if c.registered {
		err = l.poll.Modify(c.fd, c.gen, want)
	} else {
		err = l.poll.Add(c.fd, c.gen, want)
	}
	if err != nil {
		l.finish(c, err)
		return
	}
	c.registered = true
	c.interest = want
}

// touch records activity on c, pushing its idle deadline back.
func (l *loop) touch(c *conn) {
	c.deadline = l.now.Sub(l.epoch) + l.e.cfg.IdleTimeout
	l.idle.moveToBack(c)
}

// finish closes c, reports err to its session and logs the end.
func (l *loop) finish(c *conn, err error) {
	if c.state == connClosed {
		return
	}
	c.state = connClosed
	if errors.Is(err, ErrClose) {
		err = nil
	}
	l.idle.remove(c)
	l.conns[c.fd] = nil
	l.live--
	// A corked answer goes out with the FIN before close, which would
	// discard it for a reset if more input arrived meanwhile.
	poller.CloseConn(c.fd, c.corked)
	func() {
		defer func() {
			if r := recover(); r != nil {
				l.e.cfg.Logger.Error("error", "peer", c.peer, "err", fmt.Errorf("panic closing the session: %v", r))
			}
		}()
		c.sess.Close(err)
	}()
	logEnd(l.e.cfg.Logger, c.peer, err)
	l.e.connDone(l)
}

// sockaddrToAddr converts an accepted peer's address.
func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		addr := &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
		if a.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(a.ZoneId)); err == nil {
				addr.Zone = ifi.Name
			}
		}
		return addr
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return &net.TCPAddr{}
}

// connState is where a connection is in its life.
type connState uint8

// The states: reading until end of input, an error or a stop; ending once
// its last answers are sent; closed.
const (
	connReading connState = iota
	connEnding
	connClosed
)

// A conn is one connection of a loop. Only the loop's goroutine touches it.
// It is what an idle connection costs, so it is kept small (160 bytes, one
// size class): the small fields are packed together, the idle deadline is
// an offset from the loop's epoch rather than a time.Time, and the session
// is asked whether it is a Flusher only when input ends.
type conn struct {
	fd       int
	gen      uint32
	interest poller.Interest
	peer     string
	sess     Session
	endErr   error // why an ending connection ends

	in  []byte // the start of a request (or, with backlog, requests) not yet answered
	out []byte // answers; out[sent:] is not sent yet

	sent       int
	deadline   time.Duration // idle deadline, as l.now.Sub(l.epoch)
	prev, next *conn         // in the loop's idle list

	state      connState
	corked     bool // answers were sent with MSG_MORE: shut down before close
	backlog    bool // in holds complete requests held back by unsent answers
	registered bool // fd is in the epoll set (with interest)
}

// pending is the number of answer bytes not sent yet.
func (c *conn) pending() int { return len(c.out) - c.sent }

// abruptEnd is how c ends when the server closes it at once.
func (c *conn) abruptEnd() error {
	switch {
	case c.state == connEnding:
		if c.pending() > 0 {
			return fmt.Errorf("%w: the server closed", ErrShortWrite)
		}
		return c.endErr
	case len(c.in) > 0:
		return &IncompleteError{N: len(c.in)}
	case c.pending() > 0:
		return fmt.Errorf("%w: the server closed", ErrShortWrite)
	}
	return nil
}

// connList is an intrusive doubly linked list of connections. All of a
// loop's connections share one idle timeout, so moving a connection to the
// back on activity keeps the list sorted by deadline: the head is always
// the next to expire, in O(1) and with no allocation.
type connList struct {
	head, tail *conn
}

func (q *connList) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else if q.head == c {
		q.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else if q.tail == c {
		q.tail = c.prev
	}
	c.prev, c.next = nil, nil
}

func (q *connList) moveToBack(c *conn) {
	if q.tail == c {
		return
	}
	q.remove(c)
	c.prev = q.tail
	if q.tail != nil {
		q.tail.next = c
	} else {
		q.head = c
	}
	q.tail = c
}
