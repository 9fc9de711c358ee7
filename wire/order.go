package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NetworkOrder is the byte order of the network: big-endian, Python
// struct's '!' and '>'.
var NetworkOrder = binary.BigEndian

// PutU32 returns v as 4 bytes in network order: PutU32(1234) is 00 00 04 d2.
func PutU32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// U32 reads a uint32 in network order from the first 4 bytes of b, which
// must be at least 4 bytes long.
func U32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// A Format is a parsed Python struct format restricted to standard sizes
// and integers: a byte order character ('<' little-endian, '>' or '!'
// big-endian, '=' native order) then codes, each optionally preceded by a
// repeat count: x (pad byte), b/B (1 byte), h/H (2), i/I and l/L (4), q/Q (8);
// lower case is signed. Native alignment ('@' or no order character) is not
// supported.
type Format struct {
	order byteOrder
	codes []byte // one per value or pad byte, counts expanded
	size  int
}

// byteOrder reads and appends integers in one byte order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// maxFormatItems bounds the number of items a format may expand to.
const maxFormatItems = 1 << 16

// ParseFormat parses a struct format such as "!I" or "<2hq".
func ParseFormat(s string) (*Format, error) {
	if s == "" {
		return nil, fmt.Errorf("struct format: empty; start it with <, >, ! or =")
	}
	f := &Format{}
	switch s[0] {
	case '<':
		f.order = binary.LittleEndian
	case '>', '!':
		f.order = binary.BigEndian
	case '=':
		f.order = binary.NativeEndian
	default:
		return nil, fmt.Errorf("struct format %q: start it with <, >, ! or = (native alignment is not supported)", s)
	}
	rest := s[1:]
	for len(rest) > 0 {
		c := rest[0]
		if c == ' ' || c == '\t' {
			rest = rest[1:]
			continue
		}
		count := 1
		if c >= '0' && c <= '9' {
			i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
			if i < 0 {
				return nil, fmt.Errorf("struct format %q: repeat count without a code", s)
			}
			n, err := strconv.Atoi(rest[:i])
			if err != nil || n > maxFormatItems {
				return nil, fmt.Errorf("struct format %q: repeat count %s is too large", s, rest[:i])
			}
			count, rest = n, rest[i:]
			c = rest[0]
		}
		size := codeSize(c)
		if size == 0 {
			return nil, fmt.Errorf("struct format %q: unsupported code %q (have x b B h H i I l L q Q)", s, c)
		}
		if len(f.codes)+count > maxFormatItems {
			return nil, fmt.Errorf("struct format %q: more than %d items", s, maxFormatItems)
		}
		for range count {
			f.codes = append(f.codes, c)
		}
		f.size += count * size
		rest = rest[1:]
	}
	return f, nil
}

func codeSize(c byte) int {
	switch c {
	case 'x', 'b', 'B':
		return 1
	case 'h', 'H':
		return 2
	case 'i', 'I', 'l', 'L':
		return 4
	case 'q', 'Q':
		return 8
	}
	return 0
}

// Size is the number of bytes the format packs to, Python's calcsize.
func (f *Format) Size() int { return f.size }

// NumValues is how many values Pack takes and Unpack returns.
func (f *Format) NumValues() int {
	n := 0
	for _, c := range f.codes {
		if c != 'x' {
			n++
		}
	}
	return n
}

// Pack encodes values by the format. Each value must fit its code's range,
// as in Python ("struct.error: argument out of range" otherwise).
func (f *Format) Pack(values ...int64) ([]byte, error) {
	if len(values) != f.NumValues() {
		return nil, fmt.Errorf("pack: format takes %d values, got %d", f.NumValues(), len(values))
	}
	out := make([]byte, 0, f.size)
	vi := 0
	for _, c := range f.codes {
		if c == 'x' {
			out = append(out, 0)
			continue
		}
		v := values[vi]
		vi++
		lo, hi := codeRange(c)
		if (c == 'Q' && v < 0) || (c != 'Q' && (v < lo || v > hi)) {
			return nil, fmt.Errorf("pack: value %d out of range for code %q", v, c)
		}
		switch codeSize(c) {
		case 1:
			out = append(out, byte(v))
		case 2:
			out = f.order.AppendUint16(out, uint16(v))
		case 4:
			out = f.order.AppendUint32(out, uint32(v))
		case 8:
			out = f.order.AppendUint64(out, uint64(v))
		}
	}
	return out, nil
}

// codeRange is the range of values a code holds (Q is checked apart).
func codeRange(c byte) (lo, hi int64) {
	switch c {
	case 'b':
		return math.MinInt8, math.MaxInt8
	case 'B':
		return 0, math.MaxUint8
	case 'h':
		return math.MinInt16, math.MaxInt16
	case 'H':
		return 0, math.MaxUint16
	case 'i', 'l':
		return math.MinInt32, math.MaxInt32
	case 'I', 'L':
		return 0, math.MaxUint32
	}
	return math.MinInt64, math.MaxInt64
}

// Unpack decodes b, which must be exactly Size bytes, into values; a Q
// above math.MaxInt64 is an error since values are int64.
func (f *Format) Unpack(b []byte) ([]int64, error) {
	if len(b) != f.size {
		return nil, fmt.Errorf("unpack: format needs %d bytes, got %d", f.size, len(b))
	}
	var out []int64
	for _, c := range f.codes {
		size := codeSize(c)
		p := b[:size]
		b = b[size:]
		var v int64
		switch c {
		case 'x':
			continue
		case 'b':
			v = int64(int8(p[0]))
		case 'B':
			v = int64(p[0])
		case 'h':
			v = int64(int16(f.order.Uint16(p)))
		case 'H':
			v = int64(f.order.Uint16(p))
		case 'i', 'l':
			v = int64(int32(f.order.Uint32(p)))
		case 'I', 'L':
			v = int64(f.order.Uint32(p))
		case 'q':
			v = int64(f.order.Uint64(p))
		case 'Q':
			u := f.order.Uint64(p)
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("unpack: Q value %d does not fit an int64", u)
			}
			v = int64(u)
		}
		out = append(out, v)
	}
	return out, nil
}

// Pack encodes values by a struct format, as Python's struct.pack does:
// Pack("!i", 1234) is 00 00 04 d2 and Pack("<i", 1234) is d2 04 00 00.
func Pack(format string, values ...int64) ([]byte, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return f.Pack(values...)
}

// Unpack decodes b by a struct format, as Python's struct.unpack does:
// Unpack("!i", []byte{0, 0, 4, 0xd2}) is [1234].
func Unpack(format string, b []byte) ([]int64, error) {
	f, err := ParseFormat(format)
	if err != nil {
		return nil, err
	}
	return f.Unpack(b)
}
