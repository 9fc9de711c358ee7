//go:build linux

// Package poller is the thinnest useful wrapper of Linux epoll for netkit's
// event-loop server architectures (serve's poll and reactor): one epoll
// instance, a coalesced eventfd wake-up, and the raw non-blocking socket calls
// a loop needs (accept, read, send) with no allocation on the hot path.
//
// # Model
//
// A [Poller] is owned by exactly one goroutine, the loop, which should be
// locked to its OS thread (runtime.LockOSThread): only that goroutine may call
// Add, Modify, Delete, Wait and Close. The one exception is [Poller.Wake],
// which any goroutine may call to make a Wait in progress (or the next one)
// return at once; wake-ups are coalesced by an atomic flag, so a burst of
// Wake calls costs at most one eventfd write and one read.
//
// Registrations are level-triggered. A loop asks for [In] while it wants
// input and for [Write] only while it holds output that the socket did not
// take, so that Wait never returns for work the loop does not want: there is
// no busy loop, and Wait blocks until an event, a Wake, or its timeout (which
// the loop uses only for its timers).
//
// # Stale events and fd reuse
//
// Every registration carries a generation number chosen by the loop, stored
// next to the fd in the epoll data and returned in each [Event]. The kernel
// may hand a closed fd number straight back to the next accept; events
// returned by the same Wait for the old connection then still carry the old
// generation, and the loop drops them instead of applying them to the new
// connection (the bug of the book's poll server, which lost connections
// under open/close churn). The loop keeps the fd table; the Poller only
// carries the number.
//
// # Errors
//
// Syscall failures are returned as *os.SyscallError naming the call
// ("epoll_ctl add", "accept4", ...), except EAGAIN from the socket calls,
// which is returned bare (unix.EAGAIN) because it is the expected outcome of
// non-blocking I/O and must not allocate.
package poller

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Interest is the set of events a registration asks for. Errors and hang-ups
// are always reported, whatever the interest.
type Interest uint32

// The interests: In for input, Out for room to send. In includes
// EPOLLRDHUP, so that a peer's half-close is seen even when no data comes
// with it.
const (
	In  Interest = unix.EPOLLIN | unix.EPOLLRDHUP
	Out Interest = unix.EPOLLOUT
)

// An Event is one readiness report of Wait.
type Event struct {
	// Fd is the file descriptor and Gen the generation given to Add or
	// Modify.
	Fd  int
	Gen uint32
	// Flags are the raw epoll flags.
	Flags uint32
}

// Readable reports input, end of input, or a peer's half-close.
func (e Event) Readable() bool { return e.Flags&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 }

// Writable reports room in the socket's send buffer.
func (e Event) Writable() bool { return e.Flags&unix.EPOLLOUT != 0 }

// Failed reports a hang-up or a pending socket error: the next read or write
// will tell which.
func (e Event) Failed() bool { return e.Flags&(unix.EPOLLHUP|unix.EPOLLERR) != 0 }

// A Poller is one epoll instance with its wake-up eventfd. See the package
// documentation for which goroutine may call what.
type Poller struct {
	epfd   int
	wakefd int
	raw    []unix.EpollEvent
	events []Event
	// woken is set by the first Wake after the loop last drained the
	// eventfd; later Wakes see it and skip the write.
	woken atomic.Bool
}

// Open creates a Poller that returns at most maxEvents events per Wait.
func Open(maxEvents int) (*Poller, error) {
	if maxEvents <= 0 {
		maxEvents = 256
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &Poller{
		epfd:   epfd,
		wakefd: wakefd,
		raw:    make([]unix.EpollEvent, maxEvents),
		events: make([]Event, 0, maxEvents),
	}
	if err := p.ctl(unix.EPOLL_CTL_ADD, "add", wakefd, 0, unix.EPOLLIN); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Poller) ctl(op int, name string, fd int, gen uint32, flags uint32) error {
	ev := unix.EpollEvent{Events: flags, Fd: int32(fd), Pad: int32(gen)}
	if err := unix.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl "+name, err)
	}
	return nil
}

// Add registers fd with generation gen for the events in in.
func (p *Poller) Add(fd int, gen uint32, in Interest) error {
	return p.ctl(unix.EPOLL_CTL_ADD, "add", fd, gen, uint32(in))
}

// Modify changes what fd is registered for. An empty interest keeps the
// registration but reports only errors and hang-ups.
func (p *Poller) Modify(fd int, gen uint32, in Interest) error {
	return p.ctl(unix.EPOLL_CTL_MOD, "mod", fd, gen, uint32(in))
}

// Delete removes fd. Closing an fd removes it too (when no duplicate of it
// is open), so Delete is for an fd that stays open.
func (p *Poller) Delete(fd int) error {
	return p.ctl(unix.EPOLL_CTL_DEL, "del", fd, 0, 0)
}

// Wait blocks until at least one registered fd is ready, Wake is called, or
// timeout passes (a negative timeout waits for ever; a positive one is
// rounded up to the next millisecond, so that a timer is never reported
// early). It returns the events, valid until the next Wait, and whether
// Wake was called; the wake-up itself is not among the events. An
// interrupted wait returns no events and no error.
func (p *Poller) Wait(timeout time.Duration) (events []Event, woken bool, err error) {
	msec := -1
	if timeout >= 0 {
		msec = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	n, err := unix.EpollWait(p.epfd, p.raw, msec)
	if err != nil {
		if err == unix.EINTR {
			return p.events[:0], false, nil
		}
		return nil, false, os.NewSyscallError("epoll_wait", err)
	}
	events = p.events[:0]
	for _, r := range p.raw[:n] {
		if int(r.Fd) == p.wakefd {
			woken = true
			continue
		}
		events = append(events, Event{Fd: int(r.Fd), Gen: uint32(r.Pad), Flags: r.Events})
	}
	if woken {
		// Drain first, then clear the flag: a Wake before the clear
		// skips its write, but the caller looks at its queue and state
		// after Wait returns, so it sees that Wake's work; a Wake after
		// the clear writes again and the next Wait returns at once.
		// (Clearing first would let a racing write be drained with the
		// flag left set, and every later Wake would be lost.)
		var buf [8]byte
		unix.Read(p.wakefd, buf[:])
		p.woken.Store(false)
	}
	return events, woken, nil
}

// Wake makes the loop's current or next Wait return with woken set. It is
// safe to call from any goroutine, at any time before Close.
func (p *Poller) Wake() error {
	if !p.woken.CompareAndSwap(false, true) {
		return nil
	}
	one := [8]byte{1}
	if _, err := unix.Write(p.wakefd, one[:]); err != nil && err != unix.EAGAIN {
		return os.NewSyscallError("eventfd write", err)
	}
	return nil
}

// Close releases the epoll instance and the eventfd. The loop calls it once,
// after its last Wait, and after no other goroutine can call Wake.
func (p *Poller) Close() error {
	err1 := unix.Close(p.wakefd)
	err2 := unix.Close(p.epfd)
	if err1 != nil {
		return os.NewSyscallError("close eventfd", err1)
	}
	if err2 != nil {
		return os.NewSyscallError("close epoll", err2)
	}
	return nil
}

// ListenerNoDelay sets TCP_NODELAY on the listening socket lfd and reports
// whether it did (a TCP listener). Linux copies the option to every
// connection accepted from it, so that Accept need not set it on each one.
func ListenerNoDelay(lfd int) bool {
	return unix.SetsockoptInt(lfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) == nil
}

// DefersAccept reports whether the listening socket lfd has
// TCP_DEFER_ACCEPT: its connections are usually handed to accept with
// their first bytes already received.
func DefersAccept(lfd int) bool {
	v, err := unix.GetsockoptInt(lfd, unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT)
	return err == nil && v > 0
}

// Accept accepts one connection on the non-blocking listening socket lfd.
// The new fd is non-blocking and close-on-exec; with noDelay, TCP_NODELAY
// is set on it when it is a TCP socket (not needed when the listener has it:
// see ListenerNoDelay). It returns unix.EAGAIN, bare, when no connection
// waits.
//
// It calls accept4 itself rather than through unix.Accept4, which asks the
// listener for its protocol (getsockopt SO_PROTOCOL, to tell L2TP apart)
// on every IPv4 or IPv6 accept: one system call per connection for nothing.
func Accept(lfd int, noDelay bool) (fd int, peer unix.Sockaddr, err error) {
	var rsa unix.RawSockaddrAny
	addrlen := uint32(unix.SizeofSockaddrAny)
	for {
		// Raw: the listener is non-blocking.
		r, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&addrlen)),
			unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		switch e {
		case 0:
			fd = int(r)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return -1, nil, unix.EAGAIN
		default:
			return -1, nil, os.NewSyscallError("accept4", e)
		}
		break
	}
	peer = sockaddr(&rsa)
	if noDelay {
		switch peer.(type) {
		case *unix.SockaddrInet4, *unix.SockaddrInet6:
			// Answers go out at once: a pipelining client must not wait
			// for a delayed ACK.
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		}
	}
	return fd, peer, nil
}

// sockaddr converts the peer address accept4 wrote into rsa.
func sockaddr(rsa *unix.RawSockaddrAny) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		pp := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		sa := &unix.SockaddrInet4{Addr: pp.Addr}
		p := (*[2]byte)(unsafe.Pointer(&pp.Port))
		sa.Port = int(p[0])<<8 + int(p[1])
		return sa
	case unix.AF_INET6:
		pp := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		sa := &unix.SockaddrInet6{Addr: pp.Addr, ZoneId: pp.Scope_id}
		p := (*[2]byte)(unsafe.Pointer(&pp.Port))
		sa.Port = int(p[0])<<8 + int(p[1])
		return sa
	case unix.AF_UNIX:
		// As unix.Accept4 reads it: an abstract (or unnamed) peer's leading
		// NUL shows as '@', and the path ends at the first NUL.
		pp := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
		if pp.Path[0] == 0 {
			pp.Path[0] = '@'
		}
		n := 0
		for n < len(pp.Path) && pp.Path[n] != 0 {
			n++
		}
		return &unix.SockaddrUnix{Name: string(unsafe.Slice((*byte)(unsafe.Pointer(&pp.Path[0])), n))}
	}
	return nil
}

// Read reads from the non-blocking fd into b. It returns 0, nil at the end
// of input and unix.EAGAIN, bare, when nothing is there; EINTR is retried.
func Read(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		// A raw system call: on a non-blocking socket it cannot block, so
		// the runtime need not be told (entersyscall/exitsyscall cost
		// about as much as the read of a small request).
		n, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch e {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		default:
			return 0, os.NewSyscallError("read", e)
		}
	}
}

// Send writes as much of b to the non-blocking socket fd as it takes, with
// MSG_NOSIGNAL (a reset peer is an EPIPE error, never a SIGPIPE). It returns
// unix.EAGAIN, bare, when the send buffer is full; EINTR is retried.
// With more, the bytes are corked (MSG_MORE): a last partial segment waits
// for more data or for shutdown, which sends it with the FIN.
func Send(fd int, b []byte, more bool) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	flags := unix.MSG_NOSIGNAL
	if more {
		flags |= unix.MSG_MORE
	}
	for {
		// Raw, as in Read: the socket is non-blocking.
		n, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags), 0, 0)
		switch e {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, unix.EAGAIN
		default:
			return 0, os.NewSyscallError("send", e)
		}
	}
}

// Dup duplicates fd, close-on-exec, and makes the duplicate non-blocking
// (which, as O_NONBLOCK belongs to the open file, the original already is
// when Go's runtime owns it).
func Dup(fd int) (int, error) {
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("fcntl dupfd", err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, os.NewSyscallError("fcntl nonblock", err)
	}
	return nfd, nil
}

// SocketError returns the pending error of socket fd (SO_ERROR), or nil.
func SocketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt", err)
	}
	if v != 0 {
		return os.NewSyscallError("socket", unix.Errno(v))
	}
	return nil
}

// CloseConn ends the connection fd, which a loop owns: with shut, it first
// shuts down the sending side (sending corked answers and the FIN before
// close could turn them into a reset). Both are raw system calls: neither
// blocks on a non-blocking socket without SO_LINGER.
func CloseConn(fd int, shut bool) {
	if shut {
		unix.RawSyscall(unix.SYS_SHUTDOWN, uintptr(fd), unix.SHUT_WR, 0)
	}
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// Close closes fd, reporting an error with the fd's number.
func Close(fd int) error {
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("close fd %d: %w", fd, err)
	}
	return nil
}
