package zen

import (
	"bytes"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/netkit-go/netkit/serve"
)

// Protocol is the Zen service as a [serve.Protocol]. The zero value serves
// with the default maximum request size and no delay. A Protocol must not be
// changed once a server uses it; its methods are safe for concurrent use.
type Protocol struct {
	// MaxRequest is the most bytes a question may have, its '?' included;
	// 0 means serve.DefaultMaxRequest. Give the server the same value in
	// serve.Config.MaxRequest.
	MaxRequest int
	// Delay is slept before each answer, to simulate an expensive answer
	// (the book's time.sleep in get_answer). It blocks whatever runs the
	// session: one connection's goroutine or process, or a whole event loop.
	Delay time.Duration
	// Stats, when not nil, counts what the sessions do.
	Stats *Stats
}

var _ serve.Protocol = (*Protocol)(nil)

// Split returns the length of the first question in buf, up to and
// including its '?', or 0 if buf holds no '?' yet. It returns a
// *serve.RequestTooLargeError when the question is, or can only become,
// longer than MaxRequest.
func (p *Protocol) Split(buf []byte) (int, error) {
	limit := p.maxRequest()
	search := buf
	if len(search) > limit {
		search = search[:limit]
	}
	if i := bytes.IndexByte(search, '?'); i >= 0 {
		return i + 1, nil
	}
	if len(buf) >= limit {
		return 0, &serve.RequestTooLargeError{Max: limit}
	}
	return 0, nil
}

func (p *Protocol) maxRequest() int {
	if p.MaxRequest > 0 {
		return p.MaxRequest
	}
	return serve.DefaultMaxRequest
}

// NewSession starts the session of one connection.
func (p *Protocol) NewSession(peer net.Addr) serve.Session {
	if p.Stats != nil {
		p.Stats.Sessions.Add(1)
	}
	return &session{p: p}
}

// session answers the questions of one connection. It keeps no state
// between questions.
type session struct {
	p *Protocol
}

// Serve appends the answer to the question req to out.
func (s *session) Serve(req, out []byte) ([]byte, error) {
	st := s.p.Stats
	if st != nil {
		st.enter()
	}
	if s.p.Delay > 0 {
		time.Sleep(s.p.Delay)
	}
	a, known := lookup(req)
	if st != nil {
		st.leave(!known)
	}
	return append(out, a...), nil
}

// Close counts how the connection ended; serve logs it.
func (s *session) Close(err error) {
	st := s.p.Stats
	if st == nil {
		return
	}
	var inc *serve.IncompleteError
	switch {
	case err == nil:
		st.Clean.Add(1)
	case errors.As(err, &inc):
		st.Incomplete.Add(1)
	default:
		st.Failed.Add(1)
	}
}

// Stats counts the work of the sessions of one Protocol. The zero value is
// ready to use; every field may be read at any time.
type Stats struct {
	// Sessions counts the connections started.
	Sessions atomic.Int64
	// Answered counts the answers given, Unknown those that were
	// UnknownAnswer.
	Answered, Unknown atomic.Int64
	// Clean, Incomplete and Failed count the connections that ended
	// normally, with an incomplete question, or with any other error
	// (too large a request, idle timeout, a short write, ...).
	Clean, Incomplete, Failed atomic.Int64
	// InFlight is the number of answers being computed now, MaxInFlight
	// the most there ever were at once: with a Delay, it shows whether an
	// architecture overlaps its clients (MaxInFlight > 1) or serializes
	// them.
	InFlight, MaxInFlight atomic.Int64
}

func (st *Stats) enter() {
	n := st.InFlight.Add(1)
	for {
		m := st.MaxInFlight.Load()
		if n <= m || st.MaxInFlight.CompareAndSwap(m, n) {
			return
		}
	}
}

func (st *Stats) leave(unknown bool) {
	st.InFlight.Add(-1)
	st.Answered.Add(1)
	if unknown {
		st.Unknown.Add(1)
	}
}
