package zen

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/serve"
)

func TestBookAnswersExact(t *testing.T) {
	want := map[string]string{
		"Beautiful is better than?":   "Ugly.",
		"Explicit is better than?":    "Implicit.",
		"Simple is better than?":      "Complex.",
		"Complex is better than?":     "Complicated.",
		"Flat is better than?":        "Nested.",
		"Sparse is better than?":      "Dense.",
		"Now is better than?":         "Never.",
		"Ugly is better than?":        "Error: unknown aphorism.",
		"?":                           "Error: unknown aphorism.",
		"beautiful is better than?":   "Error: unknown aphorism.",
		"\nBeautiful is better than?": "Error: unknown aphorism.",
	}
	for q, a := range want {
		if got := string(Answer([]byte(q))); got != a {
			t.Errorf("Answer(%q) = %q, want %q", q, got, a)
		}
	}
	if len(Book()) != 3 || Book()[0].Question != "Beautiful is better than?" {
		t.Errorf("Book() = %v", Book())
	}
	for _, a := range All() {
		if !strings.HasSuffix(a.Question, " is better than?") || !strings.HasSuffix(a.Answer, ".") ||
			strings.Count(a.Question, "?") != 1 || strings.Count(a.Answer, ".") != 1 {
			t.Errorf("aphorism %q -> %q breaks the wire form", a.Question, a.Answer)
		}
	}
}

func TestSplit(t *testing.T) {
	p := &Protocol{MaxRequest: 10}
	for _, tc := range []struct {
		in      string
		n       int
		tooLong bool
	}{
		{in: "", n: 0},
		{in: "abc", n: 0},
		{in: "?", n: 1},
		{in: "ab?cd?", n: 3},
		{in: "123456789?", n: 10},
		{in: "123456789?x", n: 10},
		{in: "123456789", n: 0},
		{in: "1234567890", tooLong: true},
		{in: "1234567890?", tooLong: true},
		{in: strings.Repeat("x", 1<<20), tooLong: true},
	} {
		n, err := p.Split([]byte(tc.in))
		var tl *serve.RequestTooLargeError
		if tc.tooLong {
			if !errors.As(err, &tl) || tl.Max != 10 {
				t.Errorf("Split(%.20q) = %d, %v; want RequestTooLargeError{10}", tc.in, n, err)
			}
			continue
		}
		if err != nil || n != tc.n {
			t.Errorf("Split(%q) = %d, %v; want %d", tc.in, n, err, tc.n)
		}
	}
	var zero Protocol
	if _, err := zero.Split(make([]byte, serve.DefaultMaxRequest-1)); err != nil {
		t.Errorf("zero Protocol rejects %d bytes: %v", serve.DefaultMaxRequest-1, err)
	}
	if _, err := zero.Split(make([]byte, serve.DefaultMaxRequest)); err == nil {
		t.Errorf("zero Protocol accepts %d bytes without '?'", serve.DefaultMaxRequest)
	}
}

func TestServeDoesNotAllocate(t *testing.T) {
	p := &Protocol{Stats: &Stats{}}
	s := p.NewSession(nil)
	req := []byte("Simple is better than?Nope?")
	out := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(1000, func() {
		out = out[:0]
		rest := req
		for {
			n, err := p.Split(rest)
			if err != nil || n == 0 {
				break
			}
			out, _ = s.Serve(rest[:n], out)
			rest = rest[n:]
		}
	})
	if allocs != 0 {
		t.Fatalf("split+answer allocates %.1f times per run, want 0", allocs)
	}
	if string(out) != "Complex.Error: unknown aphorism." {
		t.Fatalf("out = %q", out)
	}
	if p.Stats.Answered.Load() == 0 || p.Stats.Unknown.Load() == 0 {
		t.Fatalf("stats not counted: %+v", p.Stats)
	}
}

func TestQuestions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	q := Questions(3, r)
	seen := map[string]bool{}
	for _, s := range q {
		if _, ok := answers[s]; !ok || seen[s] {
			t.Fatalf("Questions(3) = %q: unknown or repeated", q)
		}
		seen[s] = true
	}
	for _, a := range Book() {
		if !seen[a.Question] {
			t.Fatalf("Questions(3) = %q misses %q", q, a.Question)
		}
	}
	if got := Questions(20, r); len(got) != 20 {
		t.Fatalf("Questions(20) has %d", len(got))
	}
	if got := Questions(0, nil); len(got) != 0 {
		t.Fatalf("Questions(0) = %q", got)
	}
}

// startZen serves p under perconn on a free loopback port.
func startZen(t *testing.T, p *Protocol) string {
	t.Helper()
	s, err := serve.New(p, serve.Config{Arch: serve.PerConn, Addr: "127.0.0.1:0", MaxRequest: p.MaxRequest})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	return s.Addr().String()
}

func TestClientAgainstServer(t *testing.T) {
	st := &Stats{}
	addr := startZen(t, &Protocol{Stats: st})
	ctx := context.Background()
	qs := Questions(3, nil)
	ex, err := Ask(ctx, addr, qs, time.Second*5)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range ex {
		if e.Question != qs[i] || e.Answer != string(Answer([]byte(qs[i]))) {
			t.Errorf("exchange %d = %+v", i, e)
		}
	}
	if err := AskIncomplete(ctx, addr, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return st.Clean.Load() == 1 && st.Incomplete.Load() == 1 })

	// Several questions in one write, and one answer split over reads.
	c, err := Dial(ctx, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send("Flat is better than?Now is better than?x?"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Nested.", "Never.", "Error:"} {
		// "Error: unknown aphorism." has its first '.' at its end.
		got, err := c.ReadAnswer()
		if err != nil || !strings.HasPrefix(got, want) {
			t.Fatalf("ReadAnswer = %q, %v; want %q", got, err, want)
		}
	}
}

func TestClientErrors(t *testing.T) {
	ctx := context.Background()
	// A server that never answers: the client's deadline ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 100)
				n, _ := c.Read(buf)
				if bytes.HasPrefix(buf[:n], []byte("flood")) {
					c.Write(bytes.Repeat([]byte("x"), 2*maxAnswer))
				}
				if bytes.HasPrefix(buf[:n], []byte("half")) {
					c.Write([]byte("Ug"))
					c.Close()
				}
			}()
		}
	}()
	c, err := Dial(ctx, ln.Addr().String(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Ask("Simple is better than?"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("silent server: got %v, want a timeout", err)
	}
	c.Close()
	for _, q := range []string{"flood?", "half?"} {
		c, err := Dial(ctx, ln.Addr().String(), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if a, err := c.Ask(q); err == nil {
			t.Errorf("%s: got answer %q, want an error", q, a)
		}
		c.Close()
	}
	if _, err := Dial(ctx, "127.0.0.1:1", time.Second); err == nil {
		t.Error("dial to a closed port succeeded")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FuzzSplitServe cuts arbitrary input into questions the way a server does
// and checks that every cut ends at the first '?', that nothing is longer
// than the maximum, and that every answer is one of the known ones.
func FuzzSplitServe(f *testing.F) {
	for _, s := range []string{
		"Beautiful is better than?", "Simple is better than?Explicit is better than?",
		"no question mark", "??", "?", "", "Flat is better than?\x00\xff?",
		strings.Repeat("a", 70) + "?",
	} {
		f.Add([]byte(s), uint8(64))
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint8) {
		p := &Protocol{MaxRequest: int(max) + 1}
		s := p.NewSession(nil)
		var out []byte
		rest := in
		for {
			n, err := p.Split(rest)
			if err != nil {
				var tl *serve.RequestTooLargeError
				if !errors.As(err, &tl) || len(rest) < p.MaxRequest {
					t.Fatalf("Split(%q) error %v with %d bytes", rest, err, len(rest))
				}
				break
			}
			if n == 0 {
				if bytes.IndexByte(rest, '?') >= 0 || len(rest) >= p.MaxRequest {
					t.Fatalf("Split(%q) = 0 with a '?' or too long", rest)
				}
				break
			}
			if n > p.MaxRequest || rest[n-1] != '?' || bytes.IndexByte(rest[:n-1], '?') >= 0 {
				t.Fatalf("Split(%q) = %d: not the first '?' within %d", rest, n, p.MaxRequest)
			}
			before := len(out)
			out, err = s.Serve(rest[:n], out)
			if err != nil {
				t.Fatal(err)
			}
			a := string(out[before:])
			if a != string(Answer(rest[:n])) || !strings.HasSuffix(a, ".") {
				t.Fatalf("answer %q to %q", a, rest[:n])
			}
			rest = rest[n:]
		}
		s.Close(nil)
	})
}

// BenchmarkSplitAnswer measures cutting a pipelined stream of the book's
// three questions and answering each: zero allocations.
func BenchmarkSplitAnswer(b *testing.B) {
	p := &Protocol{}
	s := p.NewSession(nil)
	var in []byte
	for _, a := range Book() {
		in = append(in, a.Question...)
	}
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		out = out[:0]
		rest := in
		for {
			n, _ := p.Split(rest)
			if n == 0 {
				break
			}
			out, _ = s.Serve(rest[:n], out)
			rest = rest[n:]
		}
	}
}

func TestDialerWaitsForAStartingServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		s, err := serve.New(&Protocol{}, serve.Config{Addr: addr})
		if err != nil {
			return
		}
		go s.Serve()
		t.Cleanup(func() { s.Close() })
	}()
	ex, err := Dialer{Timeout: 5 * time.Second, Wait: 10 * time.Second}.Ask(context.Background(), addr, []string{"Now is better than?"})
	if err != nil || len(ex) != 1 || ex[0].Answer != "Never." {
		t.Fatalf("got %v, %v", ex, err)
	}
	if _, err := (Dialer{Timeout: time.Second}).Dial(context.Background(), "127.0.0.1:1"); err == nil {
		t.Fatal("Dial without Wait to a closed port succeeded")
	}
}
