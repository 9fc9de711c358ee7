//go:build linux

package serve

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inFlightProto answers "wait\n" once gate is closed, counting the answers
// being computed at once.
type inFlightProto struct {
	*bigProto
	now, most atomic.Int64
}

func (p *inFlightProto) NewSession(net.Addr) Session { return &inFlightSession{p: p} }

type inFlightSession struct{ p *inFlightProto }

func (s *inFlightSession) Serve(req, out []byte) ([]byte, error) {
	n := s.p.now.Add(1)
	for m := s.p.most.Load(); n > m && !s.p.most.CompareAndSwap(m, n); m = s.p.most.Load() {
	}
	<-s.p.gate
	s.p.now.Add(-1)
	return append(out, "done\n"...), nil
}

func (s *inFlightSession) Close(error) {}

// TestReactorSpreadsConnections checks that n connections land on n
// different loops: n answers are computed at once, each blocking its loop.
func TestReactorSpreadsConnections(t *testing.T) {
	const loops = 3
	p := &inFlightProto{bigProto: newBigProto()}
	ls := startLoop(t, p, Config{Arch: Reactor, Workers: loops})
	release := sync.OnceFunc(func() { close(p.gate) })
	t.Cleanup(release) // before the server closes, should the test fail
	var cs []net.Conn
	for range loops {
		c := ls.dial(t)
		io.WriteString(c, "wait\n")
		cs = append(cs, c)
	}
	deadline := time.Now().Add(20 * time.Second)
	for p.most.Load() < loops {
		if time.Now().After(deadline) {
			t.Fatalf("at most %d answers in flight, want %d", p.most.Load(), loops)
		}
		time.Sleep(time.Millisecond)
	}
	release()
	for _, c := range cs {
		readLine(t, bufio.NewReader(c), "done\n")
	}
	if got := len(ls.eng().loops); got != loops {
		t.Fatalf("%d loops, want %d", got, loops)
	}
}

func TestReactorLoops(t *testing.T) {
	if got := reactorLoops(Config{}); got != runtime.NumCPU() {
		t.Errorf("reactorLoops with no Workers = %d, want NumCPU %d", got, runtime.NumCPU())
	}
	if got := reactorLoops(Config{Workers: 7}); got != 7 {
		t.Errorf("reactorLoops with Workers 7 = %d", got)
	}
	e := newLoopEngine(nil, Config{}, 3)
	var got []int
	for range 7 {
		got = append(got, e.pickLoop())
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("pickLoop gave %v, want %v", got, want)
	}
}
