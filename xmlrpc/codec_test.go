package xmlrpc

import (
	"bytes"
	"math"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// wireArgs are the values of testdata/xmlrpc/wire.py, in Go.
func wireArgs() []any {
	return []any{
		0, -1, math.MaxInt32, math.MinInt32, true, false,
		1.5, 0.1, 1.0, math.Copysign(0, -1), 1e16, 123456789012345680.0, 1e300, 1e-300, 5e-324,
		0.0001, 0.00001, 10000000000.0, math.Inf(1), math.Inf(-1), math.NaN(),
		"", "a<b&c>d", "q\"'q", "]]>", "\u00e9\u65e5\U0001F600", "a\tb\nc", "  x  ",
		[]byte("\x00\x01\xffhello"), []byte{}, seq(60),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(99, 1, 2, 3, 4, 5, 0, time.UTC),
		map[string]any{"a": 1, "b<": "c"}, map[string]any{}, []any{}, []any{1, "a"},
		map[string]any{"e": []any{}, "k": []any{1, map[string]any{"z": []any{true, 2.5}}}},
	}
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestWireMatchesPython compares netkit's encoding of a call carrying every
// value type, of a fault and of a result with the bytes Python writes.
func TestWireMatchesPython(t *testing.T) {
	py := testpeer.Python(t)
	out, err := exec.Command(py, "../testdata/xmlrpc/wire.py").Output()
	if err != nil {
		t.Fatalf("wire.py: %v", err)
	}
	want := strings.Split(string(out), "=====\n")
	if len(want) != 4 {
		t.Fatalf("wire.py printed %d sections", len(want))
	}
	call, err := AppendCall(nil, "addtogether", wireArgs(), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fault := AppendFault(nil, &Fault{Code: 1, String: "<class 'Exception'>:method \"nosuchmethod\" is not supported"})
	resp, err := AppendResponse(nil, []float64{0, 8}, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nilCall, err := AppendCall(nil, "addtogether", []any{nil}, EncodeOptions{AllowNil: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range [][]byte{call, fault, resp, nilCall} {
		if string(got) != want[i] {
			t.Errorf("section %d differs from Python:\n%s", i, firstDiff(string(got), want[i]))
		}
	}
}

func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-80)
	return "netkit: ..." + got[lo:min(len(got), i+80)] + "\npython: ..." + want[lo:min(len(want), i+80)]
}

// TestRoundTrip encodes every value type and decodes it back.
func TestRoundTrip(t *testing.T) {
	args := wireArgs()
	args = append(args, nil, int64(1)<<40, "cr\r\nlf")
	body, err := AppendCall(nil, "m", args, EncodeOptions{AllowNil: true, AllowI8: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCall(body)
	if err != nil {
		t.Fatal(err)
	}
	if c.Method != "m" || len(c.Params) != len(args) {
		t.Fatalf("got %q with %d params", c.Method, len(c.Params))
	}
	for i, want := range args {
		got := c.Params[i]
		switch w := want.(type) {
		case float64:
			g := got.(float64)
			if g != w && !(math.IsNaN(g) && math.IsNaN(w)) || math.Signbit(g) != math.Signbit(w) {
				t.Errorf("param %d: got %v, want %v", i, g, w)
			}
			continue
		case int64:
			want = int(w)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("param %d: got %#v, want %#v", i, got, want)
		}
	}
}

// TestDecodeAccepts covers what Python's parser accepts (xmlrpc-observed.md §6).
func TestDecodeAccepts(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"<value><i4>7</i4></value>", 7},
		{"<value><ex:i8>5</ex:i8></value>", 5},
		{"<value><i1>7</i1></value>", 7},
		{"<value><biginteger>7</biginteger></value>", 7},
		{"<value><int> 42 </int></value>", 42},
		{"<value><int>+5</int></value>", 5},
		{"<value><int>1_000</int></value>", 1000},
		{"<value><int>007</int></value>", 7},
		{"<value><double>1e10</double></value>", 1e10},
		{"<value><double>-Infinity</double></value>", math.Inf(-1)},
		{"<value><double> 1.5 </double></value>", 1.5},
		{"<value><double>.5</double></value>", 0.5},
		{"<value><double>1_0.5</double></value>", 10.5},
		{"<value><double>1e999</double></value>", math.Inf(1)},
		{"<value><float>2.5</float></value>", 2.5},
		{"<value><boolean>1</boolean></value>", true},
		{"<value><nil/></value>", nil},
		{"<value><ex:nil/></value>", nil},
		{"<value>text</value>", "text"},
		{"<value>  two  words </value>", "  two  words "},
		{"<value></value>", ""},
		{"<value/>", ""},
		{"<value>\n<int>5</int>\n</value>", 5},
		{"<value><string><![CDATA[a<b&c]]></string></value>", "a<b&c"},
		{"<value><string>&#x41;&#65;&quot;&apos;</string></value>", "AA\"'"},
		{"<value><string>a&#13;\r\nb</string></value>", "a\r\nb"},
		{"<value><string>l1\r\nl2\rl3</string></value>", "l1\nl2\nl3"},
		{"<value><string/></value>", ""},
		{"<value><dateTime.iso8601>2026-01-02T03:04:05</dateTime.iso8601></value>", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"<value><dateTime.iso8601> 20260102T03:04:05Z </dateTime.iso8601></value>", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"<value><base64>aGVs\nbG8=</base64></value>", []byte("hello")},
		{"<value><base64>aGVs!bG8=</base64></value>", []byte("hello")},
		{"<value><array><value><int>1</int></value></array></value>", []any{1}},
		{"<value><struct><member><name>a</name><value><int>1</int></value></member><member><name>a</name><value><int>2</int></value></member></struct></value>", map[string]any{"a": 2}},
		{"<value><struct><member><name></name><value>x</value></member></struct></value>", map[string]any{"": "x"}},
	}
	for _, c := range cases {
		body := "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>" + c.in + "</param>\n</params>\n</methodCall>\n"
		call, err := ParseCall([]byte(body))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if len(call.Params) != 1 || !reflect.DeepEqual(call.Params[0], c.want) {
			t.Errorf("%s: got %#v, want %#v", c.in, call.Params, c.want)
		}
	}
}

// TestDecodeRejects covers what must be refused with a clear error.
func TestDecodeRejects(t *testing.T) {
	wrap := func(v string) string {
		return "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>" + v + "</param></params></methodCall>"
	}
	cases := map[string]string{
		"not XML":                              "syntax error",
		"":                                     "no element found",
		`{"a":1}`:                              "unexpected character data",
		wrap("<value><int>0x10</int></value>"): "bad <int>",
		wrap("<value><int>1.5</int></value>"):  "bad <int>",
		wrap("<value><int></int></value>"):     "bad <int>",
		wrap("<value><int>99999999999999999999</int></value>"):                      "bad <int>",
		wrap("<value><double>1,5</double></value>"):                                 "bad <double>",
		wrap("<value><boolean>true</boolean></value>"):                              "bad boolean",
		wrap("<value><string>a\x00b</string></value>"):                              "control character",
		wrap("<value><string>a\x01b</string></value>"):                              "control character",
		wrap("<value><string>a\xef\xbf\xbeb</string></value>"):                      "U+FFFE",
		wrap("<value><string>a\xe9b</string></value>"):                              "invalid UTF-8",
		wrap("<value><string>a&#55296;b</string></value>"):                          "invalid character number",
		wrap("<value><string>a&#0;b</string></value>"):                              "invalid character number",
		wrap("<value><string>&nbsp;</string></value>"):                              "undefined entity",
		wrap("<value><foo>1</foo></value>"):                                         "unknown type tag",
		wrap("<value><base64>aGVsbG8</base64></value>"):                             "bad base64",
		wrap("<value><struct><member><value>1</value></member></struct></value>"):   "want <name>",
		wrap("<value><int>1</i4></value>"):                                          "unexpected </i4>",
		wrap("<value><int>1</int></value>") + "<junk/>":                             "junk after document element",
		"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'x'>]><methodCall/>":          "DTDs",
		"<methodCall><methodName>m</methodName><params><param><value><array><data>": "ends early",
	}
	for in, want := range cases {
		_, err := ParseCall([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			if want == "syntax error" && err != nil {
				continue
			}
			t.Errorf("%q: got error %v, want one containing %q", in, err, want)
		}
	}
}

// TestDeepNesting checks the depth limit.
func TestDeepNesting(t *testing.T) {
	n := DefaultMaxDepth + 1
	v := strings.Repeat("<value><array><data>", n) + strings.Repeat("</data></array></value>", n)
	body := "<methodCall><methodName>m</methodName><params><param>" + v + "</param></params></methodCall>"
	if _, err := ParseCall([]byte(body)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("got %v", err)
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, v := range []any{"a\x00b", "bad\xffutf8", 1 << 40, nil, make(chan int), map[int]int{1: 1}} {
		if _, err := Marshal(v, EncodeOptions{}); err == nil {
			t.Errorf("%#v: encoded without error", v)
		}
	}
}

// TestTypedStructs converts structs, typed slices and maps both ways.
func TestTypedStructs(t *testing.T) {
	type inner struct {
		Z []float64 `xmlrpc:"z"`
	}
	type outer struct {
		Name  string            `xmlrpc:"name"`
		Count int64             `xmlrpc:"count"`
		Tags  map[string]string `xmlrpc:"tags"`
		In    *inner            `xmlrpc:"in"`
		When  time.Time         `xmlrpc:"when"`
		Skip  string            `xmlrpc:"-"`
		Empty string            `xmlrpc:"empty,omitempty"`
	}
	in := outer{Name: "n", Count: 3, Tags: map[string]string{"a": "b"}, In: &inner{Z: []float64{1.5}}, When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Skip: "x"}
	b, err := Marshal(in, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("Skip")) || bytes.Contains(b, []byte("empty")) {
		t.Errorf("encoded skipped fields: %s", b)
	}
	v, err := ParseResponse(append(append([]byte(responsePrefix), b...), responseSuffix...))
	if err != nil {
		t.Fatal(err)
	}
	var out outer
	if err := Unmarshal(v, &out); err != nil {
		t.Fatal(err)
	}
	in.Skip = ""
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v, want %+v", out, in)
	}
	var small []int8
	if err := Unmarshal([]any{1, 300}, &small); err == nil || !strings.Contains(err.Error(), "[1]") {
		t.Errorf("out of range int8: %v", err)
	}
}

func TestAppendFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1.5: "1.5", 1: "1.0", 1e16: "1e+16", 1e-5: "1e-05", 0.0001: "0.0001", 1e15: "1000000000000000.0",
		123456789012345680.0: "1.2345678901234568e+17", 5e-324: "5e-324", 0: "0.0",
	} {
		if got := string(AppendFloat(nil, f)); got != want {
			t.Errorf("%v: got %s, want %s", f, got, want)
		}
	}
}

// TestIntFastPath checks that the integer fast path decodes as the general
// decoder does, and leaves to it what it does not take.
func TestIntFastPath(t *testing.T) {
	for _, v := range []string{"15", "-7", "+3", "0012", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "1_000", " 5", "5 ", "\v5", "&#53;", "", "-", "12345678901234567890123", "5\r",
		"123456789012345678", "-123456789012345678", "1234567890123456789", "-1234567890123456789", "00000000000000000001"} {
		for _, typ := range []string{"int", "i4"} {
			val := "<value><" + typ + ">" + v + "</" + typ + "></value>"
			fast := "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>" + val + "</param></params></methodCall>"
			// The same value inside an array takes the general path.
			general := "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param><value><array><data>" + val + "</data></array></value></param></params></methodCall>"
			fc, ferr := ParseCall([]byte(fast))
			gc, gerr := ParseCall([]byte(general))
			if (ferr == nil) != (gerr == nil) {
				t.Errorf("<%s>%q</%s>: fast path error %v, general %v", typ, v, typ, ferr, gerr)
				continue
			}
			if ferr == nil && fc.Params[0] != gc.Params[0].([]any)[0] {
				t.Errorf("<%s>%q</%s>: fast path %v, general %v", typ, v, typ, fc.Params[0], gc.Params[0])
			}
		}
	}
}

// TestCallFastPaths checks that a call written as Python writes it, which
// the decoder's literal fast paths take, decodes as the same call spelled so
// that only the general path can read it (attributes, spaces in tags, a
// comment in the prolog), and that both refuse the same broken documents.
func TestCallFastPaths(t *testing.T) {
	for _, decl := range []string{"<?xml version='1.0'?>", `<?xml version="1.0"?>`} {
		for _, tail := range []string{"", "\n", "<!-- c -->", "<x/>", "junk"} {
			fast := decl + "\n<methodCall>\n<methodName>a.b</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n" +
				"<param>\n<value><string>s</string></value>\n</param>\n</params>\n</methodCall>\n" + tail
			general := decl + "<!-- p -->\n<methodCall a='1'>\n<methodName >a.b</methodName >\n<params >\n<param >\n<value ><int >1</int ></value >\n</param >\n" +
				"<param>\n<value><string>s</string></value>\n</param>\n</params >\n</methodCall >\n" + tail
			fc, ferr := ParseCall([]byte(fast))
			gc, gerr := ParseCall([]byte(general))
			if (ferr == nil) != (gerr == nil) || (tail == "" || tail == "\n") && ferr != nil {
				t.Errorf("tail %q: fast path error %v, general %v", tail, ferr, gerr)
				continue
			}
			if ferr == nil && (fc.Method != gc.Method || len(fc.Params) != 2 || fc.Params[0] != gc.Params[0] || fc.Params[1] != gc.Params[1]) {
				t.Errorf("tail %q: fast path %+v, general %+v", tail, fc, gc)
			}
		}
	}
}

// TestIntFastPathFallsBack checks that a <param> the integer fast path
// starts but cannot finish is read again from its start by the general
// path: a second value is refused, not silently dropped, and a comment
// before </param> is allowed.
func TestIntFastPathFallsBack(t *testing.T) {
	call := func(param string) string {
		return "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>" + param + "</param>\n</params>\n</methodCall>\n"
	}
	if c, err := ParseCall([]byte(call("<value><int>1</int></value><value><int>2</int></value>"))); err == nil {
		t.Errorf("two values in one <param> accepted as %v", c.Params)
	}
	c, err := ParseCall([]byte(call("<value><int>1</int></value><!-- c -->")))
	if err != nil || len(c.Params) != 1 || c.Params[0] != 1 {
		t.Errorf("comment before </param>: %+v, %v", c, err)
	}
}
