package bench

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/servetest"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/xmlrpc"
)

// TestRun drives an in-process netkit server with both kinds of load.
func TestRun(t *testing.T) {
	s := xmlrpc.NewDemoServer(xmlrpc.ServerOptions{})
	srv := servetest.Start(t, s.StreamProtocol(), serve.Config{MaxRequest: s.MaxRequest()})
	target := &Server{Name: "netkit", Addr: srv.Addr().String(), PID: os.Getpid()}
	for _, keep := range []bool{true, false} {
		r, err := Run(context.Background(), target, Load{Conns: 2, KeepAlive: keep, Duration: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if r.Calls == 0 || r.Errors != 0 || r.Rate() <= 0 {
			t.Errorf("keep-alive %v: %+v", keep, r)
		}
	}
}

func TestContentLength(t *testing.T) {
	for head, want := range map[string]int{
		"HTTP/1.0 200 OK\r\nContent-length: 122\r\n\r\n": 122,
		"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n":   7,
		"HTTP/1.1 200 OK\r\n\r\n":                        -1,
	} {
		if got := contentLength([]byte(head)); got != want {
			t.Errorf("%q: got %d, want %d", head, got, want)
		}
	}
}

// TestFloorMatchesServer checks that the floor answers what netkit's server
// answers (but for the date), with and without Connection: close, and that
// the load generator accepts its answers.
func TestFloorMatchesServer(t *testing.T) {
	real := xmlrpc.NewDemoServer(xmlrpc.ServerOptions{}).StreamProtocol()
	date := regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)
	for _, keep := range []bool{true, false} {
		req := request("127.0.0.1:7001", keep)
		for _, p := range []serve.Protocol{real, FloorProtocol{}} {
			if n, err := p.Split(req); n != len(req) || err != nil {
				t.Fatalf("%T: Split = %d, %v; want %d", p, n, err, len(req))
			}
			if n, err := p.Split(req[:len(req)-1]); n != 0 || err != nil {
				t.Fatalf("%T: Split of a partial request = %d, %v", p, n, err)
			}
		}
		want, werr := real.NewSession(nil).Serve(req, nil)
		got, gerr := FloorProtocol{}.NewSession(nil).Serve(req, nil)
		if werr != gerr {
			t.Errorf("keep-alive %v: floor error %v, server's %v", keep, gerr, werr)
		}
		if w, g := date.ReplaceAllString(string(want), "\r\n"), date.ReplaceAllString(string(got), "\r\n"); w != g {
			t.Errorf("keep-alive %v: floor answers\n%q\nserver answers\n%q", keep, g, w)
		}
	}
	srv := servetest.Start(t, FloorProtocol{}, serve.Config{MaxRequest: MaxRequest})
	target := &Server{Name: "floor", Addr: srv.Addr().String(), PID: os.Getpid()}
	for _, keep := range []bool{true, false} {
		r, err := Run(context.Background(), target, Load{Conns: 2, KeepAlive: keep, Duration: 100 * time.Millisecond})
		if err != nil || r.Calls == 0 || r.Errors != 0 {
			t.Errorf("keep-alive %v: %+v, %v", keep, r, err)
		}
	}
}
