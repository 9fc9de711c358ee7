package rcs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// File is a parsed RCS ,v file. Delta texts are kept @-quoted inside the
// file buffer and decoded only when a checkout needs them.
type File struct {
	Name    string   // the ,v path, used in errors and rlog output
	Head    string   // head revision, "" for a file without revisions
	Branch  string   // default branch, usually ""
	Access  []string // access list, in file order
	Symbols []Symbol // symbolic names, in file order (new ones go first)
	// Locks in GNU RCS's own list order, which is the reverse of the
	// order in the file (RCS reverses the list each time it rewrites it).
	Locks   []Lock
	Strict  bool   // strict locking
	Comment string // comment leader
	Expand  string // default keyword mode without the -k ("" means kv)
	Desc    string // description

	hasComment bool
	adminExtra [][]byte // unknown admin phrases, raw
	buf        []byte
	deltas     map[string]*Delta
	nodes      []*Delta // delta nodes in file order
	texts      []*Delta // delta texts in file order
	descEnd    int      // offset just after the desc string
	textsEnd   int      // offset just after the last delta text record, when all are read
	// textAt is the offset of the first delta text record not read yet
	// (see parse), -1 when all are read; textErr is the error that
	// reading them met.
	textAt  int
	textErr error
	// restStart and restEnd delimit the delta nodes after the head's that
	// a lazy parse checked but did not parse (see trunkNodes), restEnd 0
	// if none; restFirst is the first one's revision.
	restStart, restEnd int
	restFirst          string
	mode               os.FileMode // the permissions of the file read, 0 for a new one
	stale              bool        // a check-in happened; refresh before reading texts
}

// Symbol is a symbolic revision name.
type Symbol struct{ Name, Rev string }

// Lock is an RCS lock: Locker holds Rev.
type Lock struct{ Locker, Rev string }

// Delta is one revision.
type Delta struct {
	Rev      string
	Date     string // as stored: YY.MM.DD.hh.mm.ss or YYYY.MM.DD.hh.mm.ss, UTC
	Author   string
	State    string
	Branches []string // first revisions of the branches that start here
	Next     string   // trunk: the older revision; branch: the newer one
	CommitID string   // CVS commit id, "" if none

	// The fields below are kept small: a parse allocates one Delta per
	// revision, thousands of them.
	unknown   *phrases // unknown phrases, nil if none (the usual case)
	log, text atString
	off       int32 // offset of the node in the file
	// recStart and recEnd delimit the delta text record's raw bytes in
	// the file buffer, from just after the string before it to just after
	// its text (recEnd is 0 for a record not read from the buffer).
	recStart, recEnd int32
	// nodeStart and nodeEnd delimit the node in the file buffer, from
	// the newline before it, when it is in GNU RCS's layout (nodeEnd is
	// 0 otherwise).
	nodeStart, nodeEnd int32
	idx                int32 // index in File.nodes when parsed: a hint for nextOf
	file               *File // the file it was parsed from, which reads its text on demand
	hasText            bool
	seen               bool
}

// nextOf returns the delta d.Next names, or nil. GNU RCS writes each chain
// in order, so it tries the node after d in the file before the map.
func (f *File) nextOf(d *Delta) *Delta {
	if i := int(d.idx) + 1; i < len(f.nodes) && f.nodes[i].Rev == d.Next {
		return f.nodes[i]
	}
	return f.delta(d.Next)
}

// delta returns the delta of revision rev, or nil. It parses the nodes a
// lazy parse left unparsed (see trunkNodes) when rev may be one of them.
// Every read of f.deltas outside the parser goes through it.
func (f *File) delta(rev string) *Delta {
	if d := f.deltas[rev]; d != nil || f.restEnd == 0 {
		return d
	}
	// The nodes not parsed are trunk revisions lower than the head's
	// node, which comes first.
	if maj, min, ok := trunkNum(rev); ok {
		if hmaj, hmin, _ := trunkNum(f.nodes[0].Rev); maj < hmaj || maj == hmaj && min < hmin {
			f.loadNodes()
			return f.deltas[rev]
		}
	}
	return nil
}

// allNodes returns f.nodes, every node parsed (see trunkNodes).
func (f *File) allNodes() []*Delta {
	f.loadNodes()
	return f.nodes
}

// phrases are the unknown phrases of a delta, raw: those of its node and
// those of its text record.
type phrases struct{ node, text [][]byte }

// phrases returns d's unknown phrases.
func (d *Delta) phrases() phrases {
	if d.unknown == nil {
		return phrases{}
	}
	return *d.unknown
}

// addPhrase keeps an unknown phrase of d's node (or, if inText, of its
// text record).
func (d *Delta) addPhrase(raw []byte, inText bool) {
	if d.unknown == nil {
		d.unknown = &phrases{}
	}
	if inText {
		d.unknown.text = append(d.unknown.text, raw)
	} else {
		d.unknown.node = append(d.unknown.node, raw)
	}
}

// atString is the raw content of an @-quoted string, still quoted.
type atString struct {
	raw []byte
	off int32 // offset of raw in the file buffer, -1 for a new text
	at  bool  // raw contains "@@"
}

func (s atString) text() []byte {
	if !s.at {
		return s.raw
	}
	return unquote(nil, s.raw)
}

func unquote(dst, raw []byte) []byte {
	for {
		i := bytes.Index(raw, []byte("@@"))
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i+1]...)
		raw = raw[i+2:]
	}
}

func quote(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '@')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '@')
		s = s[i+1:]
	}
}

// Log returns the revision's log message ("" if its delta text record
// cannot be read).
func (d *Delta) Log() string { return string(d.logText()) }

// logText returns the log message, reading the delta text record first
// if it has not been read yet.
func (d *Delta) logText() []byte {
	if !d.hasText && d.file != nil {
		d.file.scanTexts(d)
	}
	return d.log.text()
}

// Delta returns the delta of revision rev, or nil.
func (f *File) Delta(rev string) *Delta { return f.delta(rev) }

// Deltas returns every delta in the file's (canonical) order.
func (f *File) Deltas() []*Delta {
	f.refresh()
	return f.allNodes()
}

// Keyword returns the file's default keyword mode ("kv" if none is set).
func (f *File) Keyword() string {
	if f.Expand == "" {
		return "kv"
	}
	return f.Expand
}

// fields splits a revision number.
func fields(rev string) []int {
	parts := strings.Split(rev, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out[i] = n
	}
	return out
}

// branchOf returns the branch number of a revision (1.2.1.3 -> 1.2.1).
func branchOf(rev string) string {
	if i := strings.LastIndexByte(rev, '.'); i >= 0 {
		return rev[:i]
	}
	return rev
}

// number turns sel, a revision number or a symbolic name, into a number,
// CVS's magic branch numbers made plain. undefined is the error's format
// (file, name) for a name that does not exist: GNU's commands word it
// differently.
func (f *File) number(sel, undefined string) (string, error) {
	rev := sel
	if !isNum(sel) {
		r, ok := f.symbolRev(sel)
		if !ok {
			return "", fmt.Errorf(undefined, f.Name, sel)
		}
		rev = r
	}
	if fields(rev) == nil {
		return "", fmt.Errorf("%s: bad revision number %s", f.Name, rev)
	}
	return unmagic(rev), nil
}

// Resolve turns a revision selector into a revision number: "" (the
// default branch's tip or the head), a revision, a branch number (its
// tip), a symbolic name, or a symbolic name of a branch ("1.2.0.2" magic
// numbers included).
func (f *File) Resolve(sel string) (string, error) {
	if sel == "" {
		if f.Branch != "" {
			return f.Resolve(f.Branch)
		}
		if f.Head == "" {
			return "", fmt.Errorf("%s: no revisions", f.Name)
		}
		return f.Head, nil
	}
	rev, err := f.number(sel, "%s: symbolic name %s is undefined")
	if err != nil {
		return "", err
	}
	fs := fields(rev)
	if len(fs)%2 == 0 {
		if f.delta(rev) == nil {
			return "", fmt.Errorf("%s: revision %s absent", f.Name, rev)
		}
		return rev, nil
	}
	// A branch: 1 field means the trunk's highest revision with that
	// major number; otherwise the tip of the branch.
	if len(fs) == 1 {
		best := ""
		for d := f.delta(f.Head); d != nil; d = f.nextOf(d) {
			if fields(d.Rev)[0] == fs[0] {
				best = d.Rev
				break
			}
		}
		if best == "" {
			return "", fmt.Errorf("%s: branch %s absent", f.Name, rev)
		}
		return best, nil
	}
	base := f.delta(branchOf(rev))
	if base == nil {
		return "", fmt.Errorf("%s: revision %s absent", f.Name, branchOf(rev))
	}
	if tip := f.branchTip(base, rev); tip != nil {
		return tip.Rev, nil
	}
	// A branch with no revisions yet checks out as its base.
	return base.Rev, nil
}

// branchTip returns the newest revision of branch br (like 1.2.1) that
// starts at base, or nil if there is none.
func (f *File) branchTip(base *Delta, br string) *Delta {
	for _, b := range base.Branches {
		if branchOf(b) == br {
			d := f.delta(b)
			for d.Next != "" {
				d = f.nextOf(d)
			}
			return d
		}
	}
	return nil
}

// path returns the deltas to apply to reach rev, starting with the head.
func (f *File) path(rev string) ([]*Delta, error) {
	target := f.delta(rev)
	if target == nil {
		return nil, fmt.Errorf("%s: revision %s absent", f.Name, rev)
	}
	fs := fields(rev)
	// Trunk down to the branch point (or the revision itself).
	trunkStop := rev
	if len(fs) > 2 {
		trunkStop = strings.Join(strings.Split(rev, ".")[:2], ".")
	}
	d := f.delta(f.Head)
	var out []*Delta
	if t := f.delta(trunkStop); d != nil && t != nil && t.idx > d.idx {
		// GNU RCS writes the trunk in order: the nodes between the head's
		// and trunkStop's are usually the path.
		out = make([]*Delta, 0, t.idx-d.idx+1)
	}
	for {
		if d == nil {
			return nil, fmt.Errorf("%s: revision %s is not on the trunk", f.Name, trunkStop)
		}
		out = append(out, d)
		if d.Rev == trunkStop {
			break
		}
		d = f.nextOf(d)
	}
	// Then each branch level.
	parts := strings.Split(rev, ".")
	for lvl := 4; lvl <= len(parts); lvl += 2 {
		br := strings.Join(parts[:lvl-1], ".")
		stop := strings.Join(parts[:lvl], ".")
		var first *Delta
		for _, b := range d.Branches {
			if branchOf(b) == br {
				first = f.delta(b)
			}
		}
		if first == nil {
			return nil, fmt.Errorf("%s: branch %s absent", f.Name, br)
		}
		for d = first; ; d = f.nextOf(d) {
			if d == nil {
				return nil, fmt.Errorf("%s: revision %s absent", f.Name, stop)
			}
			out = append(out, d)
			if d.Rev == stop {
				break
			}
		}
	}
	return out, nil
}

// span is a line of the file buffer (or of a new text), still @-quoted.
type span struct{ off, end uint32 }

// Checkout returns the stored content of revision rev (a number; see
// Resolve for names), without keyword expansion.
func (f *File) Checkout(rev string) ([]byte, error) { return f.checkout(rev, true) }

// checkout is Checkout; unless own is set, the result may share memory
// with the file (the head's text) and must not be changed.
func (f *File) checkout(rev string, own bool) ([]byte, error) {
	if err := f.refresh(); err != nil {
		return nil, err
	}
	path, err := f.path(rev)
	if err != nil {
		return nil, err
	}
	for _, d := range path {
		if err := f.scanTexts(d); err != nil {
			return nil, err
		}
	}
	head := path[0]
	if len(path) == 1 {
		if head.text.at || !own {
			return head.text.text(), nil
		}
		return bytes.Clone(head.text.raw), nil
	}
	// Room for the head's lines and a little more: most deltas add about
	// as many lines as they delete.
	n := bytes.Count(head.text.raw, []byte{'\n'}) + 1
	lines := splitSpans(make([]span, 0, n+n/8+16), head.text.raw, uint32(head.text.off))
	var tmp, adds []span
	var edits []edit
	for _, d := range path[1:] {
		edits, adds, err = f.parseScript(edits[:0], adds[:0], d, len(lines))
		if err != nil {
			return nil, err
		}
		if !applyInPlace(&lines, edits, adds) {
			tmp = applyCopy(tmp[:0], lines, edits, adds)
			lines, tmp = tmp, lines
		}
	}
	return f.render(lines), nil
}

func splitSpans(dst []span, text []byte, base uint32) []span {
	off := 0
	for off < len(text) {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			dst = append(dst, span{base + uint32(off), base + uint32(len(text))})
			break
		}
		dst = append(dst, span{base + uint32(off), base + uint32(off+i+1)})
		off += i + 1
	}
	return dst
}

// DeltaError says a delta's edit script cannot be applied.
type DeltaError struct {
	File   string
	Rev    string
	Offset int
	Msg    string
}

// Error gives the file, the offset, the revision and the problem.
func (e *DeltaError) Error() string {
	return fmt.Sprintf("%s: offset %d: delta text of %s: %s", e.File, e.Offset, e.Rev, e.Msg)
}

// edit is one command of a delta script: delete n lines from line l, or
// add the n lines adds[ai:ai+n] after line l.
type edit struct {
	add  bool
	l, n int
	ai   int
}

// parseScript parses and checks d's edit script against a text of nlines
// lines, appending the commands to edits and the added lines to adds.
func (f *File) parseScript(edits []edit, adds []span, d *Delta, nlines int) ([]edit, []span, error) {
	script := d.text.raw
	base := uint32(d.text.off)
	bad := func(at int, format string, args ...any) error {
		return &DeltaError{f.Name, d.Rev, int(d.text.off) + at, fmt.Sprintf(format, args...)}
	}
	pos := 0 // lines of the old text consumed
	i := 0
	for i < len(script) {
		cmdAt := i
		op := script[i]
		if op != 'a' && op != 'd' {
			return nil, nil, bad(cmdAt, "bad edit command %q", op)
		}
		l, n, next, ok := parseCmd(script, i+1)
		if !ok {
			return nil, nil, bad(cmdAt, "malformed edit command")
		}
		i = next
		if op == 'd' {
			if l < 1 || l-1 < pos {
				return nil, nil, bad(cmdAt, "d%d %d is out of order", l, n)
			}
			if l-1+n > nlines || n < 1 {
				return nil, nil, bad(cmdAt, "d%d %d is past the end of the text (%d lines)", l, n, nlines)
			}
			edits = append(edits, edit{l: l, n: n})
			pos = l - 1 + n
			continue
		}
		if l < pos {
			return nil, nil, bad(cmdAt, "a%d %d is out of order", l, n)
		}
		if l > nlines {
			return nil, nil, bad(cmdAt, "a%d %d is past the end of the text (%d lines)", l, n, nlines)
		}
		edits = append(edits, edit{add: true, l: l, n: n, ai: len(adds)})
		pos = l
		for k := 0; k < n; k++ {
			if i >= len(script) {
				return nil, nil, bad(cmdAt, "a%d %d: only %d lines follow", l, n, k)
			}
			end := len(script)
			if j := bytes.IndexByte(script[i:], '\n'); j >= 0 {
				end = i + j + 1
			}
			adds = append(adds, span{base + uint32(i), base + uint32(end)})
			i = end
		}
	}
	return edits, adds, nil
}

// applyInPlace applies edits to *lines without a second buffer when it
// can: whenever no added line would overwrite a line not yet read (a
// changed line is deleted before its replacement is added, so the usual
// delta moves nothing but the lines after a size change). It reports
// false, changing nothing, when it cannot.
func applyInPlace(lines *[]span, edits []edit, adds []span) bool {
	w, r := 0, 0 // next line written, next line read
	for _, e := range edits {
		if !e.add {
			w += e.l - 1 - r
			r = e.l - 1 + e.n
			continue
		}
		w += e.l - r + e.n
		r = e.l
		if w > r {
			return false
		}
	}
	ls := *lines
	move := func(k int) {
		if w != r {
			copy(ls[w:w+k], ls[r:r+k])
		}
		w += k
	}
	w, r = 0, 0
	for _, e := range edits {
		if !e.add {
			move(e.l - 1 - r)
			r = e.l - 1 + e.n
			continue
		}
		move(e.l - r)
		r = e.l
		w += copy(ls[w:w+e.n], adds[e.ai:e.ai+e.n])
	}
	move(len(ls) - r)
	*lines = ls[:w]
	return true
}

// applyCopy applies edits to src, appending the result to dst.
func applyCopy(dst, src []span, edits []edit, adds []span) []span {
	pos := 0
	for _, e := range edits {
		if !e.add {
			dst = append(dst, src[pos:e.l-1]...)
			pos = e.l - 1 + e.n
			continue
		}
		dst = append(dst, src[pos:e.l]...)
		pos = e.l
		dst = append(dst, adds[e.ai:e.ai+e.n]...)
	}
	return append(dst, src[pos:]...)
}

// parseCmd reads "L N\n" at script[i:].
func parseCmd(script []byte, i int) (l, n, next int, ok bool) {
	if l, i, ok = parseNum(script, i); !ok || i >= len(script) || script[i] != ' ' {
		return 0, 0, 0, false
	}
	if n, i, ok = parseNum(script, i+1); !ok || i >= len(script) || script[i] != '\n' {
		return 0, 0, 0, false
	}
	return l, n, i + 1, true
}

// parseNum reads a decimal number of at most 2^31 at script[i:].
func parseNum(script []byte, i int) (v, next int, ok bool) {
	start := i
	for i < len(script) && script[i] >= '0' && script[i] <= '9' {
		v = v*10 + int(script[i]-'0')
		if v > 1<<31 {
			return 0, i, false
		}
		i++
	}
	return v, i, i > start
}

// render concatenates lines, undoing the @ quoting.
func (f *File) render(lines []span) []byte {
	size := 0
	for _, s := range lines {
		size += int(s.end - s.off)
	}
	out := make([]byte, 0, size)
	for i := 0; i < len(lines); {
		// Lines that follow each other in the buffer are taken at once:
		// they are lines of one string, and an "@@" never spans two.
		start, end := lines[i].off, lines[i].end
		for i++; i < len(lines) && lines[i].off == end; i++ {
			end = lines[i].end
		}
		l := f.buf[start:end]
		if bytes.IndexByte(l, '@') < 0 {
			out = append(out, l...)
		} else {
			out = unquote(out, l)
		}
	}
	return out
}
