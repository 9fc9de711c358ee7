package rcs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrInUse is returned when the lock file ",name," exists: another
// program (GNU RCS, CVS or netkit) is writing the ,v file, or died doing
// so. As GNU RCS does, netkit leaves such a file in place.
var ErrInUse = errors.New("is in use")

// InUseError names the ,v file whose lock file exists.
type InUseError struct{ Path string }

// Error is GNU RCS's message: "RCS file NAME,v is in use".
func (e *InUseError) Error() string { return "RCS file " + e.Path + " is in use" }

// Unwrap makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Unwrap() error { return ErrInUse }

// Paths pairs a working file with its ,v file, as GNU RCS does: "f.txt,v"
// names the ,v file itself (the working file is f.txt in the current
// directory); "dir/f.txt" is looked up as dir/RCS/f.txt,v, then
// dir/f.txt,v. For a file that does not exist yet, the ,v file goes into
// dir/RCS if that directory exists.
func Paths(name string) (rcsPath, workPath string) {
	if strings.HasSuffix(name, ",v") {
		return name, strings.TrimSuffix(filepath.Base(name), ",v")
	}
	dir, base := filepath.Split(name)
	inRCS := filepath.Join(dir, "RCS", base+",v")
	beside := filepath.Join(dir, base+",v")
	if _, err := os.Stat(inRCS); err == nil {
		return inRCS, name
	}
	if _, err := os.Stat(beside); err == nil {
		return beside, name
	}
	if fi, err := os.Stat(filepath.Join(dir, "RCS")); err == nil && fi.IsDir() {
		return inRCS, name
	}
	return beside, name
}

// lockPath is the ",name," semaphore of a ,v file.
func lockPath(rcsPath string) string {
	dir, base := filepath.Split(rcsPath)
	return filepath.Join(dir, ","+strings.TrimSuffix(base, ",v")+",")
}

// Update reads the ,v file at rcsPath (or starts a new one if create is
// set and it does not exist), lets change modify it, and writes it back
// through the lock file ",name," (created with O_EXCL, mode 0444) and an
// atomic rename, exactly as GNU RCS does: the new file keeps the old one's
// permissions without the write bits, and nothing is synced to the disk
// (GNU RCS does not sync either). An existing lock file gives an
// *InUseError and changes nothing.
func Update(rcsPath string, create bool, change func(*File) error) (*File, error) {
	sem := lockPath(rcsPath)
	lf, err := os.OpenFile(sem, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_TRUNC, 0o444)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, &InUseError{rcsPath}
		}
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			lf.Close()
			os.Remove(sem)
		}
	}()
	f, old, err := open(rcsPath, true)
	if old != nil {
		// The old file stays open until it has been replaced: see below.
		defer func() {
			if !done {
				old.Close()
			}
		}()
	}
	if errors.Is(err, fs.ErrNotExist) && create {
		f, err = New(rcsPath), nil
	}
	if err != nil {
		return nil, err
	}
	if err := change(f); err != nil {
		return nil, err
	}
	if err := f.settle(); err != nil {
		return nil, err
	}
	// The untouched tail of the old file is written straight from its
	// buffer: no copy of it is made.
	for _, seg := range f.segments() {
		if _, err := lf.Write(seg); err != nil {
			if ferr := writeFault(rcsPath, err); ferr != nil {
				return nil, ferr
			}
			return nil, fmt.Errorf("writing %s: %w", sem, err)
		}
	}
	if m := f.mode &^ 0o222; m != 0 {
		if err := lf.Chmod(m); err != nil {
			return nil, fmt.Errorf("%s: %w", sem, err)
		}
	}
	if err := lf.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", sem, err)
	}
	// os.Rename would first lstat rcsPath to refuse a directory; the file
	// was just read, so it is not one.
	if err := syscall.Rename(sem, rcsPath); err != nil {
		return nil, &os.LinkError{Op: "rename", Old: sem, New: rcsPath, Err: err}
	}
	done = true
	if old != nil {
		// The rename unlinked the old file, but it is still open, so the
		// kernel frees its blocks (with discards on a filesystem mounted
		// with them) only when it is closed: most of what a rename over
		// a file costs. That is done after Update returns; a process
		// that exits first leaves it to the kernel's exit.
		closeReplaced(old)
	}
	return f, nil
}

// closeReplaced closes the file Update replaced, in the background (see
// Update). A variable so that BenchmarkSideBySide can also measure a
// check-in that waits for it, as GNU ci does.
var closeReplaced = func(old *os.File) { go old.Close() }
