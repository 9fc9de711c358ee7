package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestCommandsTable checks that every entry of commands builds the command
// it is named after.
func TestCommandsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands {
		if got := c.build().Name(); got != c.name {
			t.Errorf("commands entry %q builds %q", c.name, got)
		}
		if seen[c.name] {
			t.Errorf("commands lists %q twice", c.name)
		}
		seen[c.name] = true
	}
}

// TestRootForGivesSameHelp checks that the pruned tree run builds for a
// command line shows, for every command, the same help as the whole tree.
func TestRootForGivesSameHelp(t *testing.T) {
	help := func(root *cobra.Command, args []string) string {
		var out bytes.Buffer
		root.SetArgs(args)
		root.SetOut(&out)
		root.SetErr(&out)
		if err := root.Execute(); err != nil {
			t.Errorf("%s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			checked++
			args := append(strings.Fields(sub.CommandPath())[1:], "--help")
			if want, got := help(newRootCommand(), args), help(newRootFor(args), args); got != want {
				t.Errorf("netkit %s: help differs in the pruned tree:\n%s\nwant:\n%s", strings.Join(args, " "), got, want)
			}
			walk(sub)
		}
	}
	walk(newRootCommand())
	if checked < 2*len(commands) {
		t.Errorf("checked the help of %d commands only", checked)
	}
	t.Logf("%d commands checked", checked)
	if n := len(newRootFor([]string{"rcs", "co", "-p"}).Commands()); n != 1 {
		t.Errorf("the tree for netkit rcs has %d top-level commands, want 1", n)
	}
	if n := len(newRootFor([]string{"help", "rcs"}).Commands()); n != len(commands) {
		t.Errorf("the tree for netkit help has %d top-level commands, want %d", n, len(commands))
	}
}

// TestInterruptEndsFilter checks that SIGINT ends a wire filter waiting for
// input, as it ends any program (a signal context would swallow it).
func TestInterruptEndsFilter(t *testing.T) {
	cmd := exec.Command(buildNetkit(t), "wire", "frame")
	var ee *exec.ExitError
	if err := interruptWhileReading(t, cmd); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
		t.Errorf("netkit wire frame after SIGINT: %v, want killed by SIGINT", err)
	}
}

// interruptWhileReading starts cmd with a pipe on its input, sends it
// SIGINT once it waits for that input and returns what cmd.Wait returns;
// the test fails if cmd still runs 20 s after the signal.
func interruptWhileReading(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitReadingStdin(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%s still runs 20 s after SIGINT", cmd)
		return nil
	}
}

// waitReadingStdin waits until a thread of process pid is in read(0, ...),
// as /proc/PID/task/*/syscall shows it: the command runs and waits for input.
func waitReadingStdin(t *testing.T, pid int) {
	t.Helper()
	for range 2000 {
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && strings.HasPrefix(string(b), "0 0x0 ") {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d never read its stdin", pid)
}

// TestInterruptRCS checks that Ctrl-C ends `netkit rcs ci` while it waits
// for a description on its input, with the interruption as its error and
// neither the ,v file nor the lock file written.
func TestInterruptRCS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildNetkit(t), "rcs", "ci", "f.txt")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	var ee *exec.ExitError
	if err := interruptWhileReading(t, cmd); !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("netkit rcs ci after SIGINT: %v, stderr %q; want exit status 1 and the interruption", err, stderr.String())
	}
	for _, name := range []string{"f.txt,v", ",f.txt,"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
}
