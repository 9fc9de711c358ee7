//go:build unix

package floor

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFd maps the first size bytes of fd read-only.
func mapFd(fd *os.File, size int) ([]byte, error) {
	return unix.Mmap(int(fd.Fd()), 0, size, unix.PROT_READ, unix.MAP_PRIVATE)
}

// unmap releases a mapping mapFd made.
func unmap(buf []byte) {
	if buf != nil {
		unix.Munmap(buf)
	}
}
