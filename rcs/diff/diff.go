// Package diff computes line differences the way GNU diff 3.8 does, so that
// the RCS deltas netkit writes match the bytes GNU RCS writes (GNU ci runs
// `diff -an`).
//
// The algorithm is a port of GNU diff's analyze.c and gnulib's diffseq.h:
//
//	trim the identical prefix and suffix (io.c find_identical_ends)
//	give every distinct line an equivalence class number
//	discard lines that match nothing, or too much (discard_confusing_lines)
//	Myers' O(ND) middle-snake bisection on the rest (compareseq, diag),
//	    giving up at TOO_EXPENSIVE (at least 4096) diagonals
//	slide runs of changes to merge them, then forward (shift_boundaries)
//	cut the change marks into hunks
//
// A line includes its newline; a last line without one never equals a line
// with one, as in GNU diff's RCS and normal output styles.
package diff

import (
	"bytes"
	"unsafe"
)

// Line is one line of a text, including its newline if it has one.
type Line = []byte

// SplitLines cuts text into lines that are sub-slices of text (no copy).
func SplitLines(text []byte) []Line {
	n := bytes.Count(text, []byte{'\n'})
	lines := make([]Line, 0, n+1)
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i+1:i+1])
		text = text[i+1:]
	}
	return lines
}

// Hunk is one difference: lines A[A0:A1] of the old text are replaced by
// lines B[B0:B1] of the new text. A pure insertion has A0 == A1, a pure
// deletion B0 == B1. Indexes count from 0.
type Hunk struct {
	A0, A1, B0, B1 int
}

// Lines compares a (old) and b (new) and returns the hunks in order, as
// GNU diff does for its normal and RCS (-n) output.
func Lines(a, b []Line) []Hunk { return lines(a, b, 0) }

// LinesContext is Lines for output with context lines (diff -u, -c): GNU
// diff then leaves that many lines of the identical prefix and suffix in
// the comparison (its "horizon"), which lets a change slide into them, so
// its hunks may differ from those of Lines.
func LinesContext(a, b []Line, context int) []Hunk { return lines(a, b, max(context, 0)) }

func lines(a, b []Line, horizon int) []Hunk {
	// Identical prefix and suffix, less horizon lines of each
	// (find_identical_ends).
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		pre++
	}
	pre = max(pre-horizon, 0)
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	suf = max(suf-horizon, 0)
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma) == 0 && len(mb) == 0 {
		return nil
	}

	// Equivalence classes, numbered from 1. The keys share the lines'
	// memory (the map does not outlive this call): no line is copied.
	classes := make(map[string]int, len(ma)+len(mb))
	eq := func(lines []Line) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			c, ok := classes[string(l)]
			if !ok {
				c = len(classes) + 1
				classes[unsafe.String(unsafe.SliceData(l), len(l))] = c
			}
			out[i] = c
		}
		return out
	}
	var f [2]file
	f[0].equivs = eq(ma)
	f[1].equivs = eq(mb)
	nclass := len(classes) + 1
	for i := range f {
		f[i].flags = make([]bool, len(f[i].equivs)+2)
	}
	discardConfusingLines(&f, nclass)

	c := &context{xv: f[0].undiscarded, yv: f[1].undiscarded, f: &f}
	diags := len(c.xv) + len(c.yv) + 3
	c.fd = make([]int, diags)
	c.bd = make([]int, diags)
	c.off = len(c.yv) + 1
	tooExpensive := 1
	for d := diags; d != 0; d >>= 2 {
		tooExpensive <<= 1
	}
	c.tooExpensive = max(4096, tooExpensive)
	c.compareseq(0, len(c.xv), 0, len(c.yv), false)

	shiftBoundaries(&f)
	return hunks(&f, pre)
}

// file is one side of a comparison (GNU diff's struct file_data, reduced).
type file struct {
	equivs      []int
	flags       []bool // changed[i] is flags[i+1]; flags[0] and the last are sentinels
	undiscarded []int
	realindex   []int
}

func (f *file) changed(i int) bool { return f.flags[i+1] }
func (f *file) set(i int, v bool)  { f.flags[i+1] = v }
func (f *file) n() int             { return len(f.equivs) }
func (f *file) markReal(i int)     { f.flags[f.realindex[i]+1] = true }

// discardConfusingLines is analyze.c's discard_confusing_lines.
func discardConfusingLines(f *[2]file, nclass int) {
	var counts [2][]int
	for k := range 2 {
		counts[k] = make([]int, nclass)
		for _, e := range f[k].equivs {
			counts[k][e]++
		}
	}
	var discards [2][]byte
	for k := range 2 {
		end := f[k].n()
		d := make([]byte, end)
		other := counts[1-k]
		many := 5
		for tem := end / 64; ; {
			tem >>= 2
			if tem <= 0 {
				break
			}
			many *= 2
		}
		for i, e := range f[k].equivs {
			nmatch := other[e]
			if nmatch == 0 {
				d[i] = 1
			} else if nmatch > many {
				d[i] = 2
			}
		}
		discards[k] = d
	}
	for k := range 2 {
		d := discards[k]
		end := len(d)
		for i := 0; i < end; i++ {
			if d[i] == 2 {
				d[i] = 0
				continue
			}
			if d[i] == 0 {
				continue
			}
			// A nonprovisional discard: find the end of this run.
			provisional := 0
			j := i
			for ; j < end; j++ {
				if d[j] == 0 {
					break
				}
				if d[j] == 2 {
					provisional++
				}
			}
			for j > i && d[j-1] == 2 {
				j--
				d[j] = 0
				provisional--
			}
			length := j - i
			if provisional*4 > length {
				for j > i {
					j--
					if d[j] == 2 {
						d[j] = 0
					}
				}
				continue
			}
			minimum := 1
			for tem := length >> 2; ; {
				tem >>= 2
				if tem <= 0 {
					break
				}
				minimum <<= 1
			}
			minimum++
			consec := 0
			for j = 0; j < length; j++ {
				if d[i+j] != 2 {
					consec = 0
				} else {
					consec++
					if minimum == consec {
						j -= consec
					} else if minimum < consec {
						d[i+j] = 0
					}
				}
			}
			consec = 0
			for j = 0; j < length; j++ {
				if j >= 8 && d[i+j] == 1 {
					break
				}
				if d[i+j] == 2 {
					consec = 0
					d[i+j] = 0
				} else if d[i+j] == 0 {
					consec = 0
				} else {
					consec++
				}
				if consec == 3 {
					break
				}
			}
			i += length - 1
			consec = 0
			for j = 0; j < length; j++ {
				if j >= 8 && d[i-j] == 1 {
					break
				}
				if d[i-j] == 2 {
					consec = 0
					d[i-j] = 0
				} else if d[i-j] == 0 {
					consec = 0
				} else {
					consec++
				}
				if consec == 3 {
					break
				}
			}
		}
	}
	for k := range 2 {
		f[k].undiscarded = make([]int, 0, len(f[k].equivs))
		f[k].realindex = make([]int, 0, len(f[k].equivs))
		for i, e := range f[k].equivs {
			if discards[k][i] == 0 {
				f[k].undiscarded = append(f[k].undiscarded, e)
				f[k].realindex = append(f[k].realindex, i)
			} else {
				f[k].set(i, true)
			}
		}
	}
}

// context is diffseq.h's struct context.
type context struct {
	xv, yv       []int
	fd, bd       []int // indexed by diagonal + off
	off          int
	tooExpensive int
	f            *[2]file
}

type partition struct {
	xmid, ymid           int
	loMinimal, hiMinimal bool
}

// compareseq is diffseq.h's compareseq with NOTE_DELETE/NOTE_INSERT
// marking the real lines changed.
func (c *context) compareseq(xoff, xlim, yoff, ylim int, minimal bool) {
	for xoff < xlim && yoff < ylim && c.xv[xoff] == c.yv[yoff] {
		xoff++
		yoff++
	}
	for xoff < xlim && yoff < ylim && c.xv[xlim-1] == c.yv[ylim-1] {
		xlim--
		ylim--
	}
	switch {
	case xoff == xlim:
		for ; yoff < ylim; yoff++ {
			c.f[1].markReal(yoff)
		}
	case yoff == ylim:
		for ; xoff < xlim; xoff++ {
			c.f[0].markReal(xoff)
		}
	default:
		p := c.diag(xoff, xlim, yoff, ylim, minimal)
		c.compareseq(xoff, p.xmid, yoff, p.ymid, p.loMinimal)
		c.compareseq(p.xmid, xlim, p.ymid, ylim, p.hiMinimal)
	}
}

const maxInt = int(^uint(0) >> 1)

// diag is diffseq.h's diag without the speed_large_files heuristic (GNU
// diff leaves it off unless -H is given).
func (c *context) diag(xoff, xlim, yoff, ylim int, minimal bool) partition {
	fd, bd, o := c.fd, c.bd, c.off
	xv, yv := c.xv, c.yv
	dmin, dmax := xoff-ylim, xlim-yoff
	fmid, bmid := xoff-yoff, xlim-ylim
	fmin, fmax, bmin, bmax := fmid, fmid, bmid, bmid
	odd := (fmid-bmid)&1 != 0
	fd[fmid+o] = xoff
	bd[bmid+o] = xlim
	for cost := 1; ; cost++ {
		if fmin > dmin {
			fmin--
			fd[fmin-1+o] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			fd[fmax+1+o] = -1
		} else {
			fmax--
		}
		for d := fmax; d >= fmin; d -= 2 {
			tlo, thi := fd[d-1+o], fd[d+1+o]
			x0 := tlo + 1
			if tlo < thi {
				x0 = thi
			}
			x, y := x0, x0-d
			for x < xlim && y < ylim && xv[x] == yv[y] {
				x++
				y++
			}
			fd[d+o] = x
			if odd && bmin <= d && d <= bmax && bd[d+o] <= x {
				return partition{x, y, true, true}
			}
		}
		if bmin > dmin {
			bmin--
			bd[bmin-1+o] = maxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			bd[bmax+1+o] = maxInt
		} else {
			bmax--
		}
		for d := bmax; d >= bmin; d -= 2 {
			tlo, thi := bd[d-1+o], bd[d+1+o]
			x0 := thi - 1
			if tlo < thi {
				x0 = tlo
			}
			x, y := x0, x0-d
			for xoff < x && yoff < y && xv[x-1] == yv[y-1] {
				x--
				y--
			}
			bd[d+o] = x
			if !odd && fmin <= d && d <= fmax && x <= fd[d+o] {
				return partition{x, y, true, true}
			}
		}
		if minimal || cost < c.tooExpensive {
			continue
		}
		// Gone well beyond the call of duty: report halfway between the
		// best results so far.
		fxybest, fxbest := -1, 0
		for d := fmax; d >= fmin; d -= 2 {
			x := min(fd[d+o], xlim)
			y := x - d
			if ylim < y {
				x, y = ylim+d, ylim
			}
			if fxybest < x+y {
				fxybest, fxbest = x+y, x
			}
		}
		bxybest, bxbest := maxInt, 0
		for d := bmax; d >= bmin; d -= 2 {
			x := max(xoff, bd[d+o])
			y := x - d
			if y < yoff {
				x, y = yoff+d, yoff
			}
			if x+y < bxybest {
				bxybest, bxbest = x+y, x
			}
		}
		if (xlim+ylim)-bxybest < fxybest-(xoff+yoff) {
			return partition{fxbest, fxybest - fxbest, true, false}
		}
		return partition{bxbest, bxybest - bxbest, false, true}
	}
}

// shiftBoundaries is analyze.c's shift_boundaries.
func shiftBoundaries(f *[2]file) {
	for k := range 2 {
		ch := f[k].flags[1:] // ch[-1] is f[k].flags[0]
		oc := f[1-k].flags   // other_changed[j] is oc[j+1]
		at := func(j int) bool { return oc[j+1] }
		cat := func(i int) bool { return f[k].flags[i+1] }
		equivs := f[k].equivs
		iEnd := f[k].n()
		i, j := 0, 0
		for {
			for i < iEnd && !ch[i] {
				for at(j) {
					j++
				}
				j++
				i++
			}
			if i == iEnd {
				break
			}
			start := i
			i++
			for ch[i] {
				i++
			}
			for at(j) {
				j++
			}
			var runlength, corresponding int
			for {
				runlength = i - start
				for start > 0 && equivs[start-1] == equivs[i-1] {
					start--
					ch[start] = true
					i--
					ch[i] = false
					for cat(start - 1) {
						start--
					}
					j--
					for at(j) {
						j--
					}
				}
				corresponding = iEnd
				if at(j - 1) {
					corresponding = i
				}
				for i != iEnd && equivs[start] == equivs[i] {
					ch[start] = false
					start++
					ch[i] = true
					i++
					for ch[i] {
						i++
					}
					j++
					for at(j) {
						corresponding = i
						j++
					}
				}
				if runlength == i-start {
					break
				}
			}
			for corresponding < i {
				start--
				ch[start] = true
				i--
				ch[i] = false
				j--
				for at(j) {
					j--
				}
			}
		}
	}
}

// hunks walks both change marks in step (analyze.c build_script).
func hunks(f *[2]file, pre int) []Hunk {
	var out []Hunk
	n0, n1 := f[0].n(), f[1].n()
	i0, i1 := 0, 0
	for i0 < n0 || i1 < n1 {
		if f[0].changed(i0) || f[1].changed(i1) {
			a0, b0 := i0, i1
			for f[0].changed(i0) {
				i0++
			}
			for f[1].changed(i1) {
				i1++
			}
			out = append(out, Hunk{a0 + pre, i0 + pre, b0 + pre, i1 + pre})
		}
		i0++
		i1++
	}
	return out
}
