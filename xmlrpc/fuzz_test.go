package xmlrpc

import (
	"strings"
	"testing"
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
