package xmlrpc

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"testing"

	"github.com/netkit-go/netkit/serve"
)

const deckCall = "<?xml version='1.0'?>\n<methodCall>\n<methodName>addtogether</methodName>\n<params>\n" +
	"<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><int>2</int></value>\n</param>\n" +
	"<param>\n<value><int>3</int></value>\n</param>\n<param>\n<value><int>4</int></value>\n</param>\n" +
	"<param>\n<value><int>5</int></value>\n</param>\n</params>\n</methodCall>\n"

// BenchmarkServeAddTogether is the server's whole in-process work for the
// deck's addtogether(1,2,3,4,5) on the stream protocol: HTTP framing,
// decoding, the call, encoding and the response head.
func BenchmarkServeAddTogether(b *testing.B) {
	s := NewDemoServer(ServerOptions{})
	p := s.StreamProtocol()
	sess := p.NewSession(nil)
	req := []byte(fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:7001\r\nAccept-Encoding: gzip\r\nContent-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\nContent-Length: %d\r\n\r\n%s", len(deckCall), deckCall))
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		n, err := sess.(serve.SessionSplitter).Split(req) // as the engines do
		if err != nil || n != len(req) {
			b.Fatal(n, err)
		}
		out, err = sess.Serve(req, out[:0])
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServeNewConnection is the same call as the first and only one
// of a new connection (Python's own mode): a new session, no buffers yet,
// Connection: close.
func BenchmarkServeNewConnection(b *testing.B) {
	s := NewDemoServer(ServerOptions{})
	p := s.StreamProtocol()
	req := []byte(fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:7001\r\nAccept-Encoding: gzip\r\nContent-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(deckCall), deckCall))
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		sess := p.NewSession(nil)
		if n, err := sess.(serve.SessionSplitter).Split(req); err != nil || n != len(req) {
			b.Fatal(n, err)
		}
		if _, err := sess.Serve(req, nil); err != serve.ErrClose {
			b.Fatal(err)
		}
		sess.Close(nil)
	}
}

// BenchmarkDispatch is Dispatch alone (no HTTP).
func BenchmarkDispatch(b *testing.B) {
	s := NewDemoServer(ServerOptions{})
	body := []byte(deckCall)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out = s.Dispatch(context.Background(), body, out[:0])
	}
}

// BenchmarkDecodeResponse1MB decodes a 1 MB response: an array of structs
// with ints, strings and doubles.
func BenchmarkDecodeResponse1MB(b *testing.B) {
	resp := response1MB()
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		if _, err := ParseResponse(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingXMLTokens1MB only tokenizes the same response with
// encoding/xml, for comparison: it builds no values.
func BenchmarkEncodingXMLTokens1MB(b *testing.B) {
	resp := response1MB()
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(resp))
		for {
			if _, err := d.RawToken(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

func response1MB() []byte {
	var items []any
	resp := []byte(nil)
	for len(resp) < 1<<20 {
		items = append(items, map[string]any{"id": len(items), "name": fmt.Sprintf("item %d", len(items)), "price": 1.25 * float64(len(items))})
		if len(items)%1000 == 0 {
			resp, _ = AppendResponse(nil, items, EncodeOptions{})
		}
	}
	return resp
}
