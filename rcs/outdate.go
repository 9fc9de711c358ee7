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
// delete a revision that has branches or a lock, or every revision; a
// symbolic name that names a deleted revision is kept. The delta of the
// revision after the deleted ones is rebuilt from the checked-out texts,
// so that every revision left has the same content.
func (f *File) Outdate(rng string) ([]string, error) {
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
		head = f.deltas[branchOf(branchOf(del[0].Rev))]
	}
	if j+1 < len(line) {
		tail = line[j+1]
	}
	if head == nil && tail == nil {
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
	f.textsChanged = true
	return revs, nil
}

// outdateRange finds the revisions rng names: line is the chain they are
// on, in chain order (the trunk from the head, a branch from its first
// revision), and line[i:j+1] are the ones to delete.
func (f *File) outdateRange(rng string) (line []*Delta, i, j int, err error) {
	lo, hi, isRange := strings.Cut(rng, ":")
	if lo == "" && hi == "" {
		return nil, 0, 0, fmt.Errorf("%s: missing revision range after -o", f.Name)
	}
	num := func(sel string) (string, error) {
		rev, err := f.numeric(sel)
		if err != nil {
			return "", err
		}
		if n := len(fields(rev)); n%2 == 1 {
			if !isRange { // a branch: its newest revision
				tip, err := f.Resolve(rev)
				if err == nil && n > 1 && branchOf(tip) != rev {
					err = fmt.Errorf("%s: no side branches present for %s", f.Name, branchOf(rev))
				}
				return tip, err
			}
			return "", fmt.Errorf("%s: invalid branch range %s after -o", f.Name, rev)
		}
		if f.deltas[rev] == nil {
			return "", fmt.Errorf("%s: Revision %s doesn't exist.", f.Name, rev)
		}
		return rev, nil
	}
	var r1, r2 string
	if lo != "" {
		if r1, err = num(lo); err != nil {
			return nil, 0, 0, err
		}
	}
	if hi != "" {
		if r2, err = num(hi); err != nil {
			return nil, 0, 0, err
		}
	}
	ref := r1
	if ref == "" {
		ref = r2
	}
	if r1 != "" && r2 != "" && (len(fields(r1)) != len(fields(r2)) || len(fields(r1)) > 2 && branchOf(r1) != branchOf(r2)) {
		return nil, 0, 0, fmt.Errorf("%s: invalid revision range %s-%s", f.Name, lo, hi)
	}
	line = f.outdateLine(ref)
	at := func(rev string) int {
		return slices.IndexFunc(line, func(d *Delta) bool { return d.Rev == rev })
	}
	trunk := len(fields(ref)) == 2
	major := func(d *Delta) bool { return fields(d.Rev)[0] == fields(ref)[0] }
	switch {
	case !isRange:
		i = at(r1)
		j = i
	case r1 != "" && r2 != "":
		i, j = at(r1), at(r2)
		if i > j {
			i, j = j, i
		}
	case r1 == "": // :REV
		j = at(r2)
		i = j
		if trunk {
			for j+1 < len(line) && major(line[j+1]) {
				j++
			}
		} else {
			i = 0
		}
	default: // REV:
		i = at(r1)
		j = len(line) - 1
		if trunk {
			j = i
			for i > 0 && major(line[i-1]) {
				i--
			}
		}
	}
	if i < 0 || j < 0 {
		return nil, 0, 0, fmt.Errorf("%s: Revision %s doesn't exist.", f.Name, ref)
	}
	return line, i, j, nil
}

// outdateLine returns the chain rev is on, in chain order.
func (f *File) outdateLine(rev string) []*Delta {
	var d *Delta
	if len(fields(rev)) == 2 {
		d = f.deltas[f.Head]
	} else if bp := f.deltas[branchOf(branchOf(rev))]; bp != nil {
		br := branchOf(rev)
		for _, b := range bp.Branches {
			if branchOf(b) == br {
				d = f.deltas[b]
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
