package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzReadBlock(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 'x'})
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1024
		r := bytes.NewReader(in)
		consumed := 0
		for {
			b, err := ReadBlock(r, limit)
			if err != nil {
				if err != io.EOF && !errorsAreWire(err) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				break
			}
			if len(b) > limit {
				t.Fatalf("block of %d bytes over the limit", len(b))
			}
			// SplitBlock agrees with ReadBlock.
			n, serr := SplitBlock(in[consumed:], limit)
			if serr != nil || n != BlockHeaderSize+len(b) {
				t.Fatalf("SplitBlock = %d, %v; ReadBlock read %d", n, serr, len(b))
			}
			consumed += n
			// Writing the block back gives the same bytes.
			out, err := AppendBlock(nil, b, limit)
			if err != nil || !bytes.Equal(out, in[consumed-n:consumed]) {
				t.Fatalf("re-encoding differs")
			}
		}
	})
}

func errorsAreWire(err error) bool {
	var tl *BlockTooLargeError
	var sr *ShortReadError
	return errors.As(err, &tl) || errors.As(err, &sr)
}

func FuzzDelimReader(f *testing.F) {
	f.Add([]byte("one\ntwo\n"), []byte("\n"))
	f.Add([]byte("a\r\nb\r"), []byte("\r\n"))
	f.Add(bytes.Repeat([]byte("x"), 100), []byte("\n"))
	f.Fuzz(func(t *testing.T, in, delim []byte) {
		if len(delim) == 0 || len(delim) > 4 {
			return
		}
		const limit = 32
		d := NewDelimReader(bytes.NewReader(in), delim, limit)
		var rebuilt []byte
		for {
			msg, err := d.Next()
			if err != nil {
				var tl *MessageTooLongError
				var ue *UnterminatedError
				if err != io.EOF && !errors.As(err, &tl) && !errors.As(err, &ue) {
					t.Fatalf("unexpected error %T: %v", err, err)
				}
				if err == io.EOF && !bytes.Equal(rebuilt, in) {
					t.Fatalf("messages do not rebuild the input")
				}
				break
			}
			if len(msg) > limit || bytes.Contains(msg, delim) {
				t.Fatalf("bad message %q", msg)
			}
			rebuilt = append(append(rebuilt, msg...), delim...)
			if cap(d.buf) > 2*(limit+len(delim))+8192 {
				t.Fatalf("buffer grew to %d", cap(d.buf))
			}
		}
	})
}

func FuzzParseFormat(f *testing.F) {
	f.Add("!i", []byte{0, 0, 4, 0xd2})
	f.Add("<2hxQ", make([]byte, 13))
	f.Fuzz(func(t *testing.T, format string, b []byte) {
		fm, err := ParseFormat(format)
		if err != nil {
			return
		}
		v, err := fm.Unpack(b)
		if err != nil {
			return
		}
		out, err := fm.Pack(v...)
		if err != nil {
			t.Fatalf("Pack of unpacked values failed: %v", err)
		}
		// Pad bytes come back as zeros; everything else is identical.
		if len(out) != len(b) {
			t.Fatalf("round trip length %d != %d", len(out), len(b))
		}
	})
}

func FuzzDecompress(f *testing.F) {
	f.Add(Compress([]byte("hello hello hello")))
	f.Add([]byte{0x78, 0x9c})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Decompress(in, 4096)
		if err == nil && len(out) > 4096 {
			t.Fatalf("decompressed %d bytes past the limit", len(out))
		}
	})
}
