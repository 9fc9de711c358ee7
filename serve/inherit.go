package serve

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

func init() {
	engines[InetdNowait] = newInheritEngine
	engines[InetdWait] = newInheritEngine
	engines[Systemd] = newInheritEngine
}

// inheritEngine serves a socket handed over by a super-server: inetd or
// systemd. A listening socket is served as perconn (inetd-wait also exits
// after cfg.Idle with no connection, as the book's in_zen2.py does); a
// connected socket (inetd nowait, systemd Accept=yes) is served to its end,
// and then Serve returns nil (the book's in_zen1.py).
type inheritEngine struct {
	*goEngine
}

func newInheritEngine(p Protocol, cfg Config) engine {
	e := &inheritEngine{newGoEngine(p, cfg, 0)}
	if cfg.Arch == InetdWait {
		e.idle = cfg.Idle
	}
	return e
}

// Serve serves the inherited connection, or accepts on the inherited
// listener.
func (e *inheritEngine) Serve(l net.Listener) error {
	oc, ok := l.(*oneConnListener)
	if !ok {
		err := e.goEngine.Serve(l)
		if errors.Is(err, errIdle) {
			return nil
		}
		return err
	}
	e.mu.Lock()
	e.ln = l
	e.mu.Unlock()
	c, err := oc.Accept()
	if err != nil {
		return err
	}
	if e.track(c) {
		e.serveConn(c)
	} else {
		c.Close()
	}
	return nil
}

// errIdle ends an inetd-wait accept loop that waited Idle with no
// connection.
var errIdle = errors.New("idle")

// inheritedListener returns the socket the super-server passed, as a
// listener: the listening socket itself, or a oneConnListener around a
// connected socket.
func inheritedListener(cfg Config) (net.Listener, error) {
	f := cfg.Socket
	if f == nil {
		var err error
		if f, err = superServerSocket(cfg.Arch); err != nil {
			return nil, err
		}
	}
	// f.Fd puts the socket in blocking mode, which the net package then
	// undoes: call it once, first.
	fd := int(f.Fd())
	defer releaseFile(f, fd)
	listening, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is not a socket (%v); %s", cfg.Arch, f.Name(), err, superServerHint(cfg.Arch))
	}
	switch {
	case listening == 1 && cfg.Arch == InetdNowait:
		return nil, fmt.Errorf("inetd-nowait: %s is a listening socket (an inetd 'wait' service?); use --arch inetd-wait", f.Name())
	case listening == 0 && cfg.Arch == InetdWait:
		return nil, fmt.Errorf("inetd-wait: %s is a connected socket (an inetd 'nowait' service?); use --arch inetd-nowait", f.Name())
	case listening == 1:
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("%s: listen on %s: %w", cfg.Arch, f.Name(), err)
		}
		return ln, nil
	}
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("%s: connection on %s: %w", cfg.Arch, f.Name(), err)
	}
	return newOneConnListener(c), nil
}

// superServerSocket returns the socket inetd or systemd passed: fd 3 when
// LISTEN_FDS and LISTEN_PID (systemd's sd_listen_fds protocol) name this
// process, fd 0 otherwise (inetd, systemd's StandardInput=socket,
// systemd-socket-activate --inetd). The LISTEN_ variables are removed so
// that child processes do not take them for theirs.
func superServerSocket(arch Arch) (*os.File, error) {
	if arch == Systemd {
		pid, fds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
		os.Unsetenv("LISTEN_PID")
		os.Unsetenv("LISTEN_FDS")
		os.Unsetenv("LISTEN_FDNAMES")
		if fds != "" {
			if pid != strconv.Itoa(os.Getpid()) {
				return nil, fmt.Errorf("systemd: LISTEN_PID is %q, not this process (%d)", pid, os.Getpid())
			}
			if n, err := strconv.Atoi(fds); err != nil || n < 1 {
				return nil, fmt.Errorf("systemd: LISTEN_FDS=%q: want a count of at least 1", fds)
			}
			unix.CloseOnExec(3)
			return os.NewFile(3, "fd 3 (LISTEN_FDS)"), nil
		}
	}
	return os.NewFile(0, "fd 0"), nil
}

// superServerHint says what should have started an architecture.
func superServerHint(arch Arch) string {
	if arch == Systemd {
		return "start it through systemd socket activation (LISTEN_FDS) or systemd-socket-activate"
	}
	return "start it from inetd, which passes the socket as fd 0"
}

// releaseFile closes f once the net package holds its own duplicate. fd 0
// is pointed at /dev/null rather than closed, so that no later socket gets
// the number 0 and is taken for standard input.
func releaseFile(f *os.File, fd int) {
	if fd != 0 {
		f.Close()
		return
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		f.Close()
		return
	}
	defer null.Close()
	if unix.Dup2(int(null.Fd()), 0) != nil {
		f.Close()
	}
}

// oneConnListener is a listener that yields one connection, already
// accepted by a super-server, and then reports itself closed.
type oneConnListener struct {
	mu   sync.Mutex
	conn net.Conn // guarded by mu; nil once accepted
	addr net.Addr
	from net.Addr
}

func newOneConnListener(c net.Conn) *oneConnListener {
	return &oneConnListener{conn: c, addr: c.LocalAddr(), from: c.RemoteAddr()}
}

// Accept returns the connection the first time, net.ErrClosed after.
func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.conn
	l.conn = nil
	if c == nil {
		return nil, net.ErrClosed
	}
	return c, nil
}

// Close closes the connection if it was not accepted.
func (l *oneConnListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
	return nil
}

// Addr returns the local address of the connection.
func (l *oneConnListener) Addr() net.Addr { return l.addr }

func (l *oneConnListener) peer() string {
	if l.from == nil {
		return ""
	}
	return l.from.String()
}
