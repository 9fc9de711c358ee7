package rcs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestMain runs the package's tests with MapFiles on, every file mapped
// however small, if NETKIT_TEST_MAPFILES is set: every test that opens or
// updates a file then reads it from a read-only mapping, which a write
// into the buffer would fault on.
func TestMain(m *testing.M) {
	if os.Getenv("NETKIT_TEST_MAPFILES") != "" {
		mapMin = 1
		MapFiles()
	}
	os.Exit(m.Run())
}

// setMapping turns MapFiles on or off for the rest of one test (which
// must not be parallel).
func setMapping(t *testing.T, on bool) {
	was := mapping.on.Load()
	mapping.on.Store(on)
	t.Cleanup(func() { mapping.on.Store(was) })
}

// mapTestFile writes a synthetic file of n revisions, larger than mapMin.
func mapTestFile(t *testing.T, n int) (path string, raw, oldest []byte) {
	raw, oldest = synthFile(n, 2000, 5)
	if int64(len(raw)) < mapMin {
		t.Fatalf("test file of %d bytes is not mapped", len(raw))
	}
	path = filepath.Join(t.TempDir(), "f.txt,v")
	// Writable: the tests truncate it as another program might.
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, raw, oldest
}

// isMapped says whether f's buffer is a mapping MapFiles made.
func isMapped(f *File) bool {
	addr := uintptrOf(f.buf)
	mapping.mu.Lock()
	defer mapping.mu.Unlock()
	for _, m := range mapping.files {
		if m.lo <= addr && addr < m.hi {
			return true
		}
	}
	return false
}

// TestMapFiles checks that a mapped file gives the same revisions, and
// the same file after a check-in, as one read into the heap.
func TestMapFiles(t *testing.T) {
	path, raw, oldest := mapTestFile(t, 200)
	setMapping(t, false)
	heap, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if isMapped(heap) {
		t.Fatal("Open mapped the file without MapFiles")
	}
	setMapping(t, true)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !isMapped(f) {
		t.Fatal("Open with MapFiles did not map the file")
	}
	for _, rev := range []string{"1.200", "1.100", "1.1"} {
		want, _ := heap.Checkout(rev)
		got, err := f.Checkout(rev)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("mapped checkout of %s: %v, differs: %v", rev, err, !bytes.Equal(got, want))
		}
	}
	if got, _ := f.Checkout("1.1"); !bytes.Equal(got, oldest) {
		t.Fatal("mapped checkout of 1.1 is not the oldest text")
	}
	checkin := func(f *File) error {
		head, _ := f.Checkout(f.Head)
		_, err := f.Checkin(append(head, "one more line\n"...), CheckinOptions{Author: "tester", Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Log: "more"})
		return err
	}
	want, _ := Parse(path, raw)
	want.Strict = false
	if err := checkin(want); err != nil {
		t.Fatal(err)
	}
	// The check-in writes the new file from segments of the mapped old
	// one, which the rename unlinks: the mapping stays valid.
	up, err := Update(path, false, func(f *File) error {
		if !isMapped(f) {
			t.Error("Update with MapFiles did not map the file")
		}
		f.Strict = false
		return checkin(f)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("check-in through a mapping differs %s", firstDiff(string(got), string(want.Bytes())))
	}
	if old, err := up.Checkout("1.1"); err != nil || !bytes.Equal(old, oldest) {
		t.Fatalf("checkout of 1.1 after the update: %v", err)
	}
}

// guarded runs work as a command does with mapped files: a memory fault
// in a mapping becomes an error.
func guarded(work func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if err = MapFault(v); err == nil {
				panic(v)
			}
		}
	}()
	return work()
}

// TestMapFilesTruncated checks that a mapped file truncated by another
// program gives an error naming it, for a checkout and for an update,
// and that the update leaves no lock file.
func TestMapFilesTruncated(t *testing.T) {
	setMapping(t, true)
	path, _, _ := mapTestFile(t, 200)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = guarded(func() error {
		_, err := f.Checkout("1.1")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("checkout of a truncated mapped file: %v; want an error naming %s", err, path)
	}

	path, _, _ = mapTestFile(t, 200)
	err = guarded(func() error {
		_, err := Update(path, false, func(f *File) error {
			if err := os.Truncate(path, 0); err != nil {
				return err
			}
			f.Strict = false
			_, err := f.Checkin([]byte("new text\n"), CheckinOptions{Author: "tester", Force: true})
			return err
		})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("update of a file truncated while mapped: %v; want an error naming %s", err, path)
	}
	if _, err := os.Stat(lockPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file left after a failed update: %v", err)
	}

	// Truncated after the change (a lock reads no text): the write of the
	// untouched records from the mapping faults (in Go, or as EFAULT in
	// the kernel's copy).
	path, _, _ = mapTestFile(t, 200)
	err = guarded(func() error {
		_, err := Update(path, false, func(f *File) error {
			if err := f.LockRev(f.Head, "tester"); err != nil {
				return err
			}
			return os.Truncate(path, 0)
		})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("update of a file truncated before its write: %v; want an error naming %s", err, path)
	}
	if _, err := os.Stat(lockPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file left after a failed update: %v", err)
	}
}

// TestMapFault checks that MapFault leaves alone what is not a fault in
// a mapped file.
func TestMapFault(t *testing.T) {
	for _, v := range []any{"text", errors.New("an error"), func() (v any) {
		defer func() { v = recover() }()
		// A nil *Delta: a memory fault, but at no mapping.
		(&File{}).Delta("1.1").Log()
		return nil
	}()} {
		if err := MapFault(v); err != nil {
			t.Errorf("MapFault(%v) = %v, want nil", v, err)
		}
	}
}

// TestMapLimit checks that past the limits, and for a small file, a file
// is read into the heap even with MapFiles.
func TestMapLimit(t *testing.T) {
	setMapping(t, true)
	path, _, oldest := mapTestFile(t, 50)
	mapping.mu.Lock()
	total := mapping.total
	mapping.total = mapLimit
	mapping.mu.Unlock()
	f, err := Open(path)
	mapping.mu.Lock()
	mapping.total = total
	mapping.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if isMapped(f) {
		t.Fatal("a file past the limit was mapped")
	}
	if got, _ := f.Checkout("1.1"); !bytes.Equal(got, oldest) {
		t.Fatal("checkout of 1.1 differs")
	}
	raw, _ := synthFile(3, 10, 1)
	small := filepath.Join(t.TempDir(), "small.txt,v")
	if err := os.WriteFile(small, raw, 0o444); err != nil {
		t.Fatal(err)
	}
	if f, err := Open(small); err != nil || (int64(len(raw)) < mapMin && isMapped(f)) {
		t.Fatalf("small file: %v, mapped %v", err, err == nil && isMapped(f))
	}
}
