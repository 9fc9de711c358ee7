package xmlrpc

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
)

// field is one exported struct field as XML-RPC sees it.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type -> []field

// structFields returns the members of struct type t: exported fields named
// by their `xmlrpc:"name,omitempty"` tag or else their Go name; "-" skips.
func structFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("xmlrpc"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, field{name: name, index: sf.Index, omitEmpty: opts == "omitempty"})
	}
	fieldCache.Store(t, out)
	return out
}

// Unmarshal stores a decoded value (as ParseCall and ParseResponse return
// them) in the Go value dst points to, converting to its type: ints to any
// integer or float kind (checked for range), arrays to typed slices and
// arrays, structs to maps with string keys or to Go structs (by field tag or
// name; unknown members are ignored).
func Unmarshal(v any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("xmlrpc: Unmarshal needs a non-nil pointer, not %T", dst)
	}
	return assign(rv.Elem(), v, "")
}

// A TypeError says that a value could not be converted to the Go type a
// parameter or result needs.
type TypeError struct {
	Path string // where in the value, for example "[2].name"; empty at the top
	Want string // the Go type wanted
	Got  string // the XML-RPC type found
}

// Error says what was found, what was wanted and where.
func (e *TypeError) Error() string {
	at := ""
	if e.Path != "" {
		at = " at " + e.Path
	}
	return fmt.Sprintf("cannot use %s as %s%s", e.Got, e.Want, at)
}

// TypeName returns the XML-RPC name of a decoded value's type.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "nil"
	case int:
		return "int"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		return "double"
	case time.Time:
		return "dateTime.iso8601"
	case []byte:
		return "base64"
	case []any:
		return "array"
	case map[string]any:
		return "struct"
	}
	return fmt.Sprintf("%T", v)
}

func assign(dst reflect.Value, v any, path string) error {
	bad := func() error { return &TypeError{Path: path, Want: dst.Type().String(), Got: TypeName(v)} }
	if v == nil {
		switch dst.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			dst.SetZero()
			return nil
		}
		return bad()
	}
	switch dst.Kind() {
	case reflect.Interface:
		if dst.NumMethod() == 0 {
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return bad()
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return assign(dst.Elem(), v, path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(int)
		if !ok {
			return bad()
		}
		if dst.OverflowInt(int64(n)) {
			return &TypeError{Path: path, Want: dst.Type().String(), Got: fmt.Sprintf("int %d (out of range)", n)}
		}
		dst.SetInt(int64(n))
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(int)
		if !ok {
			return bad()
		}
		if n < 0 || dst.OverflowUint(uint64(n)) {
			return &TypeError{Path: path, Want: dst.Type().String(), Got: fmt.Sprintf("int %d (out of range)", n)}
		}
		dst.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		switch x := v.(type) {
		case float64:
			if dst.Kind() == reflect.Float32 && !math.IsInf(x, 0) && math.Abs(x) > math.MaxFloat32 {
				return bad()
			}
			dst.SetFloat(x)
		case int:
			dst.SetFloat(float64(x))
		default:
			return bad()
		}
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		dst.SetBool(b)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		dst.SetString(s)
		return nil
	case reflect.Slice:
		if b, ok := v.([]byte); ok && dst.Type().Elem().Kind() == reflect.Uint8 {
			dst.SetBytes(append([]byte(nil), b...))
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			return bad()
		}
		s := reflect.MakeSlice(dst.Type(), len(a), len(a))
		for i, el := range a {
			if err := assign(s.Index(i), el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Array:
		a, ok := v.([]any)
		if !ok || len(a) != dst.Len() {
			return bad()
		}
		for i, el := range a {
			if err := assign(dst.Index(i), el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return bad()
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, el := range m {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := assign(ev, el, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), ev)
		}
		dst.Set(out)
		return nil
	case reflect.Struct:
		if dst.Type() == timeType {
			t, ok := v.(time.Time)
			if !ok {
				return bad()
			}
			dst.Set(reflect.ValueOf(t))
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return bad()
		}
		for _, f := range structFields(dst.Type()) {
			el, ok := m[f.name]
			if !ok {
				continue
			}
			if err := assign(dst.FieldByIndex(f.index), el, path+"."+f.name); err != nil {
				return err
			}
		}
		return nil
	}
	return bad()
}
