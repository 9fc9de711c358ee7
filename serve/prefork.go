package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// preforkEnv marks a prefork worker process; its value is the worker's
// number, from 1.
const preforkEnv = "NETKIT_PREFORK_WORKER"

// preforkWorker is this process's worker number when it is a prefork worker
// (started with preforkEnv set and the listener on fd 3), "" otherwise. The
// variable is removed from the environment so that programs the worker
// starts are not taken for workers.
var preforkWorker = takePreforkEnv()

func takePreforkEnv() string {
	v := os.Getenv(preforkEnv)
	if v != "" {
		os.Unsetenv(preforkEnv)
	}
	return v
}

func init() {
	engines[Prefork] = func(p Protocol, cfg Config) engine {
		if preforkWorker != "" {
			return newGoEngine(p, cfg, 0)
		}
		return newPreforkEngine(cfg)
	}
}

// workerListener returns the listener a prefork worker inherited as fd 3.
func workerListener() (net.Listener, error) {
	unix.CloseOnExec(3)
	f := os.NewFile(3, "fd 3 (prefork listener)")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("prefork worker %s: listener on fd 3: %w", preforkWorker, err)
	}
	return ln, nil
}

// Worker restart back-off: a worker that dies is restarted after
// minWorkerBackoff, doubling up to maxWorkerBackoff while workers keep
// dying young (within workerSettled of their start).
const (
	minWorkerBackoff = 100 * time.Millisecond
	maxWorkerBackoff = 5 * time.Second
	workerSettled    = 10 * time.Second
)

// preforkEngine is the parent of the prefork architecture: it serves no
// connection itself but keeps cfg.Workers worker processes running, each
// this program again (or cfg.Exec) with the listener as fd 3, serving it
// with the perconn engine. It restarts a worker that dies, and on Shutdown
// asks every worker to shut down gracefully (SIGTERM) and waits.
type preforkEngine struct {
	cfg   Config
	stopc chan struct{} // closed when stopping
	slots sync.WaitGroup

	mu       sync.Mutex
	stopping bool                // guarded by mu
	ln       net.Listener        // guarded by mu
	procs    map[int]*os.Process // guarded by mu; running workers by slot
}

func newPreforkEngine(cfg Config) *preforkEngine {
	return &preforkEngine{cfg: cfg, stopc: make(chan struct{}), procs: map[int]*os.Process{}}
}

// Serve starts the workers on l and keeps them running until Shutdown or
// Close.
func (e *preforkEngine) Serve(l net.Listener) error {
	f, err := listenerFile(l)
	if err != nil {
		return err
	}
	defer f.Close()
	exe, args, err := e.command()
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.ln = l
	if !e.stopping {
		for i := range e.cfg.Workers {
			e.slots.Add(1)
			go e.runSlot(i+1, exe, args, f)
		}
	}
	e.mu.Unlock()
	<-e.stopc
	e.slots.Wait()
	return nil
}

// listenerFile returns a duplicate of l's socket as an *os.File to hand to
// the workers. Not l.File(): the Fd method of that file, which os/exec calls
// at every worker start, puts the socket in blocking mode, and the mode
// belongs to the socket that the parent and every worker share. A running
// worker's accept would then block in the kernel, where its Shutdown cannot
// interrupt it. A file made by os.NewFile leaves the mode alone.
func listenerFile(l net.Listener) (*os.File, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("prefork: cannot pass a %T to worker processes", l)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("prefork: %w", err)
	}
	dup, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, fmt.Errorf("prefork: %w", err)
	}
	if derr != nil {
		return nil, fmt.Errorf("prefork: duplicate the listener: %w", derr)
	}
	return os.NewFile(uintptr(dup), "prefork listener"), nil
}

// command returns the program and arguments of a worker.
func (e *preforkEngine) command() (exe string, args []string, err error) {
	if len(e.cfg.Exec) > 0 {
		return e.cfg.Exec[0], e.cfg.Exec, nil
	}
	exe, err = os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("prefork: find this program to run its workers: %w", err)
	}
	return exe, os.Args, nil
}

// runSlot keeps worker number n running until the engine stops. argv is the
// worker's whole argument list, argv[0] included.
func (e *preforkEngine) runSlot(n int, exe string, argv []string, ln *os.File) {
	defer e.slots.Done()
	log := e.cfg.Logger
	var backoff time.Duration
	for {
		cmd := &exec.Cmd{
			Path:        exe,
			Args:        argv,
			Env:         append(os.Environ(), preforkEnv+"="+strconv.Itoa(n)),
			ExtraFiles:  []*os.File{ln},
			Stdout:      os.Stdout,
			Stderr:      os.Stderr,
			SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM},
		}
		e.mu.Lock()
		if e.stopping {
			e.mu.Unlock()
			return
		}
		err := cmd.Start()
		if err == nil {
			e.procs[n] = cmd.Process
		}
		e.mu.Unlock()
		pid := 0
		if err == nil {
			pid = cmd.Process.Pid
			started := time.Now()
			log.Info("worker started", "worker", n, "pid", pid)
			err = cmd.Wait()
			e.mu.Lock()
			delete(e.procs, n)
			stopping := e.stopping
			e.mu.Unlock()
			if stopping {
				if err != nil {
					log.Warn("worker stopped", "worker", n, "pid", pid, "err", err)
				} else {
					log.Info("worker stopped", "worker", n, "pid", pid)
				}
				return
			}
			if err == nil {
				err = errors.New("exited with status 0")
			}
			if time.Since(started) > workerSettled {
				backoff = 0
			}
		}
		backoff = nextWorkerBackoff(backoff)
		log.Error("worker died; restarting", "worker", n, "pid", pid, "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-e.stopc:
			return
		}
	}
}

// nextWorkerBackoff doubles d within [minWorkerBackoff, maxWorkerBackoff].
func nextWorkerBackoff(d time.Duration) time.Duration {
	d *= 2
	return min(max(d, minWorkerBackoff), maxWorkerBackoff)
}

// stop marks the engine stopping, sends sig to every worker and closes the
// parent's copy of the listener.
func (e *preforkEngine) stop(sig os.Signal) error {
	e.mu.Lock()
	if !e.stopping {
		e.stopping = true
		close(e.stopc)
	}
	for _, p := range e.procs {
		p.Signal(sig)
	}
	ln := e.ln
	e.mu.Unlock()
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// Shutdown asks every worker to stop accepting and finish its connections
// (SIGTERM) and waits for them; when ctx ends first, it kills them.
func (e *preforkEngine) Shutdown(ctx context.Context) error {
	e.stop(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { e.slots.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		e.stop(syscall.SIGKILL)
		<-done
		return ctx.Err()
	}
}

// Close kills every worker and closes the listener.
func (e *preforkEngine) Close() error {
	return e.stop(syscall.SIGKILL)
}

// IsPreforkWorker reports whether this process is a prefork worker started
// by a prefork parent. A program that does something once per server (write
// a pid or address file, print a banner) skips it in workers.
func IsPreforkWorker() bool { return preforkWorker != "" }
