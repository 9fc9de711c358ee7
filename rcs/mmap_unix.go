//go:build unix

package rcs

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapFile maps the size bytes of fd read-only if MapFiles is on and the
// file is worth it (see mapReserve); nil if not or if mapping fails (the
// caller then reads the file).
func mapFile(fd *os.File, path string, size int64) []byte {
	if !mapReserve(size) {
		return nil
	}
	var buf []byte
	sc, err := fd.SyscallConn()
	if err == nil {
		sc.Control(func(fd uintptr) {
			buf, err = unix.Mmap(int(fd), 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE)
		})
	}
	if err != nil {
		buf = nil
	}
	mapRecord(path, size, buf)
	return buf
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
