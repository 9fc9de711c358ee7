// Package bench measures XML-RPC servers side by side: a lean load
// generator that sends the deck's addtogether(1,2,3,4,5) over raw TCP
// (keep-alive or a new connection per call, N connections), and the server
// process's CPU time per call read from /proc/PID/stat.
package bench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed pyserver.py
var pyServer string

// CallBody is the body Python's ServerProxy sends for addtogether(1,2,3,4,5)
// (330 bytes, xmlrpc-observed.md §1.2).
const CallBody = "<?xml version='1.0'?>\n<methodCall>\n<methodName>addtogether</methodName>\n<params>\n" +
	"<param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><int>2</int></value>\n</param>\n" +
	"<param>\n<value><int>3</int></value>\n</param>\n<param>\n<value><int>4</int></value>\n</param>\n" +
	"<param>\n<value><int>5</int></value>\n</param>\n</params>\n</methodCall>\n"

// wantResult is what every answer must contain.
var wantResult = []byte("<value><int>15</int></value>")

// A Server is a running server process under test.
type Server struct {
	Name string
	Addr string // host:port
	PID  int    // the process whose CPU time is measured
	cmd  *exec.Cmd
}

// Stop ends the server process and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// StartPython starts the deck's Python server with python; http11 patches
// it to answer HTTP/1.1 with keep-alive. pin, if not empty, is a taskset
// CPU list to run it on. With log the server logs every request, as the
// deck's server does by default, to /dev/null; otherwise it logs nothing
// and its stderr is this process's.
func StartPython(python string, http11 bool, pin string, log bool) (*Server, error) {
	argv := []string{python, "-c", pyServer}
	name := "python"
	if http11 {
		argv = append(argv, "--http11")
		name = "python HTTP/1.1"
	}
	if log {
		argv = append(argv, "--log")
	}
	cmd := pinned(argv, pin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if !log {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", python, err)
	}
	var port int
	if _, err := fmt.Fscanf(bufio.NewReader(out), "port %d\n", &port); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("python server did not report its port: %w", err)
	}
	return &Server{Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", port), PID: cmd.Process.Pid, cmd: cmd}, nil
}

// StartNetkit starts `netkit xmlrpc serve` as exe with extra arguments
// (for example --arch), on a free port. With log it logs its connections
// (two lines each) to /dev/null; otherwise it runs with --quiet and its
// stderr is this process's.
func StartNetkit(exe string, extra []string, name, pin string, log bool) (*Server, error) {
	dir, err := os.MkdirTemp("", "netkit-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	urlFile := dir + "/url"
	argv := []string{exe, "xmlrpc", "serve", "--addr", "127.0.0.1:0", "--url-file", urlFile}
	if !log {
		argv = append(argv, "--quiet")
	}
	cmd := pinned(append(argv, extra...), pin)
	if !log {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start netkit: %w", err)
	}
	for i := 0; i < 100; i++ {
		b, err := os.ReadFile(urlFile)
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			u := strings.TrimSpace(string(b))
			u = strings.TrimPrefix(u, "http://")
			u = strings.TrimSuffix(u, "/RPC2")
			return &Server{Name: name, Addr: u, PID: cmd.Process.Pid, cmd: cmd}, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, errors.New("netkit server did not write its URL within 5s")
}

func pinned(argv []string, pin string) *exec.Cmd {
	if pin != "" {
		if ts, err := exec.LookPath("taskset"); err == nil {
			argv = append([]string{ts, "-c", pin}, argv...)
		}
	}
	return exec.Command(argv[0], argv[1:]...)
}

// A Load is one way of driving a server.
type Load struct {
	Conns     int
	KeepAlive bool // otherwise a new connection per call
	Duration  time.Duration
}

// String describes the load, for example "c=16 keep-alive".
func (l Load) String() string {
	mode := "new conn/call"
	if l.KeepAlive {
		mode = "keep-alive"
	}
	return fmt.Sprintf("c=%d %s", l.Conns, mode)
}

// A Result is what one load measured on one server.
type Result struct {
	Calls   int
	Errors  int
	Elapsed time.Duration
	CPU     time.Duration // the server process's user+system time
}

// Rate is calls per second.
func (r Result) Rate() float64 { return float64(r.Calls) / r.Elapsed.Seconds() }

// CPUPerCall is the server's CPU time per call.
func (r Result) CPUPerCall() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Calls)
}

// Run drives s with l and measures it.
func Run(ctx context.Context, s *Server, l Load) (Result, error) {
	req := request(s.Addr, l.KeepAlive)
	cpu0, err := processCPU(s.PID)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	deadline := start.Add(l.Duration)
	var (
		mu    sync.Mutex
		total Result
		wg    sync.WaitGroup
	)
	for i := 0; i < l.Conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calls, errs := worker(ctx, s.Addr, req, l.KeepAlive, deadline)
			mu.Lock()
			total.Calls += calls
			total.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.Elapsed = time.Since(start)
	cpu1, err := processCPU(s.PID)
	if err != nil {
		return Result{}, err
	}
	total.CPU = cpu1 - cpu0
	return total, nil
}

// request returns the raw HTTP request Python's client sends, plus
// Connection: close when each call gets its own connection (so that the
// server closes first, as Python's HTTP/1.0 server does).
func request(addr string, keepAlive bool) []byte {
	conn := ""
	if !keepAlive {
		conn = "Connection: close\r\n"
	}
	return fmt.Appendf(nil, "POST /RPC2 HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: gzip\r\nContent-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.11\r\n%sContent-Length: %d\r\n\r\n%s",
		addr, conn, len(CallBody), CallBody)
}

// callGrace is how long a call started before the end of a run may take.
const callGrace = 2 * time.Second

// worker calls until deadline and returns its counts of good and failed
// calls.
func worker(ctx context.Context, addr string, req []byte, keepAlive bool, deadline time.Time) (calls, errs int) {
	var c net.Conn
	buf := make([]byte, 4096)
	d := net.Dialer{Deadline: deadline}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if c == nil {
			var err error
			if c, err = d.DialContext(ctx, "tcp", addr); err != nil {
				if time.Now().Before(deadline) {
					errs++
				}
				continue
			}
			// The last call may finish after the deadline: closing the
			// connection in its middle would leave the answer unread and
			// reset the connection, which servers rightly log as an error.
			c.SetDeadline(deadline.Add(callGrace))
		}
		ok, closed := oneCall(c, req, buf)
		switch {
		case ok:
			calls++
		case time.Now().Before(deadline):
			errs++
		}
		if !ok || !keepAlive || closed {
			c.Close()
			c = nil
		}
	}
	if c != nil {
		c.Close()
	}
	return calls, errs
}

// oneCall sends req on c and reads one response; closed reports that the
// server announced it will close the connection (HTTP/1.0 or
// Connection: close).
func oneCall(c net.Conn, req, buf []byte) (ok, closed bool) {
	if _, err := c.Write(req); err != nil {
		return false, true
	}
	n := 0
	for {
		if n == len(buf) {
			return false, true
		}
		m, err := c.Read(buf[n:])
		n += m
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 {
			head := buf[:i+4]
			cl := contentLength(head)
			if cl < 0 {
				return false, true
			}
			for n < i+4+cl {
				if n == len(buf) {
					return false, true
				}
				m, err := c.Read(buf[n:])
				n += m
				if err != nil && n < i+4+cl {
					return false, true
				}
			}
			closed = bytes.HasPrefix(head, []byte("HTTP/1.0")) || bytes.Contains(head, []byte("Connection: close"))
			ok = bytes.HasPrefix(head[9:], []byte("200")) && bytes.Contains(buf[i+4:n], wantResult)
			return ok, closed
		}
		if err != nil {
			return false, true
		}
	}
}

func contentLength(head []byte) int {
	for _, name := range []string{"\r\nContent-Length: ", "\r\nContent-length: ", "\r\ncontent-length: "} {
		if i := bytes.Index(head, []byte(name)); i >= 0 {
			rest := head[i+len(name):]
			j := bytes.IndexByte(rest, '\r')
			n, err := strconv.Atoi(string(rest[:j]))
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times on Linux.
const clockTicks = 100

// processCPU returns the user+system CPU time of process pid.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU time: %w", err)
	}
	// Fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("server CPU time: short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}
