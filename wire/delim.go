package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxMessage is the delimited message limit used when a limit of 0
// is given.
const DefaultMaxMessage = 64 << 10

// MessageTooLongError reports that more than Max bytes arrived without the
// delimiter.
type MessageTooLongError struct {
	Max   int
	Delim []byte
}

func (e *MessageTooLongError) Error() string {
	return fmt.Sprintf("no delimiter %q within the maximum message length of %d bytes", e.Delim, e.Max)
}

// UnterminatedError reports that the stream ended after N bytes of a message
// whose delimiter never came.
type UnterminatedError struct {
	N     int
	Delim []byte
}

func (e *UnterminatedError) Error() string {
	return fmt.Sprintf("stream ended after %d bytes of a message without its delimiter %q", e.N, e.Delim)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *UnterminatedError) Unwrap() error { return io.ErrUnexpectedEOF }

// SplitDelimited reports the length of the first message at the start of buf
// including its delimiter, 0 if more bytes are needed, or a
// *MessageTooLongError once more than limit bytes (DefaultMaxMessage when
// limit <= 0) precede the delimiter. The delimiter must not be empty. It has
// the shape of serve.Protocol's Split.
func SplitDelimited(buf, delim []byte, limit int) (int, error) {
	if len(delim) == 0 {
		return 0, errors.New("split delimited: empty delimiter")
	}
	if limit <= 0 {
		limit = DefaultMaxMessage
	}
	window := buf
	if len(window) > limit+len(delim) {
		window = window[:limit+len(delim)]
	}
	if i := bytes.Index(window, delim); i >= 0 {
		return i + len(delim), nil
	}
	if len(buf) >= limit+len(delim) {
		return 0, &MessageTooLongError{Max: limit, Delim: delim}
	}
	return 0, nil
}

// A DelimReader reads messages that each end with Delim, at most Max bytes
// each (the delimiter not counted). Its buffer never holds more than Max plus
// the delimiter plus one read, whatever the peer sends.
type DelimReader struct {
	r     io.Reader
	delim []byte
	max   int
	buf   []byte
	start int
	err   error
}

// NewDelimReader returns a reader of messages ending with delim (not empty),
// each at most limit bytes (DefaultMaxMessage when limit <= 0).
func NewDelimReader(r io.Reader, delim []byte, limit int) *DelimReader {
	if limit <= 0 {
		limit = DefaultMaxMessage
	}
	return &DelimReader{r: r, delim: bytes.Clone(delim), max: limit}
}

// Next returns the next message without its delimiter. The slice is valid
// until the next call. At a clean end of stream it returns io.EOF; an end in
// the middle of a message gives an *UnterminatedError; a message longer than
// the limit gives a *MessageTooLongError, after which the reader stays
// failed (the stream cannot be resynchronised).
func (d *DelimReader) Next() ([]byte, error) {
	if len(d.delim) == 0 {
		return nil, errors.New("delimited read: empty delimiter")
	}
	for {
		n, err := SplitDelimited(d.buf[d.start:], d.delim, d.max)
		if err != nil {
			d.err = err
			return nil, err
		}
		if n > 0 {
			msg := d.buf[d.start : d.start+n-len(d.delim)]
			d.start += n
			return msg, nil
		}
		if d.err != nil {
			rest := len(d.buf) - d.start
			if errors.Is(d.err, io.EOF) && rest > 0 {
				return nil, &UnterminatedError{N: rest, Delim: d.delim}
			}
			return nil, d.err
		}
		// Compact, then read more.
		if d.start > 0 {
			d.buf = append(d.buf[:0], d.buf[d.start:]...)
			d.start = 0
		}
		if len(d.buf) == cap(d.buf) {
			d.buf = append(d.buf, make([]byte, min(4096, d.max+len(d.delim)))...)[:len(d.buf)]
		}
		m, rerr := d.r.Read(d.buf[len(d.buf):cap(d.buf)])
		d.buf = d.buf[:len(d.buf)+m]
		if rerr != nil {
			d.err = rerr
		}
	}
}

// ReadDelimited reads one message ending with delim from r, at most limit
// bytes, and returns it without the delimiter. It consumes nothing after the
// delimiter, so r can be read on afterwards; for a stream of messages a
// DelimReader is faster.
func ReadDelimited(r *bufio.Reader, delim []byte, limit int) ([]byte, error) {
	d := NewDelimReader(byteReader{r}, delim, limit)
	msg, err := d.Next()
	return bytes.Clone(msg), err
}

// byteReader reads one byte at a time so that a ReadDelimited consumes
// nothing after the delimiter.
type byteReader struct{ r *bufio.Reader }

func (b byteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := b.r.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	return 1, nil
}
