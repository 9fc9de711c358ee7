package rcs

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netkit-go/netkit/rcs/diff"
)

// CheckinOptions describe a new revision.
type CheckinOptions struct {
	// Rev is the number to give the new revision, or a branch to add it
	// to; "" means after the revision the author has locked (or the head).
	Rev    string
	Author string    // author name
	Locker string    // whose lock is needed and set; "" means Author
	Date   time.Time // zero means now
	Log    string    // log message, trimmed as RCS does
	Desc   string    // description, for a new file
	State  string    // "" means Exp
	Lock   bool      // keep a lock on the new revision (ci -l)
	Force  bool      // check in even if unchanged (ci -f)
}

// ErrUnchanged is returned (as an *UnchangedError) by Checkin when the
// content equals the revision it would follow and Force is not set.
var ErrUnchanged = errors.New("file is unchanged")

// UnchangedError names the revision an unchanged check-in reverts to.
type UnchangedError struct{ File, Rev string }

// Error is GNU ci's message.
func (e *UnchangedError) Error() string {
	return e.File + ": file is unchanged; reverting to previous revision " + e.Rev
}

// Unwrap makes errors.Is(err, ErrUnchanged) true.
func (e *UnchangedError) Unwrap() error { return ErrUnchanged }

// TrimLog applies RCS's rules to a log message or description: white space
// is removed at both ends and exactly one newline added; an empty log
// becomes "*** empty log message ***".
func TrimLog(s string, isDesc bool) string {
	s = strings.Trim(s, " \t\n\r\v\f")
	if s == "" {
		if isDesc {
			return ""
		}
		return "*** empty log message ***\n"
	}
	return s + "\n"
}

// FormatDate gives t in the ,v form (UTC; two-digit years before 2000).
func FormatDate(t time.Time) string {
	t = t.UTC()
	if t.Year() < 2000 {
		return fmt.Sprintf("%02d.%s", t.Year()%100, t.Format("01.02.15.04.05"))
	}
	return t.Format("2006.01.02.15.04.05")
}

// New returns an empty RCS file (as rcs -i makes) named name (the ,v
// path). Its comment leader comes from the working file's suffix, from GNU
// RCS's table.
func New(name string) *File {
	return &File{Name: name, Strict: true, deltas: map[string]*Delta{}, Comment: CommentLeader(name), hasComment: true}
}

// commentLeaders is GNU RCS's table of comment leaders by suffix (rcsfnms.c).
var commentLeaders = map[string]string{
	"a": "-- ", "ada": "-- ", "adb": "-- ", "ads": "-- ", "asm": ";; ", "bat": ":: ", "body": "-- ",
	"c": " * ", "c++": "// ", "cc": "// ", "cpp": "// ", "cxx": "// ", "cl": ";;; ", "cmd": ":: ",
	"cmf": "c ", "cs": " * ", "el": "; ", "f": "c ", "for": "c ", "h": " * ", "hpp": "// ",
	"hxx": "// ", "l": " * ", "lisp": ";;; ", "lsp": ";; ", "m": "// ", "mac": ";; ",
	"me": ".\\\" ", "ml": "; ", "mm": ".\\\" ", "ms": ".\\\" ", "p": " * ", "pas": " * ",
	"ps": "% ", "spec": "-- ", "sty": "% ", "tex": "% ", "y": " * ",
}

// CommentLeader returns the comment leader GNU ci gives a new file: by the
// working file's suffix (case-insensitive), "# " for any other.
func CommentLeader(name string) string {
	base := filepath.Base(strings.TrimSuffix(name, ",v"))
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		if c, ok := commentLeaders[strings.ToLower(base[i+1:])]; ok {
			return c
		}
	}
	return "# "
}

// Checkin adds content as a new revision and returns its number. On the
// trunk the old head's text becomes a reverse delta; on a branch the new
// text is a forward delta from its predecessor. In strict mode the author
// must hold a lock on the predecessor, which is released. As with Parse's
// buffer, the File may keep content: the caller must not change it
// afterwards.
func (f *File) Checkin(content []byte, o CheckinOptions) (string, error) {
	if o.Author == "" {
		return "", fmt.Errorf("%s: no author", f.Name)
	}
	if err := f.refresh(); err != nil {
		return "", err
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	state := o.State
	if state == "" {
		state = "Exp"
	}
	if o.Locker == "" {
		o.Locker = o.Author
	}
	nd := &Delta{Date: FormatDate(date), Author: o.Author, State: state}
	nd.log = quoted([]byte(TrimLog(o.Log, false)))

	if f.Head == "" {
		nd.Rev = o.Rev
		if nd.Rev == "" {
			nd.Rev = "1.1"
		}
		if fs := fields(nd.Rev); len(fs) != 2 || fs[0] < 1 || fs[1] < 1 {
			return "", fmt.Errorf("%s: bad initial revision %s", f.Name, nd.Rev)
		}
		nd.text = kept(content)
		f.Head = nd.Rev
		if f.Desc == "" {
			f.Desc = TrimLog(o.Desc, true)
		}
		f.add(nd, -1)
		if o.Lock {
			f.Locks = append([]Lock{{o.Locker, nd.Rev}}, f.Locks...)
		}
		f.stale = true
		return nd.Rev, nil
	}

	base, rev, err := f.placeNew(o)
	if err != nil {
		return "", err
	}
	nd.Rev = rev
	li := f.lockIndex(base.Rev)
	// A new branch leaves its branch point's text as it is: as GNU ci's
	// addbranch, it needs no lock there; the caller's is removed, another
	// user's stays.
	newBranch := len(fields(rev)) > 2 && branchOf(base.Rev) != branchOf(rev)
	if newBranch {
		if li >= 0 && f.Locks[li].Locker != o.Locker {
			li = -1
		}
	} else if f.Strict {
		if li < 0 || f.Locks[li].Locker != o.Locker {
			if li >= 0 {
				return "", fmt.Errorf("%s: revision %s locked by %s", f.Name, base.Rev, f.Locks[li].Locker)
			}
			return "", fmt.Errorf("%s: no lock set by %s", f.Name, o.Locker)
		}
	} else if li >= 0 && f.Locks[li].Locker != o.Locker {
		return "", fmt.Errorf("%s: revision %s locked by %s", f.Name, base.Rev, f.Locks[li].Locker)
	}
	if nd.Date < base.Date && len(nd.Date) == len(base.Date) {
		return "", fmt.Errorf("%s: Date %s precedes %s in revision %s", f.Name, RCSDate(nd.Date), RCSDate(base.Date), base.Rev)
	}
	old, err := f.checkout(base.Rev, false) // only read
	if err != nil {
		return "", err
	}
	if !o.Force && f.sameText(old, content) {
		return "", &UnchangedError{f.Name, base.Rev}
	}
	if len(fields(rev)) == 2 {
		// New trunk head: the old head becomes a reverse delta.
		base.text = kept(editScript(content, old))
		nd.text = kept(content)
		nd.Next = base.Rev
		f.Head = rev
		f.add(nd, f.textIndex(base))
	} else {
		nd.text = kept(editScript(old, content))
		if branchOf(base.Rev) == branchOf(rev) {
			base.Next = rev
		} else {
			base.Branches = append(base.Branches, rev)
		}
		f.add(nd, f.textIndex(base)+1)
	}
	if li >= 0 {
		f.Locks = append(f.Locks[:li:li], f.Locks[li+1:]...)
	}
	if o.Lock {
		f.Locks = append([]Lock{{o.Locker, rev}}, f.Locks...)
	}
	f.stale = true
	return rev, nil
}

// Predecessor returns the revision rev was checked in after: for a trunk
// revision the next older one, for a branch revision the one before it on
// its branch or its branch point; "" for the first revision.
func (f *File) Predecessor(rev string) string {
	d := f.delta(rev)
	if d == nil {
		return ""
	}
	if len(fields(rev)) == 2 {
		return d.Next
	}
	for _, p := range f.allNodes() {
		if p.Next == rev && len(fields(p.Rev)) > 2 || slices.Contains(p.Branches, rev) {
			return p.Rev
		}
	}
	return ""
}

// placeNew finds the predecessor of a new revision and its number.
func (f *File) placeNew(o CheckinOptions) (*Delta, string, error) {
	sel := o.Rev
	if sel == "" {
		for _, l := range f.Locks {
			if l.Locker == o.Locker {
				sel = l.Rev
				break
			}
		}
		if sel == "" {
			r, err := f.Resolve("")
			if err != nil {
				return nil, "", err
			}
			sel = r
		}
		return f.after(f.delta(sel))
	}
	if !isNum(sel) {
		r, err := f.Resolve(sel)
		if err != nil {
			return nil, "", err
		}
		return f.after(f.delta(r))
	}
	fs := fields(sel)
	if fs == nil {
		return nil, "", fmt.Errorf("%s: bad revision number %s", f.Name, sel)
	}
	if len(fs)%2 == 1 {
		// A branch: after its tip, or its first revision.
		if len(fs) == 1 {
			head := fields(f.Head)
			if fs[0] < head[0] {
				return nil, "", fmt.Errorf("%s: branch number %s too low", f.Name, sel)
			}
			if fs[0] == head[0] {
				return f.after(f.delta(f.Head))
			}
			return f.delta(f.Head), sel + ".1", nil
		}
		bp := f.delta(branchOf(sel))
		if bp == nil {
			return nil, "", fmt.Errorf("%s: branch point %s absent", f.Name, branchOf(sel))
		}
		if d := f.branchTip(bp, sel); d != nil {
			return d, increment(d.Rev), nil
		}
		return bp, sel + ".1", nil
	}
	if f.delta(sel) != nil {
		return nil, "", fmt.Errorf("%s: revision %s already exists", f.Name, sel)
	}
	if len(fs) == 2 {
		if cmpRev(sel, f.Head) <= 0 {
			return nil, "", fmt.Errorf("%s: revision %s too low; must be higher than %s", f.Name, sel, f.Head)
		}
		return f.delta(f.Head), sel, nil
	}
	br := branchOf(sel)
	bp := f.delta(branchOf(br))
	if bp == nil {
		return nil, "", fmt.Errorf("%s: branch point %s absent", f.Name, branchOf(br))
	}
	if d := f.branchTip(bp, br); d != nil {
		if cmpRev(sel, d.Rev) <= 0 {
			return nil, "", fmt.Errorf("%s: revision %s too low; must be higher than %s", f.Name, sel, d.Rev)
		}
		return d, sel, nil
	}
	return bp, sel, nil
}

// after returns d and the number of a revision that follows it: the next
// trunk or branch number at a tip, else the first of a new branch.
func (f *File) after(d *Delta) (*Delta, string, error) {
	if d == nil {
		return nil, "", fmt.Errorf("%s: no such revision", f.Name)
	}
	if d.Rev == f.Head || (len(fields(d.Rev)) > 2 && d.Next == "") {
		return d, increment(d.Rev), nil
	}
	n := 0
	for _, b := range d.Branches {
		fs := fields(b)
		n = max(n, fs[len(fs)-2])
	}
	return d, d.Rev + "." + strconv.Itoa(n+1) + ".1", nil
}

func increment(rev string) string {
	i := strings.LastIndexByte(rev, '.')
	n, _ := strconv.Atoi(rev[i+1:])
	return rev[:i+1] + strconv.Itoa(n+1)
}

// cmpRev compares revision numbers field by field.
func cmpRev(a, b string) int {
	fa, fb := fields(a), fields(b)
	for i := 0; i < len(fa) && i < len(fb); i++ {
		if fa[i] != fb[i] {
			if fa[i] < fb[i] {
				return -1
			}
			return 1
		}
	}
	return len(fa) - len(fb)
}

// sameText reports whether a check-in of content over old would store
// nothing new: equal bytes, or (unless the mode is o or b) equal but for
// keyword values.
func (f *File) sameText(old, content []byte) bool {
	if bytes.Equal(old, content) {
		return true
	}
	if m := f.Keyword(); m == ModeO || m == ModeB {
		return false
	}
	return bytes.Equal(collapseKeywords(old), collapseKeywords(content))
}

// kept is quoted, but keeps s itself (which must not change afterwards)
// when it needs no quoting: a new text is not copied.
func kept(s []byte) atString {
	if bytes.IndexByte(s, '@') < 0 {
		return atString{raw: s, off: -1}
	}
	return quoted(s)
}

func quoted(s []byte) atString {
	return atString{raw: quote(nil, s), off: -1, at: bytes.IndexByte(s, '@') >= 0}
}

// add registers a new delta, its text placed at index i of the delta
// texts (-1: at the end).
func (f *File) add(d *Delta, i int) {
	d.hasText = true
	f.deltas[d.Rev] = d
	f.nodes = append(f.nodes, d)
	if i < 0 || i > len(f.texts) {
		i = len(f.texts)
	}
	f.texts = append(f.texts[:i], append([]*Delta{d}, f.texts[i:]...)...)
}

func (f *File) textIndex(d *Delta) int {
	for i, t := range f.texts {
		if t == d {
			return i
		}
	}
	return len(f.texts)
}

func (f *File) lockIndex(rev string) int {
	for i, l := range f.Locks {
		if l.Rev == rev {
			return i
		}
	}
	return -1
}

// refresh parses the file again after a check-in, so that every text
// lives in one buffer and the delta order is canonical. Check-ins only mark
// the file stale: a check-in followed by a write costs one serialization.
func (f *File) refresh() error {
	if !f.stale {
		return nil
	}
	locks := f.Locks
	nf, err := Parse(f.Name, f.Bytes())
	if err != nil {
		return fmt.Errorf("internal error: rewritten file does not parse: %w", err)
	}
	nf.Locks, nf.mode = locks, f.mode
	*f = *nf
	return nil
}

// editScript returns the RCS edit script that turns a into b, as
// `diff -n a b` writes it. Only the lines between the identical first and
// last lines are split and compared: the identical ends are found by
// comparing bytes, and the script's line numbers counted past them.
func editScript(a, b []byte) []byte {
	pre, suf := identicalEnds(a, b)
	am, bm := diff.SplitLines(a[pre:len(a)-suf]), diff.SplitLines(b[pre:len(b)-suf])
	hs := diff.Lines(am, bm)
	if len(hs) > 0 {
		// AppendRCS takes the numbers from the A side and only the text
		// of the lines from the B side: only A's need the lines before.
		n := bytes.Count(a[:pre], []byte{'\n'})
		for i := range hs {
			hs[i].A0 += n
			hs[i].A1 += n
		}
	}
	return diff.AppendRCS(nil, nil, bm, hs)
}

// identicalEnds returns the sizes in bytes of the longest run of whole
// lines that a and b start with (pre) and of the longest that they end
// with after it (suf): what diff.Lines trims as its identical prefix and
// suffix. A last line without a newline is not equal to one with it.
func identicalEnds(a, b []byte) (pre, suf int) {
	n := min(len(a), len(b))
	same := 0
	for same < n {
		// Compare a block at a time, then find the byte that differs.
		k := min(n-same, 256)
		if bytes.Equal(a[same:same+k], b[same:same+k]) {
			same += k
			continue
		}
		for a[same] == b[same] {
			same++
		}
		break
	}
	pre = bytes.LastIndexByte(a[:same], '\n') + 1
	ra, rb := a[pre:], b[pre:]
	m, n := 0, min(len(ra), len(rb))
	for m < n {
		k := min(n-m, 256)
		if bytes.Equal(ra[len(ra)-m-k:len(ra)-m], rb[len(rb)-m-k:len(rb)-m]) {
			m += k
			continue
		}
		for ra[len(ra)-m-1] == rb[len(rb)-m-1] {
			m++
		}
		break
	}
	// The suffix starts at a line start of both: where the bytes before
	// are a newline in both (inside the identical run), or one side's
	// bytes run out and the other's byte before is a newline.
	s := len(ra) - m
	lineStart := func(r []byte, i int) bool { return i == 0 || r[i-1] == '\n' }
	if !lineStart(ra, s) || !lineStart(rb, len(rb)-m) {
		i := bytes.IndexByte(ra[s:], '\n')
		if i < 0 {
			return pre, 0
		}
		s += i + 1
	}
	return pre, len(ra) - s
}
