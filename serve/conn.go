package serve

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// readChunk is how much a blocking connection reads at a time.
const readChunk = 16 << 10

// shutdownGrace is how long a connection of a server that is shutting down
// still waits for more bytes: a question the peer sent just before the
// shutdown is still answered.
const shutdownGrace = 100 * time.Millisecond

// connLoop serves one blocking connection to its end: read, split, answer,
// write, repeat. It is the per-connection half of the goroutine-based
// architectures (single, pool, perconn, inetd). It returns how the
// connection ended, as given to Session.Close, after closing c.
//
// stopping reports whether the server is shutting down; the server then sets
// a read deadline shutdownGrace ahead on c: bytes already received are still
// read and answered, and connLoop ends cleanly once no request is partly
// read.
func connLoop(p Protocol, cfg Config, c net.Conn, stopping func() bool) (err error) {
	peer := c.RemoteAddr()
	sess := p.NewSession(peer)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic serving %v: %v", peer, r)
		}
		if errors.Is(err, ErrClose) {
			err = nil
		}
		c.Close()
		sess.Close(err)
	}()

	sp, _ := sess.(SessionSplitter)
	buf := make([]byte, 0, readChunk)
	var out []byte
	// deadline is when the request being read must be complete: IdleTimeout
	// after the previous answer (or the connection's start). Bytes of an
	// incomplete request do not extend it, so a client that trickles a
	// byte at a time is cut like a silent one.
	var deadline time.Time
	for {
		// Answer every complete request already buffered.
		start := 0
		for {
			n, serr := split(p, sp, buf[start:])
			if serr != nil {
				return serr
			}
			if n == 0 {
				break
			}
			var rerr error
			out, rerr = sess.Serve(buf[start:start+n], out)
			start += n
			if rerr != nil {
				if werr := writeAll(c, out); werr != nil {
					return werr
				}
				return rerr
			}
		}
		buf = append(buf[:0], buf[start:]...)
		if start > 0 || len(buf) == 0 || deadline.IsZero() {
			deadline = time.Now().Add(cfg.IdleTimeout)
		}
		if len(out) > 0 {
			if werr := writeAll(c, out); werr != nil {
				return werr
			}
			out = out[:0]
		}
		if len(buf) > cfg.MaxRequest {
			return &RequestTooLargeError{Max: cfg.MaxRequest}
		}

		if stopping() && len(buf) == 0 {
			return nil
		}
		c.SetReadDeadline(deadline)
		if stopping() {
			// Shutdown may have set its deadline just before ours.
			c.SetReadDeadline(time.Now().Add(shutdownGrace))
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, rerr := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 {
			continue
		}
		switch {
		case rerr == nil:
			continue
		case isClosedConn(rerr):
			return endOfInput(sess, c, buf, out)
		case errors.Is(rerr, os.ErrDeadlineExceeded):
			if stopping() && len(buf) == 0 {
				return nil
			}
			if stopping() {
				return &IncompleteError{N: len(buf)}
			}
			return ErrIdleTimeout
		default:
			return rerr
		}
	}
}

// endOfInput handles the peer's end of stream with rest still unsplit.
func endOfInput(sess Session, c net.Conn, rest, out []byte) error {
	if f, ok := sess.(Flusher); ok {
		var err error
		out, err = f.Flush(rest, out[:0])
		if len(out) > 0 {
			if werr := writeAll(c, out); werr != nil {
				return werr
			}
		}
		return err
	}
	if len(rest) > 0 {
		return &IncompleteError{N: len(rest)}
	}
	return nil
}

// writeAll writes b to c, mapping a peer that went away to ErrShortWrite.
func writeAll(c net.Conn, b []byte) error {
	c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(b); err != nil {
		return fmt.Errorf("%w: %v", ErrShortWrite, err)
	}
	return nil
}
