// Package floor does the least work that the operations of rcs's
// side-by-side benchmark need from the kernel, with no RCS logic: looking
// at every page of a ,v file (what `co -p` must do at least) and writing
// the file again through its ,name, lock file and a rename (what `ci` must
// do). The file is mapped, the cheapest way to see its bytes (netkit's
// commands map theirs too: rcs.MapFiles). Its times are the floor that no
// RCS implementation on the same machine can go below.
package floor

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Read maps the file at path, reads one byte of every page and unmaps
// it; it returns the sum of those bytes (so that the reads are done).
func Read(path string) (int, error) {
	fd, buf, err := mapFile(path)
	if err != nil {
		return 0, err
	}
	defer fd.Close()
	defer unmap(buf)
	sum := 0
	for i := 0; i < len(buf); i += 4096 {
		sum += int(buf[i])
	}
	return sum, nil
}

// mapFile opens the file at path and maps it read-only (see map_unix.go).
func mapFile(path string) (*os.File, []byte, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := fd.Stat()
	if err == nil && fi.Size() == 0 {
		return fd, nil, nil
	}
	var buf []byte
	if err == nil {
		buf, err = mapFd(fd, int(fi.Size()))
	}
	if err != nil {
		fd.Close()
		return nil, nil, err
	}
	return fd, buf, nil
}

// Rewrite writes the bytes of the ,v file at path to its ,name, lock file
// (created exclusively, mode 0444) from its mapping and renames that over
// path: the kernel's share of a check-in. The replaced file is freed when
// release is called (rcs.Update calls it in the background, a GNU ci
// process before it exits) or when the process exits, which is cheapest
// for a process given many files, as netkit's commands do.
func Rewrite(path string) (release func(), err error) {
	dir, base := filepath.Split(path)
	sem := filepath.Join(dir, ","+strings.TrimSuffix(base, ",v")+",")
	lf, err := os.OpenFile(sem, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, err
	}
	old, buf, err := mapFile(path)
	if err != nil {
		lf.Close()
		os.Remove(sem)
		return nil, err
	}
	release = func() {
		unmap(buf)
		old.Close()
	}
	_, err = lf.Write(buf)
	if cerr := lf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// As rcs.Update: rename(2) itself, without os.Rename's lstat.
		err = syscall.Rename(sem, path)
	}
	if err != nil {
		release()
		os.Remove(sem)
		return nil, err
	}
	return release, nil
}
