package diff

import (
	"bytes"
	"strconv"
)

// AppendRCS appends the hunks in GNU diff's -n (RCS) format: "dL N" deletes N
// lines of a from line L, "aL N" adds the N lines that follow after line L of
// a. Line numbers count from 1 and refer to a. b's lines are written raw; a
// last line without a newline stays without one.
func AppendRCS(dst []byte, a, b []Line, hs []Hunk) []byte {
	for _, h := range hs {
		if h.A1 > h.A0 {
			dst = append(dst, 'd')
			dst = strconv.AppendInt(dst, int64(h.A0+1), 10)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(h.A1-h.A0), 10)
			dst = append(dst, '\n')
		}
		if h.B1 > h.B0 {
			dst = append(dst, 'a')
			dst = strconv.AppendInt(dst, int64(h.A1), 10)
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, int64(h.B1-h.B0), 10)
			dst = append(dst, '\n')
			for _, l := range b[h.B0:h.B1] {
				dst = append(dst, l...)
			}
		}
	}
	return dst
}

// AppendNormal appends the hunks in GNU diff's default ("normal") format,
// as rcsdiff prints them: "3c3", "< old", "---", "> new", and
// "\ No newline at end of file" after a last line without a newline.
func AppendNormal(dst []byte, a, b []Line, hs []Hunk) []byte {
	rangeOf := func(dst []byte, lo, hi int) []byte {
		// GNU prints "lo,hi" for several lines, "lo" for one, and for an
		// empty range the line before it.
		if hi-lo <= 1 {
			if hi == lo {
				return strconv.AppendInt(dst, int64(lo), 10)
			}
			return strconv.AppendInt(dst, int64(lo+1), 10)
		}
		dst = strconv.AppendInt(dst, int64(lo+1), 10)
		dst = append(dst, ',')
		return strconv.AppendInt(dst, int64(hi), 10)
	}
	lines := func(dst []byte, mark string, ls []Line) []byte {
		for _, l := range ls {
			dst = append(dst, mark...)
			dst = append(dst, l...)
			if !bytes.HasSuffix(l, []byte{'\n'}) {
				dst = append(dst, "\n\\ No newline at end of file\n"...)
			}
		}
		return dst
	}
	for _, h := range hs {
		op := byte('c')
		switch {
		case h.A0 == h.A1:
			op = 'a'
		case h.B0 == h.B1:
			op = 'd'
		}
		dst = rangeOf(dst, h.A0, h.A1)
		dst = append(dst, op)
		dst = rangeOf(dst, h.B0, h.B1)
		dst = append(dst, '\n')
		dst = lines(dst, "< ", a[h.A0:h.A1])
		if op == 'c' {
			dst = append(dst, "---\n"...)
		}
		dst = lines(dst, "> ", b[h.B0:h.B1])
	}
	return dst
}
