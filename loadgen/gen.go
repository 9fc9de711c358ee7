package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netkit-go/netkit/zen"
)

// Connection states.
const (
	stDown = iota // no socket (waiting to reconnect)
	stConnecting
	stOpen
)

// conn is one connection slot. Its socket changes when it reconnects; gen
// tells stale epoll events apart by the generation number.
type conn struct {
	fd    int
	gen   uint32
	state int

	next    int     // next question, round robin (lockstep and pipelined)
	dialog  [3]byte // reconnect: the questions of this dialog
	asked   int     // reconnect: questions sent on this connection
	pending []byte  // question bytes the socket did not take yet

	// In-flight questions, oldest first, in a ring of cfg.Depth slots:
	// which question, and when it was sent (or due).
	want    []byte
	sent    []int64
	head, n int
	pos     int // bytes of the oldest answer already matched

	answered bool
}

// gen is the state of one run, owned by the goroutine in Run.
type gen struct {
	cfg     Config
	sa      unix.Sockaddr
	ep      int
	conns   []conn
	qs      [][]byte // questions
	as      [][]byte // their answers
	rbuf    []byte
	wbuf    []byte
	events  []unix.EpollEvent
	base    time.Time
	rng     uint64
	limited bool // a Count or Rate limits sending

	measuring        bool
	issued           int64 // questions sent (or scheduled) while measuring or warming
	rateStart        int64 // when the rate schedule started
	res              Result
	errorsEver       int64
	connectsMeasured int64
	cursor           int // rate: where the next question looks for a free slot
}

func newGen(cfg Config, sa unix.Sockaddr) (*gen, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("loadgen: epoll_create1: %w", err)
	}
	g := &gen{
		cfg:    cfg,
		sa:     sa,
		ep:     ep,
		conns:  make([]conn, cfg.Conns),
		rbuf:   make([]byte, 64<<10),
		wbuf:   make([]byte, 0, 64<<10),
		events: make([]unix.EpollEvent, 256),
		base:   time.Now(),
		rng:    0x9e3779b97f4a7c15,
	}
	for _, q := range cfg.Questions {
		g.qs = append(g.qs, []byte(q))
		g.as = append(g.as, zen.Answer([]byte(q)))
	}
	for i := range g.conns {
		c := &g.conns[i]
		c.fd = -1
		c.want = make([]byte, cfg.Depth)
		c.sent = make([]int64, cfg.Depth)
		c.next = i % len(g.qs)
	}
	g.limited = cfg.Count > 0 || cfg.Rate > 0
	return g, nil
}

// now returns the monotonic time since the run began, in ns.
func (g *gen) now() int64 { return int64(time.Since(g.base)) }

func (g *gen) run(ctx context.Context) (*Result, error) {
	start := g.now()
	warmEnd := start + int64(g.cfg.Warmup)
	if g.cfg.Warmup <= 0 {
		g.startMeasuring(start)
	}
	for i := range g.conns {
		g.connect(i)
	}
	end := warmEnd + int64(g.cfg.Duration)
	lastScan := start
	g.rateStart = start
	for {
		now := g.now()
		if !g.measuring && now >= warmEnd {
			g.startMeasuring(now)
			end = now + int64(g.cfg.Duration)
		}
		if g.measuring && (now >= end || g.countReached()) {
			break
		}
		if g.errorsEver >= g.cfg.MaxErrors || ctx.Err() != nil {
			break
		}
		if g.cfg.Rate > 0 {
			g.dispatchRate(now)
		}
		if now-lastScan >= int64(100*time.Millisecond) {
			g.scan(now)
			lastScan = now
		}
		wait := 100 * time.Millisecond
		if g.cfg.Rate > 0 {
			wait = time.Millisecond
		}
		if left := time.Duration(end - now); left < wait {
			wait = left
		}
		ms := int((wait + time.Millisecond - 1) / time.Millisecond)
		n, err := unix.EpollWait(g.ep, g.events, ms)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return nil, fmt.Errorf("loadgen: epoll_wait: %w", err)
		}
		if n <= 0 {
			continue
		}
		now = g.now()
		for _, ev := range g.events[:n] {
			g.event(ev, now)
		}
	}
	stop := g.now()
	if !g.measuring {
		g.startMeasuring(stop)
	}
	if g.cfg.OnStop != nil {
		g.cfg.OnStop()
	}
	g.res.CPU = cpuTime() - g.res.CPU
	g.res.Elapsed = time.Duration(stop - g.rateStart)
	for i := range g.conns {
		if g.conns[i].answered {
			g.res.ConnsAnswered++
		}
	}
	g.res.Connects = g.connectsMeasured
	res := g.res
	return &res, nil
}

// startMeasuring resets the counters at the end of the warm-up.
func (g *gen) startMeasuring(now int64) {
	g.measuring = true
	g.res = Result{}
	for i := range g.conns {
		g.conns[i].answered = false
	}
	g.issued = 0
	g.rateStart = now
	g.connectsMeasured = 0
	if g.cfg.OnStart != nil {
		g.cfg.OnStart()
	}
	g.res.CPU = cpuTime()
}

func (g *gen) countReached() bool {
	return g.cfg.Count > 0 && g.res.Answers >= g.cfg.Count
}

// fail counts an error on connection i and replaces the connection; a
// connection that failed to connect is retried at the next scan instead,
// so that a server that refuses is not hammered.
func (g *gen) fail(i int, format string, args ...any) {
	g.countError(format, args...)
	retry := g.conns[i].state == stOpen
	g.drop(i)
	if retry {
		g.connect(i)
	}
}

// countError counts one error and keeps the first one's description.
func (g *gen) countError(format string, args ...any) {
	g.errorsEver++
	if g.measuring {
		g.res.Errors++
		if g.res.FirstError == "" {
			g.res.FirstError = fmt.Sprintf(format, args...)
		}
	}
}

// drop closes connection i's socket and forgets its questions in flight.
func (g *gen) drop(i int) {
	c := &g.conns[i]
	if c.fd >= 0 {
		unix.Close(c.fd) // also removes it from the epoll set
	}
	c.fd = -1
	c.state = stDown
	c.head, c.n, c.pos, c.asked = 0, 0, 0, 0
	c.pending = c.pending[:0]
}

// connect starts a non-blocking connect for slot i.
func (g *gen) connect(i int) {
	c := &g.conns[i]
	c.gen++
	fd, err := unix.Socket(sockFamily(g.sa), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		g.countError("socket: %v", err)
		return
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	c.fd = fd
	c.state = stConnecting
	if g.measuring {
		g.connectsMeasured++
	}
	if c.dialog[0] == c.dialog[1] { // first dialog of this slot
		c.dialog = [3]byte{0, 1, 2}
	}
	if g.cfg.Reconnect {
		g.shuffle(&c.dialog)
	}
	err = unix.Connect(fd, g.sa)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		g.fail(i, "connect: %v", err)
		return
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP, Fd: int32(i), Pad: int32(c.gen)}
	if err := unix.EpollCtl(g.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		g.fail(i, "epoll_ctl add: %v", err)
	}
}

func sockFamily(sa unix.Sockaddr) int {
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// shuffle puts d in a random order (Fisher-Yates, xorshift).
func (g *gen) shuffle(d *[3]byte) {
	for k := 2; k > 0; k-- {
		g.rng ^= g.rng << 13
		g.rng ^= g.rng >> 7
		g.rng ^= g.rng << 17
		j := int(g.rng % uint64(k+1))
		d[k], d[j] = d[j], d[k]
	}
}

// event handles one epoll event.
func (g *gen) event(ev unix.EpollEvent, now int64) {
	i := int(ev.Fd)
	c := &g.conns[i]
	if uint32(ev.Pad) != c.gen || c.fd < 0 {
		return // an event for a socket already replaced
	}
	if c.state == stConnecting {
		if ev.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		soerr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soerr != 0 {
			err = unix.Errno(soerr)
		}
		if err != nil {
			g.fail(i, "connect: %v", err)
			return
		}
		c.state = stOpen
		g.setWriteInterest(i, false)
		if !g.limited || g.cfg.Rate <= 0 {
			g.fill(i, now)
		}
		return
	}
	if ev.Events&unix.EPOLLOUT != 0 && len(c.pending) > 0 {
		if !g.flush(i) {
			return
		}
	}
	if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		g.read(i, now)
	}
}

// read takes what the server sent on connection i and checks it.
func (g *gen) read(i int, now int64) {
	c := &g.conns[i]
	n, err := unix.Read(c.fd, g.rbuf)
	if err != nil {
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			return
		}
		g.fail(i, "read: %v", err)
		return
	}
	if n == 0 {
		if c.n > 0 || !g.cfg.Reconnect || c.asked < 3 {
			g.fail(i, "server closed the connection with %d answers due", c.n)
			return
		}
		g.drop(i)
		g.connect(i)
		return
	}
	b := g.rbuf[:n]
	for len(b) > 0 {
		if c.n == 0 {
			g.fail(i, "unexpected bytes from the server: %q", clip(b))
			return
		}
		want := g.as[c.want[c.head]][c.pos:]
		m := min(len(want), len(b))
		if string(b[:m]) != string(want[:m]) {
			g.fail(i, "wrong answer to %q: got %q, want %q",
				g.qs[c.want[c.head]], clip(b), g.as[c.want[c.head]])
			return
		}
		b = b[m:]
		c.pos += m
		if m < len(want) {
			break
		}
		// One whole answer.
		if g.measuring {
			g.res.Answers++
			g.res.Latency.Record(time.Duration(now - c.sent[c.head]))
			c.answered = true
		}
		c.pos = 0
		c.head = (c.head + 1) % len(c.want)
		c.n--
	}
	if g.cfg.Reconnect && c.asked == 3 && c.n == 0 {
		// The dialog is over: close and start the next one.
		g.drop(i)
		g.connect(i)
		return
	}
	if g.cfg.Rate <= 0 {
		g.fill(i, now)
	}
}

// clip shortens b for an error message.
func clip(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}

// canSend reports whether connection i may take another question.
func (g *gen) canSend(c *conn) bool {
	if c.state != stOpen || len(c.pending) > 0 || c.n >= len(c.want) {
		return false
	}
	if g.cfg.Reconnect {
		return c.n == 0 && c.asked < 3
	}
	return true
}

// fill sends connection i as many questions as it may take now.
func (g *gen) fill(i int, now int64) {
	c := &g.conns[i]
	if !g.canSend(c) {
		return
	}
	g.wbuf = g.wbuf[:0]
	for g.canSend(c) {
		if g.cfg.Count > 0 && g.measuring && g.issued >= g.cfg.Count {
			break
		}
		g.enqueue(c, now)
	}
	g.write(i)
}

// enqueue appends connection c's next question to wbuf and records it as
// in flight since at.
func (g *gen) enqueue(c *conn, at int64) {
	var q int
	if g.cfg.Reconnect {
		q = int(c.dialog[c.asked])
		c.asked++
	} else {
		q = c.next
		c.next++
		if c.next == len(g.qs) {
			c.next = 0
		}
	}
	tail := (c.head + c.n) % len(c.want)
	c.want[tail] = byte(q)
	c.sent[tail] = at
	c.n++
	g.issued++
	g.wbuf = append(g.wbuf, g.qs[q]...)
}

// write sends wbuf on connection i, keeping what the socket does not take.
func (g *gen) write(i int) {
	c := &g.conns[i]
	if len(g.wbuf) == 0 {
		return
	}
	n, err := unix.Write(c.fd, g.wbuf)
	if err != nil && !errors.Is(err, unix.EAGAIN) {
		g.fail(i, "write: %v", err)
		return
	}
	if n < 0 {
		n = 0
	}
	if n < len(g.wbuf) {
		c.pending = append(c.pending[:0], g.wbuf[n:]...)
		g.setWriteInterest(i, true)
	}
}

// flush writes connection i's pending bytes; it reports false if the
// connection failed.
func (g *gen) flush(i int) bool {
	c := &g.conns[i]
	n, err := unix.Write(c.fd, c.pending)
	if err != nil && !errors.Is(err, unix.EAGAIN) {
		g.fail(i, "write: %v", err)
		return false
	}
	if n > 0 {
		c.pending = append(c.pending[:0], c.pending[n:]...)
	}
	if len(c.pending) == 0 {
		g.setWriteInterest(i, false)
	}
	return true
}

// setWriteInterest turns EPOLLOUT on or off for connection i.
func (g *gen) setWriteInterest(i int, on bool) {
	c := &g.conns[i]
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(i), Pad: int32(c.gen)}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	if err := unix.EpollCtl(g.ep, unix.EPOLL_CTL_MOD, c.fd, &ev); err != nil {
		g.fail(i, "epoll_ctl mod: %v", err)
	}
}

// dispatchRate sends the questions whose time has come under a fixed rate,
// each to the next connection that can take one. Questions that find no
// free connection wait, and their latency counts from when they were due.
func (g *gen) dispatchRate(now int64) {
	interval := 1e9 / g.cfg.Rate
	for {
		due := g.rateStart + int64(float64(g.issued)*interval)
		if due > now {
			return
		}
		if g.cfg.Count > 0 && g.measuring && g.issued >= g.cfg.Count {
			return
		}
		found := -1
		for k := 0; k < len(g.conns); k++ {
			j := (g.cursor + k) % len(g.conns)
			if g.canSend(&g.conns[j]) {
				found = j
				break
			}
		}
		if found < 0 {
			return
		}
		g.cursor = found + 1
		g.wbuf = g.wbuf[:0]
		g.enqueue(&g.conns[found], due)
		g.write(found)
	}
}

// scan replaces connections whose oldest answer is overdue, and reconnects
// slots left without a socket.
func (g *gen) scan(now int64) {
	for i := range g.conns {
		c := &g.conns[i]
		switch {
		case c.fd < 0:
			g.connect(i)
		case c.n > 0 && now-c.sent[c.head] > int64(g.cfg.Timeout):
			g.fail(i, "no answer to %q within %v", g.qs[c.want[c.head]], g.cfg.Timeout)
		}
	}
}

// closeAll closes every socket and the epoll instance.
func (g *gen) closeAll() {
	for i := range g.conns {
		g.drop(i)
	}
	unix.Close(g.ep)
}
