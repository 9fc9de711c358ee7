package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// BlockHeaderSize is the size of a block's length header: a big-endian
// uint32, Python's struct.Struct('!I').
const BlockHeaderSize = 4

// DefaultMaxBlock is the block size limit used when a limit of 0 is given.
const DefaultMaxBlock = 1 << 20

// MaxBlockLimit is the largest length a block header can announce.
const MaxBlockLimit = math.MaxUint32

// BlockTooLargeError reports a block whose announced (or given) size is
// larger than the limit. It is returned before anything is allocated.
type BlockTooLargeError struct {
	Size uint64
	Max  int
}

func (e *BlockTooLargeError) Error() string {
	return fmt.Sprintf("block of %d bytes exceeds the maximum of %d bytes", e.Size, e.Max)
}

func maxOrDefault(limit int) int {
	if limit <= 0 {
		return DefaultMaxBlock
	}
	return limit
}

// ReadBlock reads one block from r: a 4-byte big-endian length, then that
// many bytes. A length above limit (DefaultMaxBlock when limit <= 0) is an
// error of type *BlockTooLargeError, found before the body is read or
// allocated. A stream that ends inside the header or body gives a
// *ShortReadError; a stream that ends cleanly before a block gives io.EOF.
func ReadBlock(r io.Reader, limit int) ([]byte, error) {
	limit = maxOrDefault(limit)
	var hdr [BlockHeaderSize]byte
	if err := ReadInto(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("block header: %w", err)
	}
	size := binary.BigEndian.Uint32(hdr[:])
	if uint64(size) > uint64(limit) {
		return nil, &BlockTooLargeError{Size: uint64(size), Max: limit}
	}
	body, err := ReadExact(r, int(size))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = &ShortReadError{Want: int(size), Got: 0}
		}
		return nil, fmt.Errorf("block body: %w", err)
	}
	return body, nil
}

// AppendBlock appends b framed as a block to dst. It fails with a
// *BlockTooLargeError if b is longer than limit (DefaultMaxBlock when limit <=
// 0) or than a header can say.
func AppendBlock(dst, b []byte, limit int) ([]byte, error) {
	limit = maxOrDefault(limit)
	if uint64(len(b)) > uint64(limit) || uint64(len(b)) > MaxBlockLimit {
		return dst, &BlockTooLargeError{Size: uint64(len(b)), Max: limit}
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...), nil
}

// WriteBlock writes b to w as one block (header and body in one write). It
// checks the size as AppendBlock does, before writing anything.
func WriteBlock(w io.Writer, b []byte, limit int) error {
	buf, err := AppendBlock(make([]byte, 0, BlockHeaderSize+len(b)), b, limit)
	if err != nil {
		return err
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write block of %d bytes: %w", len(b), err)
	}
	return nil
}

// SplitBlock reports the length of the first complete block (header
// included) at the start of buf, 0 if more bytes are needed, or a
// *BlockTooLargeError as soon as the header announces more than limit
// (DefaultMaxBlock when limit <= 0). It has the shape of serve.Protocol's
// Split, so that a block protocol can run under every server architecture.
func SplitBlock(buf []byte, limit int) (int, error) {
	limit = maxOrDefault(limit)
	if len(buf) < BlockHeaderSize {
		return 0, nil
	}
	size := binary.BigEndian.Uint32(buf)
	if uint64(size) > uint64(limit) {
		return 0, &BlockTooLargeError{Size: uint64(size), Max: limit}
	}
	total := BlockHeaderSize + int(size)
	if len(buf) < total {
		return 0, nil
	}
	return total, nil
}

// A BlockReader reads blocks from a stream, each at most Max bytes.
// The zero Max means DefaultMaxBlock.
type BlockReader struct {
	R   io.Reader
	Max int
}

// Next returns the next block's body; see ReadBlock for the errors.
func (br *BlockReader) Next() ([]byte, error) { return ReadBlock(br.R, br.Max) }

// A BlockWriter writes blocks to a stream, each at most Max bytes.
// The zero Max means DefaultMaxBlock.
type BlockWriter struct {
	W   io.Writer
	Max int
}

// Write writes p as one block and returns len(p) on success, so that a
// BlockWriter is an io.Writer whose every Write is one block.
func (bw *BlockWriter) Write(p []byte) (int, error) {
	if err := WriteBlock(bw.W, p, bw.Max); err != nil {
		return 0, err
	}
	return len(p), nil
}
