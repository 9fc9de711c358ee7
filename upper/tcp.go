package upper

import (
	"errors"
	"fmt"
	"net"

	"github.com/netkit-go/netkit/serve"
)

// Protocol is the uppercase service over TCP, a serve.Protocol: a request
// is whatever complete characters have arrived, and the reply is their
// upper-case form. The zero value is ready to use and safe for concurrent
// use.
type Protocol struct{}

var _ serve.Protocol = Protocol{}

// Split returns the length of buf without the start of a character that is
// not complete yet, so that a character cut by the network is served whole
// once the rest arrives. Invalid bytes are passed on for Serve to report.
func (Protocol) Split(buf []byte) (int, error) {
	return len(buf) - incompleteTail(buf), nil
}

// NewSession starts the session of one connection.
func (Protocol) NewSession(peer net.Addr) serve.Session {
	return &session{caser: NewCaser()}
}

// session upper-cases one connection's stream.
type session struct {
	caser *Caser
	seen  int // bytes of the stream served so far
}

var _ serve.Flusher = (*session)(nil)

// Serve appends the upper-case form of req to out. Invalid UTF-8 appends an
// error line after the valid text before it and ends the connection.
func (s *session) Serve(req, out []byte) ([]byte, error) {
	out, err := s.caser.Append(out, req)
	if err != nil {
		var bad *InvalidUTF8Error
		if errors.As(err, &bad) {
			err = &InvalidUTF8Error{Offset: s.seen + bad.Offset}
			out = append(out, fmt.Sprintf("\n%s%v of the stream; closing\n", ErrorPrefix, err)...)
		}
		return out, err
	}
	s.seen += len(req)
	return out, nil
}

// Flush answers the bytes left when the peer closed its side: the start of
// a character that never completed gets an error line.
func (s *session) Flush(rest, out []byte) ([]byte, error) {
	if len(rest) == 0 {
		return out, nil
	}
	out = append(out, fmt.Sprintf("\n%sthe stream ended inside a UTF-8 character (%d of its bytes arrived)\n", ErrorPrefix, len(rest))...)
	return out, &serve.IncompleteError{N: len(rest)}
}

// Close does nothing: the server logs how the connection ended.
func (s *session) Close(error) {}
