package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadExact(t *testing.T) {
	got, err := ReadExact(iotest.OneByteReader(strings.NewReader("hello world")), 5)
	if err != nil || string(got) != "hello" {
		t.Fatalf("ReadExact = %q, %v", got, err)
	}
	_, err = ReadExact(strings.NewReader("abc"), 10)
	var sr *ShortReadError
	if !errors.As(err, &sr) || sr.Want != 10 || sr.Got != 3 {
		t.Fatalf("short read error = %v", err)
	}
	if !strings.Contains(err.Error(), "7 of 10 bytes missing") {
		t.Errorf("message %q does not say how many bytes were missing", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short read is not io.ErrUnexpectedEOF")
	}
	if _, err := ReadExact(strings.NewReader(""), 4); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	if b, err := ReadExact(strings.NewReader("x"), 0); err != nil || len(b) != 0 {
		t.Errorf("n=0: %q %v", b, err)
	}
	// A huge n on a short stream does not allocate n bytes.
	if _, err := ReadExact(strings.NewReader("abc"), 1<<40); !errors.As(err, &sr) {
		t.Fatalf("huge n: %v", err)
	}
	big := bytes.Repeat([]byte("z"), 300000)
	got, err = ReadExact(bytes.NewReader(big), len(big))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("large exact read failed: %v", err)
	}
}

func TestBlocks(t *testing.T) {
	var buf bytes.Buffer
	for _, m := range []string{"", "a", "hello, blocks"} {
		if err := WriteBlock(&buf, []byte(m), 100); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0, 0, 0, 0, 0, 0, 0, 1, 'a'}) {
		t.Fatalf("bad framing % x", buf.Bytes())
	}
	br := &BlockReader{R: &buf, Max: 100}
	for _, want := range []string{"", "a", "hello, blocks"} {
		got, err := br.Next()
		if err != nil || string(got) != want {
			t.Fatalf("Next = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := br.Next(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
	if err := WriteBlock(io.Discard, make([]byte, 101), 100); err == nil {
		t.Fatal("writer accepted a block over the maximum")
	}
}

func TestBlockHeader4GiB(t *testing.T) {
	// A header announcing 4 GiB - 1 is refused before any allocation.
	in := []byte{0xff, 0xff, 0xff, 0xff, 'x'}
	var err error
	allocs := testing.AllocsPerRun(10, func() { _, err = ReadBlock(bytes.NewReader(in), 1<<20) })
	var tl *BlockTooLargeError
	if !errors.As(err, &tl) || tl.Size != 1<<32-1 {
		t.Fatalf("err = %v", err)
	}
	if allocs > 3 {
		t.Errorf("ReadBlock allocated %v times for a refused header", allocs)
	}
	if _, err := SplitBlock(in, 1<<20); !errors.As(err, &tl) {
		t.Fatalf("SplitBlock err = %v", err)
	}
	// Even with the largest limit, a short stream costs little memory.
	_, err = ReadBlock(bytes.NewReader(in), MaxBlockLimit)
	var sr *ShortReadError
	if !errors.As(err, &sr) || sr.Want != 1<<32-1 || sr.Got != 1 {
		t.Fatalf("short body err = %v", err)
	}
}

func TestBlockTruncated(t *testing.T) {
	for _, in := range [][]byte{{0, 0}, {0, 0, 0, 5, 'a', 'b'}} {
		_, err := ReadBlock(bytes.NewReader(in), 0)
		var sr *ShortReadError
		if !errors.As(err, &sr) {
			t.Errorf("ReadBlock(% x) = %v, want a short read", in, err)
		}
	}
}

func TestSplitBlock(t *testing.T) {
	frame, _ := AppendBlock(nil, []byte("abc"), 0)
	for i := range len(frame) {
		if n, err := SplitBlock(frame[:i], 0); n != 0 || err != nil {
			t.Fatalf("SplitBlock(%d bytes) = %d, %v", i, n, err)
		}
	}
	if n, err := SplitBlock(append(frame, 9, 9), 0); n != 7 || err != nil {
		t.Fatalf("SplitBlock = %d, %v", n, err)
	}
}

func TestDelimited(t *testing.T) {
	d := NewDelimReader(iotest.OneByteReader(strings.NewReader("one\r\ntwo\r\n\r\nthree")), []byte("\r\n"), 10)
	for _, want := range []string{"one", "two", ""} {
		got, err := d.Next()
		if err != nil || string(got) != want {
			t.Fatalf("Next = %q, %v; want %q", got, err, want)
		}
	}
	_, err := d.Next()
	var ue *UnterminatedError
	if !errors.As(err, &ue) || ue.N != 5 {
		t.Fatalf("unterminated: %v", err)
	}
	// A delimiter that never comes: error after the limit, bounded memory.
	d = NewDelimReader(neverEnding{}, []byte("\n"), 1000)
	_, err = d.Next()
	var tl *MessageTooLongError
	if !errors.As(err, &tl) || tl.Max != 1000 {
		t.Fatalf("never-ending: %v", err)
	}
	if cap(d.buf) > 1000+1+8192 {
		t.Errorf("buffer grew to %d bytes", cap(d.buf))
	}
	// Exactly the limit is fine.
	d = NewDelimReader(strings.NewReader(strings.Repeat("a", 10)+"\n"), []byte("\n"), 10)
	if got, err := d.Next(); err != nil || len(got) != 10 {
		t.Fatalf("at the limit: %q %v", got, err)
	}
	br := bufio.NewReader(strings.NewReader("hdr\nrest"))
	got, err := ReadDelimited(br, []byte("\n"), 0)
	rest, _ := io.ReadAll(br)
	if string(got) != "hdr" || err != nil || string(rest) != "rest" {
		t.Fatalf("ReadDelimited = %q %v, rest %q", got, err, rest)
	}
}

type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestPack(t *testing.T) {
	for _, c := range []struct {
		format string
		values []int64
		hex    string
	}{
		{"<i", []int64{1234}, "d2040000"},
		{">i", []int64{1234}, "000004d2"},
		{"!i", []int64{1234}, "000004d2"},
		{"!I", []int64{4294967295}, "ffffffff"},
		{"!hxB", []int64{-2, 255}, "fffe00ff"},
		{"<2q", []int64{-1, 1}, "ffffffffffffffff0100000000000000"},
	} {
		b, err := Pack(c.format, c.values...)
		if err != nil || hex.EncodeToString(b) != c.hex {
			t.Errorf("Pack(%q, %v) = %x, %v; want %s", c.format, c.values, b, err, c.hex)
			continue
		}
		v, err := Unpack(c.format, b)
		if err != nil || len(v) != len(c.values) {
			t.Errorf("Unpack(%q) = %v, %v", c.format, v, err)
			continue
		}
		for i := range v {
			if v[i] != c.values[i] {
				t.Errorf("Unpack(%q) = %v, want %v", c.format, v, c.values)
			}
		}
	}
	for _, bad := range []string{"", "i", "@i", "!z", "!99999999999i", "!3"} {
		if _, err := ParseFormat(bad); err == nil {
			t.Errorf("ParseFormat(%q) accepted", bad)
		}
	}
	if _, err := Pack("!B", 256); err == nil {
		t.Error("Pack accepted 256 for B")
	}
	if _, err := Unpack("!I", []byte{1}); err == nil {
		t.Error("Unpack accepted a short input")
	}
}

func TestZlib(t *testing.T) {
	msg := []byte("A very long test string to evaluate compression and how much it improves bandwidth usage")
	c := Compress(msg)
	if c[0] != 0x78 {
		t.Fatalf("not a zlib header: % x", c[:2])
	}
	d, err := Decompress(c, 0)
	if err != nil || !bytes.Equal(d, msg) {
		t.Fatalf("round trip: %q, %v", d, err)
	}
	// Exactly at the limit is fine; one byte less is refused.
	if _, err := Decompress(c, int64(len(msg))); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err = Decompress(c, int64(len(msg)-1))
	var le *DecompressLimitError
	if !errors.As(err, &le) {
		t.Fatalf("over the limit: %v", err)
	}
	// A bomb: 100 MB of zeros compresses to ~100 kB; stop at 1 MB.
	var bomb bytes.Buffer
	w := NewCompressor(&bomb)
	zeros := make([]byte, 1<<20)
	for range 100 {
		w.Write(zeros)
	}
	w.Close()
	if _, err := Decompress(bomb.Bytes(), 1<<20); !errors.As(err, &le) {
		t.Fatalf("bomb: %v", err)
	}
	if _, err := Decompress(c[:len(c)-3], 0); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := Decompress([]byte("hello"), 0); err == nil || !strings.Contains(err.Error(), "not a zlib stream") {
		t.Fatalf("garbage: %v", err)
	}
}
