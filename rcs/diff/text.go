package diff

import "bytes"

// Style is an output format of GNU diff.
type Style int

// The output formats Text writes.
const (
	Normal  Style = iota // diff's default: "3c3", "< old", "---", "> new"
	Unified              // diff -u / -U N
	Context              // diff -c / -C N
	RCS                  // diff -n, the format of RCS deltas
)

// binaryPrefix is how much of each file GNU diff reads before deciding
// that a file is binary (one block of the file system, 4096 bytes here):
// a NUL byte there makes it binary.
const binaryPrefix = 4096

// isBinary reports whether GNU diff would take text for a binary file.
func isBinary(text []byte) bool {
	return bytes.IndexByte(text[:min(len(text), binaryPrefix)], 0) >= 0
}

// Text compares old and new as GNU diff does and returns its output in
// style with context lines of context (for Unified and Context), or nil
// when they are equal. oldLabel and newLabel are the names diff -L gives:
// they head the Unified and Context output, and a binary file (one with a
// NUL byte in its first block) gives "Binary files OLD and NEW differ", as
// GNU diff says without -a.
func Text(old, new []byte, style Style, context int, oldLabel, newLabel string) []byte {
	if bytes.Equal(old, new) {
		return nil
	}
	if isBinary(old) || isBinary(new) {
		return []byte("Binary files " + oldLabel + " and " + newLabel + " differ\n")
	}
	a, b := SplitLines(old), SplitLines(new)
	var hs []Hunk
	if style == Unified || style == Context {
		hs = LinesContext(a, b, context)
	} else {
		hs = Lines(a, b)
	}
	if len(hs) == 0 {
		return nil
	}
	var out []byte
	switch style {
	case Unified:
		out = append(out, "--- "+oldLabel+"\n+++ "+newLabel+"\n"...)
		out = AppendUnified(out, a, b, hs, context)
	case Context:
		out = append(out, "*** "+oldLabel+"\n--- "+newLabel+"\n"...)
		out = AppendContext(out, a, b, hs, context)
	case RCS:
		out = AppendRCS(out, a, b, hs)
	default:
		out = AppendNormal(out, a, b, hs)
	}
	return out
}
