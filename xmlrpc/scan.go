package xmlrpc

import (
	"bytes"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// token kinds returned by scanner.next.
const (
	tokEOF   = iota
	tokStart // <name ...>
	tokEmpty // <name .../>
	tokEnd   // </name>
)

// A scanner is a small, zero-copy XML tokenizer for the subset XML-RPC
// uses: elements without meaningful attributes, character data with the
// five predefined entities and character references, CDATA sections,
// comments and processing instructions. DTDs are rejected, so there are no
// user-defined or external entities. Text is validated as XML 1.0 (UTF-8,
// Char production) and line ends are normalised as XML requires.
//
// The byte slices it returns alias either the input or its scratch buffer
// and are valid only until the next call.
type scanner struct {
	buf     []byte
	pos     int
	scratch []byte
}

// SyntaxError reports XML that is not well-formed or not valid XML-RPC,
// with the byte offset where the problem was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns the message with the byte offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("xmlrpc: %s (at byte %d)", e.Msg, e.Offset)
}

func (s *scanner) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

// prolog skips a byte-order mark, the XML declaration, comments and
// processing instructions before the root element. It transcodes UTF-16 and
// ISO-8859-1 documents to UTF-8 first.
func (s *scanner) prolog() error {
	b := s.buf
	// The declarations Python and most clients write, which the general
	// path below would skip with no other effect.
	for _, decl := range [...]string{"<?xml version='1.0'?>", `<?xml version="1.0"?>`} {
		if len(b) >= len(decl) && string(b[:len(decl)]) == decl {
			s.pos = len(decl)
			return s.misc()
		}
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		s.pos = 3
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		if err := s.fromUTF16(); err != nil {
			return err
		}
	}
	if bytes.HasPrefix(s.buf[s.pos:], []byte("<?xml")) && len(s.buf) > s.pos+5 && isSpace(s.buf[s.pos+5]) {
		end := bytes.Index(s.buf[s.pos:], []byte("?>"))
		if end < 0 {
			return s.errorf("unclosed XML declaration")
		}
		decl := s.buf[s.pos : s.pos+end]
		s.pos += end + 2
		if enc := declEncoding(decl); enc != "" {
			switch lower(enc) {
			case "utf-8", "utf8", "us-ascii", "ascii", "utf-16":
			case "iso-8859-1", "latin-1", "latin1", "iso8859-1":
				s.fromLatin1()
			default:
				return s.errorf("unsupported encoding %q", enc)
			}
		}
	}
	return s.misc()
}

// misc skips whitespace, comments and processing instructions outside the
// root element.
func (s *scanner) misc() error {
	for {
		for s.pos < len(s.buf) && isSpace(s.buf[s.pos]) {
			s.pos++
		}
		rest := s.buf[s.pos:]
		if len(rest) < 2 || rest[0] != '<' || rest[1] != '!' && rest[1] != '?' {
			return nil // what follows is none of the cases below
		}
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.skipComment(); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.skipPI(); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<!")):
			return s.errorf("DTDs and entity declarations are not allowed")
		default:
			return nil
		}
	}
}

// end checks that nothing but whitespace, comments and processing
// instructions follow the root element.
func (s *scanner) end() error {
	if err := s.misc(); err != nil {
		return err
	}
	if s.pos != len(s.buf) {
		return s.errorf("junk after document element")
	}
	return nil
}

func (s *scanner) skipComment() error {
	end := bytes.Index(s.buf[s.pos+4:], []byte("-->"))
	if end < 0 {
		return s.errorf("unclosed comment")
	}
	s.pos += 4 + end + 3
	return nil
}

func (s *scanner) skipPI() error {
	end := bytes.Index(s.buf[s.pos+2:], []byte("?>"))
	if end < 0 {
		return s.errorf("unclosed processing instruction")
	}
	s.pos += 2 + end + 2
	return nil
}

// next returns the next tag. Character data before it must have been
// consumed with text; next reports an error if any is left.
func (s *scanner) next() (kind int, name []byte, err error) {
	if s.pos >= len(s.buf) {
		return tokEOF, nil, nil
	}
	if s.buf[s.pos] != '<' {
		return 0, nil, s.errorf("unexpected character data")
	}
	p := s.pos + 1
	if p < len(s.buf) && s.buf[p] == '/' {
		p++
		start := p
		for p < len(s.buf) && isNameByte(s.buf[p]) {
			p++
		}
		name = s.buf[start:p]
		for p < len(s.buf) && isSpace(s.buf[p]) {
			p++
		}
		if len(name) == 0 || p >= len(s.buf) || s.buf[p] != '>' {
			return 0, nil, s.errorf("malformed end tag")
		}
		s.pos = p + 1
		return tokEnd, localName(name), nil
	}
	start := p
	for p < len(s.buf) && isNameByte(s.buf[p]) {
		p++
	}
	name = s.buf[start:p]
	if len(name) == 0 {
		return 0, nil, s.errorf("not well-formed (invalid token)")
	}
	// Attributes are checked for well-formedness and ignored.
	for {
		sp := p
		for p < len(s.buf) && isSpace(s.buf[p]) {
			p++
		}
		if p >= len(s.buf) {
			return 0, nil, s.errorf("unclosed token")
		}
		switch c := s.buf[p]; {
		case c == '>':
			s.pos = p + 1
			return tokStart, localName(name), nil
		case c == '/':
			if p+1 >= len(s.buf) || s.buf[p+1] != '>' {
				return 0, nil, s.errorf("not well-formed (invalid token)")
			}
			s.pos = p + 2
			return tokEmpty, localName(name), nil
		case sp == p:
			return 0, nil, s.errorf("not well-formed (invalid token)")
		}
		as := p
		for p < len(s.buf) && isNameByte(s.buf[p]) {
			p++
		}
		if as == p {
			return 0, nil, s.errorf("not well-formed (invalid token)")
		}
		for p < len(s.buf) && isSpace(s.buf[p]) {
			p++
		}
		if p >= len(s.buf) || s.buf[p] != '=' {
			return 0, nil, s.errorf("attribute without value")
		}
		p++
		for p < len(s.buf) && isSpace(s.buf[p]) {
			p++
		}
		if p >= len(s.buf) || s.buf[p] != '"' && s.buf[p] != '\'' {
			return 0, nil, s.errorf("attribute value not quoted")
		}
		q := s.buf[p]
		end := bytes.IndexByte(s.buf[p+1:], q)
		if end < 0 {
			return 0, nil, s.errorf("unclosed attribute value")
		}
		if bytes.IndexByte(s.buf[p+1:p+1+end], '<') >= 0 {
			return 0, nil, s.errorf("'<' in attribute value")
		}
		p += end + 2
	}
}

// endTag consumes optional whitespace and exactly "</name>" if they come
// next, and reports whether it did. It is the fast path of the common case;
// anything else is left for next to read and report.
func (s *scanner) endTag(name string) bool {
	p := s.pos
	for p < len(s.buf) && isSpace(s.buf[p]) {
		p++
	}
	rest := s.buf[p:]
	if len(rest) < len(name)+3 || rest[0] != '<' || rest[1] != '/' || rest[len(name)+2] != '>' || string(rest[2:2+len(name)]) != name {
		return false
	}
	s.pos = p + len(name) + 3
	return true
}

// lit consumes optional whitespace and exactly l if they come next, and
// reports whether it did: the fast path of the tags XML-RPC expects, as
// endTag is for end tags (the compiler compares l as a constant where lit is
// inlined). Anything else is left for next.
func (s *scanner) lit(l string) bool {
	p := s.pos
	for p < len(s.buf) && isSpace(s.buf[p]) {
		p++
	}
	if len(s.buf)-p < len(l) || string(s.buf[p:p+len(l)]) != l {
		return false
	}
	s.pos = p + len(l)
	return true
}

// intValue consumes "<value><int>N</int></value>" (or <i4>), optionally
// after whitespace, if that comes next, and returns N: the fast path of
// the integer arguments Python and most clients write. Anything else (an
// integer parseInt refuses included) is left in place for the decoder.
// intValue comes before the general path, so it must accept nothing the
// general path would refuse, and decode what it takes to the same value.
func (s *scanner) intValue() (int, bool) {
	p := s.pos
	for p < len(s.buf) && isSpace(s.buf[p]) {
		p++
	}
	rest := s.buf[p:]
	i4 := false
	switch {
	case len(rest) >= len("<value><int>") && string(rest[:len("<value><int>")]) == "<value><int>":
		rest = rest[len("<value><int>"):]
	case len(rest) >= len("<value><i4>") && string(rest[:len("<value><i4>")]) == "<value><i4>":
		rest, i4 = rest[len("<value><i4>"):], true
	default:
		return 0, false
	}
	// Only an optional sign and at most 18 digits, which cannot overflow:
	// anything else (spaces, entities, characters XML refuses, long
	// numbers) takes the general path and its checks.
	i, neg := 0, false
	if i < len(rest) && (rest[i] == '-' || rest[i] == '+') {
		neg = rest[i] == '-'
		i++
	}
	digits, n := i, 0
	for i < len(rest) && i-digits < 19 && rest[i] >= '0' && rest[i] <= '9' {
		n = n*10 + int(rest[i]-'0')
		i++
	}
	if i == digits || i-digits > 18 {
		return 0, false
	}
	// The end tags are compared as constants, one each.
	end := rest[i:]
	switch {
	case !i4 && len(end) >= len("</int></value>") && string(end[:len("</int></value>")]) == "</int></value>":
		end = end[len("</int></value>"):]
	case i4 && len(end) >= len("</i4></value>") && string(end[:len("</i4></value>")]) == "</i4></value>":
		end = end[len("</i4></value>"):]
	default:
		return 0, false
	}
	if neg {
		n = -n
	}
	s.pos = len(s.buf) - len(end)
	return n, true
}

// text consumes character data (with entity and character references,
// CDATA sections and comments) up to the next tag and returns it decoded.
func (s *scanner) text() ([]byte, error) {
	start := s.pos
	p := start
	for p < len(s.buf) {
		c := s.buf[p]
		if plainBytes[c] {
			p++
			continue
		}
		if c == '<' {
			if p+1 < len(s.buf) && s.buf[p+1] == '!' {
				return s.slowText(start)
			}
			s.pos = p
			return s.buf[start:p], nil
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRune(s.buf[p:])
			if r == utf8.RuneError && n <= 1 || r == 0xFFFE || r == 0xFFFF {
				return s.slowText(start) // reports the error
			}
			p += n
			continue
		}
		if c == '&' || c == '\r' || c == ']' || c < 0x20 && c != '\n' && c != '\t' {
			return s.slowText(start)
		}
		p++
	}
	s.pos = p
	return s.buf[start:p], nil
}

// slowText is text for data that needs decoding or checking.
func (s *scanner) slowText(start int) ([]byte, error) {
	out := s.scratch[:0]
	s.pos = start
	for s.pos < len(s.buf) {
		c := s.buf[s.pos]
		switch {
		case c == '<':
			rest := s.buf[s.pos:]
			switch {
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				end := bytes.Index(rest[9:], []byte("]]>"))
				if end < 0 {
					return nil, s.errorf("unclosed CDATA section")
				}
				data := rest[9 : 9+end]
				var err error
				if out, err = s.appendChars(out, data); err != nil {
					return nil, err
				}
				s.pos += 9 + end + 3
			case bytes.HasPrefix(rest, []byte("<!--")):
				if err := s.skipComment(); err != nil {
					return nil, err
				}
			case bytes.HasPrefix(rest, []byte("<?")):
				if err := s.skipPI(); err != nil {
					return nil, err
				}
			case bytes.HasPrefix(rest, []byte("<!")):
				return nil, s.errorf("DTDs and entity declarations are not allowed")
			default:
				s.scratch = out
				return out, nil
			}
		case c == '&':
			end := bytes.IndexByte(s.buf[s.pos:min(len(s.buf), s.pos+12)], ';')
			if end < 0 {
				return nil, s.errorf("not well-formed (invalid token)")
			}
			ref := s.buf[s.pos+1 : s.pos+end]
			var err error
			if out, err = s.appendRef(out, ref); err != nil {
				return nil, err
			}
			s.pos += end + 1
		case c == ']' && bytes.HasPrefix(s.buf[s.pos:], []byte("]]>")):
			return nil, s.errorf("']]>' in character data")
		default:
			// Copy a run of plain characters.
			e := s.pos + 1
			for e < len(s.buf) && s.buf[e] != '<' && s.buf[e] != '&' && s.buf[e] != ']' {
				e++
			}
			var err error
			if out, err = s.appendChars(out, s.buf[s.pos:e]); err != nil {
				return nil, err
			}
			s.pos = e
		}
	}
	s.scratch = out
	return out, nil
}

// appendChars appends raw character data to out, normalising CR and CRLF
// to LF and rejecting what XML 1.0 cannot carry.
func (s *scanner) appendChars(out, data []byte) ([]byte, error) {
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '\r':
			out = append(out, '\n')
			i++
			if i < len(data) && data[i] == '\n' {
				i++
			}
		case c < 0x20 && c != '\n' && c != '\t':
			return nil, s.errorf("not well-formed (invalid token): control character %#x", c)
		case c < 0x80:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, s.errorf("not well-formed (invalid UTF-8)")
			}
			if r == 0xFFFE || r == 0xFFFF {
				return nil, s.errorf("not well-formed (invalid token): U+%04X", r)
			}
			out = append(out, data[i:i+n]...)
			i += n
		}
	}
	return out, nil
}

// appendRef appends the character an entity or character reference (the
// text between & and ;) stands for.
func (s *scanner) appendRef(out, ref []byte) ([]byte, error) {
	switch string(ref) {
	case "lt":
		return append(out, '<'), nil
	case "gt":
		return append(out, '>'), nil
	case "amp":
		return append(out, '&'), nil
	case "quot":
		return append(out, '"'), nil
	case "apos":
		return append(out, '\''), nil
	}
	if len(ref) < 2 || ref[0] != '#' {
		return nil, s.errorf("undefined entity &%s;", ref)
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return nil, s.errorf("malformed character reference")
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return nil, s.errorf("malformed character reference")
		}
		r = r*rune(base) + d
		if r > utf8.MaxRune {
			return nil, s.errorf("reference to invalid character number")
		}
	}
	if !isXMLChar(r) {
		return nil, s.errorf("reference to invalid character number")
	}
	return utf8.AppendRune(out, r), nil
}

// fromUTF16 transcodes a UTF-16 document with a byte-order mark to UTF-8.
func (s *scanner) fromUTF16() error {
	b := s.buf
	if len(b)%2 != 0 {
		return s.errorf("odd length for UTF-16")
	}
	big := b[0] == 0xFE
	u := make([]uint16, 0, len(b)/2-1)
	for i := 2; i < len(b); i += 2 {
		if big {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			u = append(u, uint16(b[i+1])<<8|uint16(b[i]))
		}
	}
	out := make([]byte, 0, len(u))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	s.buf, s.pos = out, 0
	return nil
}

// fromLatin1 transcodes the rest of an ISO-8859-1 document to UTF-8.
func (s *scanner) fromLatin1() {
	rest := s.buf[s.pos:]
	out := make([]byte, 0, len(rest)+len(rest)/8)
	for _, c := range rest {
		out = utf8.AppendRune(out, rune(c))
	}
	s.buf, s.pos = out, 0
}

// declEncoding returns the encoding pseudo-attribute of an XML declaration.
func declEncoding(decl []byte) string {
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// localName strips a namespace prefix: ex:nil is nil.
func localName(name []byte) []byte {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == ':' {
			return name[i+1:]
		}
	}
	return name
}

func isSpace(c byte) bool { return spaceBytes[c] }

// spaceBytes marks XML whitespace: one load where four compares fail for
// every byte that is not.
var spaceBytes = [256]bool{' ': true, '\n': true, '\t': true, '\r': true}

func isNameByte(c byte) bool { return nameBytes[c] }

// nameBytes marks the bytes allowed in element and attribute names.
var nameBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == ':' || c >= 0x80
	}
	return t
}()

// plainBytes marks the bytes text takes as they are, with no check: ASCII
// characters but '<', '&', ']' and the controls other than tab and newline.
var plainBytes = func() (t [256]bool) {
	for c := 0; c < 0x80; c++ {
		t[c] = c >= 0x20 && c != '<' && c != '&' && c != ']' || c == '\n' || c == '\t'
	}
	return t
}()

// isXMLChar reports whether r is allowed in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// isBlank reports whether b is only XML whitespace.
func isBlank(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}
