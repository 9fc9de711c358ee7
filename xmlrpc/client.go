package xmlrpc

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// DefaultMaxResponse is the largest response body a Client reads.
const DefaultMaxResponse = 64 << 20

// A Client calls the methods of an XML-RPC server over HTTP, keeping
// connections alive between calls. Its fields must not change once it is in
// use; a Client is then safe for concurrent use.
type Client struct {
	// URL is the server's endpoint, for example http://127.0.0.1:7001/RPC2.
	URL string
	// HTTP sends the requests; NewClient gives each Client its own
	// transport with keep-alive.
	HTTP *http.Client
	// Encode chooses the extensions used for arguments (nil, i8).
	Encode EncodeOptions
	// GzipRequests compresses request bodies (Content-Encoding: gzip).
	GzipRequests bool
	// MaxResponse bounds the response body, after gunzip; default
	// DefaultMaxResponse.
	MaxResponse int
	// UserAgent is sent as the User-Agent header.
	UserAgent string
}

// NewClient returns a client for url. A URL without a path calls /RPC2, as
// Python's ServerProxy does.
func NewClient(url string) *Client {
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	if i := strings.Index(url, "://"); !strings.Contains(url[i+3:], "/") {
		url += "/RPC2"
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &Client{
		URL:       url,
		HTTP:      &http.Client{Transport: t},
		Encode:    EncodeOptions{AllowNil: true, AllowI8: true},
		UserAgent: "netkit-xmlrpc/1",
	}
}

// HTTPError is a response other than 200 OK.
type HTTPError struct {
	Status string // for example "404 Not Found"
	Body   string // the start of the body, if any
}

// Error returns the status and the start of the body.
func (e *HTTPError) Error() string {
	if e.Body != "" {
		return fmt.Sprintf("HTTP %s: %s", e.Status, e.Body)
	}
	return "HTTP " + e.Status
}

// Call calls method with args and returns its result, decoded as
// ParseResponse describes. A fault is returned as a *Fault error; an HTTP
// status other than 200 as an *HTTPError. ctx bounds the whole call.
func (c *Client) Call(ctx context.Context, method string, args ...any) (any, error) {
	body, err := AppendCall(nil, method, args, c.Encode)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	resp, err := c.post(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("xmlrpc: call %s: %w", method, err)
	}
	v, err := ParseResponse(resp)
	if err != nil {
		if _, ok := err.(*Fault); ok {
			return nil, err
		}
		return nil, fmt.Errorf("xmlrpc: call %s: response: %w", method, err)
	}
	return v, nil
}

// CallInto calls method with args and stores the result in the Go value
// result points to, as Unmarshal does.
func (c *Client) CallInto(ctx context.Context, result any, method string, args ...any) error {
	v, err := c.Call(ctx, method, args...)
	if err != nil {
		return err
	}
	if err := Unmarshal(v, result); err != nil {
		return fmt.Errorf("xmlrpc: result of %s: %w", method, err)
	}
	return nil
}

// A MethodCall is one call of a multicall.
type MethodCall struct {
	Method string
	Params []any
}

// A MulticallResult is the outcome of one call of a multicall: its Value,
// or its fault in Err.
type MulticallResult struct {
	Value any
	Err   *Fault
}

// Multicall sends calls in one system.multicall request and returns their
// outcomes in order.
func (c *Client) Multicall(ctx context.Context, calls ...MethodCall) ([]MulticallResult, error) {
	arg := make([]any, len(calls))
	for i, mc := range calls {
		p := mc.Params
		if p == nil {
			p = []any{}
		}
		arg[i] = map[string]any{"methodName": mc.Method, "params": p}
	}
	v, err := c.Call(ctx, "system.multicall", arg)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok || len(list) != len(calls) {
		return nil, fmt.Errorf("xmlrpc: system.multicall returned %s, want an array of %d results", TypeName(v), len(calls))
	}
	out := make([]MulticallResult, len(list))
	for i, r := range list {
		switch x := r.(type) {
		case []any:
			if len(x) != 1 {
				return nil, fmt.Errorf("xmlrpc: system.multicall result %d has %d values, want 1", i+1, len(x))
			}
			out[i].Value = x[0]
		case map[string]any:
			code, _ := x["faultCode"].(int)
			str, _ := x["faultString"].(string)
			out[i].Err = &Fault{Code: code, String: str}
		default:
			return nil, fmt.Errorf("xmlrpc: system.multicall result %d is a %s", i+1, TypeName(r))
		}
	}
	return out, nil
}

// post sends one request body and returns the response body.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	var rd io.Reader = bytes.NewReader(body)
	if c.GzipRequests {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write(body)
		zw.Close()
		rd = &zb
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("User-Agent", c.UserAgent)
	if c.GzipRequests {
		req.Header.Set("Content-Encoding", "gzip")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	max := c.MaxResponse
	if max <= 0 {
		max = DefaultMaxResponse
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, &HTTPError{Status: resp.Status, Body: strings.TrimSpace(string(b))}
	}
	if resp.ContentLength > int64(max) {
		return nil, fmt.Errorf("response of %d bytes exceeds the maximum of %d", resp.ContentLength, max)
	}
	return readLimited(resp.Body, max)
}
