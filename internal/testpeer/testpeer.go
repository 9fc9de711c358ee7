// Package testpeer finds the real peer programs that interop tests run
// against (Python, GNU RCS, CVS, inetd, ...). A missing peer skips the test
// on a developer's machine, with a message saying how to install it, and
// fails it in CI (CI=true), where the test command installs every peer.
package testpeer

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// InCI reports whether the tests run in CI, where missing peers are errors.
func InCI() bool {
	return os.Getenv("CI") == "true"
}

// Require returns the path of program, or ends the test when it is missing:
// a failure in CI, a skip elsewhere. install says how to get it, for example
// "apt-get install rcs".
func Require(t testing.TB, program, install string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	Missing(t, program+" is not installed", install)
	return ""
}

// Missing ends the test because a peer is unavailable for the reason given:
// a failure in CI, a skip elsewhere.
func Missing(t testing.TB, why, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("interop peer missing in CI: %s (the test command should have run: %s)", why, install)
	}
	t.Skipf("interop peer missing: %s; install it with: %s (or run ./scripts/test)", why, install)
}

// Python returns a Python 3 interpreter for scripts that need only the
// standard library: python3 on PATH, resolved to the interpreter itself.
// A pyenv python3 on PATH is a shell script (a shim) that needs pyenv's
// environment; run by a peer such as inetd, with an environment of its own,
// it can fail, so tests get the real executable behind it.
func Python(t testing.TB) string {
	t.Helper()
	shim := Require(t, "python3", "apt-get install python3")
	pythonOnce.Do(func() {
		out, err := exec.Command(shim, "-c", "import sys; print(sys.executable)").Output()
		if p := strings.TrimSpace(string(out)); err == nil && p != "" {
			pythonPath = p
		}
	})
	if pythonPath != "" {
		return pythonPath
	}
	return shim
}

var (
	pythonOnce sync.Once
	pythonPath string // the interpreter behind python3 on PATH, once known
)

// SystemPython returns Debian's own interpreter, /usr/bin/python3, for
// scripts that need a python3-* package from apt (a pyenv python3 on PATH
// does not see those).
func SystemPython(t testing.TB) string {
	t.Helper()
	const p = "/usr/bin/python3"
	if _, err := os.Stat(p); err != nil {
		Missing(t, p+" is not installed", "apt-get install python3")
	}
	return p
}
