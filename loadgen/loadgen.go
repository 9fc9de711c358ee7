package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netkit-go/netkit/zen"
)

// Config describes one load run. The zero value of each field means its
// default.
type Config struct {
	// Addr is the server's TCP address, "host:port".
	Addr string
	// Conns is the number of connections; default 1.
	Conns int
	// Depth is how many questions each connection keeps in flight; default
	// 1 (lockstep). Ignored with Reconnect, which is always lockstep.
	Depth int
	// Reconnect makes each connection ask 3 distinct questions of the book's
	// three, in random order, close and connect again: the book's client.
	Reconnect bool
	// Duration bounds the measured part of the run; default 5 s.
	Duration time.Duration
	// Warmup runs the load this long before measuring; default none.
	Warmup time.Duration
	// Count, when positive, stops the run after that many answers.
	Count int64
	// Rate, when positive, sends that many questions per second in all, on a
	// fixed schedule; latency then counts from the time a question was due.
	Rate float64
	// Questions are asked in turn; default the book's three aphorisms. The
	// expected answers come from zen.Answer.
	Questions []string
	// Timeout is how long an answer may take before it counts as an error
	// and its connection is replaced; default 5 s.
	Timeout time.Duration
	// MaxErrors stops the run early after that many errors; default 10,000.
	MaxErrors int64
	// PinCPU pins the generator's thread to CPU number CPU.
	PinCPU bool
	CPU    int
	// OnStart is called once when measuring starts (after the warm-up), and
	// OnStop once when it ends, before the connections close: a benchmark
	// samples the server's CPU time there.
	OnStart, OnStop func()
}

// Result is what a run measured.
type Result struct {
	// Answers is the number of correct answers received while measuring.
	Answers int64
	// Errors counts wrong answers, connections that failed or closed, and
	// answers that did not come within the timeout; FirstError describes the
	// first one.
	Errors     int64
	FirstError string
	// Connects counts connections made while measuring (with Reconnect, one
	// per dialog).
	Connects int64
	// ConnsAnswered is how many of the Conns connection slots received at
	// least one answer while measuring: a server that serves one client at
	// a time starves the others.
	ConnsAnswered int
	// Elapsed is the measured time.
	Elapsed time.Duration
	// Latency holds the time from sending (or, with a Rate, from when it was
	// due) each question to its whole answer.
	Latency Histogram
	// CPU is the generator process's user+system CPU time while measuring.
	CPU time.Duration
}

// PerSecond returns the answers per second.
func (r *Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answers) / r.Elapsed.Seconds()
}

// CPUShare returns the generator's CPU time as a fraction of one core over
// the measured time.
func (r *Result) CPUShare() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return r.CPU.Seconds() / r.Elapsed.Seconds()
}

func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		return c, errors.New("loadgen: no address")
	}
	if c.Conns <= 0 {
		c.Conns = 1
	}
	if c.Depth <= 0 || c.Reconnect {
		c.Depth = 1
	}
	if c.Depth > 1024 {
		return c, fmt.Errorf("loadgen: depth %d is more than 1024", c.Depth)
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	if len(c.Questions) == 0 {
		for _, a := range zen.Book() {
			c.Questions = append(c.Questions, a.Question)
		}
	}
	if c.Reconnect && len(c.Questions) < 3 {
		return c, errors.New("loadgen: reconnect needs at least 3 questions")
	}
	if len(c.Questions) > 255 {
		return c, errors.New("loadgen: more than 255 questions")
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxErrors <= 0 {
		c.MaxErrors = 10000
	}
	return c, nil
}

// Run drives the server at cfg.Addr until cfg.Duration has been measured,
// cfg.Count answers arrived, too many errors happened or ctx ends. It
// returns an error only when the load could not run at all (a bad address,
// or no first connection); errors of the server are counted in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sa, err := resolve(cfg.Addr)
	if err != nil {
		return nil, err
	}
	// Fail early, with a clear message, when nothing listens.
	probe, err := net.DialTimeout("tcp", cfg.Addr, cfg.Timeout)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	probe.Close()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cfg.PinCPU {
		if err := PinThread(cfg.CPU); err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
	}
	g, err := newGen(cfg, sa)
	if err != nil {
		return nil, err
	}
	defer g.closeAll()
	return g.run(ctx)
}

// resolve turns "host:port" into a socket address.
func resolve(addr string) (unix.Sockaddr, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		return sa, nil
	}
	if ta.IP == nil {
		return &unix.SockaddrInet4{Port: ta.Port, Addr: [4]byte{127, 0, 0, 1}}, nil
	}
	sa := &unix.SockaddrInet6{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To16())
	return sa, nil
}

// cpuTime returns the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
