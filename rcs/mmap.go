package rcs

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// MapFiles makes every later Open and Update in this process map the ,v
// file read-only into memory (mmap) instead of reading it into a buffer
// from the Go heap, as GNU RCS maps its input files. A command that
// reads a big file and exits then pays neither the copy nor the page
// faults of fresh heap memory (the kernel maps the page cache's pages, 16
// a fault), and a command given many files does not grow its heap by
// the size of each.
//
// The mappings are never unmapped: a File, and every string or slice it
// gives, may point into its file's mapping, so a mapping stays valid
// until the process exits. (So a file Update replaced is freed at exit,
// not by Update's background close; replacing each mapping by an
// inaccessible one once a command was done with the file freed it
// sooner but in the foreground, and was no faster.) MapFiles is therefore meant for a command that
// handles the files it was given and exits, not for a long-running
// program. Past MaxFileSize bytes or 8192 files mapped in all, and for
// files smaller than 64 KiB, files are read into the heap as without it.
//
// A mapped file that another program truncates (GNU RCS and netkit
// replace a ,v file by rename, never in place) makes the next touch of
// the lost pages a memory fault (SIGBUS). Run the work in a goroutine
// that has called runtime/debug.SetPanicOnFault(true) and give what it
// recovers to MapFault, which turns such a fault into an error.
func MapFiles() { mapping.on.Store(true) }

// mapMin, mapLimit and mapCount bound MapFiles's mappings: a small file
// is read (a read of a few pages costs less than a mapping); the limits
// keep what a command given a great many files holds mapped to one
// largest file's worth (MaxFileSize), within a 32-bit address space and
// well within the kernel's count of mappings (vm.max_map_count, 65530 by
// default). Past them, files are read into the heap, where the garbage
// collector frees them.
var mapMin int64 = 64 << 10 // a variable for the tests

const (
	mapLimit = MaxFileSize
	mapCount = 8192
)

// mapping is MapFiles's state: whether it is on and the files mapped.
var mapping struct {
	on    atomic.Bool
	mu    sync.Mutex
	total int64
	files []mappedFile
}

// mappedFile is the address range a file is mapped at.
type mappedFile struct {
	path   string
	lo, hi uintptr
}

// mapReserve reserves room for a mapping of size bytes: false if
// MapFiles is off, the file is small, or the limits are reached.
func mapReserve(size int64) bool {
	if !mapping.on.Load() || size < mapMin {
		return false
	}
	mapping.mu.Lock()
	defer mapping.mu.Unlock()
	if mapping.total+size > mapLimit || len(mapping.files) >= mapCount {
		return false
	}
	mapping.total += size
	return true
}

// mapRecord notes where path is mapped, for MapFault; or, with buf nil
// (the mapping failed), gives back the room mapReserve reserved.
func mapRecord(path string, size int64, buf []byte) {
	mapping.mu.Lock()
	defer mapping.mu.Unlock()
	if buf == nil {
		mapping.total -= size
		return
	}
	lo := uintptrOf(buf)
	mapping.files = append(mapping.files, mappedFile{path, lo, lo + uintptr(len(buf))})
}

// MapFault returns an error naming the file if v, a value recovered from
// a panic, is a memory fault in a file MapFiles mapped: the file was
// truncated while mapped. Otherwise it returns nil (the caller should
// panic again with v).
func MapFault(v any) error {
	re, ok := v.(runtime.Error)
	if !ok {
		return nil
	}
	fault, ok := re.(interface{ Addr() uintptr })
	if !ok {
		return nil
	}
	addr := fault.Addr()
	mapping.mu.Lock()
	defer mapping.mu.Unlock()
	for _, m := range mapping.files {
		if m.lo <= addr && addr < m.hi {
			return errTruncated(m.path)
		}
	}
	return nil
}

func errTruncated(path string) error {
	return fmt.Errorf("%s: the file was truncated by another program while it was read", path)
}

// writeFault is the error for a write from the mapping of the file at
// path that failed with EFAULT (the kernel met the lost pages of a
// truncated file); nil if err is not that.
func writeFault(path string, err error) error {
	if !errors.Is(err, syscall.EFAULT) {
		return nil
	}
	mapping.mu.Lock()
	defer mapping.mu.Unlock()
	for _, m := range mapping.files {
		if m.path == path {
			return errTruncated(path)
		}
	}
	return nil
}
