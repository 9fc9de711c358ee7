package xmlrpc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/servetest"
	"github.com/netkit-go/netkit/internal/testpeer"
	"github.com/netkit-go/netkit/serve"
)

// testServer is the demo server plus methods that misbehave.
func testServer() *Server {
	s := NewDemoServer(ServerOptions{AllowI8: true})
	s.RegisterMethod("panics", func(context.Context, []any) (any, error) { panic("on purpose") }, "")
	s.Register("sleep", func(ctx context.Context, ms int) (bool, error) {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			return true, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}, "")
	return s
}

// streamArchs are the serve engines the stream protocol is tested under:
// the goroutine-per-connection engine and the event loop that `netkit
// xmlrpc serve` uses by default.
var streamArchs = []serve.Arch{serve.PerConn, serve.Poll}

// startStream serves s on the poll engine on a free port and returns its URL.
func startStream(t *testing.T, s *Server) string {
	t.Helper()
	return startStreamArch(t, s, serve.Poll)
}

// startStreamArch serves s on engine arch on a free port and returns its URL.
func startStreamArch(t *testing.T, s *Server, arch serve.Arch) string {
	t.Helper()
	srv := servetest.Start(t, s.StreamProtocol(), serve.Config{Arch: arch, MaxRequest: s.MaxRequest()})
	return "http://" + srv.Addr().String() + "/RPC2"
}

// startHTTP serves s under net/http on a free port and returns its URL.
func startHTTP(t *testing.T, s *Server) string {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return hs.URL + "/RPC2"
}

// bothModes runs f against the stream protocol (under each of streamArchs)
// and the http.Handler.
func bothModes(t *testing.T, f func(t *testing.T, url string)) {
	for _, arch := range streamArchs {
		t.Run("stream-"+string(arch), func(t *testing.T) { f(t, startStreamArch(t, testServer(), arch)) })
	}
	t.Run("http", func(t *testing.T) { f(t, startHTTP(t, testServer())) })
}

func TestDeckCalls(t *testing.T) {
	bothModes(t, func(t *testing.T, url string) {
		c := NewClient(url)
		ctx := context.Background()
		for _, tc := range []struct {
			method string
			args   []any
			want   any
		}{
			{"addtogether", []any{"x", "y", "z"}, "xyz"},
			{"addtogether", []any{1, 2, 3, 4, 5}, 15},
			{"quadratic", []any{2, -4, 0}, []any{0.0, 2.0}},
			{"quadratic", []any{1, 2, 1}, []any{-1.0}},
			{"quadratic", []any{1, 0, 1}, []any{}},
			{"quadratic", []any{0, 2, -4}, []any{2.0}},
			{"addtogether", []any{[]any{1}, []any{"a"}}, []any{1, "a"}},
			{"addtogether", []any{true, true}, 2},
			{"addtogether", []any{1 << 40, 1}, 1<<40 + 1},
			{"system.methodHelp", []any{"system.listMethods"}, "system.listMethods() => ['add', 'subtract', 'multiple']\n\nReturns a list of the methods supported by the server."},
		} {
			got, err := c.Call(ctx, tc.method, tc.args...)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s%v = %#v, %v; want %#v", tc.method, tc.args, got, err, tc.want)
			}
		}
		// The server answers on / too.
		if v, err := NewClient(strings.TrimSuffix(url, "RPC2")).Call(ctx, "addtogether", 1, 2); err != nil || v != 3 {
			t.Errorf("POST /: %v, %v", v, err)
		}
		var names []string
		if err := c.CallInto(ctx, &names, "system.listMethods"); err != nil {
			t.Fatal(err)
		}
		want := []string{"addtogether", "panics", "quadratic", "sleep", "system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("listMethods = %v", names)
		}
	})
}

func TestFaults(t *testing.T) {
	bothModes(t, func(t *testing.T, url string) {
		c := NewClient(url)
		ctx := context.Background()
		for _, tc := range []struct {
			method string
			args   []any
			code   int
			msg    string
		}{
			{"nosuchmethod", nil, FaultMethodUnknown, `method "nosuchmethod" is not supported`},
			{"addtogether", []any{1, "x"}, FaultApplication, "unsupported operand type(s) for +: 'int' and 'string'"},
			{"addtogether", nil, FaultApplication, "at least one argument"},
			{"quadratic", []any{"a", 1, 1}, FaultParams, "quadratic: argument 1: cannot use string as float64"},
			{"quadratic", []any{1, 1}, FaultParams, "quadratic takes 3 arguments, got 2"},
			{"quadratic", []any{0, 0, 1}, FaultApplication, "a and b are both 0"},
			{"panics", nil, FaultInternal, "panic: on purpose"},
			{"addtogether", []any{math.MaxInt64, 1}, FaultApplication, "integer overflow"},
		} {
			_, err := c.Call(ctx, tc.method, tc.args...)
			var f *Fault
			if !errors.As(err, &f) || f.Code != tc.code || !strings.Contains(f.String, tc.msg) {
				t.Errorf("%s%v: got %v, want fault %d %q", tc.method, tc.args, err, tc.code, tc.msg)
			}
		}
		// The server keeps serving after the panic.
		if v, err := c.Call(ctx, "addtogether", 1, 2); err != nil || v != 3 {
			t.Errorf("after faults: %v, %v", v, err)
		}
	})
}

func TestMulticall(t *testing.T) {
	bothModes(t, func(t *testing.T, url string) {
		c := NewClient(url)
		res, err := c.Multicall(context.Background(),
			MethodCall{"addtogether", []any{1, 2}},
			MethodCall{"quadratic", []any{0, 0, 1}},
			MethodCall{"nosuchmethod", nil},
			MethodCall{"addtogether", []any{"a", "b"}},
			MethodCall{"system.multicall", []any{[]any{map[string]any{"methodName": "addtogether", "params": []any{2, 2}}}}},
		)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Value != 3 || res[1].Err == nil || res[1].Err.Code != 1 || res[2].Err == nil || res[3].Value != "ab" ||
			!reflect.DeepEqual(res[4].Value, []any{[]any{4}}) {
			t.Errorf("multicall = %+v", res)
		}
	})
}

func TestGzipBothWays(t *testing.T) {
	bothModes(t, func(t *testing.T, url string) {
		c := NewClient(url)
		c.GzipRequests = true
		long := strings.Repeat("é", 2000)
		v, err := c.Call(context.Background(), "addtogether", long, "!")
		if err != nil || v != long+"!" {
			t.Fatalf("gzip call: %v", err)
		}
		// The response is gzipped when the client accepts it.
		body, _ := AppendCall(nil, "addtogether", []any{long}, EncodeOptions{})
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("response not gzipped: %v", resp.Header)
		}
	})
}

func TestContextTimeout(t *testing.T) {
	// perconn: the method sleeps for 5 s, which on an event loop would hold
	// up every other connection of the test server.
	c := NewClient(startStreamArch(t, testServer(), serve.PerConn))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Call(ctx, "sleep", 5000)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a deadline error", err)
	}
}

func TestKeepAlive(t *testing.T) {
	var conns atomic.Int32
	hs := httptest.NewUnstartedServer(testServer())
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	hs.Start()
	defer hs.Close()
	c := NewClient(hs.URL)
	for i := 0; i < 5; i++ {
		if _, err := c.Call(context.Background(), "addtogether", i); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("5 calls used %d connections, want 1", n)
	}
	// The stream protocol answers several calls on one connection, pipelined.
	url := startStream(t, testServer())
	body, _ := AppendCall(nil, "addtogether", []any{1, 2}, EncodeOptions{})
	one := fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	resps := rawHTTP(t, url, strings.Repeat(one, 3), 3)
	for _, r := range resps {
		if r.status != 200 || !strings.Contains(r.body, "<int>3</int>") {
			t.Errorf("pipelined answer: %+v", r)
		}
	}
}

type rawResp struct {
	status int
	header http.Header
	body   string
}

// rawHTTP sends raw bytes to the server of url and reads n responses.
func rawHTTP(t *testing.T, url, raw string, n int) []rawResp {
	t.Helper()
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/RPC2"), "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	go io.WriteString(c, raw)
	br := bufio.NewReader(c)
	var out []rawResp
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, rawResp{resp.StatusCode, resp.Header, string(b)})
	}
	return out
}

func TestBadInput(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte("<?xml version='1.0'?><methodCall><methodName>addtogether</methodName><params><param><value><string>"))
	// The bomb: 8 MiB of spaces, against a server that takes 1 MiB.
	sp := bytes.Repeat([]byte(" "), 1<<20)
	for i := 0; i < 8; i++ {
		zw.Write(sp)
	}
	zw.Close()
	post := func(body string, extra string) string {
		return fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s", extra, len(body), body)
	}
	deep := strings.Repeat("<value><array><data>", 300) + strings.Repeat("</data></array></value>", 300)
	small := func() *Server {
		s := NewDemoServer(ServerOptions{MaxBody: 1 << 20})
		s.RegisterMethod("panics", func(context.Context, []any) (any, error) { panic("on purpose") }, "")
		return s
	}
	modes := map[string]string{"http": startHTTP(t, small())}
	for _, arch := range streamArchs {
		modes["stream-"+string(arch)] = startStreamArch(t, small(), arch)
	}
	for mode, url := range modes {
		t.Run(mode, func(t *testing.T) { badInput(t, url, post, deep, bomb.Bytes()) })
	}
}

func badInput(t *testing.T, url string, post func(body, extra string) string, deep string, bomb []byte) {
	for _, tc := range []struct {
		name, raw string
		status    int
		want      string
	}{
		{"malformed XML", post("<methodCall><methodName>x</methodName", ""), 200, "<int>-32700</int>"},
		{"not XML", post("hello", ""), 200, "parse error"},
		{"huge number", post("<methodCall><methodName>addtogether</methodName><params><param><value><int>123456789012345678901234567890</int></value></param></params></methodCall>", ""), 200, "bad &lt;int&gt;"},
		{"wrong type", post("<methodCall><methodName>quadratic</methodName><params><param><value>a</value></param><param><value>a</value></param><param><value>a</value></param></params></methodCall>", ""), 200, "cannot use string as float64"},
		{"deep nesting", post("<methodCall><methodName>addtogether</methodName><params><param>"+deep+"</param></params></methodCall>", ""), 200, "nested deeper than 256"},
		{"DTD", post("<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>]><methodCall/>", ""), 200, "DTDs"},
		{"1 GB Content-Length", "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n", 413, "exceeds the maximum of 1048576"},
		{"gzip bomb", post(string(bomb), "Content-Encoding: gzip\r\n"), 400, "error decoding gzip content"},
		{"panic", post("<methodCall><methodName>panics</methodName></methodCall>", ""), 200, "panic: on purpose"},
		{"bad gzip", post("not gzip", "Content-Encoding: gzip\r\n"), 400, "error decoding gzip content"},
		{"other coding", post("x", "Content-Encoding: br\r\n"), 415, "not supported"},
		{"GET", "GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n", 405, "takes POST"},
		{"other path", post("x", "")[:5] + "/other" + post("x", "")[10:], 404, "No such page"},
	} {
		r := rawHTTP(t, url, tc.raw, 1)[0]
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: got %d %q, want %d and %q", tc.name, r.status, clip([]byte(r.body)), tc.status, tc.want)
		}
	}
	// Still serving.
	if v, err := NewClient(url).Call(context.Background(), "addtogether", 2, 2); err != nil || v != 4 {
		t.Errorf("after bad input: %v %v", v, err)
	}
}

// TestPythonClient runs Python's xmlrpc.client against netkit's server:
// the deck's calls, introspection, multicall, every type, gzip, 10 MB.
func TestPythonClient(t *testing.T) {
	py := testpeer.Python(t)
	bothModes(t, func(t *testing.T, url string) {
		out, err := exec.Command(py, "../testdata/xmlrpc/client.py", url).CombinedOutput()
		if err != nil {
			t.Fatalf("client.py: %v\n%s", err, out)
		}
		if n := strings.Count(string(out), "ok "); n < 36 {
			t.Errorf("only %d checks passed:\n%s", n, out)
		}
	})
}

// startPython starts testdata/xmlrpc/server.py and returns its URL.
func startPython(t *testing.T, args ...string) string {
	t.Helper()
	py := testpeer.Python(t)
	cmd := exec.Command(py, append([]string{"../testdata/xmlrpc/server.py"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var port int
	if _, err := fmt.Fscanf(bufio.NewReader(stdout), "port %d\n", &port); err != nil {
		t.Fatalf("server.py: %v", err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/RPC2", port)
}

// TestClientAgainstPython runs netkit's client against Python's
// SimpleXMLRPCServer (introspection, multicall, allow_none).
func TestClientAgainstPython(t *testing.T) {
	c := NewClient(startPython(t))
	ctx := context.Background()
	call := func(method string, args ...any) any {
		t.Helper()
		v, err := c.Call(ctx, method, args...)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return v
	}
	// The deck's four calls; Python's quadratic prints the deck's roots.
	for _, tc := range []struct {
		got, want any
	}{
		{call("addtogether", "x", "y", "z"), "xyz"},
		{call("addtogether", 1, 2, 3, 4, 5), 15},
		{call("quadratic", 2, -4, 0), []any{0.0, 8.0}},
		{call("quadratic", 1, 2, 1), []any{-1.0}},
		{call("system.methodSignature", "addtogether"), "signatures not supported"},
		{call("system.methodHelp", "addtogether"), ""},
		{call("addtogether", int64(1)<<40, -(int64(1) << 40), 5), 5},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("got %#v, want %#v", tc.got, tc.want)
		}
	}
	var names []string
	if err := c.CallInto(ctx, &names, "system.listMethods"); err != nil || len(names) != 8 {
		t.Errorf("listMethods: %v %v", names, err)
	}
	// Every value type, echoed.
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	vals := []any{7, true, 1.5, 1e16, "a<b&c>d", "é日😀", "cr\r\nlf", []byte{0, 1, 255}, when, nil,
		map[string]any{"k": []any{1, map[string]any{"z": []any{true, 2.5, nil}}}, "e": []any{}}}
	got := call("echo", vals...)
	// netkit sends CR as &#13; so Python gets it; Python sends it back raw,
	// and XML turns a raw CR into LF.
	vals[6] = "cr\nlf"
	if !reflect.DeepEqual(got, vals) {
		t.Errorf("echo:\n got %#v\nwant %#v", got, vals)
	}
	// Faults are typed errors.
	_, err := c.Call(ctx, "boom")
	var f *Fault
	if !errors.As(err, &f) || f.Code != 1 || f.String != "<class 'ValueError'>:boom" {
		t.Errorf("boom: %v", err)
	}
	// Multicall mixing results and faults.
	res, err := c.Multicall(ctx, MethodCall{"addtogether", []any{1, 2}}, MethodCall{"quadratic", []any{1, 0, 1}}, MethodCall{"nosuchmethod", nil})
	if err != nil || res[0].Value != 3 || res[1].Err == nil || res[1].Err.String != "<class 'ValueError'>:math domain error" ||
		res[2].Err == nil || !strings.Contains(res[2].Err.String, "nosuchmethod") {
		t.Errorf("multicall: %+v %v", res, err)
	}
	// A gzip-encoded request, and a gzip response (over 1400 bytes).
	cz := NewClient(c.URL)
	cz.GzipRequests = true
	long := strings.Repeat("x", 5000)
	if v, err := cz.Call(ctx, "addtogether", long, "y"); err != nil || v != long+"y" {
		t.Errorf("gzip: %v", err)
	}
	// A 10 MB array.
	big := make([]any, 1000000)
	for i := range big {
		big[i] = i
	}
	v, err := c.Call(ctx, "addtogether", big, []any{"end"})
	if a, ok := v.([]any); err != nil || !ok || len(a) != len(big)+1 || a[999999] != 999999 || a[len(big)] != "end" {
		t.Errorf("10 MB array: %v", err)
	}
	// Keep-alive against the HTTP/1.1 variant: nothing breaks.
	c11 := NewClient(startPython(t, "--http11"))
	for i := 0; i < 3; i++ {
		if v, err := c11.Call(ctx, "addtogether", i, 1); err != nil || v != i+1 {
			t.Errorf("HTTP/1.1 call %d: %v %v", i, v, err)
		}
	}
	// An HTTP error is typed.
	_, err = NewClient(strings.Replace(c.URL, "/RPC2", "/other", 1)).Call(ctx, "x")
	var he *HTTPError
	if !errors.As(err, &he) || !strings.HasPrefix(he.Status, "404") {
		t.Errorf("404: %v", err)
	}
}

// TestResponsesMatchPythonServer sends the same calls to netkit's demo
// server and to Python's and compares the response bodies byte for byte.
func TestResponsesMatchPythonServer(t *testing.T) {
	py := startPython(t)
	nk := startStream(t, NewDemoServer(ServerOptions{}))
	post := func(url string, body []byte) string {
		resp, err := http.Post(url, "text/xml", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for _, c := range []struct {
		method string
		args   []any
	}{
		{"addtogether", []any{"x", "y", "z"}},
		{"addtogether", []any{1, 2, 3, 4, 5}},
		{"quadratic", []any{1, 2, 1}},
		{"addtogether", []any{map[string]any{"a": []any{1.5, "é", true}}}},
		{"system.methodHelp", []any{"nosuchmethod"}[:0]},
	} {
		body, err := AppendCall(nil, c.method, c.args, EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, got := post(py, body), post(nk, body)
		if c.method == "system.methodHelp" {
			// Both fault; only the fault strings differ.
			if !strings.Contains(want, "<fault>") || !strings.Contains(got, "<fault>") {
				t.Errorf("%s: want faults from both:\n%s\n%s", c.method, want, got)
			}
			continue
		}
		if got != want {
			t.Errorf("%s%v: netkit's response differs from Python's:\n%s", c.method, c.args, firstDiff(got, want))
		}
	}
}
