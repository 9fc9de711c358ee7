//go:build !unix

package rcs

import (
	"os"
	"unsafe"
)

// mapFile is MapFiles's mapping, which this system does not have: files
// are always read.
func mapFile(fd *os.File, path string, size int64) []byte { return nil }

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
