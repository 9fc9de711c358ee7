package xmlrpc

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/serve"
)

// TestParseHead covers the head parser's rules: keep-alive by protocol and
// the last Connection header, Content-Length forms, what makes a head
// unservable, and where the head ends.
func TestParseHead(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		end       int // -1: len(raw)
		keepAlive bool
		cl        int
		status    int // 0: servable
	}{
		{"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", -1, true, 12, 0},
		{"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nbody", 52, true, 12, 0},
		{"POST / HTTP/1.1\r\nconnection: Close\r\ncontent-length: +7\r\n\r\n", -1, false, 7, 0},
		{"POST / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n", -1, true, -1, 0},
		{"POST / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", -1, false, -1, 0},
		{"POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", -1, false, 0, 0},
		{"POST / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", -1, true, -1, 0},
		{"POST / HTTP/1.1\r\nX-A: a\nb\r\nContent-Length: 007\r\n\r\n", -1, true, 7, 0},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", -1, true, 1, http.StatusBadRequest},
		{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -1, true, -1, http.StatusBadRequest},
		{"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", -1, true, -1, http.StatusBadRequest},
		{"POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", -1, true, 1<<63 - 1, 0},
		{"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", -1, true, -1, http.StatusBadRequest},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -1, true, -1, http.StatusLengthRequired},
		{"POST / HTTP/1.1\r\nno colon\r\n\r\n", -1, true, -1, http.StatusBadRequest},
		{"POST / HTTP/2\r\n\r\n", -1, false, -1, http.StatusHTTPVersionNotSupported},
		{"POST /\r\n\r\n", -1, false, -1, http.StatusBadRequest},
		{"\r\n\r\n", -1, false, -1, http.StatusBadRequest},
		{"POST / HTTP/1.1\r\nHost: x\r\n\n\r\n", 0, false, 0, 0},
		{"POST / HTTP/1.1\r\nHost: x\r\n", 0, false, 0, 0},
		{"POST / HTTP/1.1\r\nHost: x\r\n\r", 0, false, 0, 0},
		{"POST / HTTP/1.1", 0, false, 0, 0},
	} {
		h := parseHead([]byte(tc.raw))
		end := tc.end
		if end < 0 {
			end = len(tc.raw)
		}
		if h.end != end {
			t.Errorf("%q: end %d, want %d", tc.raw, h.end, end)
			continue
		}
		if end == 0 {
			continue
		}
		if h.status != tc.status {
			t.Errorf("%q: status %d (%s), want %d", tc.raw, h.status, h.err, tc.status)
		}
		if tc.status == 0 && (h.keepAlive != tc.keepAlive || h.contentLength != tc.cl) {
			t.Errorf("%q: keep-alive %v, Content-Length %d; want %v, %d", tc.raw, h.keepAlive, h.contentLength, tc.keepAlive, tc.cl)
		}
	}
}

// TestDateHeader checks the Date line answers carry: the current second,
// also after the goroutine that renews it has stopped for lack of use.
func TestDateHeader(t *testing.T) {
	check := func() {
		t.Helper()
		line := string(dateHeader())
		if !strings.HasPrefix(line, "Date: ") || !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("date line %q", line)
		}
		d, err := http.ParseTime(line[len("Date: ") : len(line)-2])
		if err != nil {
			t.Fatal(err)
		}
		// Generous: the renewing goroutine may be late on a loaded machine;
		// a stale line would be the minutes of an earlier test.
		if off := time.Since(d); off < -time.Second || off > 10*time.Second {
			t.Errorf("Date %v is %v from now", d, off)
		}
	}
	for range 3 {
		check()
		time.Sleep(600 * time.Millisecond)
	}
	// Unused for over two seconds: the ticker stops, the line is renewed
	// on the next answer.
	time.Sleep(2200 * time.Millisecond)
	check()
}

// TestSessionSplitMatchesProtocol checks that a session framing its own
// requests (and handing the parsed head to Serve) answers exactly as the
// protocol's Split followed by Serve, also for requests served without
// their session's Split.
func TestSessionSplitMatchesProtocol(t *testing.T) {
	body := "<?xml version='1.0'?><methodCall><methodName>addtogether</methodName><params><param><value><int>2</int></value></param><param><value><int>3</int></value></param></params></methodCall>"
	post := func(extra string) string {
		return "POST /RPC2 HTTP/1.1\r\nHost: x\r\n" + extra + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	p := NewDemoServer(ServerOptions{MaxBody: 1 << 16}).StreamProtocol()
	date := regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)
	for _, raw := range []string{
		post(""), post("Connection: close\r\n"), post("Accept-Encoding: gzip\r\n"),
		"POST /RPC2 HTTP/1.0\r\nContent-Length: 1\r\n\r\nx", "GET / HTTP/1.1\r\n\r\n",
		"POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", "BAD\r\n\r\n",
	} {
		buf := []byte(raw + raw) // two requests in a row, as pipelined
		answer := func(own bool) string {
			sess := p.NewSession(nil)
			defer sess.Close(nil)
			var out []byte
			for start := 0; start < len(buf); {
				split := p.Split
				if own {
					split = sess.(serve.SessionSplitter).Split
				}
				n, err := split(buf[start:])
				if err != nil || n == 0 {
					return fmt.Sprintf("%s split %d %v", out, n, err)
				}
				var serr error
				out, serr = sess.Serve(buf[start:start+n], out)
				start += n
				if serr != nil {
					return fmt.Sprintf("%s serve %v", out, serr)
				}
			}
			return string(out)
		}
		own, protocol := date.ReplaceAllString(answer(true), "\r\n"), date.ReplaceAllString(answer(false), "\r\n")
		if own != protocol {
			t.Errorf("%q:\nsession's Split: %q\nprotocol's Split: %q", raw, own, protocol)
		}
	}
	// Serve without the session's Split, after a Split of other bytes.
	sess := p.NewSession(nil)
	other := []byte(post(""))
	sess.(serve.SessionSplitter).Split(other)
	req := []byte(post("Connection: close\r\n"))
	out, err := sess.Serve(req, nil)
	if err != serve.ErrClose || !strings.Contains(string(out), "Connection: close") {
		t.Errorf("Serve after a Split of other bytes: %v\n%s", err, out)
	}
}
