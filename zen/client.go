package zen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// DefaultTimeout bounds each step of a client: the dial, each write and the
// wait for each answer.
const DefaultTimeout = 10 * time.Second

// maxAnswer is the most bytes a client reads while waiting for the '.' of
// an answer; a server that sends more is not a Zen server.
const maxAnswer = 4096

// A Client is one connection to a Zen server. Its methods must not be called
// concurrently.
type Client struct {
	conn    net.Conn
	timeout time.Duration
	buf     []byte // bytes received after the last answer
}

// Dial connects to the Zen server at addr ("host:port"). timeout bounds the
// connect and, later, each write and each wait for an answer; 0 means
// DefaultTimeout.
func Dial(ctx context.Context, addr string, timeout time.Duration) (*Client, error) {
	return Dialer{Timeout: timeout}.Dial(ctx, addr)
}

// A Dialer connects to Zen servers. The zero value uses DefaultTimeout and
// does not retry.
type Dialer struct {
	// Timeout bounds the connect and, later, each write and each wait for
	// an answer; 0 means DefaultTimeout.
	Timeout time.Duration
	// Wait keeps retrying a refused connection for this long, for a server
	// that is still starting; 0 tries once.
	Wait time.Duration
}

// Dial connects to the Zen server at addr ("host:port").
func (d Dialer) Dial(ctx context.Context, addr string) (*Client, error) {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	nd := net.Dialer{Timeout: timeout}
	deadline := time.Now().Add(d.Wait)
	for {
		c, err := nd.DialContext(ctx, "tcp", addr)
		if err == nil {
			return &Client{conn: c, timeout: timeout}, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			return nil, fmt.Errorf("zen: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("zen: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Conn returns the client's connection.
func (c *Client) Conn() net.Conn { return c.conn }

// Ask sends question as it is (it should end in '?') and returns the answer,
// every byte up to and including the first '.', as the book's recv_until
// does.
func (c *Client) Ask(question string) (string, error) {
	if err := c.Send(question); err != nil {
		return "", err
	}
	return c.ReadAnswer()
}

// Send writes raw bytes to the server without waiting for an answer, for
// example several questions at once or a question without its '?'.
func (c *Client) Send(raw string) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.conn.Write([]byte(raw)); err != nil {
		return fmt.Errorf("zen: send %q: %w", raw, err)
	}
	return nil
}

// ReadAnswer reads the next answer: every byte up to and including the next
// '.'.
func (c *Client) ReadAnswer() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	chunk := make([]byte, 512)
	for {
		if i := bytes.IndexByte(c.buf, '.'); i >= 0 {
			a := string(c.buf[:i+1])
			c.buf = append(c.buf[:0], c.buf[i+1:]...)
			return a, nil
		}
		if len(c.buf) > maxAnswer {
			return "", fmt.Errorf("zen: answer longer than %d bytes without a '.'", maxAnswer)
		}
		n, err := c.conn.Read(chunk)
		c.buf = append(c.buf, chunk[:n]...)
		if err != nil && n == 0 {
			if len(c.buf) > 0 {
				return "", fmt.Errorf("zen: received %q then: %w", c.buf, err)
			}
			return "", fmt.Errorf("zen: waiting for an answer: %w", err)
		}
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// An Exchange is one question asked and the answer received.
type Exchange struct {
	Question, Answer string
}

// Ask connects to addr, asks each question in turn, reading each answer
// before sending the next question, and closes: the book's client. It
// returns the exchanges completed before any error.
func Ask(ctx context.Context, addr string, questions []string, timeout time.Duration) ([]Exchange, error) {
	return Dialer{Timeout: timeout}.Ask(ctx, addr, questions)
}

// Ask is the package function Ask with d's options.
func (d Dialer) Ask(ctx context.Context, addr string, questions []string) ([]Exchange, error) {
	c, err := d.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var out []Exchange
	for _, q := range questions {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		a, err := c.Ask(q)
		if err != nil {
			return out, err
		}
		out = append(out, Exchange{q, a})
	}
	if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return out, fmt.Errorf("zen: close: %w", err)
	}
	return out, nil
}

// AskIncomplete connects to addr, sends the first of the book's aphorisms
// without its final '?' and closes at once: the book's client with -e. The
// server should log an incomplete request and go on serving others.
func AskIncomplete(ctx context.Context, addr string, timeout time.Duration) error {
	return Dialer{Timeout: timeout}.AskIncomplete(ctx, addr)
}

// AskIncomplete is the package function AskIncomplete with d's options.
func (d Dialer) AskIncomplete(ctx context.Context, addr string) error {
	c, err := d.Dial(ctx, addr)
	if err != nil {
		return err
	}
	q := book[0].Question
	if err := c.Send(q[:len(q)-1]); err != nil {
		c.Close()
		return err
	}
	return c.Close()
}

// Questions returns n questions drawn at random, as the book's client does
// with random.sample: for n <= 3 distinct questions from the book's three;
// for more, every known question in random order, repeated as needed.
// r may be nil for the default source.
func Questions(n int, r *rand.Rand) []string {
	perm := func(k int) []int {
		if r != nil {
			return r.Perm(k)
		}
		return rand.Perm(k)
	}
	pool := book
	if n > len(book) {
		pool = append(append([]Aphorism(nil), book...), more...)
	}
	out := make([]string, 0, n)
	for len(out) < n {
		for _, i := range perm(len(pool)) {
			if len(out) == n {
				break
			}
			out = append(out, pool[i].Question)
		}
	}
	return out
}
