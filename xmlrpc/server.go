package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
)

// Defaults of ServerOptions.
const (
	DefaultMaxBody = 64 << 20 // bytes of a request body, also after gunzip
)

// ServerOptions configure a Server. The zero value is usable.
type ServerOptions struct {
	// AllowNil lets results carry nil as <nil/> (Python's allow_none).
	AllowNil bool
	// AllowI8 lets results carry integers beyond 32 bits as <i8>; otherwise
	// such a result is a fault, as in Python.
	AllowI8 bool
	// MaxBody is the largest request body accepted, before and after gzip
	// decoding; default DefaultMaxBody.
	MaxBody int
	// MaxDepth is how deeply arrays and structs may nest in a request;
	// default DefaultMaxDepth.
	MaxDepth int
	// Panic, if set, is told about every method that panicked; the caller
	// gets a fault either way.
	Panic func(method string, v any, stack []byte)
}

// A Method is a registered function in the form the server calls it.
// params are the decoded arguments (see ParseCall for their Go types); the
// slice itself is reused after the method returns, so a Method must not
// keep it (its elements it may keep).
type Method func(ctx context.Context, params []any) (any, error)

type method struct {
	fn   Method
	help string
	sig  []any // one signature [result, params...]; nil when unknown
}

// A Server publishes Go functions by name over XML-RPC. It is an
// http.Handler (ServeHTTP), and it also runs directly on netkit's serve
// engines through StreamProtocol. Register methods before serving; a Server
// is safe for concurrent use once serving.
type Server struct {
	opts    ServerOptions
	enc     EncodeOptions
	mu      sync.Mutex // held by writers of methods
	methods atomic.Pointer[map[string]*method]
	decs    sync.Pool // *decoder
}

// NewServer returns a server with the introspection methods
// (system.listMethods, system.methodHelp, system.methodSignature) and
// system.multicall registered.
func NewServer(opts ServerOptions) *Server {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	s := &Server{opts: opts, enc: EncodeOptions{AllowNil: opts.AllowNil, AllowI8: opts.AllowI8}}
	s.methods.Store(&map[string]*method{})
	s.RegisterMethod("system.listMethods", s.listMethods,
		"system.listMethods() => ['add', 'subtract', 'multiple']\n\nReturns a list of the methods supported by the server.")
	s.RegisterMethod("system.methodHelp", s.methodHelp,
		"system.methodHelp('add') => \"Adds two integers together\"\n\nReturns a string containing documentation for the specified method.")
	s.RegisterMethod("system.methodSignature", s.methodSignature,
		"system.methodSignature('add') => [double, int, int]\n\nReturns a list describing the signature of the method.")
	s.RegisterMethod("system.multicall", s.multicall,
		"system.multicall([{'methodName': 'add', 'params': [2, 2]}, ...]) => [[4], ...]\n\nAllows the caller to package multiple XML-RPC calls into a single request.")
	s.setSignature("system.listMethods", []any{[]any{"array"}})
	s.setSignature("system.methodHelp", []any{[]any{"string", "string"}})
	s.setSignature("system.methodSignature", []any{[]any{"array", "string"}})
	s.setSignature("system.multicall", []any{[]any{"array", "array"}})
	return s
}

// RegisterMethod publishes fn under name with its help text, replacing any
// method of that name.
func (s *Server) RegisterMethod(name string, fn Method, help string) {
	s.setMethod(name, &method{fn: fn, help: help})
}

// setMethod publishes m under name. The method table is copied on write, so
// that a call looks its method up with no lock.
func (s *Server) setMethod(name string, m *method) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := maps.Clone(*s.methods.Load())
	t[name] = m
	s.methods.Store(&t)
}

// setSignature sets the signatures system.methodSignature reports for the
// registered method name.
func (s *Server) setSignature(name string, sig []any) {
	m := *s.lookup(name)
	m.sig = sig
	s.setMethod(name, &m)
}

var (
	ctxType   = reflect.TypeFor[context.Context]()
	errorType = reflect.TypeFor[error]()
)

// Register publishes the Go function fn under name. fn may take a
// context.Context first; its other parameters are converted from the
// call's arguments as Unmarshal does (a variadic fn takes any number of
// trailing arguments), and a wrong number or type of arguments is a fault
// that says what was expected. fn returns a result, a result and an error,
// an error, or nothing; a returned *Fault is sent as it is and any other
// error becomes a fault with code 1. Common signatures, such as
// func(int, int) int or func(float64, float64, float64) ([]float64, error),
// are called without reflection when the arguments have their exact types.
func (s *Server) Register(name string, fn any, help string) error {
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	if ft.Kind() != reflect.Func {
		return fmt.Errorf("xmlrpc: register %s: %T is not a function", name, fn)
	}
	first := 0
	if ft.NumIn() > 0 && ft.In(0) == ctxType {
		first = 1
	}
	nout := ft.NumOut()
	if nout > 2 || nout == 2 && ft.Out(1) != errorType {
		return fmt.Errorf("xmlrpc: register %s: results must be (T), (T, error), (error) or none", name)
	}
	returnsErr := nout > 0 && ft.Out(nout-1) == errorType
	hasResult := nout == 2 || nout == 1 && !returnsErr
	nin := ft.NumIn() - first
	variadic := ft.IsVariadic()
	want := fmt.Sprintf("%d arguments", nin)
	if variadic {
		want = fmt.Sprintf("at least %d arguments", nin-1)
	}
	call := func(ctx context.Context, params []any) (any, error) {
		if variadic && len(params) < nin-1 || !variadic && len(params) != nin {
			return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("%s takes %s, got %d", name, want, len(params))}
		}
		in := make([]reflect.Value, 0, first+len(params))
		if first == 1 {
			in = append(in, reflect.ValueOf(ctx))
		}
		for i, p := range params {
			var t reflect.Type
			if variadic && i >= nin-1 {
				t = ft.In(first + nin - 1).Elem()
			} else {
				t = ft.In(first + i)
			}
			v := reflect.New(t).Elem()
			if err := assign(v, p, ""); err != nil {
				return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("%s: argument %d: %v", name, i+1, err)}
			}
			in = append(in, v)
		}
		out := fv.Call(in)
		var err error
		if returnsErr {
			if e := out[nout-1]; !e.IsNil() {
				err = e.Interface().(error)
			}
		}
		if err != nil {
			return nil, err
		}
		if hasResult {
			return out[0].Interface(), nil
		}
		return nil, nil
	}
	if d := direct(fn); d != nil {
		general := call
		call = func(ctx context.Context, params []any) (any, error) {
			if res, ok, err := d(params); ok {
				return res, err
			}
			return general(ctx, params)
		}
	}
	sig := []any{"nil"}
	if hasResult {
		sig[0] = typeSig(ft.Out(0))
	}
	for i := first; i < ft.NumIn(); i++ {
		t := ft.In(i)
		if variadic && i == ft.NumIn()-1 {
			t = t.Elem()
		}
		sig = append(sig, typeSig(t))
	}
	s.setMethod(name, &method{fn: call, help: help, sig: []any{sig}})
	return nil
}

// typeSig names the XML-RPC type of a Go type for system.methodSignature.
func typeSig(t reflect.Type) string {
	if t == timeType {
		return "dateTime.iso8601"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "double"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "struct"
	}
	return "undef"
}

func (s *Server) lookup(name string) *method {
	return (*s.methods.Load())[name]
}

// call runs the method called name.
func (s *Server) call(ctx context.Context, name string, params []any) (any, error) {
	return s.invoke(ctx, s.lookup(name), []byte(name), params)
}

// invoke runs method m (nil when there is no method of that name), turning
// a panic into a fault.
func (s *Server) invoke(ctx context.Context, m *method, name []byte, params []any) (result any, err error) {
	if m == nil {
		return nil, &Fault{Code: FaultMethodUnknown, String: fmt.Sprintf("method %q is not supported", name)}
	}
	defer func() {
		if r := recover(); r != nil {
			if s.opts.Panic != nil {
				s.opts.Panic(string(name), r, debug.Stack())
			}
			result, err = nil, &Fault{Code: FaultInternal, String: fmt.Sprintf("method %q failed: panic: %v", name, r)}
		}
	}()
	return m.fn(ctx, params)
}

// asFault turns a method's error into the fault sent for it.
func asFault(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	return &Fault{Code: FaultApplication, String: err.Error()}
}

// Dispatch answers one XML-RPC request body with a complete
// <methodResponse> document appended to dst: the result, or a fault for a
// malformed call, an unknown method, bad arguments, a method's error or
// panic, or a result that cannot be encoded.
func (s *Server) Dispatch(ctx context.Context, body, dst []byte) []byte {
	d, _ := s.decs.Get().(*decoder)
	if d == nil {
		d = &decoder{}
	}
	dst = s.dispatch(ctx, d, body, dst)
	s.decs.Put(d)
	return dst
}

// dispatch is Dispatch with the decoder d, which it leaves holding no
// reference to the call.
func (s *Server) dispatch(ctx context.Context, d *decoder, body, dst []byte) []byte {
	d.s = scanner{buf: body, scratch: d.s.scratch}
	d.depth, d.maxDepth = 0, s.opts.MaxDepth
	defer func() {
		d.s.buf = nil
		clear(d.params)
		if cap(d.params) > 64 {
			d.params = nil
		}
	}()
	if err := d.call(); err != nil {
		return AppendFault(dst, &Fault{Code: FaultParse, String: "parse error: " + err.Error()})
	}
	m := (*s.methods.Load())[string(d.method)]
	res, err := s.invoke(ctx, m, d.method, d.params)
	if err != nil {
		return AppendFault(dst, asFault(err))
	}
	out, err := AppendResponse(dst, res, s.enc)
	if err != nil {
		return AppendFault(dst, &Fault{Code: FaultApplication, String: fmt.Sprintf("cannot encode the result of %s: %v", d.method, err)})
	}
	return out
}

func (s *Server) listMethods(ctx context.Context, params []any) (any, error) {
	t := *s.methods.Load()
	names := make([]any, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i].(string) < names[j].(string) })
	return names, nil
}

func (s *Server) oneName(method string, params []any) (*method, error) {
	if len(params) != 1 {
		return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("%s takes 1 argument, got %d", method, len(params))}
	}
	name, ok := params[0].(string)
	if !ok {
		return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("%s: argument 1: cannot use %s as string", method, TypeName(params[0]))}
	}
	m := s.lookup(name)
	if m == nil {
		return nil, &Fault{Code: FaultMethodUnknown, String: fmt.Sprintf("method %q is not supported", name)}
	}
	return m, nil
}

func (s *Server) methodHelp(ctx context.Context, params []any) (any, error) {
	m, err := s.oneName("system.methodHelp", params)
	if err != nil {
		return nil, err
	}
	return m.help, nil
}

// methodSignature returns the method's signatures, or, like Python, the
// string "signatures not supported" when they are not known.
func (s *Server) methodSignature(ctx context.Context, params []any) (any, error) {
	m, err := s.oneName("system.methodSignature", params)
	if err != nil {
		return nil, err
	}
	if m.sig == nil {
		return "signatures not supported", nil
	}
	return m.sig, nil
}

// multicall runs each {methodName, params} of its one array argument and
// returns [result] or {faultCode, faultString} for each.
func (s *Server) multicall(ctx context.Context, params []any) (any, error) {
	if len(params) != 1 {
		return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("system.multicall takes 1 argument, got %d", len(params))}
	}
	calls, ok := params[0].([]any)
	if !ok {
		return nil, &Fault{Code: FaultParams, String: "system.multicall: argument 1: want an array of {methodName, params} structs, got " + TypeName(params[0])}
	}
	out := make([]any, len(calls))
	for i, c := range calls {
		res, err := s.oneOfMulticall(ctx, c)
		if err != nil {
			out[i] = asFault(err)
			continue
		}
		// Check now that the result can be encoded, so that one bad result
		// faults its own slot only.
		e := encoder{opts: s.enc}
		if _, err := e.value(nil, res); err != nil {
			out[i] = &Fault{Code: FaultApplication, String: fmt.Sprintf("cannot encode the result: %v", err)}
			continue
		}
		out[i] = []any{res}
	}
	return out, nil
}

func (s *Server) oneOfMulticall(ctx context.Context, c any) (any, error) {
	m, ok := c.(map[string]any)
	if !ok {
		return nil, &Fault{Code: FaultParams, String: "system.multicall: each call must be a struct, got " + TypeName(c)}
	}
	name, ok := m["methodName"].(string)
	if !ok {
		return nil, &Fault{Code: FaultParams, String: "system.multicall: call without a methodName string"}
	}
	p, ok := m["params"].([]any)
	if !ok {
		return nil, &Fault{Code: FaultParams, String: fmt.Sprintf("system.multicall: call of %s without a params array", name)}
	}
	return s.call(ctx, name, p)
}
