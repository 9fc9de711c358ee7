package bench

import (
	"context"
	"os"
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
