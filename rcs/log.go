package rcs

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LockRev locks revision rev for user (co -l, rcs -l). A new lock goes to
// the front of the list, as in GNU RCS.
func (f *File) LockRev(rev, user string) error {
	if i := f.lockIndex(rev); i >= 0 {
		if f.Locks[i].Locker == user {
			return nil
		}
		return fmt.Errorf("%s: Revision %s is already locked by %s", f.Name, rev, f.Locks[i].Locker)
	}
	f.Locks = append([]Lock{{user, rev}}, f.Locks...)
	return nil
}

// UnlockRev removes user's lock on rev ("" = the one lock user holds).
func (f *File) UnlockRev(rev, user string) (string, error) {
	for i, l := range f.Locks {
		if (rev == "" && l.Locker == user) || (rev != "" && l.Rev == rev) {
			if l.Locker != user {
				return "", fmt.Errorf("%s: revision %s locked by %s; not unlocked", f.Name, l.Rev, l.Locker)
			}
			f.Locks = append(f.Locks[:i:i], f.Locks[i+1:]...)
			return l.Rev, nil
		}
	}
	return "", fmt.Errorf("%s: no lock set by %s", f.Name, user)
}

// SetSymbol makes name stand for rev, as rcs -nNAME:REV (move false: an
// existing name is an error) or rcs -NNAME:REV (move true) do. A new name
// goes to the front of the list, a moved one keeps its place.
func (f *File) SetSymbol(name, rev string, move bool) error {
	for i, s := range f.Symbols {
		if s.Name == name {
			if !move && s.Rev != rev {
				return fmt.Errorf("%s: symbolic name %s already bound to %s", f.Name, name, s.Rev)
			}
			f.Symbols[i].Rev = rev
			return nil
		}
	}
	f.Symbols = append([]Symbol{{name, rev}}, f.Symbols...)
	return nil
}

// DeleteSymbol removes a symbolic name (rcs -nNAME).
func (f *File) DeleteSymbol(name string) {
	f.Symbols = slices.DeleteFunc(f.Symbols, func(s Symbol) bool { return s.Name == name })
}

// AddAccess appends users to the access list (rcs -a), skipping those on
// it already.
func (f *File) AddAccess(users ...string) {
	for _, u := range users {
		if !slices.Contains(f.Access, u) {
			f.Access = append(f.Access, u)
		}
	}
}

// CheckAccess reports an error if the file has an access list and user is
// not on it. (GNU RCS also lets the file's owner and the superuser in; the
// command line does the same.)
func (f *File) CheckAccess(user string) error {
	if len(f.Access) == 0 || slices.Contains(f.Access, user) {
		return nil
	}
	return fmt.Errorf("%s: user %s not on the access list", f.Name, user)
}

// LockedBy returns who locks rev, or "".
func (f *File) LockedBy(rev string) string {
	if i := f.lockIndex(rev); i >= 0 {
		return f.Locks[i].Locker
	}
	return ""
}

// LogOptions select what Log prints (rlog's options).
type LogOptions struct {
	Working    string // working file name for the "Working file:" line
	HeaderOnly bool   // -h
	DescOnly   bool   // -t: the header and the description
	NoNames    bool   // -N: no symbolic names
	// Revs are the revisions to print (all when empty), unless Selected
	// is set: then exactly those in it (see (*File).Selected).
	Revs     []string
	Selected map[string]bool
	Lockers  []string // -lLOGINS: only their locks in the header
	// Zone, when set, prints dates in ISO 8601 in that zone (rlog -z)
	// instead of RCS's 2026/01/02 03:04:05 (UTC).
	Zone *time.Location
}

// counts returns the lines a delta's script adds and deletes.
func (d *Delta) counts() (add, del int) {
	s := d.text.raw
	for len(s) > 0 {
		op := s[0]
		l, n, next, ok := parseCmd(s, 1)
		if !ok || (op != 'a' && op != 'd') {
			return
		}
		s = s[next:]
		if op == 'd' {
			del += n
			continue
		}
		add += n
		for k := 0; k < n && len(s) > 0; k++ {
			i := bytes.IndexByte(s, '\n')
			if i < 0 {
				s = nil
				break
			}
			s = s[i+1:]
		}
		_ = l
	}
	return
}

// Log returns rlog's output for the file.
func (f *File) Log(o LogOptions) string {
	f.loadTexts() // a file read by Update reads its delta texts on demand
	var b strings.Builder
	b.WriteString("\nRCS file: " + f.Name + "\nWorking file: " + o.Working + "\nhead:")
	if f.Head != "" {
		b.WriteString(" " + f.Head)
	}
	b.WriteString("\nbranch:")
	if f.Branch != "" {
		b.WriteString(" " + f.Branch)
	}
	b.WriteString("\nlocks:")
	if f.Strict {
		b.WriteString(" strict")
	}
	for _, l := range f.Locks {
		if len(o.Lockers) == 0 || slices.Contains(o.Lockers, l.Locker) {
			b.WriteString("\n\t" + l.Locker + ": " + l.Rev)
		}
	}
	b.WriteString("\naccess list:")
	for _, a := range f.Access {
		b.WriteString("\n\t" + a)
	}
	if !o.NoNames {
		b.WriteString("\nsymbolic names:")
		for _, s := range f.Symbols {
			b.WriteString("\n\t" + s.Name + ": " + s.Rev)
		}
	}
	b.WriteString("\nkeyword substitution: " + f.Keyword() + "\n")
	fmt.Fprintf(&b, "total revisions: %d", len(f.allNodes()))
	if o.DescOnly {
		fmt.Fprintf(&b, "\ndescription:\n%s%s\n", f.Desc, strings.Repeat("=", 77))
		return b.String()
	}
	if o.HeaderOnly {
		b.WriteString("\n" + strings.Repeat("=", 77) + "\n")
		return b.String()
	}
	selected := func(d *Delta) bool {
		if o.Selected != nil {
			return o.Selected[d.Rev]
		}
		if len(o.Revs) == 0 {
			return true
		}
		for _, r := range o.Revs {
			if r == d.Rev {
				return true
			}
		}
		return false
	}
	nsel := 0
	for _, d := range f.allNodes() {
		if selected(d) {
			nsel++
		}
	}
	var sel []*Delta
	f.rlogOrder(func(d *Delta) {
		if selected(d) {
			sel = append(sel, d)
		}
	})
	if len(f.allNodes()) > 0 {
		fmt.Fprintf(&b, ";\tselected revisions: %d", nsel)
	}
	fmt.Fprintf(&b, "\ndescription:\n%s", f.Desc)
	sep := strings.Repeat("-", 28) + "\n"
	for _, d := range sel {
		b.WriteString(sep + "revision " + d.Rev)
		if l := f.LockedBy(d.Rev); l != "" {
			b.WriteString("\tlocked by: " + l + ";")
		}
		date := RCSDate(d.Date)
		if o.Zone != nil {
			date = zoneDate(d.Date, o.Zone)
		}
		b.WriteString("\ndate: " + date + ";  author: " + d.Author + ";  state: " + d.State + ";")
		lines := false
		if len(fields(d.Rev)) == 2 {
			if n := f.delta(d.Next); n != nil {
				add, del := n.counts()
				fmt.Fprintf(&b, "  lines: +%d -%d", del, add)
				lines = true
			}
		} else {
			add, del := d.counts()
			fmt.Fprintf(&b, "  lines: +%d -%d", add, del)
			lines = true
		}
		if len(d.Branches) > 0 {
			b.WriteString("\nbranches:")
			for _, br := range d.Branches {
				b.WriteString("  " + branchOf(br) + ";")
			}
		}
		if d.CommitID != "" {
			if lines {
				b.WriteString(";")
			}
			b.WriteString(" commitid: " + d.CommitID)
		}
		b.WriteString("\n")
		log := d.log.text()
		b.Write(log)
		if len(log) > 0 && log[len(log)-1] != '\n' {
			b.WriteString("\n")
		}
	}
	b.WriteString(strings.Repeat("=", 77) + "\n")
	return b.String()
}

// rlogOrder visits the revisions in GNU rlog 5.10's order: the trunk
// newest first; then, for each trunk revision from the oldest, its
// branches, highest first, each branch newest first; after the lowest
// branch of a revision come the branches that start on that branch's
// revisions (the same rule again, from its newest revision). GNU rlog does
// not descend into the other branches' branches: their revisions are
// counted as selected but not printed, and netkit keeps that.
func (f *File) rlogOrder(visit func(*Delta)) {
	chain := func(d *Delta) []*Delta {
		var c []*Delta
		for ; d != nil; d = f.nextOf(d) {
			c = append(c, d)
			if d.Next == "" {
				break
			}
		}
		return c
	}
	var tree func(c []*Delta)
	tree = func(c []*Delta) {
		for i := len(c) - 1; i >= 0; i-- {
			brs := c[i].Branches
			for j := len(brs) - 1; j >= 0; j-- {
				bc := chain(f.delta(brs[j]))
				for k := len(bc) - 1; k >= 0; k-- {
					visit(bc[k])
				}
				if j == 0 {
					tree(bc)
				}
			}
		}
	}
	trunk := chain(f.delta(f.Head))
	for _, d := range trunk {
		visit(d)
	}
	tree(trunk)
}
