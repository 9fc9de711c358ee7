package xmlrpc

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netkit-go/netkit/serve"
)

// FuzzParseCall feeds arbitrary bodies to the decoder: it must never panic,
// and whatever it accepts must encode and decode to the same call.
func FuzzParseCall(f *testing.F) {
	body, _ := AppendCall(nil, "addtogether", wireArgs(), EncodeOptions{})
	f.Add(body)
	f.Add([]byte("<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a</name><value><array><data><value>x</value></data></array></value></member></struct></value></param></params></methodCall>"))
	f.Add([]byte("<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params><param><value><string>caf\xe9 &amp;&#65;<![CDATA[<]]></string></value></param></params></methodCall>"))
	f.Add([]byte("\xef\xbb\xbf<methodCall><methodName>m</methodName><params><param><value><nil/></value></param></params></methodCall>"))
	f.Add([]byte(strings.Repeat("<value><array><data>", 10)))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCall(b)
		if err != nil {
			return
		}
		again, err := AppendCall(nil, c.Method, c.Params, EncodeOptions{AllowNil: true, AllowI8: true})
		if err != nil {
			return // for example a method name or a string XML cannot carry
		}
		if _, err := ParseCall(again); err != nil {
			t.Fatalf("re-encoded call does not parse: %v\n%s", err, again)
		}
	})
}

// FuzzParseResponse checks the client's side of the decoder.
func FuzzParseResponse(f *testing.F) {
	r, _ := AppendResponse(nil, wireArgs(), EncodeOptions{})
	f.Add(r)
	f.Add(AppendFault(nil, &Fault{Code: 4, String: "Too many parameters."}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseResponse(b)
	})
}

// FuzzStreamProtocol feeds arbitrary bytes to the HTTP framing of the
// stream protocol: Split and Serve must never panic, Split must never
// claim more bytes than it was given, and a session's own Split (which
// hands its parsed head to Serve) must frame and answer as the protocol's.
func FuzzStreamProtocol(f *testing.F) {
	f.Add([]byte("POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(len(deckCall)) + "\r\n\r\n" + deckCall))
	f.Add([]byte("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc"))
	p := NewDemoServer(ServerOptions{MaxBody: 1 << 16}).StreamProtocol()
	date := regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)
	f.Fuzz(func(t *testing.T, b []byte) {
		// The session's own Split (which hands the parsed head to Serve, as
		// the engines use it) and the protocol's must agree.
		own, mine := p.NewSession(nil), p.NewSession(nil)
		ownSplit := own.(serve.SessionSplitter).Split
		for len(b) > 0 {
			n, err := p.Split(b)
			if n2, err2 := ownSplit(b); n2 != n || (err2 == nil) != (err == nil) {
				t.Fatalf("session's Split %d, %v; protocol's %d, %v", n2, err2, n, err)
			}
			if err != nil || n == 0 {
				return
			}
			if n > len(b) {
				t.Fatalf("Split returned %d of %d bytes", n, len(b))
			}
			out, err := own.Serve(b[:n], nil)
			out2, err2 := mine.Serve(b[:n], nil)
			if len(out) == 0 {
				t.Fatalf("no answer to %q", b[:n])
			}
			if err != err2 || date.ReplaceAllString(string(out), "\r\n") != date.ReplaceAllString(string(out2), "\r\n") {
				t.Fatalf("answers differ with the session's Split: %q, %v; %q, %v", out, err, out2, err2)
			}
			if err != nil {
				return
			}
			b = b[n:]
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
