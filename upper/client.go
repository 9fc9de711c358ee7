package upper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/netkit-go/netkit/dgram"
)

// ServerError is an error reply from the server, for example to text that
// is not UTF-8.
type ServerError struct {
	Msg string
}

func (e *ServerError) Error() string { return "server says: " + e.Msg }

// SendTCP sends text to the uppercase server at addr over TCP, closes its
// sending side and returns everything the server answers until it closes,
// all within timeout. An error line from the server gives a *ServerError
// (with the upper-case text before it).
func SendTCP(ctx context.Context, addr string, text []byte, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	// Write and read at once, so that a long text cannot fill both ways'
	// buffers and block.
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(text)
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		werr <- err
	}()
	reply, rerr := io.ReadAll(c)
	if err := <-werr; err != nil && rerr == nil {
		rerr = err
	}
	if i := indexError(reply); i >= 0 {
		msg := string(reply[i+len(ErrorPrefix):])
		for len(msg) > 0 && msg[len(msg)-1] == '\n' {
			msg = msg[:len(msg)-1]
		}
		start := reply[:i]
		if len(start) > 0 && start[len(start)-1] == '\n' {
			start = start[:len(start)-1]
		}
		return start, &ServerError{Msg: msg}
	}
	if rerr != nil {
		if ctx.Err() != nil {
			return reply, fmt.Errorf("no complete answer from %s within %v", addr, timeout)
		}
		return reply, fmt.Errorf("talk to %s: %w", addr, rerr)
	}
	return reply, nil
}

// indexError returns the offset of the error line in a TCP reply, or -1.
func indexError(reply []byte) int {
	if _, ok := IsErrorReply(reply); ok {
		return 0
	}
	for i := 0; i+1 < len(reply); i++ {
		if reply[i] == '\n' {
			if _, ok := IsErrorReply(reply[i+1:]); ok {
				return i + 1
			}
		}
	}
	return -1
}

// SendUDP sends text to the uppercase server at addr over UDP with the
// deck's retry and back-off (see dgram.Exchange) and returns the reply. An
// error datagram gives a *ServerError; no reply a *dgram.NoReplyError.
func SendUDP(ctx context.Context, addr string, text []byte, retry dgram.Retry) (dgram.Reply, error) {
	r, err := dgram.Exchange(ctx, addr, text, retry, 0)
	if err != nil {
		return r, err
	}
	if msg, ok := IsErrorReply(r.Data); ok {
		return r, &ServerError{Msg: msg}
	}
	return r, nil
}

// Discover broadcasts text to addr (for example 127.255.255.255:1234) and
// returns every reply that arrives within wait, each with its sender. each,
// if not nil, sees every reply as it arrives. No reply at all is an error.
func Discover(ctx context.Context, addr string, text []byte, wait time.Duration, each func(dgram.Reply)) ([]dgram.Reply, error) {
	replies, err := dgram.Broadcast(ctx, addr, text, wait, each)
	if err != nil {
		return replies, err
	}
	if len(replies) == 0 {
		return nil, errors.New("no server answered the broadcast to " + addr + " within " + wait.String())
	}
	return replies, nil
}
