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
// trimmed as ci trims it.
func (f *File) SetLog(rev, msg string) error {
	if err := f.refresh(); err != nil {
		return err
	}
	d := f.Delta(rev)
	if d == nil {
		return fmt.Errorf("%s: revision %s absent", f.Name, rev)
	}
	d.log = quoted([]byte(TrimLog(msg, false)))
	f.textsChanged = true
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
