package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// ProcSample is the CPU time and memory of a process and all its
// descendants (prefork workers, a shell's child) at one moment.
type ProcSample struct {
	User, System time.Duration
	// RSS is the resident set size, in bytes.
	RSS int64
	// Procs is how many processes were counted.
	Procs int
}

// CPU returns User + System.
func (s ProcSample) CPU() time.Duration { return s.User + s.System }

// Sub returns the CPU used between o and s; RSS and Procs are s's.
func (s ProcSample) Sub(o ProcSample) ProcSample {
	return ProcSample{User: s.User - o.User, System: s.System - o.System, RSS: s.RSS, Procs: s.Procs}
}

// clockTick is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// procStat holds the fields of /proc/PID/stat this package uses.
type procStat struct {
	ppid        int
	utime, stim int64 // clock ticks
	rssPages    int64
}

// readStat parses /proc/PID/stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(pid, b)
}

// parseStat parses the contents of /proc/PID/stat.
func parseStat(pid int, b []byte) (procStat, error) {
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); ppid is field 4, utime 14, stime 15, rss 24.
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	var st procStat
	var errs [4]error
	st.ppid, errs[0] = strconv.Atoi(string(f[1]))
	st.utime, errs[1] = strconv.ParseInt(string(f[11]), 10, 64)
	st.stim, errs[2] = strconv.ParseInt(string(f[12]), 10, 64)
	st.rssPages, errs[3] = strconv.ParseInt(string(f[21]), 10, 64)
	for _, e := range errs {
		if e != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, e)
		}
	}
	return st, nil
}

// SampleTree returns the CPU time and RSS of process pid and all of its
// descendants. The CPU time of descendants that already exited is lost
// unless pid waited for them.
func SampleTree(pid int) (ProcSample, error) {
	root, err := readStat(pid)
	if err != nil {
		return ProcSample{}, fmt.Errorf("sample process %d: %w", pid, err)
	}
	stats := map[int]procStat{pid: root}
	if ents, err := os.ReadDir("/proc"); err == nil {
		for _, e := range ents {
			p, err := strconv.Atoi(e.Name())
			if err != nil || p == pid {
				continue
			}
			if st, err := readStat(p); err == nil {
				stats[p] = st
			}
		}
	}
	page := int64(os.Getpagesize())
	var s ProcSample
	for p, st := range stats {
		if !descends(stats, p, pid) {
			continue
		}
		s.User += time.Duration(st.utime) * clockTick
		s.System += time.Duration(st.stim) * clockTick
		s.RSS += st.rssPages * page
		s.Procs++
	}
	return s, nil
}

// descends reports whether p is root or one of its descendants.
func descends(stats map[int]procStat, p, root int) bool {
	for range 64 {
		if p == root {
			return true
		}
		st, ok := stats[p]
		if !ok || p <= 1 {
			return false
		}
		p = st.ppid
	}
	return false
}

// PinThread pins the calling OS thread (lock it first) to cpu. Processes
// the thread starts afterwards inherit the CPU set.
func PinThread(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	return nil
}

// PinProcess pins every thread of this process to cpu.
func PinProcess(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("pin to CPU %d: %w", cpu, err)
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil {
			return fmt.Errorf("pin thread %d to CPU %d: %w", tid, cpu, err)
		}
	}
	return nil
}

// CPUs returns the CPUs this process may run on.
func CPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var out []int
	for i := range 1024 {
		if set.IsSet(i) {
			out = append(out, i)
		}
	}
	return out
}

// RaiseFileLimit raises this process's soft limit on open files to at
// least n (up to the hard limit) and returns the new soft limit. Processes
// started afterwards inherit it.
func RaiseFileLimit(n uint64) (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if rl.Cur >= n {
		return rl.Cur, nil
	}
	rl.Cur = min(n, rl.Max)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("setrlimit: %w", err)
	}
	return rl.Cur, nil
}
