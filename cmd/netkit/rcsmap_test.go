package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/rcs"
)

// bigRCSFile writes a ,v file of revs revisions whose texts are large
// enough for the commands to map it, and returns its path and the text
// of 1.1.
func bigRCSFile(t *testing.T, revs int) (string, []byte) {
	path := filepath.Join(t.TempDir(), "big.txt,v")
	f := rcs.New(path)
	var first []byte
	for r := 1; r <= revs; r++ {
		var text bytes.Buffer
		for l := range 3000 {
			fmt.Fprintf(&text, "line %d of the big file, revision %d\n", l, r*(l%7))
		}
		if r == 1 {
			first = text.Bytes()
		}
		f.Strict = false
		if _, err := f.Checkin(text.Bytes(), rcs.CheckinOptions{Author: "tester", Log: "r", Date: time.Date(2026, 1, 1, 0, 0, r, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, first
}

// TestRcsMappedTruncated checks that a ,v file truncated by another
// program while a command has it mapped makes the command fail with an
// error naming the file, not crash.
func TestRcsMappedTruncated(t *testing.T) {
	path, first := bigRCSFile(t, 5)
	var got []byte
	err := runMapped(func() error {
		f, err := rcs.Open(path)
		if err != nil {
			return err
		}
		got, err = f.Checkout("1.1")
		return err
	})
	if err != nil || !bytes.Equal(got, first) {
		t.Fatalf("checkout through runMapped: %v (text equal: %v)", err, bytes.Equal(got, first))
	}
	err = runMapped(func() error {
		f, err := rcs.Open(path)
		if err != nil {
			return err
		}
		if err := os.Truncate(path, 0); err != nil {
			return err
		}
		_, err = f.Checkout("1.1")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("checkout of a file truncated while mapped: %v; want an error naming %s", err, path)
	}
}

// TestRcsMappedPanic checks that runMapped passes on a panic that is not
// a fault in a mapped file.
func TestRcsMappedPanic(t *testing.T) {
	defer func() {
		if v := recover(); v != "not a fault" {
			t.Fatalf("recovered %v, want the work's own panic", v)
		}
	}()
	runMapped(func() error { panic("not a fault") })
}

// TestRcsMappedCommands runs co and ci on files big enough to be mapped,
// one and two per process: a check-in writes the new file from the
// mapped old one, and the revisions read back are right.
func TestRcsMappedCommands(t *testing.T) {
	path, first := bigRCSFile(t, 5)
	t.Chdir(filepath.Dir(path))
	t.Setenv("LOGNAME", "tester")
	t.Setenv("TZ", "UTC")
	raw, err := os.ReadFile("big.txt,v")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("two.txt,v", raw, 0o444); err != nil {
		t.Fatal(err)
	}
	netkit := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"rcs"}, args...), &out, &errb); code != 0 {
			t.Fatalf("netkit rcs %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	if got := netkit("co", "-q", "-p", "-r1.1", "big.txt,v", "two.txt,v"); got != string(first)+string(first) {
		t.Fatal("co -p -r1.1 of two mapped files differs from revision 1.1")
	}
	head := netkit("co", "-q", "-p", "big.txt,v")
	netkit("lock", "big.txt", "two.txt")
	for i, w := range []string{"big.txt", "two.txt"} {
		text := strings.Replace(head, "line 7 ", fmt.Sprintf("changed line %d ", i), 1)
		if err := os.WriteFile(w, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	netkit("ci", "-q", "-d2026/02/01 00:00:00", "-wtester", "-mchanged", "big.txt", "two.txt")
	for i, w := range []string{"big.txt", "two.txt"} {
		want := strings.Replace(head, "line 7 ", fmt.Sprintf("changed line %d ", i), 1)
		if got := netkit("co", "-q", "-p", w); got != want {
			t.Fatalf("%s: the new head differs from what was checked in", w)
		}
		if got := netkit("co", "-q", "-p", "-r1.5", w); got != head {
			t.Fatalf("%s: 1.5 differs after the check-in", w)
		}
		if got := netkit("co", "-q", "-p", "-r1.1", w); got != string(first) {
			t.Fatalf("%s: 1.1 differs after the check-in", w)
		}
	}
}
