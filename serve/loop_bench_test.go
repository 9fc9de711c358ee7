//go:build linux

package serve_test

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// benchArchs are compared side by side: Go's own model against netkit's
// event loops.
var benchArchs = []serve.Arch{serve.PerConn, serve.Poll, serve.Reactor}

// zenConn serves the Zen protocol under arch on a free loopback port and
// returns a connection to it. The server closes when tb ends.
func zenConn(tb testing.TB, arch serve.Arch) net.Conn {
	tb.Helper()
	s, err := serve.New(&zen.Protocol{}, serve.Config{Arch: arch, Addr: "127.0.0.1:0"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(); close(done) }()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c.Close()
		s.Close()
		<-done
	})
	return c
}

// exchange is depth questions written at once and their answers.
type exchange struct {
	c        net.Conn
	question []byte
	answer   []byte
	buf      []byte
}

func newExchange(c net.Conn, depth int) *exchange {
	q := []byte("Beautiful is better than?")
	return &exchange{
		c:        c,
		question: bytes.Repeat(q, depth),
		answer:   bytes.Repeat(zen.Answer(q), depth),
		buf:      make([]byte, len(zen.Answer(q))*depth),
	}
}

func (x *exchange) run(tb testing.TB) {
	if _, err := x.c.Write(x.question); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(x.c, x.buf); err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(x.buf, x.answer) {
		tb.Fatalf("answer %q", x.buf)
	}
}

func benchmarkZen(b *testing.B, depth int) {
	for _, arch := range benchArchs {
		b.Run(string(arch), func(b *testing.B) {
			x := newExchange(zenConn(b, arch), depth)
			x.run(b) // warm up: buffers grown, connection accepted
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				x.run(b)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*depth), "ns/question")
		})
	}
}

// BenchmarkZenLockstep asks one question at a time over one loopback
// connection: one op is one question and its answer.
func BenchmarkZenLockstep(b *testing.B) { benchmarkZen(b, 1) }

// BenchmarkZenPipelined16 writes 16 questions at once and reads the 16
// answers: one op is the 16 exchanges.
func BenchmarkZenPipelined16(b *testing.B) { benchmarkZen(b, 16) }

// TestPollZeroAllocs proves that the event loops serve a request with no
// allocation once a connection is established (the client side, a plain
// net.Conn, allocates nothing either).
func TestPollZeroAllocs(t *testing.T) {
	for _, arch := range []serve.Arch{serve.Poll, serve.Reactor} {
		t.Run(string(arch), func(t *testing.T) {
			for _, depth := range []int{1, 16} {
				x := newExchange(zenConn(t, arch), depth)
				x.run(t)
				if n := testing.AllocsPerRun(200, func() { x.run(t) }); n != 0 {
					t.Errorf("depth %d: %.2f allocations per exchange, want 0", depth, n)
				}
			}
		})
	}
}

// BenchmarkZenParallel64 runs 64 connections at once, each asking one
// question at a time: one op is one question and its answer, so ns/op is
// the inverse of the throughput.
func BenchmarkZenParallel64(b *testing.B) {
	for _, arch := range benchArchs {
		b.Run(string(arch), func(b *testing.B) {
			s, err := serve.New(&zen.Protocol{}, serve.Config{Arch: arch, Addr: "127.0.0.1:0"})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Listen(); err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { s.Serve(); close(done) }()
			b.Cleanup(func() { s.Close(); <-done })
			conns := make(chan net.Conn, 64)
			for range 64 {
				c, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { c.Close() })
				conns <- c
			}
			b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				x := newExchange(<-conns, 1)
				for pb.Next() {
					x.run(b)
				}
			})
		})
	}
}

// BenchmarkZenConnect opens a connection, asks one question and closes,
// the book's client in miniature: one op is one whole connection.
func BenchmarkZenConnect(b *testing.B) {
	for _, arch := range benchArchs {
		b.Run(string(arch), func(b *testing.B) {
			c := zenConn(b, arch) // starts the server; c itself is not used
			addr := c.RemoteAddr().String()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				newExchange(d, 1).run(b)
				d.Close()
			}
		})
	}
}
