package serve

import (
	"errors"
	"fmt"
	"net"
)

// A Protocol cuts a byte stream into requests and starts one Session per
// connection. A Protocol is shared by every connection of a server, so its
// methods must be safe for concurrent use.
type Protocol interface {
	// Split returns the length of the first complete request at the start of
	// buf, 0 if more bytes are needed, or an error if the stream can never be
	// valid (the connection is then closed and the error logged).
	// Split must not retain buf.
	Split(buf []byte) (int, error)

	// NewSession starts the session of one connection from peer.
	NewSession(peer net.Addr) Session
}

// A Session answers the requests of one connection, in order. Exactly one
// goroutine calls a Session's methods at a time.
type Session interface {
	// Serve appends the reply to req (possibly nothing) to out and returns the
	// extended slice. req is only valid during the call. An error closes the
	// connection after whatever was appended to out has been sent.
	Serve(req, out []byte) ([]byte, error)

	// Close reports how the connection ended: nil for a clean end, otherwise
	// why, for example an *IncompleteError when the peer closed in the middle
	// of a request. Close is called exactly once.
	Close(err error)
}

// A Flusher is a Session that holds bytes back between requests (for example
// the incomplete tail of a multi-byte character) and can still answer
// something for them when the peer closes its side. Servers call Flush once
// with the unsplit rest of the input when the peer ends its stream; the
// returned bytes are sent before the connection closes.
type Flusher interface {
	Flush(rest, out []byte) ([]byte, error)
}

// A SessionSplitter is a Session that frames its own connection's
// requests: servers call its Split, which has the contract of
// Protocol.Split, instead of the Protocol's. A session can so keep what it
// learned framing a request (a parsed HTTP head, say) for the Serve that
// follows: servers call Serve only with the bytes the last Split returned
// the length of, at the same place in memory.
type SessionSplitter interface {
	Split(buf []byte) (int, error)
}

// split frames the next request in buf with sp, the session's own Split,
// when the session has one, else with p's.
func split(p Protocol, sp SessionSplitter, buf []byte) (int, error) {
	if sp != nil {
		return sp.Split(buf)
	}
	return p.Split(buf)
}

// IncompleteError reports that the peer closed the connection after sending
// N bytes of a request that never became complete.
type IncompleteError struct {
	N int
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("peer sent %d bytes of an incomplete request and closed", e.N)
}

// RequestTooLargeError reports that the peer sent more than Max bytes without
// completing a request.
type RequestTooLargeError struct {
	Max int
}

func (e *RequestTooLargeError) Error() string {
	return fmt.Sprintf("request exceeds the maximum of %d bytes", e.Max)
}

// ErrIdleTimeout reports that a connection did not complete a request
// within the idle timeout (it sent nothing, or too little) and was closed.
var ErrIdleTimeout = errors.New("idle timeout")

// ErrClose, returned by Session.Serve, closes the connection once the answer
// appended with it has been sent, as a normal end of the conversation (for
// example HTTP's "Connection: close"). Servers then report a clean end:
// Session.Close gets nil and the log says "closed normally".
var ErrClose = errors.New("close after this answer")

// ErrShortWrite reports that the connection closed before all of an answer
// could be sent.
var ErrShortWrite = errors.New("closed before all of the answer could be sent")
