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
