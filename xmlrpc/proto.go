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
	return frame(parseHead(buf), buf, p.s.opts.MaxBody)
}

// frame is Split for buf, whose head is h.
func frame(h head, buf []byte, maxBody int) (int, error) {
	if h.end == 0 {
		if len(buf) > MaxHeader {
			return 0, fmt.Errorf("HTTP request head exceeds %d bytes", MaxHeader)
		}
		return 0, nil
	}
	if h.err != "" || h.contentLength < 0 || h.contentLength > maxBody {
		return h.end, nil
	}
	if len(buf) < h.end+h.contentLength {
		return 0, nil
	}
	return h.end + h.contentLength, nil
}

// Split frames the connection's next request as the protocol's Split does
// (the session is a serve.SessionSplitter) and keeps its parsed head for the
// Serve that follows, so that a request's head is parsed once.
func (ss *streamSession) Split(buf []byte) (int, error) {
	h := parseHead(buf)
	n, err := frame(h, buf, ss.s.opts.MaxBody)
	if n > 0 {
		ss.split, ss.splitAt, ss.splitLen = h, &buf[0], n
	}
	return n, err
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
	body []byte   // scratch for response bodies
	dec  *decoder // the connection's own, so that a call takes none from a pool

	// split is the head the session's Split parsed last, of the request
	// of splitLen bytes at splitAt; Serve uses it for that request.
	split    head
	splitAt  *byte
	splitLen int
}

// sessionPool holds the sessions of closed connections.
var sessionPool = sync.Pool{New: func() any { return &streamSession{body: make([]byte, 0, 1024), dec: &decoder{}} }}

// keepBody is the largest response buffer a recycled session keeps.
const keepBody = 64 << 10

// Close recycles the session; the engine calls no method after Close.
func (ss *streamSession) Close(error) {
	if cap(ss.body) > keepBody {
		ss.body = make([]byte, 0, 1024)
	}
	ss.s = nil
	ss.split, ss.splitAt = head{}, nil
	sessionPool.Put(ss)
}

// maxHead is room for the head of a 200 answer: status line, Server,
// Date, Connection, Content-Type, Content-Encoding and Content-Length.
const maxHead = 256

// head is what the server needs from an HTTP request head.
type head struct {
	end             int // length of the head with its empty line; 0: incomplete
	method, path    []byte
	http10          bool
	keepAlive       bool
	connection      int8 // the last Connection header: 0 none, connClose, connKeepAlive
	contentLength   int  // -1 when absent
	contentEncoding []byte
	acceptEncoding  []byte
	err             string // why the head cannot be served
	status          int
}

// Values of head.connection.
const (
	connClose     = 1
	connKeepAlive = 2
)

// parseHead parses the request head at the start of b, which ends at the
// first empty line (CRLF CRLF). It is one pass over the head's lines and
// allocates nothing for a head that can be served. h.end is 0 when b does
// not hold the whole head yet.
func parseHead(b []byte) (h head) {
	line, n := nextLine(b, 0)
	if n < 0 {
		return h
	}
	h.contentLength = -1
	for p := n; ; {
		l, next := nextLine(b, p)
		if next < 0 {
			return head{}
		}
		if len(l) == 0 {
			h.end = next
			break
		}
		p = next
		if h.err == "" {
			h.header(l)
		}
	}
	if h.err != "" {
		return h
	}
	m, rl, ok1 := cutByte(line, ' ')
	target, proto, ok2 := cutByte(rl, ' ')
	if !ok1 || !ok2 || len(m) == 0 || len(target) == 0 {
		h.err, h.status = fmt.Sprintf("bad request line %q", clip(line)), http.StatusBadRequest
		return h
	}
	h.method, h.path = m, target
	switch string(proto) {
	case "HTTP/1.1":
		h.keepAlive = h.connection != connClose
	case "HTTP/1.0":
		h.http10 = true
		h.keepAlive = h.connection == connKeepAlive
	default:
		h.err, h.status = fmt.Sprintf("unsupported protocol %q", clip(proto)), http.StatusHTTPVersionNotSupported
	}
	return h
}

// cutByte is bytes.Cut for a one-byte separator, with less work.
func cutByte(b []byte, sep byte) (before, after []byte, found bool) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// nextLine returns the line of b that starts at p, without its CRLF, and
// where the next line starts; -1 when the line is not complete. A bare LF
// is part of the line.
func nextLine(b []byte, p int) ([]byte, int) {
	for q := p; ; {
		i := bytes.IndexByte(b[q:], '\n')
		if i < 0 {
			return nil, -1
		}
		q += i
		if q > p && b[q-1] == '\r' {
			return b[p : q-1], q + 1
		}
		q++
	}
}

// header takes in one header line.
func (h *head) header(l []byte) {
	name, value, ok := cutByte(l, ':')
	if !ok {
		h.err, h.status = "malformed header line", http.StatusBadRequest
		return
	}
	// The length picks the one name to compare; the usual spelling is
	// compared first, then any other case.
	switch len(name) {
	case len("content-length"):
		if isHeader(name, "Content-Length", "content-length") {
			n, ok := parseLength(bytes.TrimSpace(value))
			if !ok || h.contentLength >= 0 {
				h.err, h.status = "bad Content-Length", http.StatusBadRequest
				return
			}
			h.contentLength = n
		}
	case len("connection"):
		if isHeader(name, "Connection", "connection") {
			switch value = bytes.TrimSpace(value); {
			case equalFold(value, "close"):
				h.connection = connClose
			case equalFold(value, "keep-alive"):
				h.connection = connKeepAlive
			}
		}
	case len("content-encoding"):
		if isHeader(name, "Content-Encoding", "content-encoding") {
			h.contentEncoding = bytes.TrimSpace(value)
		}
	case len("accept-encoding"):
		if isHeader(name, "Accept-Encoding", "accept-encoding") {
			h.acceptEncoding = bytes.TrimSpace(value)
		}
	case len("transfer-encoding"):
		if isHeader(name, "Transfer-Encoding", "transfer-encoding") {
			h.err, h.status = "chunked request bodies are not supported; send Content-Length", http.StatusLengthRequired
		}
	}
}

// isHeader reports whether name is the header canonical (as usually
// written) or lower (in lower case) in any case.
func isHeader(name []byte, canonical, lower string) bool {
	return string(name) == canonical || equalFold(name, lower)
}

// parseLength parses a Content-Length value as strconv.Atoi does (an
// optional sign, decimal digits), refusing negative numbers and overflow.
func parseLength(v []byte) (int, bool) {
	if bytes.IndexByte(v, '_') >= 0 {
		return 0, false // parseInt's digit separators are Python's, not HTTP's
	}
	n, ok := parseInt(v)
	return n, ok && n >= 0
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
	var h head
	if len(req) > 0 && &req[0] == ss.splitAt && len(req) == ss.splitLen {
		h = ss.split
	} else {
		h = parseHead(req)
	}
	ss.split, ss.splitAt = head{}, nil
	body := req[h.end:]
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
	resp, gz, herr := ss.s.exchange(context.Background(), ss.dec, body, string(h.contentEncoding), string(h.acceptEncoding), ss.body[:0])
	ss.body = resp[:0]
	if herr != nil {
		return ss.simple(out, &h, herr.status, herr.msg), closeErr(&h)
	}
	out = slices.Grow(out, maxHead+len(resp)) // one allocation for a new connection's buffer
	if h.keepAlive && !h.http10 && !gz {
		out = append(out, okHead()...) // the usual head up to the length, in one piece
	} else {
		out = appendStatus(out, &h, http.StatusOK)
		out = append(out, "Content-Type: text/xml\r\n"...)
		if gz {
			out = append(out, "Content-Encoding: gzip\r\n"...)
		}
		out = append(out, "Content-Length: "...)
	}
	out = strconv.AppendInt(out, int64(len(resp)), 10)
	out = append(out, "\r\n\r\n"...)
	out = append(out, resp...)
	if cap(ss.body) > 1<<20 {
		ss.body = nil // do not keep a large buffer for an idle connection
	}
	if cap(ss.dec.s.scratch) > 1<<20 {
		ss.dec.s.scratch = nil
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
		out = append(out, okStatus...)
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

// The Date header line of the current second is kept up to date by a
// goroutine that runs while answers are being sent: it wakes at each
// second's start, and stops after a second in which no answer asked for the
// line (dateHeader starts it again). An answer then costs no clock reading.
var (
	dateLine    atomic.Pointer[[]byte] // okStatus, "Date: ...\r\n", okFields
	dateUsed    atomic.Bool            // an answer used the line since the last tick
	dateRunning atomic.Bool            // the ticking goroutine runs
)

// The head of a 200 answer to a keep-alive HTTP/1.1 request, around its
// Date line and up to the value of Content-Length.
const (
	okStatus = "HTTP/1.1 200 OK\r\nServer: netkit-xmlrpc\r\n"
	okFields = "Content-Type: text/xml\r\nContent-Length: "
)

// dateHeader returns "Date: ...\r\n" for the current second.
func dateHeader() []byte {
	h := okHead()
	return h[len(okStatus) : len(h)-len(okFields)]
}

// okHead returns okStatus, the Date line of the current second and
// okFields in one slice.
func okHead() []byte {
	if !dateUsed.Load() {
		dateUsed.Store(true)
	}
	if p := dateLine.Load(); p != nil && dateRunning.Load() {
		return *p
	}
	line := formatDate(time.Now())
	dateLine.Store(&line)
	if dateRunning.CompareAndSwap(false, true) {
		go tickDate()
	}
	return line
}

// tickDate renews the Date line at the start of every second until a
// second passes without an answer.
func tickDate() {
	for {
		time.Sleep(time.Second - time.Duration(time.Now().Nanosecond()))
		if !dateUsed.Swap(false) {
			dateRunning.Store(false)
			return
		}
		line := formatDate(time.Now())
		dateLine.Store(&line)
	}
}

// formatDate returns okStatus, the Date line of now and okFields.
func formatDate(now time.Time) []byte {
	line := append(make([]byte, 0, 160), okStatus+"Date: "...)
	line = now.UTC().AppendFormat(line, http.TimeFormat)
	return append(line, "\r\n"+okFields...)
}
