package xmlrpc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var errNonASCIIBase64 = errors.New("non-ASCII character in base64")

// EncodeOptions say which extensions the encoder may use.
type EncodeOptions struct {
	// AllowNil writes nil as <nil/> (Python's allow_none); otherwise nil is
	// an error.
	AllowNil bool
	// AllowI8 writes integers beyond 32 bits as <i8>; otherwise they are an
	// error, as in Python.
	AllowI8 bool
}

// An encoder appends XML-RPC values in the exact layout of Python's
// xmlrpc.client.Marshaller, so that the bytes match Python's.
type encoder struct {
	opts  EncodeOptions
	depth int
}

// The fixed parts of the documents, as Python writes them.
const (
	xmlDecl          = "<?xml version='1.0'?>\n"
	responsePrefix   = xmlDecl + "<methodResponse>\n<params>\n<param>\n"
	responseSuffix   = "</param>\n</params>\n</methodResponse>\n"
	faultPrefix      = xmlDecl + "<methodResponse>\n<fault>\n"
	faultSuffix      = "</fault>\n</methodResponse>\n"
	maxEncodeDepth   = 1000
	errIntLimits     = "int exceeds XML-RPC limits"
	faultStructStart = "<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>"
)

// AppendCall appends a complete <methodCall> document for method and args.
func AppendCall(dst []byte, method string, args []any, opts EncodeOptions) ([]byte, error) {
	dst = append(dst, xmlDecl+"<methodCall>\n<methodName>"...)
	var err error
	if dst, err = appendEscaped(dst, method); err != nil {
		return nil, fmt.Errorf("method name: %w", err)
	}
	dst = append(dst, "</methodName>\n<params>\n"...)
	e := encoder{opts: opts}
	for i, a := range args {
		dst = append(dst, "<param>\n"...)
		if dst, err = e.value(dst, a); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		dst = append(dst, "</param>\n"...)
	}
	return append(dst, "</params>\n</methodCall>\n"...), nil
}

// AppendResponse appends a <methodResponse> document carrying v.
func AppendResponse(dst []byte, v any, opts EncodeOptions) ([]byte, error) {
	n := len(dst)
	dst = append(dst, responsePrefix...)
	e := encoder{opts: opts}
	dst, err := e.value(dst, v)
	if err != nil {
		return dst[:n], err
	}
	return append(dst, responseSuffix...), nil
}

// AppendFault appends a <methodResponse> document carrying fault f.
func AppendFault(dst []byte, f *Fault) []byte {
	dst = append(dst, faultPrefix...)
	dst = appendFaultStruct(dst, f)
	return append(dst, faultSuffix...)
}

func appendFaultStruct(dst []byte, f *Fault) []byte {
	dst = append(dst, faultStructStart...)
	dst = strconv.AppendInt(dst, int64(f.Code), 10)
	dst = append(dst, "</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>"...)
	dst = appendEscapedLossy(dst, f.String)
	return append(dst, "</string></value>\n</member>\n</struct></value>\n"...)
}

// Marshal returns v encoded as one <value> element followed by a newline,
// as Python writes it.
func Marshal(v any, opts EncodeOptions) ([]byte, error) {
	e := encoder{opts: opts}
	return e.value(nil, v)
}

var timeType = reflect.TypeFor[time.Time]()

// value appends one <value>.
func (e *encoder) value(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return e.nilValue(dst)
	case string:
		dst = append(dst, "<value><string>"...)
		dst, err := appendEscaped(dst, x)
		if err != nil {
			return nil, err
		}
		return append(dst, "</string></value>\n"...), nil
	case int:
		return e.intValue(dst, int64(x))
	case int64:
		return e.intValue(dst, x)
	case int32:
		return e.intValue(dst, int64(x))
	case bool:
		if x {
			return append(dst, "<value><boolean>1</boolean></value>\n"...), nil
		}
		return append(dst, "<value><boolean>0</boolean></value>\n"...), nil
	case float64:
		dst = append(dst, "<value><double>"...)
		dst = AppendFloat(dst, x)
		return append(dst, "</double></value>\n"...), nil
	case []byte:
		return appendBase64(dst, x), nil
	case time.Time:
		return appendTime(dst, x), nil
	case []any:
		if err := e.enter(); err != nil {
			return nil, err
		}
		dst = append(dst, "<value><array><data>\n"...)
		for _, el := range x {
			var err error
			if dst, err = e.value(dst, el); err != nil {
				return nil, err
			}
		}
		e.depth--
		return append(dst, "</data></array></value>\n"...), nil
	case map[string]any:
		if err := e.enter(); err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, "<value><struct>\n"...)
		for _, k := range keys {
			var err error
			if dst, err = e.member(dst, k, x[k]); err != nil {
				return nil, err
			}
		}
		e.depth--
		return append(dst, "</struct></value>\n"...), nil
	case *Fault:
		return appendFaultStruct(dst, x), nil
	}
	return e.reflectValue(dst, reflect.ValueOf(v))
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > maxEncodeDepth {
		return errors.New("values nested too deeply (a recursive value?)")
	}
	return nil
}

func (e *encoder) nilValue(dst []byte) ([]byte, error) {
	if !e.opts.AllowNil {
		return nil, errors.New("cannot marshal nil unless nil is allowed")
	}
	return append(dst, "<value><nil/></value>"...), nil
}

func (e *encoder) intValue(dst []byte, n int64) ([]byte, error) {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		dst = append(dst, "<value><int>"...)
		dst = strconv.AppendInt(dst, n, 10)
		return append(dst, "</int></value>\n"...), nil
	}
	if !e.opts.AllowI8 {
		return nil, errors.New(errIntLimits)
	}
	dst = append(dst, "<value><i8>"...)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, "</i8></value>\n"...), nil
}

func (e *encoder) member(dst []byte, name string, v any) ([]byte, error) {
	dst = append(dst, "<member>\n<name>"...)
	dst, err := appendEscaped(dst, name)
	if err != nil {
		return nil, err
	}
	dst = append(dst, "</name>\n"...)
	if dst, err = e.value(dst, v); err != nil {
		return nil, fmt.Errorf("member %q: %w", name, err)
	}
	return append(dst, "</member>\n"...), nil
}

// reflectValue encodes the types the fast switch in value does not cover:
// other integer and float kinds, typed slices and maps, structs, pointers.
func (e *encoder) reflectValue(dst []byte, rv reflect.Value) ([]byte, error) {
	switch rv.Kind() {
	case reflect.Invalid:
		return e.nilValue(dst)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return e.nilValue(dst)
		}
		if err := e.enter(); err != nil {
			return nil, err
		}
		defer func() { e.depth-- }()
		return e.value(dst, rv.Elem().Interface())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.intValue(dst, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, errors.New(errIntLimits)
		}
		return e.intValue(dst, int64(u))
	case reflect.Float32, reflect.Float64:
		return e.value(dst, rv.Float())
	case reflect.Bool:
		return e.value(dst, rv.Bool())
	case reflect.String:
		return e.value(dst, rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() && rv.Type().Elem().Kind() != reflect.Uint8 {
			return e.value(dst, []any{})
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			return appendBase64(dst, b), nil
		}
		if err := e.enter(); err != nil {
			return nil, err
		}
		dst = append(dst, "<value><array><data>\n"...)
		for i := 0; i < rv.Len(); i++ {
			var err error
			if dst, err = e.value(dst, rv.Index(i).Interface()); err != nil {
				return nil, err
			}
		}
		e.depth--
		return append(dst, "</data></array></value>\n"...), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("cannot marshal %s: struct keys must be strings", rv.Type())
		}
		if err := e.enter(); err != nil {
			return nil, err
		}
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		dst = append(dst, "<value><struct>\n"...)
		for _, k := range keys {
			var err error
			if dst, err = e.member(dst, k.String(), rv.MapIndex(k).Interface()); err != nil {
				return nil, err
			}
		}
		e.depth--
		return append(dst, "</struct></value>\n"...), nil
	case reflect.Struct:
		if rv.Type() == timeType {
			return appendTime(dst, rv.Interface().(time.Time)), nil
		}
		if err := e.enter(); err != nil {
			return nil, err
		}
		dst = append(dst, "<value><struct>\n"...)
		for _, f := range structFields(rv.Type()) {
			fv := rv.FieldByIndex(f.index)
			if f.omitEmpty && fv.IsZero() {
				continue
			}
			var err error
			if dst, err = e.member(dst, f.name, fv.Interface()); err != nil {
				return nil, err
			}
		}
		e.depth--
		return append(dst, "</struct></value>\n"...), nil
	}
	return nil, fmt.Errorf("cannot marshal %s", rv.Type())
}

// appendEscaped appends s with &, < and > escaped, as Python does, and CR
// as &#13; so that it survives the peer's XML parser. Text XML cannot carry
// (NUL, other control characters, invalid UTF-8) is an error.
func appendEscaped(dst []byte, s string) ([]byte, error) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch {
		case c == '&':
			dst = append(dst, "&amp;"...)
		case c == '<':
			dst = append(dst, "&lt;"...)
		case c == '>':
			dst = append(dst, "&gt;"...)
		case c == '\r':
			dst = append(dst, "&#13;"...)
		case c == '\n' || c == '\t':
			dst = append(dst, c)
		case c < 0x20:
			return nil, fmt.Errorf("string holds control character %#x, which XML cannot carry", c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, errors.New("string is not valid UTF-8")
			}
			if !isXMLChar(r) {
				return nil, fmt.Errorf("string holds U+%04X, which XML cannot carry", r)
			}
			dst = append(dst, s[i:i+n]...)
			i += n
			start = i
			continue
		}
		i++
		start = i
	}
	return append(dst, s[start:]...), nil
}

// appendEscapedLossy is appendEscaped for text that must always be sent,
// such as fault strings: characters XML cannot carry become U+FFFD.
func appendEscapedLossy(dst []byte, s string) []byte {
	if out, err := appendEscaped(dst, s); err == nil {
		return out
	}
	clean := strings.Map(func(r rune) rune {
		if !isXMLChar(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	out, _ := appendEscaped(dst, clean)
	return out
}

// AppendFloat appends f as Python's repr() writes it: the shortest text that
// reads back to f, in fixed notation for exponents -4 to 15 (always with a
// decimal point) and in e-notation otherwise; inf, -inf and nan as words.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, c := range dst[n:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, ".0"...)
}

// appendBase64 appends b as Python does: a newline after the open tag and
// a line break after every 76 characters and at the end.
func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, "<value><base64>\n"...)
	const lineBytes = 57 // 76 characters
	for len(b) > 0 {
		n := min(len(b), lineBytes)
		dst = base64.StdEncoding.AppendEncode(dst, b[:n])
		dst = append(dst, '\n')
		b = b[n:]
	}
	return append(dst, "</base64></value>\n"...)
}

// appendTime appends t as Python writes a datetime: %Y%m%dT%H:%M:%S, with
// no zone and no fraction.
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, "<value><dateTime.iso8601>"...)
	y := t.Year()
	if y < 0 || y > 9999 {
		y = 0
	}
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	dst = t.AppendFormat(dst, "0102T15:04:05")
	return append(dst, "</dateTime.iso8601></value>\n"...)
}

// A Fault is an XML-RPC fault: the error a server returns for a call, with
// its code and text. Methods may return a *Fault to choose the code.
type Fault struct {
	Code   int
	String string
}

// Error returns "fault CODE: STRING".
func (f *Fault) Error() string {
	return fmt.Sprintf("fault %d: %s", f.Code, f.String)
}

// Fault codes netkit's server uses (those of the "specification for fault
// code interoperability"); errors returned by methods get code 1, as in
// Python.
const (
	FaultApplication   = 1
	FaultParse         = -32700
	FaultMethodUnknown = -32601
	FaultParams        = -32602
	FaultInternal      = -32603
)
