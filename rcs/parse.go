package rcs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// MaxFileSize is the largest ,v file Parse and Open accept. Lines are kept
// as offsets into the file buffer, so nothing larger than the file itself
// is ever allocated for a line, however long.
const MaxFileSize = 1 << 30

// A ParseError says where a ,v file is malformed.
type ParseError struct {
	File   string // the ,v file's name as given
	Offset int    // byte offset of the problem
	Msg    string
}

// Error gives the file, the offset and the problem.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s: offset %d: %s", e.File, e.Offset, e.Msg)
}

// Open reads and parses the ,v file at path. It reads the file with one
// read of the size fstat gives (a ,v file is replaced by rename, never
// written in place, so the size does not change under the reader).
func Open(path string) (*File, error) {
	f, fd, err := open(path, false)
	if fd != nil {
		fd.Close()
	}
	return f, err
}

// open is Open; lazy is parse's. It returns the file it read, still open
// (nil if it could not be opened), which the caller closes.
func open(path string, lazy bool) (*File, *os.File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := read(fd, path, lazy)
	return f, fd, err
}

// read reads and parses the ,v file open as fd: into a buffer from the
// heap, or, with MapFiles, by mapping it.
func read(fd *os.File, path string, lazy bool) (*File, error) {
	fi, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileSize {
		return nil, &ParseError{path, 0, fmt.Sprintf("file is %d bytes, more than the %d-byte limit", fi.Size(), MaxFileSize)}
	}
	// A mapping is never unmapped, so the File may point into it.
	buf := mapFile(fd, path, fi.Size())
	if buf == nil {
		// One byte more than the size, so that a file that grew is noticed.
		buf = make([]byte, fi.Size()+1)
		n, err := io.ReadFull(fd, buf)
		switch {
		case err == nil:
			return nil, fmt.Errorf("%s: file changed while it was read", path)
		case err != io.ErrUnexpectedEOF && err != io.EOF:
			return nil, err
		}
		buf = buf[:n:n]
	}
	f, err := parse(path, buf, lazy)
	if err != nil {
		return nil, err
	}
	f.mode = fi.Mode().Perm()
	return f, nil
}

// Parse parses the ,v file held in buf; name is used in errors. The File
// keeps buf (delta texts stay in it, still @-quoted, until they are
// needed): the caller must not change buf afterwards. Parse reads and
// checks the whole file: every delta node and every delta text record.
func Parse(name string, buf []byte) (*File, error) { return parse(name, buf, false) }

// parse is Parse; if lazy is set, the delta text records are read only
// when (and as far as) something needs them: a check-in needs the head's,
// which is the first. The rest stay unread in the buffer and, if nothing
// changes them, are written back as they are (as GNU RCS copies them);
// a damaged record is reported when a checkout, log or write reaches it.
func parse(name string, buf []byte, lazy bool) (*File, error) {
	if len(buf) > MaxFileSize {
		return nil, &ParseError{name, 0, fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(buf), MaxFileSize)}
	}
	p := newParser(name, buf)
	p.lazy = lazy
	f, err := p.file()
	if err != nil {
		return nil, err
	}
	if !lazy {
		if err := f.scanTexts(nil); err != nil {
			return nil, err
		}
	}
	if p.checked {
		return f, nil
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

func newParser(name string, buf []byte) *parser {
	p := &parser{name: name, buf: buf}
	if len(buf) > 0 {
		// buf does not change after Parse (see above), so the words can
		// share its memory instead of a copy of it.
		p.sbuf = unsafe.String(&buf[0], len(buf))
	}
	return p
}

type parser struct {
	name string
	buf  []byte
	pos  int
	// sbuf is buf as a string sharing its memory: words are substrings
	// of it, so parsing thousands of deltas allocates little.
	sbuf string
	slab []Delta // deltas are allocated 256 at a time
	// revAt and revEnd delimit the revision number that starts the next
	// delta node, once the end of the previous one has read it.
	revAt, revEnd int
	lazy          bool // parse's lazy: see trunkNodes
	// general makes file parse the nodes with nodes, not trunkNodes (for
	// tests that compare them); checked says trunkNodes checked them.
	general, checked bool
}

func (p *parser) errf(off int, format string, args ...any) error {
	return &ParseError{p.name, off, fmt.Sprintf(format, args...)}
}

// charClass marks white space (1) and the special characters (2) of the
// RCS grammar; everything else may appear in ids and nums.
var charClass = func() (t [256]byte) {
	for _, c := range " \t\n\r\v\f" {
		t[c] = 1
	}
	for _, c := range "$,:;@" {
		t[c] = 2
	}
	return t
}()

func isSpace(c byte) bool { return charClass[c] == 1 }

// isIDChar reports whether c may appear in an id, num or sym (anything but
// white space and the special characters $ , . : ; @; '.' is allowed in
// nums and ids alike here).
func isIDChar(c byte) bool { return charClass[c] == 0 }

func (p *parser) skipSpace() {
	for p.pos < len(p.buf) && isSpace(p.buf[p.pos]) {
		p.pos++
	}
}

// wordBytes returns the next id/num token, or nothing if the next thing
// is not one.
func (p *parser) wordBytes() []byte {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.buf) && isIDChar(p.buf[p.pos]) {
		p.pos++
	}
	return p.buf[start:p.pos]
}

// word is wordBytes as a string.
func (p *parser) word() string {
	b := p.wordBytes()
	if p.pos <= len(p.sbuf) {
		return p.sbuf[p.pos-len(b) : p.pos]
	}
	return string(b)
}

func (p *parser) peekByte() int {
	p.skipSpace()
	if p.pos >= len(p.buf) {
		return -1
	}
	return int(p.buf[p.pos])
}

func (p *parser) expect(c byte) error {
	p.skipSpace()
	if p.pos >= len(p.buf) {
		return p.errf(p.pos, "unexpected end of file, want %q", c)
	}
	if p.buf[p.pos] != c {
		return p.errf(p.pos, "want %q, found %q", c, p.buf[p.pos])
	}
	p.pos++
	return nil
}

func (p *parser) keyword(kw string) error {
	start := p.pos
	w := p.wordBytes()
	if string(w) != kw {
		if len(w) == 0 && p.pos >= len(p.buf) {
			return p.errf(start, "unexpected end of file, want %q", kw)
		}
		return p.errf(p.pos-len(w), "want %q, found %q", kw, w)
	}
	return nil
}

// at reports whether the input at the current position starts with s.
func (p *parser) at(s string) bool {
	return len(p.buf)-p.pos >= len(s) && string(p.buf[p.pos:p.pos+len(s)]) == s
}

// str reads an @-quoted string and returns its raw (still quoted) bytes.
func (p *parser) str() (atString, error) {
	p.skipSpace()
	if p.pos >= len(p.buf) || p.buf[p.pos] != '@' {
		if p.pos >= len(p.buf) {
			return atString{}, p.errf(p.pos, "unexpected end of file, want a @string@")
		}
		return atString{}, p.errf(p.pos, "want a @string@, found %q", p.buf[p.pos])
	}
	open := p.pos
	p.pos++
	start := p.pos
	at := false
	for {
		i := bytes.IndexByte(p.buf[p.pos:], '@')
		if i < 0 {
			return atString{}, p.errf(open, "unterminated @string (unbalanced @)")
		}
		p.pos += i + 1
		if p.pos < len(p.buf) && p.buf[p.pos] == '@' {
			at = true
			p.pos++
			continue
		}
		return atString{raw: p.buf[start : p.pos-1 : p.pos-1], off: int32(start), at: at}, nil
	}
}

// words reads ids/nums up to the ';' (which it consumes).
func (p *parser) words() ([]string, error) {
	var ws []string
	for {
		c := p.peekByte()
		if c == ';' {
			p.pos++
			return ws, nil
		}
		if c < 0 {
			return nil, p.errf(p.pos, "unexpected end of file, want ';'")
		}
		w := p.word()
		if w == "" {
			return nil, p.errf(p.pos, "unexpected %q", p.buf[p.pos])
		}
		ws = append(ws, w)
	}
}

// optWord reads an optional single word followed by ';'.
func (p *parser) optWord() (string, error) {
	if p.peekByte() == ';' {
		p.pos++
		return "", nil
	}
	w := p.word()
	if w == "" {
		if p.pos >= len(p.buf) {
			return "", p.errf(p.pos, "unexpected end of file, want ';'")
		}
		return "", p.errf(p.pos, "unexpected %q", p.buf[p.pos])
	}
	if err := p.expect(';'); err != nil {
		return "", err
	}
	return w, nil
}

// pairs reads "a:b" pairs up to ';'.
func (p *parser) pairs() ([][2]string, error) {
	var out [][2]string
	for {
		c := p.peekByte()
		if c == ';' {
			p.pos++
			return out, nil
		}
		a := p.word()
		if a == "" {
			if c < 0 {
				return nil, p.errf(p.pos, "unexpected end of file, want ';'")
			}
			return nil, p.errf(p.pos, "unexpected %q", p.buf[p.pos])
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		b := p.word()
		if b == "" {
			return nil, p.errf(p.pos, "want a revision number after %q:", a)
		}
		out = append(out, [2]string{a, b})
	}
}

// newphrase skips "id word* ;" and returns its raw bytes.
func (p *parser) newphrase() ([]byte, error) {
	start := p.pos
	for {
		c := p.peekByte()
		switch {
		case c < 0:
			return nil, p.errf(start, "unexpected end of file in a phrase")
		case c == ';':
			p.pos++
			return p.buf[start:p.pos], nil
		case c == '@':
			if _, err := p.str(); err != nil {
				return nil, err
			}
		case c == ':':
			p.pos++
		default:
			if len(p.wordBytes()) == 0 {
				return nil, p.errf(p.pos, "unexpected %q", p.buf[p.pos])
			}
		}
	}
}

// peekWord returns the next word without consuming it.
func (p *parser) peekWord() []byte {
	save := p.pos
	w := p.wordBytes()
	p.pos = save
	return w
}

func isNum[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

func (p *parser) file() (*File, error) {
	f := &File{Name: p.name, buf: p.buf}
	if err := p.keyword("head"); err != nil {
		return nil, err
	}
	var err error
	if f.Head, err = p.optWord(); err != nil {
		return nil, err
	}
	if string(p.peekWord()) == "branch" {
		p.wordBytes()
		if f.Branch, err = p.optWord(); err != nil {
			return nil, err
		}
	}
	if err := p.keyword("access"); err != nil {
		return nil, err
	}
	if f.Access, err = p.words(); err != nil {
		return nil, err
	}
	if err := p.keyword("symbols"); err != nil {
		return nil, err
	}
	syms, err := p.pairs()
	if err != nil {
		return nil, err
	}
	for _, s := range syms {
		f.Symbols = append(f.Symbols, Symbol{Name: s[0], Rev: s[1]})
	}
	if err := p.keyword("locks"); err != nil {
		return nil, err
	}
	locks, err := p.pairs()
	if err != nil {
		return nil, err
	}
	// RCS keeps locks in a list built by prepending: the reverse of the
	// file's order. It writes that list back in its own order.
	for i := len(locks) - 1; i >= 0; i-- {
		f.Locks = append(f.Locks, Lock{Locker: locks[i][0], Rev: locks[i][1]})
	}
	if string(p.peekWord()) == "strict" {
		p.wordBytes()
		if err := p.expect(';'); err != nil {
			return nil, err
		}
		f.Strict = true
	}
	// Optional admin phrases, then deltas (which start with a num) or desc.
	for {
		start := p.pos
		w := string(p.peekWord())
		switch {
		case w == "comment" || w == "expand":
			p.wordBytes()
			var s atString
			if p.peekByte() == '@' {
				if s, err = p.str(); err != nil {
					return nil, err
				}
			}
			if err := p.expect(';'); err != nil {
				return nil, err
			}
			if w == "comment" {
				f.Comment = string(s.text())
				f.hasComment = true
			} else {
				f.Expand = string(s.text())
			}
			continue
		case w == "desc" || isNum(w):
		case w == "":
			if p.pos >= len(p.buf) {
				return nil, p.errf(p.pos, "unexpected end of file in the admin section")
			}
			return nil, p.errf(p.pos, "unexpected %q in the admin section", p.buf[p.pos])
		default:
			raw, err := p.newphrase()
			if err != nil {
				return nil, err
			}
			_ = start
			f.adminExtra = append(f.adminExtra, raw)
			continue
		}
		break
	}
	// Delta nodes. The head's number tells how many there are, usually:
	// the nodes (and the texts) are allocated at once for that many.
	if !p.general && p.trunkNodes(f, !p.lazy) {
		p.checked = true
	} else if err := p.nodes(f); err != nil {
		return nil, err
	}
	if err := p.keyword("desc"); err != nil {
		return nil, err
	}
	desc, err := p.str()
	if err != nil {
		return nil, err
	}
	f.Desc = string(desc.text())
	f.descEnd = p.pos
	f.textAt = p.pos
	return f, nil
}

// nodes parses the delta nodes from p.pos on into f.nodes and builds
// f.deltas. If f.nodes holds nodes already (see trunkNodes), p.pos is at
// the end of the last one's header, and the parse goes on from there.
func (p *parser) nodes(f *File) error {
	more := isNum(p.peekWord())
	if len(f.nodes) > 0 {
		// trunkNodes parsed these: what follows the last is read here.
		var err error
		if more, err = p.nodeTail(f.nodes[len(f.nodes)-1]); err != nil {
			return err
		}
	} else if n := p.nodeEstimate(f.Head); n > 0 {
		p.slab = make([]Delta, 0, n)
		f.nodes = make([]*Delta, 0, n)
		f.texts = make([]*Delta, 0, n)
	}
	for more {
		d, m, err := p.delta()
		if err != nil {
			return err
		}
		more = m
		d.idx = int32(len(f.nodes))
		d.file = f
		f.nodes = append(f.nodes, d)
	}
	f.deltas = make(map[string]*Delta, len(f.nodes))
	for _, d := range f.nodes {
		f.deltas[d.Rev] = d
	}
	if len(f.deltas) != len(f.nodes) {
		// A revision appears twice: name its second node.
		seen := make(map[string]bool, len(f.nodes))
		for _, d := range f.nodes {
			if seen[d.Rev] {
				return p.errf(int(d.off), "revision %s appears twice", d.Rev)
			}
			seen[d.Rev] = true
		}
	}
	return nil
}

// trunkNodes reads the delta nodes of a file that is one trunk in GNU
// RCS's layout, as a file without branches is:
//
//	\nREV\ndate\tDATE;\tauthor ID;\tstate ID;\nbranches;\nnext\tREV;\n
//
// for each node, the head's first, each node's next the one after it,
// every number a valid trunk number lower than the one before, the last
// node's next empty and desc after it. Such nodes are checked byte by
// byte, which also checks the graph (check has nothing to find). If all
// is set, they are parsed in the same pass into f.nodes and f.deltas.
// Otherwise (the lazy parse of Update) only the head's is: the rest stay
// in the buffer as f.buf[f.restStart:f.restEnd] until something needs
// them (see File.loadNodes); a check-in on the trunk does not, and the
// writer copies them as they are. A full parse would find the same nodes;
// for anything else trunkNodes reports false, consuming nothing, and the
// nodes are parsed by nodes.
//
// If all is set and the nodes turn out not to be such a trunk, the nodes
// parsed before the first that is not are kept in f.nodes, p.pos is left
// at the end of the last one's header, and nodes goes on from there.
func (p *parser) trunkNodes(f *File, all bool) bool {
	start := p.pos
	head := Delta{off: int32(p.pos)}
	if !p.fastHeader(&head) || head.nodeEnd == 0 || head.Rev != f.Head || head.Next == "" {
		p.pos = start
		return false
	}
	var slab []Delta
	var rest *[]Delta
	if all {
		slab = make([]Delta, 1, p.nodeEstimate(f.Head)+1)
		rest = &slab
	} else {
		slab = make([]Delta, 1)
	}
	slab[0] = head
	end, ok := p.scanTrunk(int(head.nodeEnd), head.Rev, head.Next, rest)
	if !ok && !all {
		p.pos, p.revAt, p.revEnd = start, 0, 0
		return false
	}
	f.nodes = make([]*Delta, len(slab), cap(slab)+4)
	f.texts = make([]*Delta, 0, cap(slab)+4)
	for i := range slab {
		d := &slab[i]
		d.idx, d.file = int32(i), f
		f.nodes[i] = d
	}
	if !ok {
		// Where the general parser stands after the last node's header.
		p.pos, p.revAt, p.revEnd = int(slab[len(slab)-1].nodeEnd)-1, 0, 0
		p.slab = slab
		return false
	}
	p.pos = end
	f.deltas = make(map[string]*Delta, len(slab))
	for _, d := range f.nodes {
		f.deltas[d.Rev] = d
	}
	if !all {
		f.restStart, f.restEnd, f.restFirst = int(head.nodeEnd), end, head.Next
	}
	return true
}

// scanTrunk checks the nodes from i on as trunkNodes says, the first
// being want's and the one before them prev's, appending them to nodes
// unless it is nil. It returns the end of the last node.
func (p *parser) scanTrunk(i int, prev, want string, nodes *[]Delta) (int, bool) {
	b := p.buf
	pmaj, pmin, ok := trunkNum(prev)
	if !ok {
		return 0, false
	}
	var mid []byte              // "\tauthor ID;\tstate ID;\nbranches;\nnext\t" of the node before
	var authorLen, stateLen int // the lengths of its ID's
	for {
		maj, min, ok := trunkNum(want)
		if !ok || maj > pmaj || maj == pmaj && min >= pmin {
			return 0, false
		}
		pmaj, pmin = maj, min
		// "\nREV\n"
		start := i
		if len(b)-i < len(want)+2 || b[i] != '\n' || string(b[i+1:i+1+len(want)]) != want || b[i+1+len(want)] != '\n' {
			return 0, false
		}
		i += len(want) + 2
		dateAt := i + len("date\t")
		if gnuDateAt(b, i) {
			i += gnuDateLen
		} else if i, ok = idField(b, i, "date\t", ';'); ok {
			i++
		} else {
			return 0, false
		}
		dateEnd := i - 1
		// The author and state are usually those of the node before:
		// the same bytes, checked there, are taken at once.
		from := i
		if mid != nil && len(b)-i > len(mid) && string(b[i:i+len(mid)]) == string(mid) {
			i += len(mid)
		} else {
			if i, ok = idField(b, i, "\tauthor ", ';'); !ok {
				return 0, false
			}
			authorLen = i - from - len("\tauthor ")
			stateAt := i + 1
			if i, ok = idField(b, i+1, "\tstate ", ';'); !ok {
				return 0, false
			}
			stateLen = i - stateAt - len("\tstate ")
			i += 1 + len("\nbranches;\nnext\t")
			if len(b) < i || string(b[i-len("\nbranches;\nnext\t"):i]) != "\nbranches;\nnext\t" {
				return 0, false
			}
			mid = b[from:i]
		}
		nextAt := i
		for i < len(b) && isIDChar(b[i]) {
			i++
		}
		if i+1 >= len(b) || b[i] != ';' || b[i+1] != '\n' {
			return 0, false
		}
		rev := want
		want, i = p.sbuf[nextAt:i], i+2
		if nodes != nil {
			authorAt := from + len("\tauthor ")
			stateAt := authorAt + authorLen + len(";\tstate ")
			// Set in place, in the slot the slab has zeroed: a Delta
			// is large, and building one to copy it costs more.
			if len(*nodes) == cap(*nodes) {
				*nodes = slices.Grow(*nodes, 256)
			}
			*nodes = (*nodes)[:len(*nodes)+1]
			d := &(*nodes)[len(*nodes)-1]
			d.Rev, d.Date, d.Next = rev, p.sbuf[dateAt:dateEnd], want
			d.Author = p.sbuf[authorAt : authorAt+authorLen]
			d.State = p.sbuf[stateAt : stateAt+stateLen]
			d.off, d.nodeStart, d.nodeEnd = int32(start+1), int32(start), int32(i)
		}
		if want == "" {
			break
		}
	}
	// desc, not another node, must follow.
	j := i
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if len(b)-j < len("desc")+1 || string(b[j:j+4]) != "desc" || isIDChar(b[j+4]) {
		return 0, false
	}
	return i, true
}

// trunkNum splits a trunk revision number (two fields, each of 1 to 9
// digits: what validRev accepts with two fields).
func trunkNum(rev string) (maj, min int, ok bool) {
	field := 0
	digits := 0
	for i := 0; i < len(rev); i++ {
		c := rev[i]
		switch {
		case c >= '0' && c <= '9' && digits < 9:
			min = min*10 + int(c-'0')
			digits++
		case c == '.' && field == 0 && digits > 0:
			maj, min, digits, field = min, 0, 0, 1
		default:
			return 0, 0, false
		}
	}
	return maj, min, field == 1 && digits > 0
}

// loadNodes parses the delta nodes that trunkNodes left unparsed, if any,
// with the pass that checked them: they go after the head's node, before
// the nodes added since. They were checked, so this cannot fail; if it
// did, the error would be kept as reading the delta texts' is (every
// later read of a text reports it), and the nodes would stay unparsed,
// still written as they are.
func (f *File) loadNodes() {
	if f.restEnd == 0 {
		return
	}
	p := newParser(f.Name, f.buf)
	rest := make([]Delta, 0, p.nodeEstimate(f.restFirst))
	end, ok := p.scanTrunk(f.restStart, f.nodes[0].Rev, f.restFirst, &rest)
	if !ok || end != f.restEnd {
		if f.textErr == nil {
			f.textErr = fmt.Errorf("internal error: %w", p.errf(f.restStart, "the delta nodes checked before do not parse"))
		}
		return
	}
	f.restStart, f.restEnd, f.restFirst = 0, 0, ""
	added := f.nodes[1:]
	nodes := make([]*Delta, 0, 1+len(rest)+len(added))
	nodes = append(nodes, f.nodes[0])
	for i := range rest {
		nodes = append(nodes, &rest[i])
	}
	nodes = append(nodes, added...)
	for i, d := range nodes {
		d.idx = int32(i)
		d.file = f
		f.deltas[d.Rev] = d
	}
	f.nodes = nodes
}

// scanTexts reads delta text records from where the last scan stopped
// until want has its text (want nil: to the end of the file). When it
// reaches the end it checks that every delta has a text. An error is
// kept: every later call returns it.
func (f *File) scanTexts(want *Delta) error {
	if f.textErr != nil {
		return f.textErr
	}
	if f.textAt < 0 || (want != nil && want.hasText) {
		return nil
	}
	p := newParser(f.Name, f.buf)
	p.pos = f.textAt
	done, err := p.texts(f, want)
	f.textAt = p.pos
	if err == nil && done {
		f.textAt = -1
		for _, d := range f.allNodes() {
			if !d.hasText {
				err = &ParseError{f.Name, int(d.off), fmt.Sprintf("revision %s has no delta text", d.Rev)}
				break
			}
		}
	}
	f.textErr = err
	return err
}

// loadTexts reads every delta text record not read yet.
func (f *File) loadTexts() error {
	f.loadNodes()
	return f.scanTexts(nil)
}

// texts reads delta text records until want's has been read (then it
// reports false) or to the end of the file (true). Each record's raw
// bytes, from just after the string before it (the desc or the previous
// record's text) to the end of its text, are noted: written back
// unchanged they are copied as they are, whitespace included, as GNU RCS
// copies the records it does not change (CVS's layout has other spacing).
func (p *parser) texts(f *File, want *Delta) (done bool, err error) {
	for {
		start := p.pos
		p.skipSpace()
		if p.pos >= len(p.buf) {
			f.textsEnd = start
			return true, nil
		}
		off := p.pos
		rev := p.wordBytes()
		if !isNum(rev) {
			return false, p.errf(off, "want a revision number for a delta text, found %q", rev)
		}
		// Texts usually come in the order of the nodes: try that before
		// the map.
		var d *Delta
		if k := len(f.texts); k < len(f.nodes) && f.nodes[k].Rev == string(rev) {
			d = f.nodes[k]
		} else {
			d = f.delta(string(rev))
		}
		if d == nil {
			return false, p.errf(off, "delta text for %s, which is not in the delta list", rev)
		}
		if d.hasText {
			return false, p.errf(off, "second delta text for %s", rev)
		}
		// GNU RCS's own layout ("\nlog\n@", "\ntext\n@") is taken in one
		// step; anything else goes through the tokenizer.
		if p.at("\nlog\n@") {
			p.pos += len("\nlog\n")
		} else if err := p.keyword("log"); err != nil {
			return false, err
		}
		if d.log, err = p.str(); err != nil {
			return false, err
		}
		if p.at("\ntext\n@") {
			p.pos += len("\ntext\n")
		} else {
			for string(p.peekWord()) != "text" {
				if p.peekByte() < 0 {
					return false, p.errf(p.pos, "unexpected end of file, want \"text\"")
				}
				raw, err := p.newphrase()
				if err != nil {
					return false, err
				}
				d.addPhrase(raw, true)
			}
			p.wordBytes()
		}
		if d.text, err = p.str(); err != nil {
			return false, err
		}
		d.hasText = true
		f.texts = append(f.texts, d)
		d.recStart, d.recEnd = int32(start), int32(p.pos)
		if d == want {
			return false, nil
		}
	}
}

// nodeEstimate guesses the number of delta nodes from the head's number
// (1.1000 usually has 999 before it on the trunk), bounded by what the
// rest of the file can hold (a node takes more than 40 bytes). Branch
// nodes beyond it get slabs of 256 (see delta): a larger guess would make
// every file without branches pay for memory it does not use.
func (p *parser) nodeEstimate(head string) int {
	i := strings.LastIndexByte(head, '.')
	n, err := strconv.Atoi(head[i+1:])
	if err != nil || n <= 0 {
		return 0
	}
	return min(n+8, (len(p.buf)-p.pos)/40+1)
}

// delta reads a delta node; more reports whether another follows.
func (p *parser) delta() (d *Delta, more bool, err error) {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]Delta, 0, 256)
	}
	p.slab = p.slab[:len(p.slab)+1] // the new slot is already zero
	d = &p.slab[len(p.slab)-1]
	d.off = int32(p.pos)
	if p.fastHeader(d) {
		goto tail
	}
	d.Rev = p.word()
	if err := p.keyword("date"); err != nil {
		return nil, false, err
	}
	if d.Date, err = p.optWord(); err != nil {
		return nil, false, err
	}
	if err := p.keyword("author"); err != nil {
		return nil, false, err
	}
	if d.Author, err = p.optWord(); err != nil {
		return nil, false, err
	}
	if err := p.keyword("state"); err != nil {
		return nil, false, err
	}
	if d.State, err = p.optWord(); err != nil {
		return nil, false, err
	}
	if err := p.keyword("branches"); err != nil {
		return nil, false, err
	}
	if d.Branches, err = p.words(); err != nil {
		return nil, false, err
	}
	if err := p.keyword("next"); err != nil {
		return nil, false, err
	}
	if d.Next, err = p.optWord(); err != nil {
		return nil, false, err
	}
tail:
	more, err = p.nodeTail(d)
	if err != nil {
		return nil, false, err
	}
	return d, more, nil
}

// nodeTail reads what follows d's header up to the next node (more is
// set) or desc: CVS's commitid and unknown phrases.
func (p *parser) nodeTail(d *Delta) (more bool, err error) {
	for {
		w := p.peekWord()
		if num := isNum(w); num || string(w) == "desc" {
			if num {
				// fastHeader takes the number from here.
				p.skipSpace()
				p.revAt, p.revEnd = p.pos, p.pos+len(w)
			}
			return num, nil
		}
		if len(w) == 0 {
			if p.pos >= len(p.buf) {
				return false, p.errf(p.pos, "unexpected end of file in delta %s", d.Rev)
			}
			return false, p.errf(p.pos, "unexpected %q in delta %s", p.buf[p.pos], d.Rev)
		}
		d.nodeEnd = 0 // not GNU's layout
		if string(w) == "commitid" {
			p.wordBytes()
			if d.CommitID, err = p.optWord(); err != nil {
				return false, err
			}
			continue
		}
		raw, err := p.newphrase()
		if err != nil {
			return false, err
		}
		d.addPhrase(raw, false)
	}
}

// fastHeader parses a delta node written in GNU RCS's own layout
//
//	REV\ndate\tDATE;\tauthor ID;\tstate ID;\nbranches;\nnext\tREV;\n
//
// in a few fixed-size steps instead of token by token. It reports false,
// consuming nothing, for anything else (CVS's layout, branches, odd
// spacing), which the general parser then reads.
func (p *parser) fastHeader(d *Delta) bool {
	p.skipSpace()
	start := p.pos
	b := p.buf
	i := start
	// field reads prefix, an id (possibly empty) and the end byte at i,
	// and moves i past them.
	field := func(prefix string, end byte) (string, bool) {
		j, ok := idField(b, i, prefix, end)
		if !ok {
			return "", false
		}
		s := p.sbuf[i+len(prefix) : j]
		i = j + 1
		return s, true
	}
	var ok bool
	if p.revAt == start && start < p.revEnd && p.revEnd < len(b) && b[p.revEnd] == '\n' {
		// The previous node's tail has read this number already.
		d.Rev, i = p.sbuf[start:p.revEnd], p.revEnd+1
	} else if d.Rev, ok = field("", '\n'); !ok || !isNum(d.Rev) {
		return false
	}
	// A date as GNU RCS writes it since 2000 is checked 8 bytes at a
	// time; any other goes through field.
	if gnuDateAt(b, i) {
		d.Date, i = p.sbuf[i+5:i+gnuDateLen-1], i+gnuDateLen
	} else if d.Date, ok = field("date\t", ';'); !ok {
		return false
	}
	if d.Author, ok = field("\tauthor ", ';'); !ok {
		return false
	}
	if d.State, ok = field("\tstate ", ';'); !ok {
		return false
	}
	if d.Next, ok = field("\nbranches;\nnext\t", ';'); !ok || (d.Next != "" && !isNum(d.Next)) {
		return false
	}
	if start > 0 && b[start-1] == '\n' && i < len(b) && b[i] == '\n' {
		d.nodeStart, d.nodeEnd = int32(start-1), int32(i+1)
	}
	p.pos = i
	return true
}

// idField reads, at b[i:], prefix, an id (possibly empty) and the end
// byte; it returns the id's end, where the end byte is. The ids of a node
// are short: one loop both finds the end and checks the id, cheaper than
// a memchr call followed by a check.
func idField(b []byte, i int, prefix string, end byte) (int, bool) {
	if len(b)-i < len(prefix) || string(b[i:i+len(prefix)]) != prefix {
		return 0, false
	}
	j := i + len(prefix)
	for j < len(b) && isIDChar(b[j]) {
		j++
	}
	return j, j < len(b) && b[j] == end
}

// gnuDateLen is the length of a node's date field as GNU RCS writes it
// since 2000 (YYYY.MM.DD.hh.mm.ss).
const gnuDateLen = len("date\t2006.01.02.15.04.05;")

// gnuDateAt reports whether b[i:] starts with such a date field.
func gnuDateAt(b []byte, i int) bool {
	return len(b)-i >= gnuDateLen && string(b[i:i+5]) == "date\t" && b[i+gnuDateLen-1] == ';' && dateBytes(b[i+5:i+gnuDateLen-1])
}

// dateBytes reports whether the 19 bytes of s are all digits, '.' or '/'
// (bytes 0x2e to 0x39, all of which may appear in an id), checking them
// 8 at a time with word arithmetic: three overlapping words cover them.
func dateBytes(s []byte) bool {
	if len(s) != 19 {
		return false
	}
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	in := func(x uint64) bool {
		// With no byte's high bit set, adding 0x80-lo to each byte sets
		// its high bit exactly when the byte is at least lo, and no
		// byte carries into the next.
		return x&high == 0 && (x+(0x80-0x2e)*ones)&high == high && (x+(0x80-0x3a)*ones)&high == 0
	}
	return in(binary.LittleEndian.Uint64(s)) && in(binary.LittleEndian.Uint64(s[8:])) && in(binary.LittleEndian.Uint64(s[11:]))
}

// check verifies that the revision graph is consistent: every revision
// named exists and has a text, next chains end, branches start where they
// should.
func (f *File) check() error {
	bad := func(d *Delta, format string, args ...any) error {
		off := 0
		if d != nil {
			off = int(d.off)
		}
		return &ParseError{f.Name, off, fmt.Sprintf(format, args...)}
	}
	if f.Head != "" && f.deltas[f.Head] == nil {
		return bad(nil, "head %s is not in the delta list", f.Head)
	}
	for _, d := range f.nodes {
		if !validRev(d.Rev) {
			return bad(d, "bad revision number %q", d.Rev)
		}
		if d.Next != "" && f.nextOf(d) == nil {
			return bad(d, "revision %s: next %s is not in the delta list", d.Rev, d.Next)
		}
		for _, b := range d.Branches {
			if f.deltas[b] == nil {
				return bad(d, "revision %s: branch %s is not in the delta list", d.Rev, b)
			}
		}
	}
	// Every chain must end: walk each from its start with a step bound.
	seen := func(d *Delta) bool { return d.seen }
	var walk func(start *Delta) error
	walk = func(start *Delta) error {
		for d := start; d != nil; {
			if seen(d) {
				return bad(d, "revision %s is reached twice (a cycle in next or branches)", d.Rev)
			}
			d.seen = true
			for _, b := range d.Branches {
				if err := walk(f.deltas[b]); err != nil {
					return err
				}
			}
			if d.Next == "" {
				break
			}
			d = f.nextOf(d)
		}
		return nil
	}
	if f.Head != "" {
		if err := walk(f.deltas[f.Head]); err != nil {
			return err
		}
	}
	for _, d := range f.nodes {
		if !seen(d) {
			return bad(d, "revision %s cannot be reached from the head", d.Rev)
		}
	}
	return nil
}

// validRev reports whether s is a revision number: an even count of
// decimal fields of at most 9 digits.
func validRev(s string) bool {
	n, digits := 1, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if digits == 0 {
				return false
			}
			n, digits = n+1, 0
		case c >= '0' && c <= '9':
			digits++
			if digits > 9 {
				return false
			}
		default:
			return false
		}
	}
	return digits > 0 && n%2 == 0
}
