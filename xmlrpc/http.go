package xmlrpc

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipThreshold is the body size above which responses are compressed for
// clients that accept gzip, as Python's server does.
const gzipThreshold = 1400

// An httpError is an answer that is not an XML-RPC response.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// exchange runs one POST after HTTP framing: it decodes body according to
// contentEncoding, dispatches it, and returns the response body appended to
// dst and whether it is gzip-compressed (when acceptEncoding allows and the
// body is large enough). d, if not nil, is the decoder to use.
func (s *Server) exchange(ctx context.Context, d *decoder, body []byte, contentEncoding, acceptEncoding string, dst []byte) ([]byte, bool, *httpError) {
	switch ce := strings.TrimSpace(contentEncoding); {
	case ce == "" || strings.EqualFold(ce, "identity"):
	case strings.EqualFold(ce, "gzip"):
		var err error
		if body, err = gunzip(body, s.opts.MaxBody); err != nil {
			return dst, false, &httpError{http.StatusBadRequest, "error decoding gzip content: " + err.Error()}
		}
	default:
		return dst, false, &httpError{http.StatusUnsupportedMediaType, fmt.Sprintf("encoding %q not supported", ce)}
	}
	start := len(dst)
	if d != nil {
		dst = s.dispatch(ctx, d, body, dst)
	} else {
		dst = s.Dispatch(ctx, body, dst)
	}
	if len(dst)-start > gzipThreshold && acceptsGzip(acceptEncoding) {
		z := gzipPool.Get().(*gzipBuf)
		z.buf.Reset()
		z.w.Reset(&z.buf)
		z.w.Write(dst[start:])
		z.w.Close()
		dst = append(dst[:start], z.buf.Bytes()...)
		gzipPool.Put(z)
		return dst, true, nil
	}
	return dst, false, nil
}

type gzipBuf struct {
	buf bytes.Buffer
	w   *gzip.Writer
}

var gzipPool = sync.Pool{New: func() any {
	z := &gzipBuf{}
	z.w, _ = gzip.NewWriterLevel(&z.buf, gzip.BestSpeed)
	return z
}}

// errTooLarge reports a body over the size limit.
var errTooLarge = errors.New("body too large")

// gunzip decompresses b, refusing more than max bytes of output (a gzip
// bomb).
func gunzip(b []byte, max int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := readLimited(zr, max)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readLimited reads r to its end, failing with errTooLarge past max bytes.
func readLimited(r io.Reader, max int) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, max)
	}
	return out, nil
}

// acceptsGzip reports whether an Accept-Encoding value lists gzip with a
// non-zero quality.
func acceptsGzip(ae string) bool {
	for ae != "" {
		var item string
		item, ae, _ = strings.Cut(ae, ",")
		coding, params, _ := strings.Cut(item, ";")
		if strings.TrimSpace(coding) != "gzip" {
			continue
		}
		q := strings.TrimSpace(params)
		if q == "" {
			return true
		}
		if k, v, ok := strings.Cut(q, "="); ok && strings.TrimSpace(k) == "q" {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}

// ServeHTTP answers XML-RPC calls POSTed to / and /RPC2.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/RPC2" {
		http.Error(w, "No such page", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "XML-RPC takes POST, not "+r.Method, http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > int64(s.opts.MaxBody) {
		http.Error(w, fmt.Sprintf("request body of %d bytes exceeds the maximum of %d", r.ContentLength, s.opts.MaxBody), http.StatusRequestEntityTooLarge)
		return
	}
	body, err := readLimited(r.Body, s.opts.MaxBody)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, "reading request body: "+err.Error(), status)
		return
	}
	resp, gz, herr := s.exchange(r.Context(), nil, body, r.Header.Get("Content-Encoding"), r.Header.Get("Accept-Encoding"), nil)
	if herr != nil {
		http.Error(w, herr.msg, herr.status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(resp)))
	w.Write(resp)
}
