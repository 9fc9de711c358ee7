// Package xmlrpc implements XML-RPC as Python's xmlrpc.client and
// xmlrpc.server speak it: a value codec, a server and a client.
//
// The codec maps XML-RPC values to Go (see ParseCall for the decoded types,
// Unmarshal for conversion into typed Go values, and Marshal for encoding,
// which writes the same bytes as Python's Marshaller). Decoding uses a small
// hand-written tokenizer for the XML subset XML-RPC needs; it is bounded
// (body size, nesting depth), rejects DTDs (so there are no external or
// expanding entities) and rejects the text Python's expat parser rejects.
//
// A Server publishes Go functions by name:
//
//	s := xmlrpc.NewServer(xmlrpc.ServerOptions{AllowNil: true})
//	s.Register("add", func(a, b int) int { return a + b }, "add(a, b) => a+b")
//	http.Handle("/RPC2", s)                    // as an http.Handler, or
//	serve.New(s.StreamProtocol(), serve.Config{MaxRequest: s.MaxRequest()})
//
// StreamProtocol runs the server on netkit's serve engines with a minimal
// HTTP/1.1 framing (Content-Length bodies, keep-alive, pipelining), which
// avoids net/http's per-request cost.
//
// A Client calls them:
//
//	c := xmlrpc.NewClient("http://127.0.0.1:7001/RPC2")
//	var sum int
//	err := c.CallInto(ctx, &sum, "add", 2, 3)
//
// Faults are *Fault errors with their code and string.
package xmlrpc
