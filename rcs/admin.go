package rcs

import (
	"fmt"
	"slices"
	"strings"
)

// ValidName reports whether s may be written as a symbolic name, a state
// or a login in a ,v file: not empty, and none of the characters RCS
// reserves (white space and "$,.:;@").
func ValidName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\n\r\v\f$,.:;@")
}

// SetState sets the state of revision rev (rcs -sSTATE:REV).
func (f *File) SetState(rev, state string) error {
	if !ValidName(state) {
		return fmt.Errorf("%s: invalid state %q", f.Name, state)
	}
	d := f.Delta(rev)
	if d == nil {
		return fmt.Errorf("%s: can't set state of nonexisting revision %s", f.Name, rev)
	}
	d.State = state
	return nil
}

// SetLog replaces the log message of revision rev (rcs -mREV:MSG),
// trimmed as ci trims it. As GNU rcs does, every other byte of the delta
// texts is kept as it is (CVS's import layout included): the new message
// is spliced into the file's buffer, which is parsed again; the changes
// made to f since it was read (header fields, states) are carried over.
func (f *File) SetLog(rev, msg string) error {
	if err := f.refresh(); err != nil {
		return err
	}
	// Log reads every delta text record (a File read by Update may read
	// them only on demand).
	f.Log(LogOptions{HeaderOnly: true})
	d := f.Delta(rev)
	if d == nil {
		return fmt.Errorf("%s: revision %s absent", f.Name, rev)
	}
	text := quote(nil, []byte(TrimLog(msg, false)))
	start := int(d.log.off)
	if f.buf == nil || start < 0 || start+len(d.log.raw) > len(f.buf) {
		d.log = quoted([]byte(TrimLog(msg, false)))
		return nil
	}
	buf := make([]byte, 0, len(f.buf)-len(d.log.raw)+len(text))
	buf = append(append(append(buf, f.buf[:start]...), text...), f.buf[start+len(d.log.raw):]...)
	nf, err := Parse(f.Name, buf)
	if err != nil {
		return fmt.Errorf("internal error: the file with a new log does not parse: %w", err)
	}
	nf.Head, nf.Branch, nf.Access, nf.Symbols, nf.Locks = f.Head, f.Branch, f.Access, f.Symbols, f.Locks
	nf.Strict, nf.Comment, nf.hasComment, nf.Expand, nf.Desc = f.Strict, f.Comment, f.hasComment, f.Expand, f.Desc
	for _, od := range f.allNodes() {
		if nd := nf.deltas[od.Rev]; nd != nil {
			nd.State = od.State
		}
	}
	*f = *nf
	return nil
}

// SetDesc replaces the description (rcs -t-DESC), trimmed as ci trims it.
func (f *File) SetDesc(desc string) { f.Desc = TrimLog(desc, true) }

// SetComment sets the comment leader (rcs -c).
func (f *File) SetComment(leader string) {
	f.Comment, f.hasComment = leader, true
}

// RemoveAccess removes users from the access list (rcs -eUSERS); with no
// users it empties the list (rcs -e).
func (f *File) RemoveAccess(users ...string) {
	if len(users) == 0 {
		f.Access = nil
		return
	}
	f.Access = slices.DeleteFunc(f.Access, func(a string) bool { return slices.Contains(users, a) })
}

// SymbolRev turns the REV of rcs -nNAME:REV into what the symbol will
// hold: "" is the newest revision of the default branch, a number is kept
// as it is (GNU rcs does not check that it exists), a name is looked up,
// and BRANCH. is the newest revision of the branch.
func (f *File) SymbolRev(rev string) (string, error) {
	switch {
	case rev == "":
		return f.Resolve("")
	case isNum(rev):
		return rev, nil
	}
	return f.numeric(rev)
}

// AdminOptions are the changes GNU's rcs command makes; Admin applies
// them in its order. Lists keep the order of the command line.
type AdminOptions struct {
	User    string       // who locks and unlocks
	Access  []AccessEdit // -a, -e
	Symbols []SymbolEdit // -n, -N
	Branch  *string      // -b: the default branch ("" for none)
	Comment *string      // -c: the comment leader
	Expand  *string      // -k: the default keyword mode
	Strict  *bool        // -L (true), -U (false)
	Unlock  []string     // -u: revisions ("" is the one User locked)
	Lock    []string     // -l: revisions ("" is the default branch's newest)
	States  []StateEdit  // -s
	Outdate string       // -o: the revisions to delete ("" none; see Outdate)
	// OutdateAll lets -o delete every revision (GNU rcs does with -q;
	// without it, it asks, and where it cannot ask it refuses).
	OutdateAll bool
	Logs       []LogEdit // -m
	Desc       *string   // -t: the new description
}

// AccessEdit adds logins to the access list (-a) or removes them (-e; no
// logins: all).
type AccessEdit struct {
	Remove bool
	Logins []string
}

// SymbolEdit binds Name to Rev (see SymbolRev; Move lets an existing name
// move, -N) or, with Delete, removes it (-nNAME).
type SymbolEdit struct {
	Name, Rev    string
	Move, Delete bool
}

// StateEdit sets the state of Rev ("" is the default branch's newest).
type StateEdit struct{ State, Rev string }

// LogEdit replaces the log message of Rev.
type LogEdit struct{ Rev, Msg string }

// Admin applies o to f as GNU rcs does: the access list, the names, the
// default branch, the comment leader, the keyword mode, strict locking,
// unlocks, then locks, states, log messages, outdated revisions (a log
// message set for one of them is lost, as with GNU) and the description. It returns the lines rcs prints for the locks ("1.2
// locked") and deleted revisions ("deleting revision 1.2"). On an error
// the caller must not write f: some changes may have been made.
func (f *File) Admin(o AdminOptions) (report []string, err error) {
	for _, a := range o.Access {
		for _, l := range a.Logins {
			if !ValidName(l) {
				return nil, fmt.Errorf("%s: invalid login %q", f.Name, l)
			}
		}
		if a.Remove {
			f.RemoveAccess(a.Logins...)
		} else {
			f.AddAccess(a.Logins...)
		}
	}
	for _, s := range o.Symbols {
		if !ValidName(s.Name) {
			return nil, fmt.Errorf("%s: invalid symbolic name %q", f.Name, s.Name)
		}
		if s.Delete {
			f.DeleteSymbol(s.Name)
			continue
		}
		rev, err := f.SymbolRev(s.Rev)
		if err != nil {
			return nil, err
		}
		if err := f.SetSymbol(s.Name, rev, s.Move); err != nil {
			return nil, err
		}
	}
	if o.Branch != nil {
		f.Branch = ""
		if *o.Branch != "" {
			if f.Branch, err = f.SymbolRev(*o.Branch); err != nil {
				return nil, err
			}
		}
	}
	if o.Comment != nil {
		f.SetComment(*o.Comment)
	}
	if o.Expand != nil {
		if !ValidMode(*o.Expand) {
			return nil, fmt.Errorf("%s: unknown keyword mode %s", f.Name, *o.Expand)
		}
		f.Expand = *o.Expand
		if f.Expand == ModeKV {
			f.Expand = ""
		}
	}
	if o.Strict != nil {
		f.Strict = *o.Strict
	}
	for _, sel := range o.Unlock {
		line, err := f.adminUnlock(sel, o.User)
		if line != "" {
			report = append(report, line)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, sel := range o.Lock {
		rev, err := f.ResolveFilter(sel, Filter{})
		if err != nil {
			return nil, err
		}
		if err := f.LockRev(rev, o.User); err != nil {
			return nil, err
		}
		report = append(report, rev+" locked")
	}
	for _, s := range o.States {
		// GNU rcs -s takes a revision number only as it is.
		if fs := fields(s.Rev); len(fs) > 0 && len(fs)%2 == 0 && f.Delta(s.Rev) == nil {
			return nil, fmt.Errorf("%s: can't set state of nonexisting revision %s", f.Name, s.Rev)
		}
		rev, err := f.ResolveFilter(s.Rev, Filter{})
		if err != nil {
			return nil, err
		}
		if err := f.SetState(rev, s.State); err != nil {
			return nil, err
		}
	}
	for _, l := range o.Logs {
		rev, err := f.ResolveFilter(l.Rev, Filter{})
		if err != nil {
			return nil, err
		}
		if err := f.SetLog(rev, l.Msg); err != nil {
			return nil, err
		}
	}
	if o.Outdate != "" {
		revs, err := f.outdate(o.Outdate, o.OutdateAll)
		if err != nil {
			return nil, err
		}
		for _, r := range revs {
			report = append(report, "deleting revision "+r)
		}
	}
	if o.Desc != nil {
		f.SetDesc(*o.Desc)
	}
	return report, nil
}

// adminUnlock is rcs -u: sel's lock (or, for "", user's one lock; a file
// without locks only gets GNU's warning).
func (f *File) adminUnlock(sel, user string) (string, error) {
	if sel == "" {
		if len(f.Locks) == 0 {
			return "rcs: " + f.Name + ": warning: No locks are set.", nil
		}
		rev, err := f.UnlockRev("", user)
		return rev + " unlocked", err
	}
	rev, err := f.ResolveFilter(sel, Filter{})
	if err != nil {
		return "", err
	}
	if f.LockedBy(rev) == "" {
		return "", fmt.Errorf("%s: no lock set on revision %s", f.Name, rev)
	}
	if _, err := f.UnlockRev(rev, user); err != nil {
		return "", err
	}
	return rev + " unlocked", nil
}
