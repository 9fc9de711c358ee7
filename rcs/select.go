package rcs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Selection is what rlog's selection options choose. rlog prints the
// revisions that every one of Dates, States, Authors and Locked selects
// (an empty one selects all), among those Revs or Branch select (all when
// neither is given).
type Selection struct {
	// Revs are -r arguments, each a list (separated by commas) of REV,
	// BRANCH (all its revisions), BRANCH. (its newest), REV1:REV2 (on one
	// branch, or a range of branches), REV: (to the end of its branch),
	// :REV (from the start of its branch); symbolic names may stand for
	// numbers. An empty argument is the newest revision of the default
	// branch.
	Revs   []string
	Branch bool // -b: the default branch (the trunk without one)
	// Dates are -d arguments, each a list (separated by ";") of D (the
	// newest revision dated D or earlier), D1<D2 or D2>D1 (between them),
	// <D or D> (before D), >D or D< (after D); "<=" and ">=" include the
	// ends. Dates are read by ParseDate.
	Dates   []string
	States  []string // -s: revisions in one of these states
	Authors []string // -w: revisions checked in by one of these
	Locked  bool     // -l: only locked revisions
	Lockers []string // -l's logins: only their locks count (none: anyone's)
}

// revRange is one -r range: revisions with nfield fields (rounded up to
// even) whose first nfield fields lie between beg and end.
type revRange struct {
	beg, end string
	nfield   int
}

// dateRange is one -d range; by is a single date D (the newest revision
// at or before it), open excludes the ends.
type dateRange struct {
	beg, end time.Time // zero: unbounded
	by, open bool
}

// Selected returns the set of revisions s selects (for LogOptions), as
// GNU rlog 5.10 selects them (including its quirk for single dates: the
// search for the newest revision at or before D follows only the last
// branch at each revision that has branches, so trunk revisions below
// such a revision are not found). One difference is kept on purpose: a
// CVS magic branch number (1.2.0.2, or a name for one) selects that
// branch's revisions, as CVS users mean it, where GNU rlog selects none.
func (f *File) Selected(s Selection) (map[string]bool, error) {
	ranges, err := f.revRanges(s)
	if err != nil {
		return nil, err
	}
	var dates []dateRange
	for _, spec := range s.Dates {
		ds, err := parseDateSpec(spec)
		if err != nil {
			return nil, err
		}
		dates = append(dates, ds...)
	}
	lockers := f.Locks
	if len(s.Lockers) > 0 {
		lockers = slices.DeleteFunc(slices.Clone(f.Locks), func(l Lock) bool { return !slices.Contains(s.Lockers, l.Locker) })
	}
	sel := map[string]bool{}
	for _, d := range f.Deltas() {
		if len(s.Authors) > 0 && !slices.Contains(s.Authors, d.Author) ||
			len(s.States) > 0 && !slices.Contains(s.States, d.State) ||
			s.Locked && !slices.ContainsFunc(lockers, func(l Lock) bool { return l.Rev == d.Rev }) ||
			len(ranges) > 0 && !slices.ContainsFunc(ranges, func(r revRange) bool { return r.has(d.Rev) }) {
			continue
		}
		sel[d.Rev] = true
	}
	if len(dates) == 0 {
		return sel, nil
	}
	// Single dates become the date of the newest selected revision at
	// or before them (recentdate), then every revision is checked
	// against the ranges and those dates (extdate).
	for i := range dates {
		if !dates[i].by {
			continue
		}
		var best time.Time
		f.recentWalk(f.delta(f.Head), func(d *Delta) {
			if t := deltaTime(d); sel[d.Rev] && !t.Before(best) && !t.After(dates[i].end) {
				best = t
			}
		})
		dates[i].beg = best
	}
	for rev := range sel {
		t := deltaTime(f.delta(rev))
		if !slices.ContainsFunc(dates, func(r dateRange) bool { return r.has(t) }) {
			delete(sel, rev)
		}
	}
	return sel, nil
}

// recentWalk visits revisions as GNU rlog 5.10's recentdate does: along
// each chain, and at a revision with branches into every branch but the
// last recursively, then on along the last branch only.
func (f *File) recentWalk(d *Delta, visit func(*Delta)) {
	for d != nil {
		visit(d)
		if len(d.Branches) == 0 {
			if d.Next == "" {
				return
			}
			d = f.nextOf(d)
			continue
		}
		for _, b := range d.Branches[:len(d.Branches)-1] {
			f.recentWalk(f.delta(b), visit)
		}
		d = f.delta(d.Branches[len(d.Branches)-1])
	}
}

func (r dateRange) has(t time.Time) bool {
	if r.by {
		return !r.beg.IsZero() && t.Equal(r.beg)
	}
	after := r.beg.IsZero() || t.After(r.beg) || !r.open && t.Equal(r.beg)
	before := r.end.IsZero() || t.Before(r.end) || !r.open && t.Equal(r.end)
	return after && before
}

// parseDateSpec reads one -d argument as GNU rlog's getdatepair does:
// after a range, whatever follows its end ("<", ">" or ";") starts the
// next one.
func parseDateSpec(spec string) ([]dateRange, error) {
	var out []dateRange
	i := 0
	peek := func() byte {
		if i < len(spec) {
			return spec[i]
		}
		return 0
	}
	skip := func(set string) {
		for i < len(spec) && strings.IndexByte(set, spec[i]) >= 0 {
			i++
		}
	}
	date := func() (time.Time, error) { // up to <, >, ; or the end
		j := i
		for i < len(spec) && strings.IndexByte("<>;", spec[i]) < 0 {
			i++
		}
		if strings.TrimSpace(spec[j:i]) == "" {
			return time.Now().UTC().Truncate(time.Second), nil // GNU: an empty date is now
		}
		return ParseDate(spec[j:i])
	}
	skip(", \t\n;")
	if i == len(spec) {
		return nil, fmt.Errorf("missing date/time after -d")
	}
	for i < len(spec) {
		r := dateRange{}
		c := peek()
		if c == '<' || c == '>' { // <D, >D
			i++
			r.open = peek() != '='
			if !r.open {
				i++
			}
			t, err := date()
			if err != nil {
				return nil, err
			}
			if c == '<' {
				r.end = t
			} else {
				r.beg = t
			}
		} else {
			t, err := date()
			if err != nil {
				return nil, err
			}
			c = peek()
			if c == ';' || c == 0 { // D
				r.end, r.by = t, true
			} else { // D<..., D>...
				lo, hi := &r.beg, &r.end
				if c == '>' {
					lo, hi = hi, lo
				}
				*lo = t
				i++
				r.open = peek() != '='
				if !r.open {
					i++
				}
				skip(" \t\n")
				if c := peek(); c != ';' && c != 0 {
					if *hi, err = date(); err != nil {
						return nil, err
					}
				}
			}
		}
		out = append(out, r)
		if i < len(spec) {
			i++ // the "<", ">" or ";" that ended it
		}
		skip("; \t\n")
	}
	return out, nil
}

// revRanges turns Revs and Branch into ranges (getnumericrev in GNU rlog).
func (f *File) revRanges(s Selection) ([]revRange, error) {
	var out []revRange
	for _, arg := range s.Revs {
		if arg == "" {
			tip, err := f.Resolve("")
			if err != nil {
				return nil, err
			}
			out = append(out, revRange{tip, tip, len(fields(tip))})
			continue
		}
		for _, spec := range strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			r, err := f.revRange(spec)
			if err != nil {
				return nil, err
			}
			if r.nfield > 0 {
				out = append(out, r)
			}
		}
	}
	if s.Branch {
		br := f.Branch
		if br == "" && f.Head != "" {
			br = strings.Split(f.Head, ".")[0]
		}
		if br != "" {
			out = append(out, revRange{br, br, len(fields(br))})
		}
	}
	return out, nil
}

// revRange reads one -r range.
func (f *File) revRange(spec string) (revRange, error) {
	beg, end, isRange := strings.Cut(spec, ":")
	var err error
	if beg, err = f.numeric(beg); err != nil {
		return revRange{}, err
	}
	if end, err = f.numeric(end); err != nil {
		return revRange{}, err
	}
	switch {
	case !isRange:
		return revRange{beg, beg, len(fields(beg))}, nil
	case end == "": // REV: to the end of REV's branch
		n := len(fields(beg))
		if n < 2 {
			return revRange{beg, "", n}, nil
		}
		return revRange{beg, branchOf(beg), n}, nil
	case beg == "": // :REV from the start of REV's branch
		n := len(fields(end))
		if n < 2 {
			return revRange{".0", end, n}, nil
		}
		return revRange{branchOf(end) + ".0", end, n}, nil
	}
	n := len(fields(beg))
	if len(fields(end)) != n || n > 2 && branchOf(beg) != branchOf(end) {
		return revRange{}, fmt.Errorf("%s: invalid branch or revision pair %s : %s", f.Name, beg, end)
	}
	if comparePartial(beg, end, n) > 0 {
		beg, end = end, beg
	}
	return revRange{beg, end, n}, nil
}

// numeric expands a symbolic name (and a branch with a final ".", its
// newest revision) into a number, as GNU RCS's fully_numeric does; numbers
// are taken as they are, whether or not they exist.
func (f *File) numeric(sel string) (string, error) {
	if sel == "" {
		return "", nil
	}
	tip := strings.HasSuffix(sel, ".")
	sel = strings.TrimSuffix(sel, ".")
	rev, err := f.number(sel, "%s: Symbolic name `%s' is undefined")
	if err != nil {
		return "", err
	}
	if tip && len(fields(rev))%2 == 1 {
		return f.Resolve(rev)
	}
	return rev, nil
}

// has reports whether revision rev is in the range (extractdelta).
func (r revRange) has(rev string) bool {
	n := len(fields(rev))
	return n == r.nfield+r.nfield%2 && comparePartial(rev, r.beg, r.nfield) >= 0 && comparePartial(r.end, rev, r.nfield) >= 0
}

// comparePartial compares the first n fields of two revision numbers;
// when one has fewer fields, the fields they share decide (compartial).
func comparePartial(a, b string, n int) int {
	fa, fb := fields(strings.TrimPrefix(a, ".")), fields(strings.TrimPrefix(b, "."))
	if strings.HasPrefix(a, ".") {
		fa = nil // ".0": GNU's start of a one-field branch compares equal
	}
	if strings.HasPrefix(b, ".") {
		fb = nil
	}
	for i := 0; i < n && i < len(fa) && i < len(fb); i++ {
		if fa[i] != fb[i] {
			if fa[i] < fb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Filter is co's -d, -s and -w: the newest revision on the branch that is
// dated at or before Date, in State and by Author (those that are set).
type Filter struct {
	Date   time.Time // zero: any date
	State  string
	Author string
}

func (c Filter) match(d *Delta) bool {
	return (c.Date.IsZero() || !deltaTime(d).After(c.Date)) &&
		(c.State == "" || d.State == c.State) && (c.Author == "" || d.Author == c.Author)
}

// ResolveFilter is Resolve with co's -d, -s and -w: for a branch (or
// none: the default branch, else the trunk) the newest revision of it that
// c matches; for a revision, the revision itself if c matches it. The
// errors are GNU co's.
func (f *File) ResolveFilter(sel string, c Filter) (string, error) {
	if strings.HasSuffix(sel, ".") { // BRANCH.: the newest revision of a branch
		num, err := f.numeric(strings.TrimSuffix(sel, "."))
		if err != nil {
			return "", err
		}
		if len(fields(num))%2 == 0 {
			return "", fmt.Errorf("%s: improper revision number: %s", f.Name, sel)
		}
		if sel, err = f.Resolve(num); err != nil {
			return "", err
		}
	}
	if fs := fields(sel); len(fs) >= 2 && len(fs)%2 == 0 && f.Delta(sel) == nil && fs[len(fs)-2] != 0 {
		rev, err := f.nearest(sel)
		if err != nil {
			return "", err
		}
		sel = rev
	}
	if c == (Filter{}) {
		return f.Resolve(sel)
	}
	if sel == "" {
		sel = f.Branch
	}
	num, err := f.numeric(sel)
	if err != nil {
		return "", err
	}
	n := len(fields(num))
	if num != "" && n == 0 {
		return "", fmt.Errorf("%s: bad revision number %s", f.Name, num)
	}
	if n > 0 && n%2 == 0 {
		rev, err := f.Resolve(num)
		if err != nil {
			return "", err
		}
		d := f.delta(rev)
		switch {
		case !c.Date.IsZero() && deltaTime(d).After(c.Date):
			return "", fmt.Errorf("%s: Revision %s has date %s", f.Name, rev, RCSDate(d.Date))
		case c.Author != "" && d.Author != c.Author:
			return "", fmt.Errorf("%s: Revision %s has author %s", f.Name, rev, d.Author)
		case c.State != "" && d.State != c.State:
			return "", fmt.Errorf("%s: Revision %s has state %s", f.Name, rev, d.State)
		}
		return rev, nil
	}
	// The revisions of the branch, newest first.
	var chain []*Delta
	branch := num
	if n <= 1 {
		for d := f.delta(f.Head); d != nil; d = f.nextOf(d) {
			if num == "" || fields(d.Rev)[0] == fields(num)[0] {
				chain = append(chain, d)
			}
			if d.Next == "" {
				break
			}
		}
		if num == "" && f.Head != "" {
			branch = strings.Split(f.Head, ".")[0]
		}
	} else {
		base := f.delta(branchOf(num))
		if base == nil {
			return "", fmt.Errorf("%s: revision %s absent", f.Name, branchOf(num))
		}
		for _, b := range base.Branches {
			if branchOf(b) == num {
				for d := f.delta(b); d != nil; d = f.nextOf(d) {
					chain = append([]*Delta{d}, chain...)
					if d.Next == "" {
						break
					}
				}
			}
		}
	}
	for _, d := range chain {
		if c.match(d) {
			return d.Rev, nil
		}
	}
	var why []string
	if !c.Date.IsZero() {
		why = append(why, "a date before "+c.Date.UTC().Format("2006/01/02 15:04:05"))
	}
	if c.Author != "" {
		why = append(why, "author "+c.Author)
	}
	if c.State != "" {
		why = append(why, "state "+c.State)
	}
	return "", fmt.Errorf("%s: No revision on branch %s has %s", f.Name, branch, strings.Join(why, " and "))
}

// nearest is what GNU co takes for a revision number that is not in the
// file: the newest revision of its branch (for M.N, of the trunk's
// revisions M.x) whose last number is at most the one given.
func (f *File) nearest(num string) (string, error) {
	fs := fields(num)
	last := fs[len(fs)-1]
	var chain []*Delta // newest first
	if len(fs) == 2 {
		for d := f.delta(f.Head); d != nil; d = f.nextOf(d) {
			if fields(d.Rev)[0] == fs[0] {
				chain = append(chain, d)
			}
			if d.Next == "" {
				break
			}
		}
		if chain == nil {
			return "", fmt.Errorf("%s: revision %d absent", f.Name, fs[0])
		}
	} else {
		tip, err := f.Resolve(branchOf(num))
		if err != nil {
			return "", err
		}
		if branchOf(tip) != branchOf(num) {
			return "", fmt.Errorf("%s: branch %s absent", f.Name, branchOf(num))
		}
		for d := f.delta(tip); d != nil && branchOf(d.Rev) == branchOf(num); d = f.delta(f.Predecessor(d.Rev)) {
			chain = append(chain, d)
		}
	}
	for _, d := range chain {
		if fd := fields(d.Rev); fd[len(fd)-1] <= last {
			return d.Rev, nil
		}
	}
	return "", fmt.Errorf("%s: revision number %s too low", f.Name, num)
}

// symbolRev returns the number the symbolic name stands for.
func (f *File) symbolRev(name string) (string, bool) {
	for _, s := range f.Symbols {
		if s.Name == name {
			return s.Rev, true
		}
	}
	return "", false
}

// unmagic turns CVS's magic branch number a.b.0.c into the branch a.b.c;
// other numbers are returned as they are.
func unmagic(rev string) string {
	fs := fields(rev)
	if len(fs) >= 4 && len(fs)%2 == 0 && fs[len(fs)-2] == 0 {
		return branchOf(branchOf(rev)) + "." + strconv.Itoa(fs[len(fs)-1])
	}
	return rev
}
