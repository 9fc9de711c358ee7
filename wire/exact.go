package wire

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// ShortReadError reports that a stream ended before a read of Want bytes was
// complete: Got bytes had arrived, Want-Got were missing.
type ShortReadError struct {
	Want, Got int
}

func (e *ShortReadError) Error() string {
	return fmt.Sprintf("stream ended with %d of %d bytes missing", e.Want-e.Got, e.Want)
}

// Unwrap returns io.ErrUnexpectedEOF, so that errors.Is(err,
// io.ErrUnexpectedEOF) holds for a short read.
func (e *ShortReadError) Unwrap() error { return io.ErrUnexpectedEOF }

// growStep bounds how much ReadExact allocates ahead of the bytes that have
// actually arrived, so that a large n on a short stream costs little memory.
const growStep = 64 << 10

// ReadExact reads exactly n bytes from r, like the deck's recvall. If the
// stream ends first it returns the bytes read and a *ShortReadError saying
// how many were missing; if it ends before the first byte it returns io.EOF.
// Memory grows with the bytes received, not with n.
func ReadExact(r io.Reader, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("read exact: negative length %d", n)
	}
	buf := make([]byte, 0, min(n, growStep))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), max(len(buf), growStep)))
		}
		m, err := r.Read(buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+m]
		if err != nil && len(buf) < n {
			if errors.Is(err, io.EOF) {
				if len(buf) == 0 {
					return buf, io.EOF
				}
				return buf, &ShortReadError{Want: n, Got: len(buf)}
			}
			return buf, fmt.Errorf("read exact (%d of %d bytes): %w", len(buf), n, err)
		}
	}
	return buf, nil
}

// ReadInto fills p completely from r. It returns io.EOF if the stream ended
// before the first byte and a *ShortReadError if it ended later.
func ReadInto(r io.Reader, p []byte) error {
	n, err := io.ReadFull(r, p)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &ShortReadError{Want: len(p), Got: n}
	case errors.Is(err, io.EOF):
		return io.EOF
	default:
		return fmt.Errorf("read exact (%d of %d bytes): %w", n, len(p), err)
	}
}
