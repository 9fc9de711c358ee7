package dgram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Defaults of the client's back-off, as in the course deck.
const (
	DefaultInitialDelay = 100 * time.Millisecond
	DefaultMaxDelay     = 2 * time.Second
)

// Retry is the client's back-off: wait Initial for a reply, double the wait
// after each silent try, and give up once the next wait would exceed Max.
// The zero value means the deck's 0.1 s and 2.0 s.
type Retry struct {
	Initial time.Duration
	Max     time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Initial <= 0 {
		r.Initial = DefaultInitialDelay
	}
	if r.Max <= 0 {
		r.Max = DefaultMaxDelay
	}
	return r
}

// Delays returns the successive waits of r, one per try: for the defaults
// 0.1, 0.2, 0.4, 0.8 and 1.6 s.
func (r Retry) Delays() []time.Duration {
	r = r.withDefaults()
	var out []time.Duration
	for d := r.Initial; d <= r.Max; d *= 2 {
		out = append(out, d)
	}
	if len(out) == 0 {
		out = append(out, r.Max)
	}
	return out
}

// A Reply is one datagram received by a client.
type Reply struct {
	// Data is the payload.
	Data []byte
	// From is the sender.
	From net.Addr
	// Tries is how many times the request was sent (Exchange only).
	Tries int
	// Elapsed is the time from the first send to this reply.
	Elapsed time.Duration
}

// NoReplyError reports that a server never answered.
type NoReplyError struct {
	Addr    string
	Tries   int
	Elapsed time.Duration
}

func (e *NoReplyError) Error() string {
	return fmt.Sprintf("no reply from %s after %d tries over %.1f s: server seems down", e.Addr, e.Tries, e.Elapsed.Seconds())
}

// Exchange sends req to the UDP server at addr (host:port) from a connected
// socket and returns its reply, retrying with back-off as r says. It fails
// with a *NoReplyError when the server never answers, and earlier if ctx
// ends. A "port unreachable" notice from the server's host counts as a
// silent try: the server may be starting up. Replies longer than maxReply
// bytes (MaxPayload when maxReply <= 0) are truncated.
func Exchange(ctx context.Context, addr string, req []byte, r Retry, maxReply int) (Reply, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return Reply{}, fmt.Errorf("udp %s: %w", addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	if maxReply <= 0 {
		maxReply = MaxPayload
	}
	buf := make([]byte, maxReply)
	start := time.Now()
	delays := r.Delays()
	for i, delay := range delays {
		if _, err := c.Write(req); err != nil && !isRefused(err) {
			return Reply{}, fmt.Errorf("send to %s: %w", addr, err)
		}
		deadline := time.Now().Add(delay)
		for {
			if ctx.Err() != nil {
				return Reply{}, ctx.Err()
			}
			c.SetReadDeadline(deadline)
			n, err := c.Read(buf)
			if err == nil {
				return Reply{Data: buf[:n], From: c.RemoteAddr(), Tries: i + 1, Elapsed: time.Since(start)}, nil
			}
			if ctx.Err() != nil {
				return Reply{}, ctx.Err()
			}
			if isRefused(err) {
				// Nobody listens right now; wait out this try's delay.
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			return Reply{}, fmt.Errorf("receive from %s: %w", addr, err)
		}
	}
	return Reply{}, &NoReplyError{Addr: addr, Tries: len(delays), Elapsed: time.Since(start)}
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// Broadcast sends req once to the broadcast address addr (for example
// 127.255.255.255:1234) with SO_BROADCAST set, and returns every reply that
// arrives within wait, in order of arrival, each with its sender. each, if
// not nil, is called for every reply as it arrives. No reply is not an
// error: the caller decides.
func Broadcast(ctx context.Context, addr string, req []byte, wait time.Duration, each func(Reply)) ([]Reply, error) {
	raddr, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, fmt.Errorf("broadcast address %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return nil, fmt.Errorf("broadcast socket: %w", err)
	}
	defer c.Close()
	if err := setBroadcast(c); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	start := time.Now()
	if _, err := c.WriteToUDP(req, raddr); err != nil {
		return nil, fmt.Errorf("broadcast to %s: %w", addr, err)
	}
	c.SetReadDeadline(start.Add(wait))
	buf := make([]byte, MaxPayload)
	var replies []Reply
	for {
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if ctx.Err() != nil {
					return replies, ctx.Err()
				}
				return replies, nil
			}
			if isRefused(err) {
				continue
			}
			return replies, fmt.Errorf("receive broadcast replies: %w", err)
		}
		r := Reply{Data: append([]byte(nil), buf[:n]...), From: from, Tries: 1, Elapsed: time.Since(start)}
		replies = append(replies, r)
		if each != nil {
			each(r)
		}
	}
}

// setBroadcast sets SO_BROADCAST on c.
func setBroadcast(c *net.UDPConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("broadcast socket: %w", err)
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_BROADCAST, 1)
	}); err != nil {
		return fmt.Errorf("broadcast socket: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("set SO_BROADCAST: %w", serr)
	}
	return nil
}
