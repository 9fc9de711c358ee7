package rcs

import (
	"time"

	"github.com/netkit-go/netkit/rcs/diff"
)

// DiffOptions say how (*File).Diff compares and prints, as rcsdiff's
// options do.
type DiffOptions struct {
	Style   diff.Style // -u, -c, -n or the normal format
	Context int        // lines of context for diff.Unified and diff.Context
	Mode    string     // keyword mode (-k); "" is the file's default
	Working string     // the working file's name, used in the labels
}

// Diff compares revision rev1 with revision rev2 (numbers, see Resolve),
// or, when rev2 is "", with work, the working file's content, modified at
// mtime. It returns what GNU rcsdiff prints on stdout: GNU diff's output
// with rcsdiff's labels ("f.txt\t2026/01/02 03:04:05\t1.2" for a
// revision, the name and mtime for the working file), or nil when the
// texts are equal. Keywords are expanded first, as rcsdiff does (with the
// locker of rev1 when comparing with the working file).
func (f *File) Diff(rev1, rev2 string, work []byte, mtime time.Time, o DiffOptions) ([]byte, error) {
	expanded := func(rev, locker string) ([]byte, error) {
		text, err := f.Checkout(rev)
		if err != nil {
			return nil, err
		}
		return f.ExpandKeywords(text, f.Delta(rev), ExpandOptions{Mode: o.Mode, Locker: locker}), nil
	}
	locker := ""
	if rev2 == "" {
		locker = f.LockedBy(rev1)
	}
	a, err := expanded(rev1, locker)
	if err != nil {
		return nil, err
	}
	b, label2 := work, o.Working+"\t"+mtime.UTC().Format("2006/01/02 15:04:05")
	if rev2 != "" {
		if b, err = expanded(rev2, ""); err != nil {
			return nil, err
		}
		label2 = f.diffLabel(o.Working, rev2)
	}
	return diff.Text(a, b, o.Style, o.Context, f.diffLabel(o.Working, rev1), label2), nil
}

// diffLabel is rcsdiff's label for a revision: name, date and number.
func (f *File) diffLabel(name, rev string) string {
	return name + "\t" + RCSDate(f.Delta(rev).Date) + "\t" + rev
}
