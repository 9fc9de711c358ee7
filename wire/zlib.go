package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// DecompressLimitError reports that a zlib stream decompressed to more than
// Limit bytes (a compression bomb, or simply a larger input than allowed).
type DecompressLimitError struct {
	Limit int64
}

func (e *DecompressLimitError) Error() string {
	return fmt.Sprintf("decompressed data exceeds the limit of %d bytes", e.Limit)
}

// DefaultDecompressLimit is the decompressed size limit used when a limit of
// 0 is given.
const DefaultDecompressLimit = 64 << 20

// Compress returns data compressed as one zlib stream (RFC 1950) at the
// default level, which Python's zlib.decompress and decompressobj read.
func Compress(data []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(data) // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}

// NewCompressor returns a writer that compresses into w as one zlib stream;
// Close ends the stream (it does not close w). Flush sends what was written
// so far, so that the reader can decompress it, like Python's
// compressobj().flush(zlib.Z_SYNC_FLUSH).
func NewCompressor(w io.Writer) *zlib.Writer { return zlib.NewWriter(w) }

// Decompress decompresses one zlib stream, such as Python's zlib.compress
// makes, refusing to produce more than limit bytes (DefaultDecompressLimit
// when limit <= 0).
func Decompress(data []byte, limit int64) ([]byte, error) {
	r, err := NewDecompressor(bytes.NewReader(data), limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// NewDecompressor returns a reader of the decompressed zlib stream r. Reading
// past limit decompressed bytes (DefaultDecompressLimit when limit <= 0)
// fails with a *DecompressLimitError; a corrupt or truncated stream fails
// with an error saying so.
func NewDecompressor(r io.Reader, limit int64) (io.ReadCloser, error) {
	if limit <= 0 {
		limit = DefaultDecompressLimit
	}
	zr, err := zlib.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", describeZlibErr(err))
	}
	return &limitedDecompressor{zr: zr, left: limit, limit: limit}, nil
}

type limitedDecompressor struct {
	zr    io.ReadCloser
	left  int64 // bytes still allowed
	limit int64
}

func (d *limitedDecompressor) Read(p []byte) (int, error) {
	if d.left <= 0 {
		// Allow a clean end exactly at the limit.
		var one [1]byte
		n, err := d.zr.Read(one[:])
		if n > 0 {
			return 0, &DecompressLimitError{Limit: d.limit}
		}
		if err != nil {
			return 0, wrapZlibErr(err)
		}
		return 0, nil
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.zr.Read(p)
	d.left -= int64(n)
	return n, wrapZlibErr(err)
}

func (d *limitedDecompressor) Close() error { return d.zr.Close() }

func wrapZlibErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	return fmt.Errorf("zlib: %w", describeZlibErr(err))
}

func describeZlibErr(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("stream is truncated: %w", err)
	case errors.Is(err, zlib.ErrHeader):
		return fmt.Errorf("not a zlib stream (bad header): %w", err)
	case errors.Is(err, zlib.ErrChecksum):
		return fmt.Errorf("stream is corrupt (bad checksum): %w", err)
	}
	return err
}
