package upper

import (
	"errors"
	"fmt"

	"github.com/netkit-go/netkit/dgram"
)

// Handler answers uppercase datagrams; see the package documentation for
// the error replies. It is a dgram.Handler. The zero value is ready to use;
// a Handler must not be shared by two servers.
type Handler struct {
	// MaxDatagram is the server's maximum request size, for the error
	// reply to a truncated datagram; 0 means dgram.MaxPayload.
	MaxDatagram int

	caser *Caser
}

var _ dgram.Handler = (*Handler)(nil)

// ServeDatagram appends the reply to d to out.
func (h *Handler) ServeDatagram(d dgram.Datagram, out []byte) ([]byte, error) {
	if h.caser == nil {
		h.caser = NewCaser()
	}
	if d.Truncated {
		limit := h.MaxDatagram
		if limit <= 0 {
			limit = dgram.MaxPayload
		}
		err := fmt.Errorf("datagram is longer than the maximum of %d bytes", limit)
		return errorReply(out, err), err
	}
	start := len(out)
	out, err := h.caser.Append(out, d.Data)
	if err != nil {
		var bad *InvalidUTF8Error
		if errors.As(err, &bad) {
			err = fmt.Errorf("%w of %d; send UTF-8 text", err, len(d.Data))
		}
		return errorReply(out[:start], err), err
	}
	if n := len(out) - start; n > dgram.MaxPayload {
		err := fmt.Errorf("the upper-case form is %d bytes, more than one datagram can carry (%d); send less text", n, dgram.MaxPayload)
		return errorReply(out[:start], err), err
	}
	return out, nil
}

// errorReply appends the error datagram for err to out.
func errorReply(out []byte, err error) []byte {
	return append(append(out, ErrorPrefix...), err.Error()...)
}

// IsErrorReply reports whether a reply is an error reply, and returns its
// message without the prefix.
func IsErrorReply(reply []byte) (string, bool) {
	if len(reply) >= len(ErrorPrefix) && string(reply[:len(ErrorPrefix)]) == ErrorPrefix {
		return string(reply[len(ErrorPrefix):]), true
	}
	return "", false
}
