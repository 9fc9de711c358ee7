// Package floor does the least work that the operations of rcs's
// side-by-side benchmark need from the kernel, with no RCS logic: reading a
// ,v file (what `co -p` must do) and writing it again through its ,name,
// lock file and a rename (what `ci` must do). Its times are the floor that
// no RCS implementation on the same machine can go below.
package floor

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Read reads the whole file at path into fresh memory, as rcs.Open does.
func Read(path string) ([]byte, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	return readAll(fd)
}

func readAll(fd *os.File) ([]byte, error) {
	fi, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, fi.Size()+1)
	n, err := io.ReadFull(fd, buf)
	if err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return buf[:n], nil
}

// Rewrite reads the ,v file at path and writes the same bytes to its
// ,name, lock file (created exclusively, mode 0444), renames that over
// path and closes the old file: the kernel's share of a check-in. If
// background is set, the old file is closed in a goroutine after Rewrite
// returns, as rcs.Update does; otherwise before, as a GNU ci process does.
func Rewrite(path string, background bool) error {
	dir, base := filepath.Split(path)
	sem := filepath.Join(dir, ","+strings.TrimSuffix(base, ",v")+",")
	lf, err := os.OpenFile(sem, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	old, err := os.Open(path)
	if err != nil {
		lf.Close()
		os.Remove(sem)
		return err
	}
	buf, err := readAll(old)
	if err == nil {
		_, err = lf.Write(buf)
	}
	if cerr := lf.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// As rcs.Update: rename(2) itself, without os.Rename's lstat.
		err = syscall.Rename(sem, path)
	}
	if err != nil {
		old.Close()
		os.Remove(sem)
		return err
	}
	if background {
		go old.Close()
		return nil
	}
	return old.Close()
}
