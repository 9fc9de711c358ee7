//go:build !unix

package floor

import (
	"io"
	"os"
)

// mapFd reads the first size bytes of fd: without mmap, the floor reads
// the file as rcs.Open does.
func mapFd(fd *os.File, size int) ([]byte, error) {
	buf := make([]byte, size)
	_, err := io.ReadFull(fd, buf)
	return buf, err
}

// unmap does nothing: mapFd's buffer is the garbage collector's.
func unmap([]byte) {}
