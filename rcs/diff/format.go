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
			dst = appendLine(dst, mark, l)
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

// groups cuts hunks into the groups GNU diff prints as one hunk of
// context or unified output: hunks separated by at most 2×context
// unchanged lines go together.
func groups(hs []Hunk, context int) [][]Hunk {
	var out [][]Hunk
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && hs[j].A0-hs[j-1].A1 <= 2*context {
			j++
		}
		out = append(out, hs[i:j])
		i = j
	}
	return out
}

// extent is the lines a group shows, context included: a[a0:a1], b[b0:b1].
func extent(g []Hunk, na, nb, context int) (a0, a1, b0, b1 int) {
	first, last := g[0], g[len(g)-1]
	return max(first.A0-context, 0), min(last.A1+context, na),
		max(first.B0-context, 0), min(last.B1+context, nb)
}

// appendLine appends mark and line, and GNU's "\ No newline at end of
// file" after a line without one.
func appendLine(dst []byte, mark string, l Line) []byte {
	dst = append(dst, mark...)
	dst = append(dst, l...)
	if !bytes.HasSuffix(l, []byte{'\n'}) {
		dst = append(dst, "\n\\ No newline at end of file\n"...)
	}
	return dst
}

// AppendUnified appends the hunks in GNU diff's unified format (diff -u,
// -U context) without the "---"/"+++" header lines: "@@ -l,n +l,n @@",
// then context lines marked " ", deleted "-" and added "+".
func AppendUnified(dst []byte, a, b []Line, hs []Hunk, context int) []byte {
	// GNU prints "l,n", "l" for one line, and "l,0" (the line before)
	// for none.
	rangeOf := func(dst []byte, lo, hi int) []byte {
		switch hi - lo {
		case 0:
			dst = strconv.AppendInt(dst, int64(lo), 10)
			return append(dst, ",0"...)
		case 1:
			return strconv.AppendInt(dst, int64(hi), 10)
		}
		dst = strconv.AppendInt(dst, int64(lo+1), 10)
		dst = append(dst, ',')
		return strconv.AppendInt(dst, int64(hi-lo), 10)
	}
	for _, g := range groups(hs, context) {
		a0, a1, b0, b1 := extent(g, len(a), len(b), context)
		dst = append(dst, "@@ -"...)
		dst = rangeOf(dst, a0, a1)
		dst = append(dst, " +"...)
		dst = rangeOf(dst, b0, b1)
		dst = append(dst, " @@\n"...)
		i := a0
		for _, h := range g {
			for ; i < h.A0; i++ {
				dst = appendLine(dst, " ", a[i])
			}
			for _, l := range a[h.A0:h.A1] {
				dst = appendLine(dst, "-", l)
			}
			for _, l := range b[h.B0:h.B1] {
				dst = appendLine(dst, "+", l)
			}
			i = h.A1
		}
		for ; i < a1; i++ {
			dst = appendLine(dst, " ", a[i])
		}
	}
	return dst
}

// AppendContext appends the hunks in GNU diff's context format (diff -c,
// -C context) without the "***"/"---" header lines: "***************",
// "*** l,m ****" and the old lines, "--- l,m ----" and the new lines;
// a side without changes in the group is left out. Lines are marked "  "
// (context), "- " (deleted), "+ " (added) and "! " (changed).
func AppendContext(dst []byte, a, b []Line, hs []Hunk, context int) []byte {
	// GNU prints "l,m" (first and last line), or one number: the line
	// for one line, the line before for none.
	rangeOf := func(dst []byte, lo, hi int) []byte {
		if hi-lo <= 1 {
			return strconv.AppendInt(dst, int64(hi), 10)
		}
		dst = strconv.AppendInt(dst, int64(lo+1), 10)
		dst = append(dst, ',')
		return strconv.AppendInt(dst, int64(hi), 10)
	}
	// side prints one file's lines; in and out give a hunk's range on
	// this side and on the other.
	side := func(dst []byte, lines []Line, lo, hi int, g []Hunk, in, other func(Hunk) (int, int), only string) []byte {
		k := 0
		for i := lo; i < hi; i++ {
			for k < len(g) {
				if _, e := in(g[k]); e > i {
					break
				}
				k++
			}
			mark := "  "
			if k < len(g) {
				if s, _ := in(g[k]); s <= i {
					mark = only
					if s2, e2 := other(g[k]); e2 > s2 {
						mark = "! "
					}
				}
			}
			dst = appendLine(dst, mark, lines[i])
		}
		return dst
	}
	aSide := func(h Hunk) (int, int) { return h.A0, h.A1 }
	bSide := func(h Hunk) (int, int) { return h.B0, h.B1 }
	for _, g := range groups(hs, context) {
		a0, a1, b0, b1 := extent(g, len(a), len(b), context)
		dels, adds := false, false
		for _, h := range g {
			dels = dels || h.A1 > h.A0
			adds = adds || h.B1 > h.B0
		}
		dst = append(dst, "***************\n*** "...)
		dst = rangeOf(dst, a0, a1)
		dst = append(dst, " ****\n"...)
		if dels {
			dst = side(dst, a, a0, a1, g, aSide, bSide, "- ")
		}
		dst = append(dst, "--- "...)
		dst = rangeOf(dst, b0, b1)
		dst = append(dst, " ----\n"...)
		if adds {
			dst = side(dst, b, b0, b1, g, bSide, aSide, "+ ")
		}
	}
	return dst
}
