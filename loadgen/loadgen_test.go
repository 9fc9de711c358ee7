package loadgen

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/servetest"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// startZen serves zen under perconn on a free loopback port.
func startZen(t *testing.T, st *zen.Stats) string {
	t.Helper()
	return servetest.Start(t, &zen.Protocol{Stats: st}, serve.Config{}).Addr().String()
}

// startFake serves answer to every '?' it reads, a wrong server.
func startFake(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					for range strings.Count(string(buf[:n]), "?") {
						if _, err := c.Write([]byte(answer)); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestLockstepCountsEveryAnswer(t *testing.T) {
	var st zen.Stats
	addr := startZen(t, &st)
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 4, Count: 3000, Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 {
		t.Fatalf("errors: %d (%s)", res.Errors, res.FirstError)
	}
	if res.Answers != 3000 {
		t.Errorf("answers = %d, want 3000", res.Answers)
	}
	if got := res.Latency.Count(); got != uint64(res.Answers) {
		t.Errorf("latency samples = %d, want %d", got, res.Answers)
	}
	if res.ConnsAnswered != 4 {
		t.Errorf("connections answered = %d, want 4", res.ConnsAnswered)
	}
	if st.Unknown.Load() != 0 {
		t.Errorf("server answered %d unknown questions", st.Unknown.Load())
	}
	if res.Latency.Quantile(0.5) <= 0 || res.Latency.Quantile(0.999) < res.Latency.Quantile(0.5) {
		t.Errorf("percentiles: p50 %v p999 %v", res.Latency.Quantile(0.5), res.Latency.Quantile(0.999))
	}
}

func TestPipelinedCountsEveryAnswer(t *testing.T) {
	var st zen.Stats
	addr := startZen(t, &st)
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 3, Depth: 16, Count: 5000, Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Answers != 5000 {
		t.Fatalf("answers %d errors %d (%s), want 5000 and 0", res.Answers, res.Errors, res.FirstError)
	}
	// Every question the generator sent was answered by the server, and
	// those in flight at the end at most Conns*Depth more.
	if got := st.Answered.Load(); got < 5000 || got > 5000+3*16 {
		t.Errorf("server answered %d", got)
	}
}

func TestReconnectIsTheBooksDialog(t *testing.T) {
	var st zen.Stats
	addr := startZen(t, &st)
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 2, Reconnect: true, Count: 300, Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Answers != 300 {
		t.Fatalf("answers %d errors %d (%s)", res.Answers, res.Errors, res.FirstError)
	}
	if res.Connects < 100 {
		t.Errorf("connects = %d, want >= 100 (3 questions per connection)", res.Connects)
	}
	// Wait for the server to see the last connections end.
	waitFor(t, func() bool { return st.Clean.Load() >= 100 })
	if st.Incomplete.Load() != 0 {
		t.Errorf("server saw %d clean ends, %d incomplete", st.Clean.Load(), st.Incomplete.Load())
	}
}

func TestRateLimitsQuestions(t *testing.T) {
	addr := startZen(t, nil)
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 2, Rate: 200, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 200/s for 0.5 s is at most 101 questions (one is due at time 0).
	if res.Errors != 0 || res.Answers > 101 || res.Answers == 0 {
		t.Errorf("answers %d errors %d (%s), want 1 to 101", res.Answers, res.Errors, res.FirstError)
	}
}

func TestWrongAnswerIsAnError(t *testing.T) {
	addr := startFake(t, "Ugly.")
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 1, Duration: 2 * time.Second, MaxErrors: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors < 5 {
		t.Fatalf("errors = %d, want at least 5", res.Errors)
	}
	if !strings.Contains(res.FirstError, `wrong answer to "Explicit is better than?": got "Ugly."`) {
		t.Errorf("first error = %q", res.FirstError)
	}
}

func TestBooksPipelineBugIsAnError(t *testing.T) {
	// A server that answers several questions in one read as one unknown
	// question, as the book's servers do.
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
				defer c.Close()
				buf := make([]byte, 512)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					c.Write(zen.Answer(buf[:n]))
				}
			}()
		}
	}()
	res, err := Run(context.Background(), Config{Addr: ln.Addr().String(), Conns: 1, Depth: 4, Duration: 2 * time.Second, MaxErrors: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors < 3 || !strings.Contains(res.FirstError, "wrong answer") {
		t.Errorf("errors %d, first %q", res.Errors, res.FirstError)
	}
}

func TestNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Run(context.Background(), Config{Addr: addr, Duration: time.Second}); err == nil {
		t.Fatal("no error without a server")
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	res, err := Run(context.Background(), Config{Addr: ln.Addr().String(), Conns: 2, Duration: 2 * time.Second, Timeout: 200 * time.Millisecond, MaxErrors: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Answers != 0 || res.Errors == 0 || !strings.Contains(res.FirstError, "no answer") {
		t.Errorf("answers %d errors %d first %q", res.Answers, res.Errors, res.FirstError)
	}
}

func TestHistogram(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {0.999, 999 * time.Microsecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d > 0.02 || d < -0.02 {
			t.Errorf("q%v = %v, want %v within 2%%", c.q, got, c.want)
		}
	}
	if h.Max() != time.Millisecond {
		t.Errorf("max = %v", h.Max())
	}
	for _, v := range []int64{0, 1, 127, 128, 129, 1 << 40, 1<<62 + 12345} {
		if b := bucket(v); b < 0 || b >= histBuckets {
			t.Fatalf("bucket(%d) = %d", v, b)
		}
		if got := bucketValue(bucket(v)); v > 128 && (float64(got)-float64(v))/float64(v) > 0.02 {
			t.Errorf("bucketValue(bucket(%d)) = %d", v, got)
		}
	}
	if n := testing.AllocsPerRun(100, func() { h.Record(time.Millisecond) }); n != 0 {
		t.Errorf("Record allocates %v", n)
	}
}

func TestSampleTree(t *testing.T) {
	s, err := SampleTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.Procs < 1 {
		t.Errorf("sample %+v", s)
	}
}

func BenchmarkLockstep(b *testing.B) {
	addr := startZenB(b)
	b.ReportAllocs()
	res, err := Run(context.Background(), Config{Addr: addr, Conns: 8, Count: int64(b.N), Duration: time.Minute})
	if err != nil || res.Errors != 0 {
		b.Fatal(err, res.FirstError)
	}
	b.ReportMetric(res.CPUShare()*100, "%gen-cpu")
}

func startZenB(b *testing.B) string {
	return servetest.Start(b, &zen.Protocol{}, serve.Config{}).Addr().String()
}

// waitFor waits up to 5 s for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestParseStat(t *testing.T) {
	line := "4242 (zen (a) b) S 17 4242 17 0 -1 4194560 120 0 0 0 250 75 0 0 20 0 3 0 1234 10000000 512 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	st, err := parseStat(4242, []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != 17 || st.utime != 250 || st.stim != 75 || st.rssPages != 512 {
		t.Errorf("parsed %+v", st)
	}
	for _, bad := range []string{"", "4242 (x S 1", "4242 (x) S 1 2 3", "4242 (x) S y 4242 17 0 -1 4194560 120 0 0 0 250 75 0 0 20 0 3 0 1234 10000000 512"} {
		if _, err := parseStat(4242, []byte(bad)); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
}
