package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"time"
)

// DefaultMaxDepth is how deeply arrays and structs may nest by default.
const DefaultMaxDepth = 256

// A Call is a decoded <methodCall>.
type Call struct {
	Method string
	Params []any
}

// decoder turns XML-RPC documents into Go values:
//
//	<int> <i4> <i1> <i2> <i8> <biginteger>  int (64-bit; larger is an error)
//	<boolean>                               bool
//	<string>, bare <value>text</value>      string
//	<double> <float>                        float64
//	<dateTime.iso8601>                      time.Time (UTC when no zone is given)
//	<base64>                                []byte
//	<struct>                                map[string]any
//	<array>                                 []any
//	<nil/> <ex:nil/>                        nil
type decoder struct {
	s        scanner
	depth    int
	maxDepth int
	names    map[string]string // interned struct member names
	method   []byte            // the method name of the last call decoded
	params   []any             // the parameters of the last call decoded
}

// maxInterned bounds the interned member names of one decoder.
const maxInterned = 512

// name returns b as a string, sharing one copy of names seen before.
func (d *decoder) name(b []byte) string {
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.names == nil {
		d.names = map[string]string{}
	}
	if len(d.names) < maxInterned {
		d.names[s] = s
	}
	return s
}

func newDecoder(body []byte, maxDepth int) *decoder {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	return &decoder{s: scanner{buf: body}, maxDepth: maxDepth}
}

// ParseCall decodes a <methodCall> document.
func ParseCall(body []byte) (*Call, error) {
	d := newDecoder(body, 0)
	if err := d.call(); err != nil {
		return nil, err
	}
	return &Call{Method: string(d.method), Params: d.params}, nil
}

// call decodes a <methodCall> into d.method and d.params, reusing their
// storage.
func (d *decoder) call() error {
	if err := d.s.prolog(); err != nil {
		return err
	}
	if !d.s.lit("<methodCall>") {
		if err := d.rootTag("methodCall"); err != nil {
			return err
		}
	}
	d.method, d.params = d.method[:0], d.params[:0]
	haveName := false
	for {
		// The usual tags first, as tag would return them.
		switch {
		case d.s.lit("<methodName>"):
			t, err := d.s.text()
			if err != nil {
				return err
			}
			if !d.s.lit("</methodName>") {
				if t, err = d.leafEnd("methodName", t); err != nil {
					return err
				}
			}
			d.method, haveName = append(d.method[:0], t...), true
			continue
		case d.s.lit("<params>"):
			var err error
			if d.params, err = d.paramList(d.params[:0]); err != nil {
				return err
			}
			continue
		case d.s.lit("</methodCall>"):
			if !haveName {
				return d.s.errorf("<methodCall> without <methodName>")
			}
			return d.s.end()
		}
		kind, name, err := d.tag()
		if err != nil {
			return err
		}
		switch {
		case kind == tokEnd && string(name) == "methodCall":
			if !haveName {
				return d.s.errorf("<methodCall> without <methodName>")
			}
			return d.s.end()
		case kind == tokStart && string(name) == "methodName":
			t, err := d.leaf("methodName")
			if err != nil {
				return err
			}
			d.method, haveName = append(d.method[:0], t...), true
		case kind == tokEmpty && string(name) == "params":
		case kind == tokStart && string(name) == "params":
			if d.params, err = d.paramList(d.params[:0]); err != nil {
				return err
			}
		default:
			return d.unexpected(kind, name, "in <methodCall>")
		}
	}
}

// ParseResponse decodes a <methodResponse> document: its one value, or the
// *Fault it carries (as the error).
func ParseResponse(body []byte) (any, error) {
	return parseResponse(newDecoder(body, 0))
}

func parseResponse(d *decoder) (any, error) {
	if err := d.root("methodResponse"); err != nil {
		return nil, err
	}
	var (
		result any
		fault  *Fault
		n      int
	)
	for {
		kind, name, err := d.tag()
		if err != nil {
			return nil, err
		}
		switch {
		case kind == tokEnd && string(name) == "methodResponse":
			if err := d.s.end(); err != nil {
				return nil, err
			}
			if fault != nil {
				return nil, fault
			}
			if n != 1 {
				return nil, d.s.errorf("<methodResponse> with %d values, want 1", n)
			}
			return result, nil
		case kind == tokStart && string(name) == "params":
			ps, err := d.paramList(nil)
			if err != nil {
				return nil, err
			}
			n += len(ps)
			if len(ps) > 0 {
				result = ps[0]
			}
		case kind == tokStart && string(name) == "fault":
			if fault, err = d.fault(); err != nil {
				return nil, err
			}
			n++
		default:
			return nil, d.unexpected(kind, name, "in <methodResponse>")
		}
	}
}

// root skips the prolog and consumes the start tag of the root element.
func (d *decoder) root(want string) error {
	if err := d.s.prolog(); err != nil {
		return err
	}
	return d.rootTag(want)
}

// rootTag consumes the start tag of the root element after the prolog.
func (d *decoder) rootTag(want string) error {
	kind, name, err := d.s.next()
	if err != nil {
		return err
	}
	if kind == tokEOF {
		return d.s.errorf("no element found")
	}
	if kind != tokStart || string(name) != want {
		return d.s.errorf("root element is <%s>, want <%s>", name, want)
	}
	return nil
}

// tag skips whitespace and returns the next tag; other text is an error.
func (d *decoder) tag() (int, []byte, error) {
	b, p := d.s.buf, d.s.pos
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	if p+1 < len(b) && b[p] == '<' && b[p+1] != '!' && b[p+1] != '?' {
		d.s.pos = p
		return d.s.next()
	}
	t, err := d.s.text()
	if err != nil {
		return 0, nil, err
	}
	if !isBlank(t) {
		return 0, nil, d.s.errorf("unexpected text %q", clip(t))
	}
	kind, name, err := d.s.next()
	if err == nil && kind == tokEOF {
		err = d.s.errorf("no element found (document ends early)")
	}
	return kind, name, err
}

func (d *decoder) unexpected(kind int, name []byte, where string) error {
	if kind == tokEnd {
		return d.s.errorf("unexpected </%s> %s", name, where)
	}
	return d.s.errorf("unexpected <%s> %s", name, where)
}

// expectEnd consumes optional whitespace and </name>.
func (d *decoder) expectEnd(want string) error {
	if d.s.endTag(want) {
		return nil
	}
	kind, name, err := d.tag()
	if err != nil {
		return err
	}
	if kind != tokEnd || string(name) != want {
		return d.unexpected(kind, name, "where </"+want+"> was expected")
	}
	return nil
}

// leaf returns the text of an element that holds only text, after its start
// tag, and consumes its end tag.
func (d *decoder) leaf(name string) ([]byte, error) {
	t, err := d.s.text()
	if err != nil {
		return nil, err
	}
	if d.s.endTag(name) {
		return t, nil
	}
	return d.leafEnd(name, t)
}

// leafEnd is leaf's check of the end tag after the text t, when it is not
// simply </name>.
func (d *decoder) leafEnd(name string, t []byte) ([]byte, error) {
	kind, got, err := d.s.next()
	if err != nil {
		return nil, err
	}
	if kind != tokEnd || string(got) != name {
		if kind == tokEOF {
			return nil, d.s.errorf("no element found (document ends early)")
		}
		return nil, d.unexpected(kind, got, "inside <"+name+">")
	}
	return t, nil
}

// paramList decodes the <param>s of a <params> element and its end tag.
func (d *decoder) paramList(out []any) ([]any, error) {
	for {
		if d.s.lit("<param>") {
			at := d.s.pos
			if n, ok := d.s.intValue(); ok && d.s.lit("</param>") {
				out = append(out, n)
				continue
			}
			// Not the usual one-integer param: the general path reads
			// it again from its start.
			d.s.pos = at
			v, err := d.wrapped("param")
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		if d.s.lit("</params>") {
			return out, nil
		}
		kind, name, err := d.tag()
		if err != nil {
			return nil, err
		}
		switch {
		case kind == tokEnd && string(name) == "params":
			return out, nil
		case kind == tokStart && string(name) == "param":
			v, err := d.wrapped("param")
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		default:
			return nil, d.unexpected(kind, name, "in <params>")
		}
	}
}

// wrapped decodes <value>...</value></outer>.
func (d *decoder) wrapped(outer string) (any, error) {
	if d.s.lit("<value>") {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		return v, d.expectEnd(outer)
	}
	kind, name, err := d.tag()
	if err != nil {
		return nil, err
	}
	if kind == tokEmpty && string(name) == "value" {
		return "", d.expectEnd(outer)
	}
	if kind != tokStart || string(name) != "value" {
		return nil, d.unexpected(kind, name, "in <"+outer+">, want <value>")
	}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	return v, d.expectEnd(outer)
}

// fault decodes the struct of a <fault> and its end tag.
func (d *decoder) fault() (*Fault, error) {
	v, err := d.wrapped("fault")
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, d.s.errorf("<fault> does not hold a struct")
	}
	f := &Fault{}
	switch c := m["faultCode"].(type) {
	case int:
		f.Code = c
	case nil:
		return nil, d.s.errorf("<fault> without faultCode")
	default:
		return nil, d.s.errorf("<fault> with a faultCode that is not an int")
	}
	s, ok := m["faultString"].(string)
	if !ok {
		return nil, d.s.errorf("<fault> without a faultString string")
	}
	f.String = s
	return f, nil
}

// value decodes the content of a <value> element after its start tag, and
// its end tag.
func (d *decoder) value() (any, error) {
	if b := d.s.buf[d.s.pos:]; len(b) > 1 && b[0] == '<' && isNameByte(b[1]) {
		// A typed value, the common case: no text to take first.
		kind, name, err := d.s.next()
		if err != nil {
			return nil, err
		}
		v, err := d.typed(kind, name)
		if err != nil {
			return nil, err
		}
		return v, d.expectEnd("value")
	}
	t, err := d.s.text()
	if err != nil {
		return nil, err
	}
	kind, name, err := d.s.next()
	if err != nil {
		return nil, err
	}
	switch kind {
	case tokEOF:
		return nil, d.s.errorf("no element found (document ends early)")
	case tokEnd:
		if string(name) != "value" {
			return nil, d.unexpected(kind, name, "in <value>")
		}
		return string(t), nil
	}
	if !isBlank(t) {
		return nil, d.s.errorf("text and <%s> mixed in <value>", name)
	}
	v, err := d.typed(kind, name)
	if err != nil {
		return nil, err
	}
	return v, d.expectEnd("value")
}

// typed decodes one typed element whose start tag was just read.
func (d *decoder) typed(kind int, name []byte) (any, error) {
	empty := kind == tokEmpty
	text := func(n string) ([]byte, error) {
		if empty {
			return nil, nil
		}
		return d.leaf(n)
	}
	switch string(name) {
	case "int", "i4", "i8", "i1", "i2", "biginteger":
		t, err := text(string(name))
		if err != nil {
			return nil, err
		}
		n, ok := parseInt(t)
		if !ok {
			return nil, d.s.errorf("bad <%s> value %q (want a 64-bit integer)", name, clip(t))
		}
		return n, nil
	case "string":
		t, err := text("string")
		return string(t), err
	case "boolean":
		t, err := text("boolean")
		if err != nil {
			return nil, err
		}
		switch string(t) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, d.s.errorf("bad boolean value %q (want 0 or 1)", clip(t))
	case "double", "float":
		t, err := text(string(name))
		if err != nil {
			return nil, err
		}
		f, ok := parseFloat(t)
		if !ok {
			return nil, d.s.errorf("bad <%s> value %q", name, clip(t))
		}
		return f, nil
	case "dateTime.iso8601":
		t, err := text("dateTime.iso8601")
		if err != nil {
			return nil, err
		}
		tm, ok := parseTime(bytes.TrimSpace(t))
		if !ok {
			return nil, d.s.errorf("bad dateTime.iso8601 value %q", clip(t))
		}
		return tm, nil
	case "base64":
		t, err := text("base64")
		if err != nil {
			return nil, err
		}
		b, err := decodeBase64(t)
		if err != nil {
			return nil, d.s.errorf("bad base64: %v", err)
		}
		return b, nil
	case "nil":
		if _, err := text("nil"); err != nil {
			return nil, err
		}
		return nil, nil
	case "array":
		if empty {
			return []any{}, nil
		}
		return d.array()
	case "struct":
		if empty {
			return map[string]any{}, nil
		}
		return d.strct()
	}
	return nil, d.s.errorf("unknown type tag <%s>", name)
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > d.maxDepth {
		return d.s.errorf("values nested deeper than %d levels", d.maxDepth)
	}
	return nil
}

// array decodes an <array> after its start tag. <data> may be left out, as
// Python accepts.
func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	out := []any{}
	inData := false
	for {
		kind, name, err := d.tag()
		if err != nil {
			return nil, err
		}
		switch {
		case kind == tokStart && string(name) == "data" && !inData:
			inData = true
		case kind == tokEmpty && string(name) == "data" && !inData:
		case kind == tokEnd && string(name) == "data" && inData:
			inData = false
		case kind == tokEnd && string(name) == "array" && !inData:
			return out, nil
		case kind == tokStart && string(name) == "value":
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		case kind == tokEmpty && string(name) == "value":
			out = append(out, "")
		default:
			return nil, d.unexpected(kind, name, "in <array>")
		}
	}
}

// strct decodes a <struct> after its start tag. A repeated name keeps the
// last value, as Python does.
func (d *decoder) strct() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	out := map[string]any{}
	for {
		kind, name, err := d.tag()
		if err != nil {
			return nil, err
		}
		if kind == tokEnd && string(name) == "struct" {
			return out, nil
		}
		if kind != tokStart || string(name) != "member" {
			return nil, d.unexpected(kind, name, "in <struct>")
		}
		kind, name, err = d.tag()
		if err != nil {
			return nil, err
		}
		var key string
		switch {
		case kind == tokStart && string(name) == "name":
			t, err := d.leaf("name")
			if err != nil {
				return nil, err
			}
			key = d.name(t)
		case kind == tokEmpty && string(name) == "name":
		default:
			return nil, d.unexpected(kind, name, "in <member>, want <name>")
		}
		v, err := d.wrapped("member")
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
}

// parseInt parses an integer as Python's int() does for ASCII text:
// surrounding whitespace, a sign, leading zeros and single underscores
// between digits.
func parseInt(t []byte) (int, bool) {
	t = bytes.TrimSpace(t)
	neg := false
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) == 0 {
		return 0, false
	}
	var n uint64
	for i, c := range t {
		if c == '_' {
			if i == 0 || i == len(t)-1 || t[i-1] == '_' {
				return 0, false
			}
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return int(-n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int(n), true
}

// parseFloat parses a double as Python's float() does: whitespace,
// underscores between digits, inf, infinity and nan in any case, and
// overflow to infinity.
func parseFloat(t []byte) (float64, bool) {
	t = bytes.TrimSpace(t)
	if len(t) == 0 {
		return 0, false
	}
	if bytes.IndexByte(t, '_') >= 0 {
		clean := make([]byte, 0, len(t))
		for i, c := range t {
			if c == '_' {
				if i == 0 || i == len(t)-1 || !isDigit(t[i-1]) || !isDigit(t[i+1]) {
					return 0, false
				}
				continue
			}
			clean = append(clean, c)
		}
		t = clean
	}
	for _, c := range t {
		if c == 'x' || c == 'X' || c == 'p' || c == 'P' {
			return 0, false // no hexadecimal floats
		}
	}
	f, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// timeLayouts are the dateTime.iso8601 forms accepted on input.
var timeLayouts = []string{
	"20060102T15:04:05",
	"20060102T15:04:05Z07:00",
	"20060102T150405",
	"20060102T150405Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05Z07:00",
	"20060102T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"20060102",
	"2006-01-02",
}

func parseTime(t []byte) (time.Time, bool) {
	s := string(t)
	for _, l := range timeLayouts {
		if tm, err := time.Parse(l, s); err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

// decodeBase64 decodes MIME-style base64, skipping line breaks and any
// character outside the alphabet as Python's decodebytes does.
func decodeBase64(t []byte) ([]byte, error) {
	clean := make([]byte, 0, len(t))
	for _, c := range t {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/', c == '=':
			clean = append(clean, c)
		case c >= 0x80:
			return nil, errNonASCIIBase64
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// clip shortens text quoted in an error message.
func clip(t []byte) string {
	if len(t) > 40 {
		return string(t[:40]) + "..."
	}
	return string(t)
}
