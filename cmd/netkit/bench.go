package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netkit-go/netkit/loadgen"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// benchZenOptions are the flags of `netkit bench zen`.
type benchZenOptions struct {
	addr      string
	archs     []string
	conns     int
	pipeline  int
	reconnect bool
	duration  time.Duration
	warmup    time.Duration
	count     int64
	rate      float64
	compare   bool
	peers     []string
	plot      string
	json      bool
	idle      int
	timeout   time.Duration
	from      string
	repeat    int
}

// AddFlags registers the options on fs.
func (o *benchZenOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "", "measure the server already running at this address (no server CPU figures)")
	fs.StringSliceVar(&o.archs, "arch", nil, "start netkit's own server under these architectures (repeatable or comma-separated)")
	fs.IntVarP(&o.conns, "conns", "c", 16, "connections")
	fs.IntVar(&o.pipeline, "pipeline", 1, "questions in flight per connection (1: lockstep)")
	fs.BoolVar(&o.reconnect, "reconnect", false, "connect, ask 3 questions and close, again and again (the book's client)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per server and load")
	fs.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "load before measuring")
	fs.Int64Var(&o.count, "count", 0, "stop each run after this many answers (0: no limit)")
	fs.Float64Var(&o.rate, "rate", 0, "questions per second in all, on a fixed schedule (0: as fast as answered)")
	fs.BoolVar(&o.compare, "compare", false, "every netkit architecture (or those of --arch) and every peer, at lockstep c=16, c=128 and pipelined 16x16 unless -c, --pipeline or --reconnect say otherwise")
	fs.StringArrayVar(&o.peers, "peer", nil, "an external server: 'NAME=COMMAND', {port} in COMMAND is replaced (repeatable); names starting with 'floor' are the floor")
	fs.StringVar(&o.plot, "plot", "", "draw CPU per answer and p99 latency to FILE.svg (SVG only; convert with e.g. rsvg-convert)")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON instead of a table")
	fs.IntVar(&o.idle, "idle", 0, "also open this many idle connections to each server started and report its RSS per idle connection")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "an answer that takes longer is an error (a server that starves a connection shows in conns served)")
	fs.IntVar(&o.repeat, "repeat", 1, "measure each server and load this many times and keep the run with the least server CPU per answer")
	fs.StringVar(&o.from, "from", "", "measure nothing: print the table (and --plot) of a run saved with --json")
}

func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark netkit's servers against each other and against other servers",
		Long: `Benchmarks in the spirit of the book's Bench.sh: load a server, check every
answer, and measure answers per second, latency, and, for servers netkit
starts itself, the server's CPU time per answer and its memory.`,
		Example: `  netkit bench zen --arch perconn --duration 2s
  netkit bench zen --compare --peer 'floor=/tmp/zenfloor -p {port}' --plot zen.svg`,
	}
	cmd.AddCommand(newBenchZenCommand())
	return cmd
}

func newBenchZenCommand() *cobra.Command {
	var opts benchZenOptions
	cmd := &cobra.Command{
		Use:   "zen",
		Short: "Load Zen servers and compare their CPU per answer, latency and memory",
		Long: `Drive a Zen server with -c connections, lockstep (one question in flight),
pipelined (--pipeline D in flight) or reconnecting for each 3-question dialog
(--reconnect, the book's client), for --duration, checking every answer.

With --arch (or --compare, which takes every architecture that listens
itself: not inetd or systemd) netkit starts its own server, one process per
architecture, and --peer starts other servers ('NAME=COMMAND', {port} is
replaced by a free port). For servers it starts, netkit pins the server to
one CPU and the load generator to another when there are two, and reports
the server's CPU time per answer (user + system, from /proc), which compares
servers fairly even when the load generator is the bottleneck. Ratios are to
the best server of each load and to the floor (peers named floor...).

The load generator is one epoll loop on one thread; GEN CPU is its share of
its core: near 100% means answers/s measure the client, not the server.`,
		Example: `  netkit bench zen --arch perconn --duration 2s
  netkit bench zen --addr 127.0.0.1:1060 -c 128 --pipeline 16
  netkit bench zen --arch poll --rate 20000 -c 16
  netkit bench zen --compare --duration 2s --idle 10000 --plot zen.svg \
      --peer 'floor=/tmp/zenfloor -p {port}' \
      --peer 'python-poll=python3 testdata/zen/srv_async.py 127.0.0.1 -p {port}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fs := cmd.Flags()
			explicit := fs.Changed("conns") || fs.Changed("pipeline") || fs.Changed("reconnect")
			return runBenchZen(cmd.Context(), opts, explicit, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// benchTarget is one server under test.
type benchTarget struct {
	name    string
	arch    serve.Arch // netkit's own server, or "" for a peer or --addr
	command string     // a peer's command, {port} not yet replaced
	addr    string     // --addr
}

// excludedFromCompare are the architectures that do not listen themselves.
var excludedFromCompare = []serve.Arch{serve.InetdNowait, serve.InetdWait, serve.Systemd}

func runBenchZen(ctx context.Context, opts benchZenOptions, explicitLoad bool, stdout, stderr io.Writer) error {
	if opts.from != "" {
		return showBenchReport(opts, stdout)
	}
	targets, err := benchTargets(opts)
	if err != nil {
		return withExit(exitUsage, err)
	}
	if opts.conns <= 0 || opts.repeat <= 0 || opts.pipeline <= 0 || opts.pipeline > 1024 || opts.duration <= 0 || opts.rate < 0 || opts.idle < 0 || opts.count < 0 {
		return withExit(exitUsage, errors.New("-c, --repeat, --pipeline (at most 1024) and --duration must be positive; --rate, --count and --idle must not be negative"))
	}
	if opts.plot != "" {
		if err := loadgen.CheckPlotFile(opts.plot); err != nil {
			return withExit(exitUsage, err)
		}
	}
	loads := []loadgen.Load{{Conns: opts.conns, Depth: opts.pipeline, Reconnect: opts.reconnect}}
	if opts.compare && !explicitLoad {
		loads = []loadgen.Load{{Conns: 16, Depth: 1}, {Conns: 128, Depth: 1}, {Conns: 16, Depth: 16}}
	}
	for i := range loads {
		loads[i].Name = loads[i].Label()
	}

	b := &bencher{opts: opts, stderr: stderr, began: time.Now()}
	b.setupCPUs()
	if opts.idle > 0 {
		if _, err := loadgen.RaiseFileLimit(uint64(opts.idle) + 1024); err != nil {
			return err
		}
	}
	start := time.Now()
	failed := 0 // cells skipped, or with errors from a server other than a peer
	rep := loadgen.Report{Machine: b.machine(), Duration: opts.duration.String(), Repeat: opts.repeat, Loads: loads}
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		cells, err := b.measure(ctx, t, loads)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %s: %v\n", t.name, err)
			for _, l := range loads {
				cells = append(cells, loadgen.Cell{Server: t.name, Load: l.Name, Conns: l.Conns, Skipped: err.Error()})
			}
		}
		peer := t.arch == ""
		for i, c := range cells {
			cells[i].Peer = peer
			if c.Skipped != "" || (c.Errors > 0 && t.command == "") {
				failed++
			}
		}
		rep.Cells = append(rep.Cells, cells...)
		if opts.idle > 0 && t.addr == "" {
			idle, err := b.measureIdle(ctx, t)
			if err != nil {
				fmt.Fprintf(stderr, "bench: %s: idle: %v\n", t.name, err)
				idle = loadgen.IdleResult{Server: t.name, Note: err.Error()}
			}
			idle.Peer = peer
			rep.Idle = append(rep.Idle, idle)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	loadgen.AddRatios(rep.Cells)
	if err := writeBenchReport(opts, rep, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: %d servers x %d loads in %s; %d cells failed\n",
		len(targets), len(loads), time.Since(start).Round(time.Second), failed)
	if failed > 0 {
		return fmt.Errorf("%d cells could not be measured or got wrong answers", failed)
	}
	return nil
}

// benchTargets returns the servers the options name.
func benchTargets(opts benchZenOptions) ([]benchTarget, error) {
	var out []benchTarget
	if opts.addr != "" {
		if opts.compare || len(opts.archs) > 0 || opts.idle > 0 {
			return nil, errors.New("--addr measures one running server; it excludes --arch, --compare and --idle")
		}
		if _, _, err := net.SplitHostPort(opts.addr); err != nil {
			return nil, fmt.Errorf("--addr %s: %w", opts.addr, err)
		}
		out = append(out, benchTarget{name: opts.addr, addr: opts.addr})
	}
	archs := opts.archs
	if opts.compare && len(archs) == 0 {
		for _, a := range serve.Architectures() {
			if !slices.Contains(excludedFromCompare, a) {
				archs = append(archs, string(a))
			}
		}
	}
	for _, name := range archs {
		a := serve.Arch(name)
		if slices.Contains(excludedFromCompare, a) {
			return nil, fmt.Errorf("architecture %s gets its socket from a super-server; benchmark it under inetd or systemd with --peer", name)
		}
		if !slices.Contains(serve.Architectures(), a) {
			return nil, fmt.Errorf("unknown architecture %q; use one of: %s", name, archList())
		}
		out = append(out, benchTarget{name: name, arch: a})
	}
	for _, p := range opts.peers {
		name, command, ok := strings.Cut(p, "=")
		if !ok || name == "" || !strings.Contains(command, "{port}") {
			return nil, fmt.Errorf("--peer %q: want NAME=COMMAND with {port} in COMMAND", p)
		}
		out = append(out, benchTarget{name: name, command: command})
	}
	if len(out) == 0 {
		out = append(out, benchTarget{name: string(serve.PerConn), arch: serve.PerConn})
	}
	return out, nil
}

// bencher runs the measurements of one `netkit bench zen`.
type bencher struct {
	opts              benchZenOptions
	stderr            io.Writer
	pinned            bool
	serverCPU, genCPU int
	began             time.Time
}

// elapsed returns the time since the run began, for progress lines.
func (b *bencher) elapsed() time.Duration { return time.Since(b.began).Round(time.Second) }

// setupCPUs chooses a CPU for the servers and one for the load generator,
// and pins this process to the latter, when there are two CPUs or more.
func (b *bencher) setupCPUs() {
	cpus := loadgen.CPUs()
	if len(cpus) < 2 {
		return
	}
	b.serverCPU, b.genCPU = cpus[0], cpus[1]
	if err := loadgen.PinProcess(b.genCPU); err != nil {
		fmt.Fprintf(b.stderr, "bench: not pinned: %v\n", err)
		return
	}
	b.pinned = true
}

func (b *bencher) machine() loadgen.Machine {
	m := loadgen.Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Pinned: b.pinned,
		ServerCPU: b.serverCPU, LoadCPU: b.genCPU, Start: time.Now().UTC().Format(time.RFC3339)}
	if runtime.NumCPU() < 2 {
		m.CPUs = len(loadgen.CPUs())
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// server is a server process started for a benchmark.
type server struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{} // closed when the process has been waited for
}

// start starts t's server on a free loopback port, pinned to the server
// CPU, and waits until it accepts connections.
func (b *bencher) start(ctx context.Context, t benchTarget) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	var cmd *exec.Cmd
	if t.arch != "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the netkit executable: %w", err)
		}
		cmd = netkitCommand(exe, []string{"zen", "serve", "--arch", string(t.arch), "--addr", addr})
	} else {
		cmd = exec.Command("sh", "-c", "exec "+strings.ReplaceAll(t.command, "{port}", port))
	}
	cmd.Stdin, cmd.Stdout = nil, nil
	var errBuf lockedBuffer
	cmd.Stderr = &errBuf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.startPinned(cmd); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	exited := make(chan struct{})
	s := &server{cmd: cmd, addr: addr, exited: exited}
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("server exited: %s", lastLine(errBuf.String()))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("no server at %s after 20s: %s", addr, lastLine(errBuf.String()))
		}
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// startPinned starts cmd with the server CPU as its only CPU: the child
// inherits the affinity of the thread that forks it.
func (b *bencher) startPinned(cmd *exec.Cmd) error {
	if !b.pinned {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := loadgen.PinThread(b.serverCPU); err != nil {
		return err
	}
	err := cmd.Start()
	if perr := loadgen.PinThread(b.genCPU); perr != nil && err == nil {
		err = perr
	}
	return err
}

// stop ends the server's process group: SIGTERM, then SIGKILL after 3 s.
func (s *server) stop() {
	pid := s.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(3 * time.Second):
	}
	// Whatever is left of the group (a worker, a shell's child) goes too.
	syscall.Kill(-pid, syscall.SIGKILL)
	select {
	case <-s.exited:
	case <-time.After(2 * time.Second):
	}
}

// measure runs every load against t.
func (b *bencher) measure(ctx context.Context, t benchTarget, loads []loadgen.Load) ([]loadgen.Cell, error) {
	addr, pid := t.addr, 0
	if t.addr == "" {
		s, err := b.start(ctx, t)
		if err != nil {
			return nil, err
		}
		defer s.stop()
		addr, pid = s.addr, s.cmd.Process.Pid
	}
	var cells []loadgen.Cell
	for _, l := range loads {
		if ctx.Err() != nil {
			break
		}
		var best loadgen.Cell
		for r := 0; r < b.opts.repeat && ctx.Err() == nil; r++ {
			cell, err := b.measureLoad(ctx, t.name, addr, pid, l)
			if err != nil {
				cell = loadgen.Cell{Server: t.name, Load: l.Name, Conns: l.Conns, Skipped: err.Error()}
			}
			b.progress(cell)
			if r == 0 || betterCell(cell, best) {
				best = cell
			}
		}
		cells = append(cells, best)
	}
	return cells, nil
}

// betterCell reports whether c is a better measurement than old of the same
// server and load: measured rather than skipped, without errors rather than
// with, then the one where the server spent less CPU per answer (other
// processes on a busy machine only ever add to it), or, without CPU figures,
// more answers per second.
func betterCell(c, old loadgen.Cell) bool {
	switch {
	case (c.Skipped == "") != (old.Skipped == ""):
		return c.Skipped == ""
	case (c.Errors == 0) != (old.Errors == 0):
		return c.Errors == 0
	case c.CPUPerAnswerUs > 0 && old.CPUPerAnswerUs > 0:
		return c.CPUPerAnswerUs < old.CPUPerAnswerUs
	default:
		return c.AnswersPerSec > old.AnswersPerSec
	}
}

// measureLoad runs one load against the server at addr, whose process is
// pid (0 if unknown).
func (b *bencher) measureLoad(ctx context.Context, name, addr string, pid int, l loadgen.Load) (loadgen.Cell, error) {
	var before, after loadgen.ProcSample
	var sampleErr error
	sample := func(into *loadgen.ProcSample) func() {
		return func() {
			if pid == 0 {
				return
			}
			s, err := loadgen.SampleTree(pid)
			if err != nil && sampleErr == nil {
				sampleErr = err
			}
			*into = s
		}
	}
	res, err := loadgen.Run(ctx, loadgen.Config{
		Addr:      addr,
		Conns:     l.Conns,
		Depth:     l.Depth,
		Reconnect: l.Reconnect,
		Duration:  b.opts.duration,
		Warmup:    b.opts.warmup,
		Count:     b.opts.count,
		Rate:      b.opts.rate,
		Timeout:   b.opts.timeout,
		PinCPU:    b.pinned,
		CPU:       b.genCPU,
		OnStart:   sample(&before),
		OnStop:    sample(&after),
	})
	if err != nil {
		return loadgen.Cell{}, err
	}
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	c := loadgen.Cell{
		Server: name, Load: l.Name, Conns: l.Conns,
		AnswersPerSec: res.PerSecond(), Answers: res.Answers,
		Errors: res.Errors, FirstError: res.FirstError, ConnsAnswered: res.ConnsAnswered,
		P50us: us(res.Latency.Quantile(0.50)), P99us: us(res.Latency.Quantile(0.99)),
		P999us: us(res.Latency.Quantile(0.999)), GenCPUShare: res.CPUShare(),
	}
	if pid != 0 && sampleErr == nil {
		d := after.Sub(before)
		c.RSSKiB = after.RSS >> 10
		c.ServerCPUShare = d.CPU().Seconds() / res.Elapsed.Seconds()
		if res.Answers > 0 {
			n := float64(res.Answers)
			c.CPUPerAnswerUs = us(d.CPU()) / n
			c.UserPerAnswerUs = us(d.User) / n
			c.SysPerAnswerUs = us(d.System) / n
		}
	}
	return c, nil
}

func (b *bencher) progress(c loadgen.Cell) {
	if c.Skipped != "" {
		fmt.Fprintf(b.stderr, "bench: %4s %-14s %-16s skipped: %s\n", b.elapsed(), c.Server, c.Load, c.Skipped)
		return
	}
	fmt.Fprintf(b.stderr, "bench: %4s %-14s %-16s %9.0f answers/s  %6.2f µs CPU/answer  p99 %8.0f µs  errors %d\n",
		b.elapsed(), c.Server, c.Load, c.AnswersPerSec, c.CPUPerAnswerUs, c.P99us, c.Errors)
}

// idleOpenLimit bounds the opening of the idle connections: the book's
// poll server takes minutes to accept 10,000 (its poll() is linear in the
// connections), and its listen backlog of 64 makes the kernel drop and
// retry handshakes meanwhile.
const idleOpenLimit = 10 * time.Second

// measureIdle starts a fresh server for t, opens opts.idle idle
// connections to it and reports its RSS growth per connection.
func (b *bencher) measureIdle(ctx context.Context, t benchTarget) (loadgen.IdleResult, error) {
	out := loadgen.IdleResult{Server: t.name}
	s, err := b.start(ctx, t)
	if err != nil {
		return out, err
	}
	defer s.stop()
	pid := s.cmd.Process.Pid
	// One dialog first, so that the server has served once.
	zen.Ask(ctx, s.addr, []string{"Beautiful is better than?"}, 2*time.Second)
	time.Sleep(200 * time.Millisecond)
	before, err := loadgen.SampleTree(pid)
	if err != nil {
		return out, err
	}
	ic, err := loadgen.OpenIdle(s.addr, b.opts.idle, idleOpenLimit)
	if ic == nil {
		return out, err
	}
	defer ic.Close()
	if err != nil {
		out.Note = err.Error()
	}
	// A dialog on a new connection: the server has accepted the idle ones
	// before it (most architectures accept in order).
	if _, err := zen.Ask(ctx, s.addr, []string{"Simple is better than?"}, time.Second); err != nil && out.Note == "" {
		out.Note = "no answer with the idle connections open: " + err.Error()
	}
	time.Sleep(300 * time.Millisecond)
	after, err := loadgen.SampleTree(pid)
	if err != nil {
		return out, err
	}
	out.Conns = ic.Len()
	out.RSSBefore, out.RSSAfter = before.RSS>>10, after.RSS>>10
	if out.Conns > 0 {
		out.KiBPerConn = float64(after.RSS-before.RSS) / 1024 / float64(out.Conns)
	}
	fmt.Fprintf(b.stderr, "bench: %4s %-14s idle x%d: %.2f KiB per connection\n", b.elapsed(), t.name, out.Conns, out.KiBPerConn)
	return out, nil
}

// writeBenchReport prints rep as a table or JSON, and plots it if asked.
func writeBenchReport(opts benchZenOptions, rep loadgen.Report, stdout io.Writer) error {
	if opts.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		loadgen.WriteMarkdown(stdout, rep)
	}
	if opts.plot != "" {
		return loadgen.Plot(opts.plot, rep)
	}
	return nil
}

// showBenchReport prints the report saved in opts.from.
func showBenchReport(opts benchZenOptions, stdout io.Writer) error {
	if opts.plot != "" {
		if err := loadgen.CheckPlotFile(opts.plot); err != nil {
			return withExit(exitUsage, err)
		}
	}
	data, err := os.ReadFile(opts.from)
	if err != nil {
		return withExit(exitUsage, err)
	}
	var rep loadgen.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return withExit(exitUsage, fmt.Errorf("%s: %w", opts.from, err))
	}
	return writeBenchReport(opts, rep, stdout)
}
