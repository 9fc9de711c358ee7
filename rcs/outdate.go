package rcs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netkit-go/netkit/rcs/diff"
)

// Outdate deletes the revisions of rng as GNU rcs -oRANGE does and
// returns them, in chain order. rng is REV (a branch: its newest
// revision), REV1:REV2 (both on the trunk or on one branch), :REV (from
// the start of REV's branch; on the trunk, the oldest revision with REV's
// first field) or REV: (to the end of REV's branch; on the trunk, the
// newest revision with REV's first field). As GNU rcs does, it refuses to
// delete a revision that has branches or a lock, or every revision (see
// AdminOptions.OutdateAll); a symbolic name of a deleted revision is kept. The delta of the
// revision after the deleted ones is rebuilt from the checked-out texts,
// so that every revision left has the same content.
func (f *File) Outdate(rng string) ([]string, error) { return f.outdate(rng, false) }

func (f *File) outdate(rng string, all bool) ([]string, error) {
	if err := f.refresh(); err != nil {
		return nil, err
	}
	if err := f.loadTexts(); err != nil {
		return nil, err
	}
	line, i, j, err := f.outdateRange(rng)
	if err != nil {
		return nil, err
	}
	if j < i {
		return nil, nil // GNU deletes nothing and succeeds
	}
	del := line[i : j+1]
	for _, d := range del {
		if len(d.Branches) > 0 {
			return nil, fmt.Errorf("%s: can't remove branch point %s", f.Name, d.Rev)
		}
		if f.lockIndex(d.Rev) >= 0 {
			return nil, fmt.Errorf("%s: can't remove locked revision %s", f.Name, d.Rev)
		}
	}
	// The revisions around the cut: head comes before it in chain order
	// (on a branch, the branch point when the cut starts the branch),
	// tail after it.
	var head, tail *Delta
	onTrunk := len(fields(del[0].Rev)) == 2
	if i > 0 {
		head = line[i-1]
	} else if !onTrunk {
		head = f.delta(branchOf(branchOf(del[0].Rev)))
	}
	if j+1 < len(line) {
		tail = line[j+1]
	}
	if head == nil && tail == nil && !all {
		return nil, fmt.Errorf("%s: No revision deleted", f.Name)
	}
	if tail != nil {
		newText, err := f.checkout(tail.Rev, true)
		if err != nil {
			return nil, err
		}
		if head == nil {
			tail.text = kept(newText)
		} else {
			oldText, err := f.checkout(head.Rev, true)
			if err != nil {
				return nil, err
			}
			a, b := diff.SplitLines(oldText), diff.SplitLines(newText)
			tail.text = kept(diff.AppendRCS(nil, a, b, diff.Lines(a, b)))
		}
	}
	next := ""
	if tail != nil {
		next = tail.Rev
	}
	switch {
	case head == nil:
		f.Head = next
	case i == 0 && !onTrunk:
		k := slices.Index(head.Branches, del[0].Rev)
		if next != "" {
			head.Branches = slices.Clone(head.Branches)
			head.Branches[k] = next
		} else {
			head.Branches = slices.Delete(slices.Clone(head.Branches), k, k+1)
		}
	default:
		head.Next = next
	}
	revs := make([]string, len(del))
	for k, d := range del {
		revs[k] = d.Rev
		delete(f.deltas, d.Rev)
	}
	gone := func(d *Delta) bool { _, ok := f.deltas[d.Rev]; return !ok }
	f.nodes = slices.DeleteFunc(slices.Clone(f.nodes), gone)
	f.texts = slices.DeleteFunc(slices.Clone(f.texts), gone)
	for k, d := range f.nodes {
		d.idx = int32(k)
	}
	// Later changes that read the file buffer (SetLog) parse it anew.
	f.stale = true
	return revs, nil
}

// outdateRange finds the revisions rng names as GNU's removerevs does:
// line is the chain they are on, in chain order (the trunk from the head,
// a branch from its first revision), and line[i:j+1] are the ones to
// delete (none when j < i). In a range, a number that is not in the file
// stands for the nearest revision below it (as co takes it), which an
// open end of the range then does not include.
func (f *File) outdateRange(rng string) (line []*Delta, i, j int, err error) {
	lo, hi, isRange := strings.Cut(rng, ":")
	fail := func(format string, a ...any) ([]*Delta, int, int, error) {
		return nil, 0, 0, fmt.Errorf("%s: "+format, append([]any{f.Name}, a...)...)
	}
	if lo == "" && hi == "" {
		return fail("missing revision range after -o")
	}
	first := lo
	if first == "" {
		first = hi
	}
	num1, err := f.numeric(first)
	if err != nil {
		return nil, 0, 0, err
	}
	n := len(fields(num1))
	if !isRange {
		rev := num1
		if n%2 == 1 { // a branch: its newest revision
			if n > 1 {
				if err := f.outdateBranch(num1); err != nil {
					return nil, 0, 0, err
				}
			}
			if rev, err = f.Resolve(num1); err != nil {
				return nil, 0, 0, err
			}
		} else if t, err := f.outdateNearest(rev); err != nil {
			return nil, 0, 0, err
		} else if t != rev {
			return fail("Revision %s doesn't exist.", rev)
		}
		line = f.outdateLine(rev)
		i = f.lineIndex(line, rev)
		return line, i, i, nil
	}
	if n%2 == 1 {
		return fail("invalid branch range %s after -o", num1)
	}
	t1, err := f.outdateNearest(num1)
	if err != nil {
		return nil, 0, 0, err
	}
	inexact := t1 != num1
	trunk := n == 2
	line = f.outdateLine(t1)
	at := func(rev string) int { return f.lineIndex(line, rev) }
	major := func(d *Delta) bool { return fields(d.Rev)[0] == fields(t1)[0] }
	switch {
	case lo == "": // :REV
		j = at(t1)
		i = 0
		if trunk {
			for i = j; j+1 < len(line) && major(line[j+1]); j++ {
			}
		}
		return line, i, j, nil
	case hi == "": // REV:
		if trunk {
			for i = at(t1); i > 0 && major(line[i-1]); i-- {
			}
			j = at(t1)
			if inexact {
				j--
			}
			return line, i, j, nil
		}
		i, j = at(t1), len(line)-1
		if inexact {
			i++
		}
		return line, i, j, nil
	}
	num2, err := f.numeric(hi)
	if err != nil {
		return nil, 0, 0, err
	}
	if len(fields(num2)) != n || n > 2 && branchOf(num2) != branchOf(t1) {
		return fail("invalid revision range %s-%s", lo, hi)
	}
	t2, err := f.outdateNearest(num2)
	if err != nil {
		return nil, 0, 0, err
	}
	// GNU's cmp: whether the lower end is not the number given (for
	// one revision, on the trunk the end's, on a branch the start's).
	low, high := t1, t2
	switch c := cmpRev(t1, t2); {
	case c > 0:
		low, high = t2, t1
		inexact = t2 != num2
	case c == 0 && trunk:
		inexact = t2 != num2
	}
	if inexact && low == high {
		return fail("Revisions %s-%s don't exist.", lo, hi)
	}
	if trunk { // the head first: high before low
		i, j = at(high), at(low)
		if inexact {
			j--
		}
		return line, i, j, nil
	}
	i, j = at(low), at(high)
	if inexact {
		i++
	}
	return line, i, j, nil
}

// outdateNearest is gr_revno: rev if it exists, else the nearest
// revision below it on its branch.
func (f *File) outdateNearest(rev string) (string, error) {
	if f.delta(rev) != nil {
		return rev, nil
	}
	if len(fields(rev)) > 2 {
		if err := f.outdateBranch(branchOf(rev)); err != nil {
			return "", err
		}
	}
	return f.nearest(rev)
}

// outdateBranch returns GNU's error for a branch that is not in the file
// (genrevs: the first level that is missing).
func (f *File) outdateBranch(br string) error {
	bp := f.delta(branchOf(br))
	switch {
	case bp == nil:
		if up := branchOf(branchOf(br)); len(fields(up)) > 1 {
			if err := f.outdateBranch(up); err != nil {
				return err
			}
		} else if _, err := f.nearest(branchOf(br)); err != nil {
			return err
		}
		return fmt.Errorf("%s: branch %s absent", f.Name, branchOf(br))
	case len(bp.Branches) == 0:
		return fmt.Errorf("%s: no side branches present for %s", f.Name, bp.Rev)
	case !slices.ContainsFunc(bp.Branches, func(b string) bool { return branchOf(b) == br }):
		return fmt.Errorf("%s: branch number %s too high", f.Name, br)
	}
	return nil
}

// lineIndex returns the index of rev in line.
func (f *File) lineIndex(line []*Delta, rev string) int {
	return slices.IndexFunc(line, func(d *Delta) bool { return d.Rev == rev })
}

// outdateLine returns the chain rev is on, in chain order.
func (f *File) outdateLine(rev string) []*Delta {
	var d *Delta
	if len(fields(rev)) == 2 {
		d = f.delta(f.Head)
	} else if bp := f.delta(branchOf(branchOf(rev))); bp != nil {
		br := branchOf(rev)
		for _, b := range bp.Branches {
			if branchOf(b) == br {
				d = f.delta(b)
			}
		}
	}
	var line []*Delta
	for ; d != nil; d = f.nextOf(d) {
		line = append(line, d)
		if d.Next == "" {
			break
		}
	}
	return line
}
