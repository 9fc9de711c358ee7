package wire

import (
	"bytes"
	"testing"
)

// blockStream returns n blocks of size bytes each, framed.
func blockStream(b *testing.B, n, size int) []byte {
	var buf []byte
	payload := bytes.Repeat([]byte("z"), size)
	for range n {
		var err error
		if buf, err = AppendBlock(buf, payload, size); err != nil {
			b.Fatal(err)
		}
	}
	return buf
}

// BenchmarkSplitBlock measures finding 64-byte blocks in a buffer, as an
// event loop does before answering each one.
func BenchmarkSplitBlock(b *testing.B) {
	buf := blockStream(b, 256, 64)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := buf; len(rest) > 0; {
			n, err := SplitBlock(rest, 64)
			if err != nil || n == 0 {
				b.Fatal(n, err)
			}
			rest = rest[n:]
		}
	}
}

// BenchmarkAppendBlock measures framing a 64-byte block into a reused
// buffer.
func BenchmarkAppendBlock(b *testing.B) {
	payload := bytes.Repeat([]byte("z"), 64)
	out := make([]byte, 0, 128)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = AppendBlock(out[:0], payload, 64); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadBlock measures reading framed blocks from a stream, one
// allocation per block.
func BenchmarkReadBlock(b *testing.B) {
	buf := blockStream(b, 256, 64)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	r := bytes.NewReader(buf)
	for b.Loop() {
		r.Reset(buf)
		for range 256 {
			if _, err := ReadBlock(r, 64); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSplitDelimited measures cutting a pipelined stream of Zen
// questions at '?'.
func BenchmarkSplitDelimited(b *testing.B) {
	buf := bytes.Repeat([]byte("Beautiful is better than?"), 256)
	delim := []byte("?")
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := buf; len(rest) > 0; {
			n, err := SplitDelimited(rest, delim, 4096)
			if err != nil || n == 0 {
				b.Fatal(n, err)
			}
			rest = rest[n:]
		}
	}
}
