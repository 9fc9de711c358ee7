package xmlrpc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netkit-go/netkit/serve"
)

// MaxHeader is the largest HTTP request head the stream protocol accepts.
const MaxHeader = 16 << 10

// StreamProtocol returns the server as a serve.Protocol: a minimal HTTP/1.1
// server (POST with Content-Length, keep-alive, pipelining) that runs on
// netkit's serve engines without net/http's per-request cost. Give the
// serve.Config a MaxRequest of at least MaxRequest().
func (s *Server) StreamProtocol() serve.Protocol { return &streamProtocol{s: s} }

// MaxRequest is the largest HTTP request (head and body) the stream
// protocol can be given.
func (s *Server) MaxRequest() int { return s.opts.MaxBody + MaxHeader }

type streamProtocol struct{ s *Server }

// Split finds the end of the request head and then of the body announced by
// Content-Length. A head that can never be served (no Content-Length,
// chunked, a body over the limit) is returned alone, and Session answers it
// with an error and closes the connection.
func (p *streamProtocol) Split(buf []byte) (int, error) {
	i := bytes.Index(buf, []byte("\r\n\r\n"))
	if i < 0 {
		if len(buf) > MaxHeader {
			return 0, fmt.Errorf("HTTP request head exceeds %d bytes", MaxHeader)
		}
		return 0, nil
	}
	head := i + 4
	h := parseHead(buf[:head])
	if h.err != "" || h.contentLength < 0 || h.contentLength > p.s.opts.MaxBody {
		return head, nil
	}
	if len(buf) < head+h.contentLength {
		return 0, nil
	}
	return head + h.contentLength, nil
}

// NewSession starts the state of one connection: a reusable response
// buffer. Sessions are recycled (Close returns them), so that a connection
// that makes one call, Python's own mode, costs no allocation here.
func (p *streamProtocol) NewSession(peer net.Addr) serve.Session {
	ss := sessionPool.Get().(*streamSession)
	ss.s = p.s
	return ss
}

type streamSession struct {
	s    *Server
	body []byte // scratch for response bodies
}

// sessionPool holds the sessions of closed connections.
var sessionPool = sync.Pool{New: func() any { return &streamSession{body: make([]byte, 0, 1024)} }}

// keepBody is the largest response buffer a recycled session keeps.
const keepBody = 64 << 10

// Close recycles the session; the engine calls no method after Close.
func (ss *streamSession) Close(error) {
	if cap(ss.body) > keepBody {
		ss.body = make([]byte, 0, 1024)
	}
	ss.s = nil
	sessionPool.Put(ss)
}

// maxHead is room for the head of a 200 answer: status line, Server,
// Date, Connection, Content-Type, Content-Encoding and Content-Length.
const maxHead = 256

// head is what the server needs from an HTTP request head.
type head struct {
	method, path    []byte
	http10          bool
	keepAlive       bool
	contentLength   int // -1 when absent
	contentEncoding []byte
	acceptEncoding  []byte
	err             string // why the head cannot be served
	status          int
}

// parseHead parses a request head ending in CRLF CRLF.
func parseHead(b []byte) head {
	h := head{contentLength: -1}
	line, rest, _ := bytes.Cut(b, []byte("\r\n"))
	m, rl, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(rl, []byte(" "))
	if !ok1 || !ok2 || len(m) == 0 || len(target) == 0 {
		h.err, h.status = fmt.Sprintf("bad request line %q", clip(line)), http.StatusBadRequest
		return h
	}
	h.method, h.path = m, target
	switch string(proto) {
	case "HTTP/1.1":
		h.keepAlive = true
	case "HTTP/1.0":
		h.http10 = true
	default:
		h.err, h.status = fmt.Sprintf("unsupported protocol %q", clip(proto)), http.StatusHTTPVersionNotSupported
		return h
	}
	for len(rest) > 2 {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			h.err, h.status = "malformed header line", http.StatusBadRequest
			return h
		}
		value = bytes.TrimSpace(value)
		switch {
		case equalFold(name, "content-length"):
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || h.contentLength >= 0 {
				h.err, h.status = "bad Content-Length", http.StatusBadRequest
				return h
			}
			h.contentLength = n
		case equalFold(name, "connection"):
			switch {
			case equalFold(value, "close"):
				h.keepAlive = false
			case equalFold(value, "keep-alive"):
				h.keepAlive = true
			}
		case equalFold(name, "content-encoding"):
			h.contentEncoding = value
		case equalFold(name, "accept-encoding"):
			h.acceptEncoding = value
		case equalFold(name, "transfer-encoding"):
			h.err, h.status = "chunked request bodies are not supported; send Content-Length", http.StatusLengthRequired
			return h
		}
	}
	return h
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Serve answers one framed HTTP request.
func (ss *streamSession) Serve(req, out []byte) ([]byte, error) {
	i := bytes.Index(req, []byte("\r\n\r\n"))
	h := parseHead(req[:i+4])
	body := req[i+4:]
	// A body that Split did not frame cannot be skipped: close after the
	// answer.
	unframed := h.contentLength > ss.s.opts.MaxBody || h.contentLength < 0 && string(h.method) == "POST"
	if h.err == "" {
		switch {
		case string(h.path) != "/RPC2" && string(h.path) != "/":
			h.err, h.status = "No such page", http.StatusNotFound
		case string(h.method) != "POST":
			h.err, h.status = "XML-RPC takes POST, not "+string(h.method), http.StatusMethodNotAllowed
		case h.contentLength < 0:
			h.err, h.status = "Content-Length required", http.StatusLengthRequired
		case h.contentLength > ss.s.opts.MaxBody:
			h.err, h.status = fmt.Sprintf("request body of %d bytes exceeds the maximum of %d", h.contentLength, ss.s.opts.MaxBody), http.StatusRequestEntityTooLarge
		}
	} else {
		unframed = true
	}
	if h.err != "" {
		if unframed {
			h.keepAlive = false
		}
		return ss.simple(out, &h, h.status, h.err), closeErr(&h)
	}
	resp, gz, herr := ss.s.exchange(context.Background(), body, string(h.contentEncoding), string(h.acceptEncoding), ss.body[:0])
	ss.body = resp[:0]
	if herr != nil {
		return ss.simple(out, &h, herr.status, herr.msg), closeErr(&h)
	}
	out = slices.Grow(out, maxHead+len(resp)) // one allocation for a new connection's buffer
	out = appendStatus(out, &h, http.StatusOK)
	out = append(out, "Content-Type: text/xml\r\n"...)
	if gz {
		out = append(out, "Content-Encoding: gzip\r\n"...)
	}
	out = append(out, "Content-Length: "...)
	out = strconv.AppendInt(out, int64(len(resp)), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(out, resp...)
	if cap(ss.body) > 1<<20 {
		ss.body = nil // do not keep a large buffer for an idle connection
	}
	return out, closeErr(&h)
}

func closeErr(h *head) error {
	if h.keepAlive {
		return nil
	}
	return serve.ErrClose // Connection: close, HTTP/1.0, or a request that could not be framed
}

// simple appends a plain-text answer.
func (ss *streamSession) simple(out []byte, h *head, status int, msg string) []byte {
	out = appendStatus(out, h, status)
	if status == http.StatusMethodNotAllowed {
		out = append(out, "Allow: POST\r\n"...)
	}
	out = append(out, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(msg)+1), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(out, msg...)
	return append(out, '\n')
}

// appendStatus appends the status line and the headers every answer has.
func appendStatus(out []byte, h *head, status int) []byte {
	if status == http.StatusOK {
		out = append(out, "HTTP/1.1 200 OK\r\nServer: netkit-xmlrpc\r\n"...)
	} else {
		out = append(out, "HTTP/1.1 "...)
		out = strconv.AppendInt(out, int64(status), 10)
		out = append(out, ' ')
		out = append(out, http.StatusText(status)...)
		out = append(out, "\r\nServer: netkit-xmlrpc\r\n"...)
	}
	out = append(out, dateHeader()...)
	switch {
	case !h.keepAlive:
		out = append(out, "Connection: close\r\n"...)
	case h.http10:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	return out
}

// cachedDate holds the Date header line of the current second.
type cachedDate struct {
	sec  int64
	line []byte
}

var dateCache atomic.Pointer[cachedDate]

// dateHeader returns "Date: ...\r\n" for now, formatted once per second.
func dateHeader() []byte {
	now := time.Now()
	if d := dateCache.Load(); d != nil && d.sec == now.Unix() {
		return d.line
	}
	line := now.UTC().AppendFormat([]byte("Date: "), http.TimeFormat)
	line = append(line, "\r\n"...)
	dateCache.Store(&cachedDate{sec: now.Unix(), line: line})
	return line
}
