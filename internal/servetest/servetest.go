// Package servetest starts netkit stream servers for tests and benchmarks.
package servetest

import (
	"testing"

	"github.com/netkit-go/netkit/serve"
)

// Start serves p under cfg (on a free loopback port when cfg.Addr is
// empty) and closes the server when the test or benchmark ends.
func Start(tb testing.TB, p serve.Protocol, cfg serve.Config) *serve.Server {
	tb.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv, err := serve.New(p, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		tb.Fatal(err)
	}
	go srv.Serve()
	tb.Cleanup(func() { srv.Close() })
	return srv
}
